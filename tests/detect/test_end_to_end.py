"""Train on simulator seed 1, scan seed 2, evaluate: through the CLI, small sizes.

Floors are below what the full-size run reaches (see docs/detection.md) so that the test
catches breakage, not noise; determinism is checked on a row-shuffled copy of the CDRs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

pytestmark = pytest.mark.slow
SUBSCRIBERS = 5000


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    from callwarden.sim import simulate, write_sim

    root = tmp_path_factory.mktemp("sims")
    out = {}
    for seed in (1, 2):
        out[seed] = write_sim(
            simulate("article", seed=seed, subscribers=SUBSCRIBERS), root / f"s{seed}"
        )
    return out


@pytest.fixture(scope="module")
def model_dir(sims: dict[int, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("model") / "m"
    s1 = sims[1]
    _run(["train", "--cdrs", str(s1), "--labels", str(s1 / "labels.csv"), "--registry",
          str(s1 / "registry.csv"), "--out", str(d), "--rounds", "80", "--folds", "3"])  # fmt: skip
    return d


def test_seed_one_model_finds_seed_two_operations(
    sims: dict[int, Path], model_dir: Path, tmp_path: Path
) -> None:
    s2 = sims[2]
    out = _run(["scan", "--cdrs", str(s2), "--model", str(model_dir), "--registry", str(s2 / "registry.csv"),
                "--out", str(tmp_path), "--lang", "en"])  # fmt: skip
    assert "scanned" in out and (tmp_path / "verdicts.csv").is_file()
    # the summary names what the verdicts came from (a case file cites it)
    inputs = json.loads((tmp_path / "scan-summary.json").read_text())["inputs"]
    assert inputs["cdrs"] == str(s2.resolve()) and inputs["model"] == str(model_dir.resolve())
    assert inputs["registry"] == str((s2 / "registry.csv").resolve())
    assert inputs["transcripts"] == str((s2 / "transcripts.jsonl").resolve())
    assert inputs["features"] is None and inputs["callwarden"]
    _run(["evaluate", "--verdicts", str(tmp_path / "verdicts.csv"), "--labels", str(s2 / "labels.csv"),
          "--cdrs", str(s2)])  # fmt: skip
    report = json.loads((tmp_path / "evaluation.json").read_text())
    flagged = report["scanned"]["flagged_vs_benign"]
    assert flagged["support"] > 100
    assert flagged["precision"] >= 0.98, flagged
    assert flagged["recall"] >= 0.85, flagged
    heavy = report["legitimate_heavy_callers"]
    assert heavy["population"] > 10
    assert heavy["rate"] <= 0.02, heavy
    _flagged_numbers_carry_their_campaigns_category(tmp_path / "verdicts.csv", s2)
    cats = report["categories"]  # evaluate measures the same
    assert cats["agree"] >= 0.8 * cats["flagged_with_true_category"] > 0, cats


def test_scan_reads_transcripts_kept_apart_from_the_cdrs(
    sims: dict[int, Path], model_dir: Path, tmp_path: Path
) -> None:
    """A carrier's transcripts come from its screening assistant, not with the CDRs."""
    import shutil

    import pandas as pd

    s2 = sims[2]
    alone = tmp_path / "cdrs"
    alone.mkdir()
    shutil.copy(s2 / "cdrs.parquet", alone / "cdrs.parquet")
    common = ["scan", "--cdrs", str(alone), "--model", str(model_dir), "--registry",
              str(s2 / "registry.csv")]  # fmt: skip
    _run([*common, "--out", str(tmp_path / "without")])
    without = pd.read_csv(tmp_path / "without" / "verdicts.csv", dtype=str, keep_default_na=False)
    assert (without["category"] == "").all()
    _run([*common, "--out", str(tmp_path / "with"), "--transcripts", str(s2 / "transcripts.jsonl")])
    _flagged_numbers_carry_their_campaigns_category(tmp_path / "with" / "verdicts.csv", s2)
    bad = [*common, "--out", str(tmp_path / "bad"), "--transcripts", str(tmp_path / "no.jsonl")]
    res = CliRunner().invoke(app, bad)
    assert res.exit_code == 2 and "is not a file" in res.output, res.output
    table = tmp_path / "table.csv"
    table.write_text("id,x\na,1\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["scan", "--features", str(table), "--id-column", "id",
                                   "--model", str(model_dir), "--out", str(tmp_path / "t"),
                                   "--transcripts", str(s2 / "transcripts.jsonl")])  # fmt: skip
    assert res.exit_code == 2 and "--transcripts needs --cdrs" in res.output, res.output


def _flagged_numbers_carry_their_campaigns_category(verdicts: Path, sim: Path) -> None:
    """A flagged number in a campaign takes the category of the campaign's transcripts (what
    refused categories and the displayed tag read); benign numbers get none."""
    import pandas as pd

    v = pd.read_csv(verdicts, dtype=str, keep_default_na=False)
    truth = pd.read_csv(sim / "labels.csv", dtype=str, keep_default_na=False)
    m = v.merge(truth, on="number", suffixes=("", "_truth"))
    assert (v.loc[v["label"] == "benign", "category"] == "").all()
    marketing = m[(m["label"] != "benign") & (m["label_truth"] == "harassment")]
    marketing = marketing[marketing["category_truth"] != "personal"]
    assert len(marketing) > 50
    right = (marketing["category"] == marketing["category_truth"]).mean()
    assert right >= 0.9, marketing.groupby(["category_truth", "category"]).size()


def test_training_is_deterministic_whatever_the_row_order(
    sims: dict[int, Path], model_dir: Path, tmp_path: Path
) -> None:
    s1 = sims[1]
    table = pq.read_table(s1 / "cdrs.parquet")
    perm = np.random.default_rng(7).permutation(table.num_rows)
    shuffled = tmp_path / "shuffled.parquet"
    pq.write_table(table.take(perm), shuffled, row_group_size=5000)
    again = tmp_path / "m2"
    _run(["train", "--cdrs", str(shuffled), "--labels", str(s1 / "labels.csv"), "--registry",
          str(s1 / "registry.csv"), "--out", str(again), "--rounds", "80", "--folds", "3"])  # fmt: skip
    assert (again / "model.txt").read_bytes() == (model_dir / "model.txt").read_bytes()
    assert (again / "thresholds.json").read_text() == (model_dir / "thresholds.json").read_text()
    s2 = sims[2]
    for m, o in ((model_dir, tmp_path / "v1"), (again, tmp_path / "v2")):
        _run(
            [
                "scan",
                "--cdrs",
                str(s2),
                "--model",
                str(m),
                "--registry",
                str(s2 / "registry.csv"),
                "--out",
                str(o),
            ]
        )
    assert (tmp_path / "v1" / "verdicts.csv").read_bytes() == (
        tmp_path / "v2" / "verdicts.csv"
    ).read_bytes()


def test_scan_with_a_malformed_model_fails_clearly(sims: dict[int, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text("{}")
    result = CliRunner().invoke(
        app, ["scan", "--cdrs", str(sims[2]), "--model", str(bad), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "error: model directory" in result.output and "incomplete" in result.output


def test_explain_benign_gives_every_verdict_reasons(
    sims: dict[int, Path], model_dir: Path, tmp_path: Path
) -> None:
    """scan --explain-benign: the same labels, scores, campaigns and flagged reasons; every
    other number gets the features that kept it benign, or why it was not scored."""
    import pandas as pd

    s2 = sims[2]
    common = ["scan", "--cdrs", str(s2), "--model", str(model_dir), "--registry",
              str(s2 / "registry.csv"), "--top", "0"]  # fmt: skip
    _run([*common, "--out", str(tmp_path / "plain")])
    _run([*common, "--out", str(tmp_path / "told"), "--explain-benign"])
    read = {"dtype": str, "keep_default_na": False}
    plain = pd.read_csv(tmp_path / "plain" / "verdicts.csv", **read)
    told = pd.read_csv(tmp_path / "told" / "verdicts.csv", **read)
    for col in ("number", "label", "score", "category", "campaign"):
        assert plain[col].tolist() == told[col].tolist(), col
    flagged = plain["label"] != "benign"
    assert (plain["reasons"][flagged] == told["reasons"][flagged]).all()
    assert (plain["reasons"][~flagged] == "[]").all() and (told["reasons"] != "[]").all()
    codes = [json.loads(r)[0]["code"] for r in told["reasons"][~flagged]]
    assert "NOT_SCORED_LOW_ACTIVITY" in codes and any(c != "NOT_SCORED_LOW_ACTIVITY" for c in codes)

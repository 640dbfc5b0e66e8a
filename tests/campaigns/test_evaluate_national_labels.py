"""evaluate's campaign section reads the labels as its main report does (audit B: labels
written 15874865004 instead of +8615874865004 matched in the main report but not in the
campaign section, which printed "numbers 0, ari nan", counted all 323 harassment callers as
"benign_numbers_flagged", and wrote NaN into evaluation.json, which strict JSON readers
refuse)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli._detect_io import write_json
from callwarden.cli.main import app

pytestmark = pytest.mark.slow


def _strict(path: Path) -> dict:  # type: ignore[type-arg]
    def refuse(name: str) -> None:
        raise ValueError(f"{path} holds {name}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)  # type: ignore[no-any-return]


def test_national_labels_give_the_campaign_section_of_e164_ones(tmp_path: Path) -> None:
    from callwarden.sim import simulate, write_sim

    sim = write_sim(simulate("article", seed=2, subscribers=1500), tmp_path / "s")
    with (sim / "labels.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    verdicts = tmp_path / "verdicts.csv"
    with verdicts.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["number", "label", "score", "campaign"])
        w.writerows([r["number"], r["label"], 0.5, r["campaign"]] for r in rows)
    national = tmp_path / "national.csv"
    with national.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["number", "label", "category", "campaign"])
        w.writerows(
            [
                r["number"].removeprefix("+86"),
                f" {r['label'].title()}",
                r["category"],
                r["campaign"],
            ]
            for r in rows
        )
    reports = []
    for labels, out in ((sim / "labels.csv", "e164.json"), (national, "national.json")):
        res = CliRunner().invoke(app, ["evaluate", "--verdicts", str(verdicts), "--labels",
                                       str(labels), "--cdrs", str(sim), "--out", str(tmp_path / out)])  # fmt: skip
        assert res.exit_code == 0, res.output + repr(res.exception)
        reports.append(_strict(tmp_path / out)["campaigns"])
    e164, nat = reports
    assert e164["clustering"]["numbers"] > 0 and e164["clustering"]["ari"] == 1.0
    assert nat == e164


def test_json_reports_write_null_for_a_figure_that_is_not_a_number(tmp_path: Path) -> None:
    write_json(tmp_path / "r.json", {"ari": math.nan, "x": [1.0, math.inf], "n": 2})
    assert _strict(tmp_path / "r.json") == {"ari": None, "x": [1.0, None], "n": 2}


def test_campaigns_eval_json_has_no_nan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import callwarden.campaigns.evaluation as evaluation
    import callwarden.campaigns.io as cio
    import callwarden.campaigns.scripts as cscripts

    class Run:
        def __init__(self, folder: Path) -> None:
            pass

        def __getattr__(self, name: str) -> object:
            return lambda: None

    figures = {"fresh_numbers": {"fresh_numbers": 0, "median_calls_to_flag": math.nan}}
    monkeypatch.setattr(cio, "SimRun", Run)
    monkeypatch.setattr(cscripts, "script_clusters", lambda t: None)
    monkeypatch.setattr(evaluation, "evaluate_campaigns", lambda *a, **k: figures)
    out = tmp_path / "f.json"
    res = CliRunner().invoke(app, ["campaigns-eval", "--train", str(tmp_path), "--test",
                                   str(tmp_path), "--json", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output + repr(res.exception)
    assert _strict(out) == {"fresh_numbers": {"fresh_numbers": 0, "median_calls_to_flag": None}}

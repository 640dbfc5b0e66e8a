"""``compare`` end to end: a small simulated day, two models trained with different rounds,
seeds and thresholds, both scans compared with ``--cdrs`` and ``--labels``. Each figure is
checked against a count made here from the two verdicts files, and the labelled figures
against ``evaluate``'s own on each scan."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.evaluate import heavy_callers
from callwarden.cli.main import app

pytestmark = pytest.mark.slow


def _ok(*args: str) -> None:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    w = tmp_path_factory.mktemp("compare-e2e")
    sim = w / "sim"
    _ok("simulate", "--scenario", "article", "--seed", "1", "--subscribers", "2000",
        "--out", str(sim))  # fmt: skip
    labels = str(sim / "labels.csv")
    _ok("train", "--cdrs", str(sim), "--labels", labels, "--out", str(w / "m1"),
        "--rounds", "20", "--seed", "1")  # fmt: skip
    _ok("train", "--cdrs", str(sim), "--labels", labels, "--out", str(w / "m2"),
        "--rounds", "60", "--seed", "2", "--objective", "f1")  # fmt: skip
    for m in ("m1", "m2"):
        _ok("scan", "--cdrs", str(sim), "--model", str(w / m), "--out", str(w / f"s-{m}"))
    return w


def _verdicts(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as fh:
        return {r["number"]: r["label"] for r in csv.DictReader(fh)}


def test_counts_guards_and_labels(day: Path) -> None:
    old_v, new_v = _verdicts(day / "s-m1/verdicts.csv"), _verdicts(day / "s-m2/verdicts.csv")
    assert old_v.keys() == new_v.keys()  # the same day, the same numbers scored
    old = {n for n, lab in old_v.items() if lab != "benign"}
    new = {n for n, lab in new_v.items() if lab != "benign"}
    newly, cleared = new - old, old - new
    assert newly or cleared  # two different models: the comparison has something to say
    args = ["compare", "--old", str(day / "s-m1"), "--new", str(day / "s-m2"),
            "--cdrs", str(day / "sim"), "--labels", str(day / "sim/labels.csv")]  # fmt: skip
    res = CliRunner().invoke(app, args)
    heavy = heavy_callers(day / "sim", 50, "Asia/Shanghai") & newly
    assert res.exit_code == 0, res.output
    got = json.loads((day / "s-m2/compare.json").read_text(encoding="utf-8"))
    assert got["counts"] == {
        "flagged_by_both": len(old & new),
        "cleared": len(cleared),
        "newly_flagged": len(newly),
        "neither": len(old_v) - len(old | new),
        "old_flagged": len(old),
        "new_flagged": len(new),
    }
    changed = sum(1 for n in old & new if old_v[n] != new_v[n])
    assert sum(got["label_changes"].values()) == changed
    assert {r["number"] for r in got["top_newly_flagged"]} <= newly
    assert {r["number"] for r in got["top_cleared"]} <= cleared
    guard = got["guards"][0]
    assert guard["code"] == "NEWLY_FLAGGED_HEAVY_CALLER"
    assert guard["evidence"]["count"] == len(heavy)
    if len(heavy) <= 50:  # (the evidence lists 50 numbers at most)
        assert set(guard["evidence"]["numbers"]) == heavy
    # the labelled figures are evaluate's flagged-vs-benign on each scan
    for side, scan in (("old", "s-m1"), ("new", "s-m2")):
        ev = day / f"ev-{side}.json"
        _ok("evaluate", "--verdicts", str(day / scan / "verdicts.csv"),
            "--labels", str(day / "sim/labels.csv"), "--out", str(ev))  # fmt: skip
        want = json.loads(ev.read_text(encoding="utf-8"))
        f = want["scanned"]["flagged_vs_benign"]
        mine = got["labels"][side]
        assert mine["precision"] == pytest.approx(f["precision"])
        assert mine["recall"] == pytest.approx(f["recall"])
        assert mine["recall_all_labelled"] == pytest.approx(
            want["all_labelled"]["flagged_vs_benign"]["recall"]
        )
    # --strict: exit 1 exactly when a newly flagged number is a heavy caller
    res = CliRunner().invoke(app, [*args, "--strict", "--out", str(day / "strict.json")])
    assert res.exit_code == (1 if heavy else 0), res.output

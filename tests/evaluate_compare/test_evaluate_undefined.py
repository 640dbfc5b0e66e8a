"""``evaluate``'s figures where they are undefined or count other days (audit 25 L1, L2).

L1: a day with no bad number and nothing flagged has no precision and no recall; they were
printed 0.0000 and written 0.0, which a script reads as a failure. L2: a two-day labels file
scanned on its last day counted the first day's bad callers (no call on the scanned day) as
missed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.evaluate.metrics import classification_report

from ._scans import NEW, A, B, C, D, E, G, H, write_scan

Y = "+8613900000098"  # labelled fraud, called on the scanned day, not in the verdicts
Z = "+8613900000099"  # labelled fraud, called only the day before


def _cdrs(path: Path, calls: dict[str, str]) -> Path:
    """Five calls of each number on its local day (Asia/Shanghai noon)."""
    rows: dict[str, list[object]] = {"caller": [], "callee": [], "start_time": [], "duration_s": []}
    for number, day in calls.items():
        t0 = dt.datetime.fromisoformat(f"{day}T04:00:00+00:00")
        for i in range(5):
            rows["caller"].append(number)
            rows["callee"].append(f"+86138{i:08d}")
            rows["start_time"].append(t0 + dt.timedelta(minutes=i))
            rows["duration_s"].append(10.0)
    table = pa.table(
        {
            **{k: v for k, v in rows.items() if k != "start_time"},
            "start_time": pa.array(rows["start_time"], pa.timestamp("us", tz="UTC")),
        }
    )
    pq.write_table(table, path)
    return path


def _labels(path: Path, rows: dict[str, str]) -> Path:
    path.write_text(
        "number,label\n" + "".join(f"{n},{lab}\n" for n, lab in rows.items()), encoding="utf-8"
    )
    return path


def _evaluate(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["evaluate", *args])
    return res.exit_code, res.stdout, res.stderr


def test_undefined_figures_are_none() -> None:
    truth = pred = np.zeros(4, dtype=np.int64)
    rep = classification_report(truth, pred, ("benign", "harassment", "fraud"))
    f = rep["flagged_vs_benign"]
    assert (f["precision"], f["recall"], f["f1"]) == (None, None, None)
    # nothing flagged, two to find: recall 0 and F1 0 are defined, precision is not
    rep = classification_report(np.array([0, 2, 2]), np.zeros(3, dtype=np.int64), ("b", "h", "f"))
    f = rep["flagged_vs_benign"]
    assert (f["precision"], f["recall"], f["f1"]) == (None, 0.0, 0.0)
    assert rep["per_class"]["f"]["f1"] == 0.0 and rep["macro_f1"] == 0.25  # (0.5 and 0)


def test_a_quiet_day_prints_n_a_and_writes_null(tmp_path: Path) -> None:
    benign = [(n, "benign", "0.1", "", "[]", "") for n in (A, B, C)]
    scan = write_scan(tmp_path / "scan", benign)
    labels = _labels(tmp_path / "labels.csv", {A: "benign", B: "benign", C: "benign"})
    out = tmp_path / "evaluation.json"
    code, stdout, err = _evaluate(
        "--verdicts", str(scan / "verdicts.csv"), "--labels", str(labels), "--out", str(out)
    )
    assert code == 0, err
    flagged = next(line for line in stdout.splitlines() if line.startswith("flagged"))
    assert flagged.split()[1:4] == ["n/a", "n/a", "n/a"], flagged
    assert "recall over all labelled bad numbers n/a" in stdout
    got = json.loads(out.read_text(encoding="utf-8"))
    for section in (got["scanned"], got["all_labelled"]):
        f = section["flagged_vs_benign"]
        assert f["precision"] is None and f["recall"] is None and f["f1"] is None


def test_bad_numbers_not_calling_on_the_scanned_day_are_counted_apart(tmp_path: Path) -> None:
    scan = write_scan(tmp_path / "scan", NEW)  # day 2026-11-02; A, B, D, G flagged
    day = "2026-11-02"
    cdrs = _cdrs(
        tmp_path / "cdrs.parquet",
        {**{n: day for n in (A, B, C, D, E, G, H)}, Y: day, Z: "2026-11-01"},
    )
    labels = _labels(
        tmp_path / "labels.csv",
        {A: "fraud", B: "fraud", D: "harassment", G: "fraud", Y: "fraud", Z: "fraud"},
    )
    out = tmp_path / "evaluation.json"
    code, stdout, err = _evaluate(
        "--verdicts", str(scan / "verdicts.csv"), "--labels", str(labels),
        "--cdrs", str(cdrs), "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    assert (
        "labelled bad numbers not in verdicts: 2 (1 not calling on the scanned day 2026-11-02, "
        "1 calling); recall over labelled bad numbers calling on the scanned day 2026-11-02 "
        "0.8000, over all labelled bad numbers 0.6667"
    ) in stdout, stdout
    a = json.loads(out.read_text(encoding="utf-8"))["all_labelled"]
    assert a["bad_numbers_not_in_verdicts"] == 2 and a["not_calling_on_scanned_day"] == 1
    assert a["scanned_day"] == day
    assert a["calling"]["bad_numbers_not_in_verdicts"] == 1
    assert a["calling"]["flagged_vs_benign"]["recall"] == 0.8
    assert a["flagged_vs_benign"]["recall"] == 4 / 6

    # without --cdrs the line says what its count holds
    code, stdout, err = _evaluate(
        "--verdicts", str(scan / "verdicts.csv"), "--labels", str(labels),
        "--out", str(tmp_path / "e2.json"),
    )  # fmt: skip
    assert code == 0, err
    assert (
        "labelled bad numbers not in verdicts: 2 (counted as missed, including any that made "
        "no call on the scanned day: --cdrs counts those apart); recall over all labelled bad "
        "numbers 0.6667"
    ) in stdout, stdout

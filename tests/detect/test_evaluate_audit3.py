"""evaluate, third audit (30 Nov): figures that were silently misleading. --cdrs that are not
the scanned calls (item 8), 0/1 truth against three-class verdicts (item 8), a damaged or
missing training_rows.u64 (item 10), and the words of a received/placed ratio with nothing
received (item 13a)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from callwarden.cdr import ingest
from callwarden.cli.main import app
from callwarden.detect.reasons import top_reasons
from callwarden.detect.training_rows import FILE
from callwarden.reasons import render

DAY = "2026-11-03"


def _run(args: list[str]) -> str:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output + repr(res.exception)
    return res.output


def _cdrs(tmp_path: Path, name: str, prefix: str) -> Path:
    """Three callers ``prefix``0..2 calling on DAY (local time)."""
    rows = [f"{DAY} 10:00:{i:02d},{prefix}{i % 3},13900139000,5" for i in range(9)]
    f = tmp_path / f"{name}.csv"
    f.write_text("start_time,caller,callee,duration_s\n" + "\n".join(rows) + "\n")
    out = tmp_path / name
    ingest([f], out)
    return out


def _scan_dir(tmp_path: Path, cdrs: Path, labels: list[str]) -> Path:
    """verdicts.csv and the scan-summary.json a scan of ``cdrs`` on DAY writes beside it."""
    scan = tmp_path / "scan"
    scan.mkdir()
    numbers = [f"+861380013800{i}" for i in range(3)]
    lines = ["number,label,score,category,reasons"]
    lines += [f"{n},{lab},0.5,," for n, lab in zip(numbers, labels, strict=True)]
    (scan / "verdicts.csv").write_text("\n".join(lines) + "\n")
    by_label: dict[str, int] = {}
    for lab in labels:
        by_label[lab] = by_label.get(lab, 0) + 1
    summary = {"numbers": 3, "by_label": by_label, "day": DAY, "tz": "Asia/Shanghai",
               "kind": "cdr", "inputs": {"cdrs": str(cdrs), "model": str(tmp_path / "none")}}  # fmt: skip
    (scan / "scan-summary.json").write_text(json.dumps(summary))
    return scan


def _labels(tmp_path: Path, rows: list[str]) -> Path:
    f = tmp_path / "labels.csv"
    f.write_text("number,label\n" + "\n".join(rows) + "\n")
    return f


def _evaluate(scan: Path, labels: Path, *extra: str) -> tuple[str, dict[str, Any]]:
    text = _run(["evaluate", "--verdicts", str(scan / "verdicts.csv"), "--labels", str(labels),
                 *extra])  # fmt: skip
    return text, json.loads((scan / "evaluation.json").read_text())


def test_cdrs_that_are_not_the_scanned_calls_are_named(tmp_path: Path) -> None:
    """The audit gave --cdrs of another simulated world: 'legitimate heavy callers: 0 of 0'
    and campaign figures of other calls, exit 0 and no word."""
    scanned = _cdrs(tmp_path, "scanned", "+861380013800")
    other = _cdrs(tmp_path, "other", "+861370013700")
    scan = _scan_dir(tmp_path, scanned, ["benign", "harassment", "benign"])
    labels = _labels(tmp_path, ["+8613800138001,harassment"])
    text, report = _evaluate(scan, labels, "--cdrs", str(other))
    assert "warning: --cdrs " in text and "are not the calls the verdicts were scanned from" in text
    assert "only 0 of the 3 verdict numbers placed calls there on 2026-11-03" in text
    assert report["cdrs_check"]["verdict_numbers_calling"] == 0
    assert any("not the calls" in w for w in report["warnings"])
    # the scan's own CDRs, and another copy of the same calls, pass
    for same in (scanned, scanned / "cdrs" / f"day={DAY}"):
        text, report = _evaluate(scan, labels, "--cdrs", str(same))
        assert "not the calls" not in text and report["cdrs_check"]["verdict_numbers_calling"] == 3


def test_cdrs_without_the_scanned_day_are_named(tmp_path: Path) -> None:
    scanned = _cdrs(tmp_path, "scanned", "+861380013800")
    scan = _scan_dir(tmp_path, scanned, ["benign", "harassment", "benign"])
    summary = json.loads((scan / "scan-summary.json").read_text())
    summary["day"] = "2026-11-09"
    (scan / "scan-summary.json").write_text(json.dumps(summary))
    labels = _labels(tmp_path, ["+8613800138001,harassment"])
    text, _ = _evaluate(scan, labels, "--cdrs", str(scanned))
    assert "the scanned day 2026-11-09 is not in them (their days: 2026-11-03)" in text


def test_binary_truth_against_harassment_verdicts_is_named(tmp_path: Path) -> None:
    """0/1 labels (1 = fraud) against a three-class model: macro-F1 0.3410 with harassment
    support 0, while flagged-vs-benign F1 was 0.9929; nothing said so."""
    scanned = _cdrs(tmp_path, "scanned", "+861380013800")
    scan = _scan_dir(tmp_path, scanned, ["benign", "harassment", "benign"])
    labels = _labels(tmp_path, ["+8613800138000,0", "+8613800138001,1", "+8613800138002,0"])
    text, report = _evaluate(scan, labels)
    assert "macro-F1 " in text and "(not meaningful: the labels hold no harassment" in text
    assert "warning: the labels name no harassment number (0/1 labels: 1 = fraud)" in text
    assert "flagged-vs-benign instead (precision 1.0000, recall 1.0000, F1 1.0000)" in text
    assert report["binary_truth"] == {"harassment_verdicts": 1}
    # three-class truth: no such words
    labels = _labels(tmp_path, ["+8613800138001,harassment"])
    text, report = _evaluate(scan, labels)
    assert "not meaningful" not in text and "binary_truth" not in report


# --- item 10: training_rows.u64 ---------------------------------------------------------------


def _table(path: Path, ids: range, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, len(ids))
    x = y * 1.0 + rng.normal(0, 0.8, len(ids))
    lines = ["id,x,label"] + [f"n{i},{v:.4f},{t}" for i, v, t in zip(ids, x, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("rows")
    table = _table(tmp / "t.csv", range(200), 0)
    model = tmp / "m"
    _run(["train", "--features", str(table), "--id-column", "id", "--label-column", "label",
          "--objective", "f1", "--rounds", "20", "--folds", "2", "--out", str(model)])  # fmt: skip
    return table, model


def test_train_records_the_rows_file_in_the_manifest(trained: tuple[Path, Path]) -> None:
    from callwarden.detect.training_rows import check_rows

    _, model = trained
    manifest = json.loads((model / "manifest.json").read_text())
    data = (model / FILE).read_bytes()
    assert manifest["training_rows"] == {
        "rows": 200, "bytes": 1600, "sha256": hashlib.sha256(data).hexdigest()
    }  # fmt: skip
    stored, problem = check_rows(model, manifest, 200)
    assert problem is None and stored is not None and len(stored) == 200


def _damage(model: Path, how: str, manifest_record: bool) -> None:
    path = model / FILE
    data = path.read_bytes()
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        path.write_bytes(data[:100])
    elif how == "garbage":
        path.write_bytes(np.random.default_rng(1).bytes(len(data)))
    elif how == "empty":
        path.write_bytes(b"")
    if not manifest_record:  # a model written before the manifest recorded the file
        m = json.loads((model / "manifest.json").read_text())
        m.pop("training_rows", None)
        (model / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize("record", [True, False])
@pytest.mark.parametrize("how", ["missing", "truncated", "garbage", "empty"])
def test_a_damaged_rows_file_is_named_not_silent(
    trained: tuple[Path, Path], tmp_path: Path, how: str, record: bool
) -> None:
    """Deleting the file, garbage or a truncation made evaluate's in-sample line vanish
    without a word; an empty file gave 'checked, 0 rows in training'."""
    import shutil

    table, src = trained
    model = tmp_path / "m"
    shutil.copytree(src, model)
    _run(["scan", "--features", str(table), "--id-column", "id", "--model", str(model),
          "--out", str(tmp_path / "s")])  # fmt: skip
    _damage(model, how, record)
    text, report = _evaluate(tmp_path / "s", table, "--id-column", "id", "--label-column", "label")
    seen = report["in_sample"]
    assert seen["checked"] is False and seen["problem"], seen
    assert "warning: in-sample not checked: " in text
    assert any(w.startswith("in-sample not checked") for w in report["warnings"])
    if how != "missing":
        assert "damaged" in seen["problem"] or "empty" in seen["problem"]


def test_an_intact_file_still_checks(trained: tuple[Path, Path], tmp_path: Path) -> None:
    table, model = trained
    _run(["scan", "--features", str(table), "--id-column", "id", "--model", str(model),
          "--out", str(tmp_path / "s")])  # fmt: skip
    text, report = _evaluate(tmp_path / "s", table, "--id-column", "id", "--label-column", "label")
    assert report["in_sample"]["rows_in_training"] == 200 and "not checked" not in text


# --- item 13a -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "zh", "en"),
    [
        ("in_out_ratio_by_caller_7d", "7日内未接到来电", "received no calls in 7 days"),
        ("in_out_ratio_by_caller_1d", "当日未接到来电", "received no calls that day"),
    ],
)
def test_a_ratio_with_nothing_received_says_so(name: str, zh: str, en: str) -> None:
    """776 of 1,071 flags in the audit's scan read 'unusual received/placed ratio (7 days):
    no data', where the number received no calls in 7 days."""
    (reasons,) = top_reasons(np.array([[0.7]]), np.array([[np.nan]]), (name,), {name: 1.0})
    (r,) = reasons
    assert r.code == "UNUSUAL_IN_OUT_RATIO"
    assert render(r, "zh").endswith(f"：{zh}（正常号码中位数 1）")
    assert render(r, "en").endswith(f": {en} (benign median 1)")

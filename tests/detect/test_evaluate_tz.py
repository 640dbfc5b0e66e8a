"""evaluate --cdrs counts heavy callers on the scan's local days (its --tz, recorded in
scan-summary.json, or evaluate's own --tz), not on UTC+8 days (until 30 Nov it always took
UTC+8: a New York business's 60 calls of one day were 15 + 45 calls of two UTC+8 days)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from callwarden.cdr.schema import CANONICAL_SCHEMA
from callwarden.cli.main import app

SHOP = "+12125550100"  # benign, flagged: a heavy caller of its own day, wrongly flagged
HOME = "+12125550111"


def _folder(tmp_path: Path, summary: dict[str, object] | None) -> tuple[Path, Path, Path]:
    # 60 calls 2026-11-02 08:00-19:48 New York (13:00 UTC to 00:48 UTC the next day); UTC+8
    # splits them at 16:00 UTC into 15 on 2026-11-02 and 45 on 2026-11-03
    t0 = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
    times = [t0 + timedelta(minutes=12 * i) for i in range(60)] + [t0]
    callers = [SHOP] * 60 + [HOME]
    n = len(times)
    cols: dict[str, object] = {f.name: [None] * n for f in CANONICAL_SCHEMA}
    cols.update(
        call_id=[f"c{i}" for i in range(n)], start_time=times, caller=callers,
        callee=[f"+1212555{i:04d}" for i in range(n)], duration_s=[30.0] * n,
        answered=[True] * n,
    )  # fmt: skip
    cdrs = tmp_path / "cdrs.parquet"
    pq.write_table(pa.table(cols, schema=CANONICAL_SCHEMA), cdrs)
    scan = tmp_path / "scan"
    scan.mkdir()
    (scan / "verdicts.csv").write_text(
        f"number,label,score,category,reasons\n{SHOP},harassment,0.97,,[]\n"
        f"{HOME},benign,0.01,,[]\n",
        encoding="utf-8",
    )
    if summary is not None:
        (scan / "scan-summary.json").write_text(json.dumps(summary), encoding="utf-8")
    labels = tmp_path / "labels.csv"
    labels.write_text(f"number,label\n{SHOP},benign\n{HOME},benign\n", encoding="utf-8")
    return scan / "verdicts.csv", labels, cdrs


def _heavy(verdicts: Path, labels: Path, cdrs: Path, *extra: str) -> tuple[dict, str]:
    res = CliRunner().invoke(
        app,
        ["evaluate", "--verdicts", str(verdicts), "--labels", str(labels), "--cdrs", str(cdrs),
         "--heavy-attempts", "50", *extra],
    )  # fmt: skip
    assert res.exit_code == 0, res.output + repr(res.exception)
    report = json.loads((verdicts.parent / "evaluation.json").read_text(encoding="utf-8"))
    return report["legitimate_heavy_callers"], res.output


def test_heavy_callers_follow_the_scans_tz(tmp_path: Path) -> None:
    ny = {"day": "2026-11-02", "kind": "cdr", "tz": "America/New_York", "utc_offset_hours": -5}
    verdicts, labels, cdrs = _folder(tmp_path, ny)
    heavy, out = _heavy(verdicts, labels, cdrs)
    assert heavy["population"] == 1 and heavy["flagged"] == 1
    assert heavy["flagged_numbers"] == [SHOP] and heavy["tz"] == "America/New_York"
    assert "America/New_York (the scan's, scan-summary.json)" in out
    # --tz wins over the summary's
    heavy, out = _heavy(verdicts, labels, cdrs, "--tz", "UTC+8")
    assert heavy["population"] == 0 and "UTC+8 (--tz)" in out


def test_a_summary_before_tz_counts_utc_plus_8_days_and_says_so(tmp_path: Path) -> None:
    verdicts, labels, cdrs = _folder(tmp_path, {"day": "2026-11-03", "kind": "cdr"})
    heavy, out = _heavy(verdicts, labels, cdrs)
    assert heavy["population"] == 0 and heavy["tz"] == "Asia/Shanghai"
    assert "Asia/Shanghai (the default" in out
    heavy, _ = _heavy(verdicts, labels, cdrs, "--tz", "UTC-5")
    assert heavy["population"] == 1


def test_tz_without_cdrs_is_refused(tmp_path: Path) -> None:
    verdicts, labels, _ = _folder(tmp_path, None)
    res = CliRunner().invoke(
        app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(labels), "--tz", "UTC-5"]
    )
    assert res.exit_code == 2 and "--tz applies to --cdrs" in res.output

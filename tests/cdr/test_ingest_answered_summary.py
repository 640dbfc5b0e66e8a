"""ingest's summary says what it stored for an unreadable ``answered`` (CLI audit of
29 Nov: ``answered=maybe`` with ``duration_s=10`` printed "unreadable answered set to null:
1" while the stored value was True, derived from the talk time as docs/ingest.md says)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds
import pytest

from callwarden.cli.main import main


def test_an_unreadable_answered_is_said_to_be_derived(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "calls.csv"
    src.write_text(
        "start_time,caller,callee,duration_s,answered,ring_s\n"
        "2026-11-02T10:00:00+08:00,13800138000,13900139000,10,maybe,x\n"
        "2026-11-02T10:01:00+08:00,13800138000,13900139001,0,perhaps,2\n"
        "2026-11-02T10:02:00+08:00,13800138000,13900139002,0,yes,3\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    try:
        main(["ingest", str(src), "--out", str(out)])
    except SystemExit as exc:
        assert not exc.code
    lines = capsys.readouterr().out.splitlines()
    assert "  unreadable answered derived from duration_s > 0: 2" in lines
    assert "  unreadable ring_s set to null: 1" in lines
    assert not any("answered set to null" in line for line in lines)
    stored = ds.dataset(out / "cdrs", format="parquet", partitioning="hive").to_table()
    rows = sorted(stored.select(["callee", "answered", "ring_s"]).to_pylist(),
                  key=lambda r: r["callee"])  # fmt: skip
    assert [r["answered"] for r in rows] == [True, False, True]
    assert [r["ring_s"] for r in rows] == [None, 2.0, 3.0]

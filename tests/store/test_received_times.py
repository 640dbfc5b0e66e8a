"""Received calls read for report eligibility (``serve --cdrs``, the demo) take a CSV time
without an offset in the carrier's zone, as ``callwarden ingest`` does (``--tz``, default
Asia/Shanghai): they were read as UTC, 8 hours off the ingested CDRs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from callwarden.cdr.parse import times
from callwarden.errors import InputError
from callwarden.store.io import read_received_calls

HEADER = "start_time,caller,callee,duration_s\n"


def _first_at(tmp_path: Path, when: str, tz: str | None = None) -> datetime:
    p = tmp_path / "cdrs.csv"
    p.write_text(HEADER + f"{when},+8617012345678,+8613800138000,0\n", encoding="utf-8")
    rows = read_received_calls(p) if tz is None else read_received_calls(p, tz)
    return datetime.fromtimestamp(rows[0][2], UTC)


@pytest.mark.parametrize(
    "when",
    ["2026-11-01 10:00:00", "2026-11-01T10:00:00", "2026/11/01 10:00:00",
     "2026-11-01T10:00:00+08:00", "2026-11-01T02:00:00Z", "1793498400"],
)  # fmt: skip
def test_a_csv_time_reads_as_ingest_reads_it(tmp_path: Path, when: str) -> None:
    ingested = times(pa.array([when]), "Asia/Shanghai")[0][0].as_py()
    assert _first_at(tmp_path, when) == ingested == datetime(2026, 11, 1, 2, tzinfo=UTC)


def test_the_zone_of_naive_times_is_a_parameter(tmp_path: Path) -> None:
    assert _first_at(tmp_path, "2026-11-01 10:00:00", "UTC") == datetime(
        2026, 11, 1, 10, tzinfo=UTC
    )
    with pytest.raises(InputError, match="is neither a time zone name"):
        _first_at(tmp_path, "2026-11-01 10:00:00", "Mars/Olympus")


def test_an_unreadable_time_names_its_row(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'yesterday' of CDR row 1"):
        _first_at(tmp_path, "yesterday")


def test_a_blank_time_names_its_row(tmp_path: Path) -> None:
    """(A pair whose only time was blank crashed with float(None).)"""
    p = tmp_path / "cdrs.csv"
    ok = "2026-11-01 10:00:00,+8617012345678,+8613800138000,0\n"
    p.write_text(HEADER + ok + ",+8617012345679,+8613800138000,0\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"start_time \(blank\) of CDR row 2"):
        read_received_calls(p)

"""Ingest, third audit (30 Nov): a call_id that names two different calls, a file whose every
row is quarantined, an offset written after a space (audit items 2, 13c, 13d)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from callwarden.cdr import ingest, load_cdrs, parse, parse_mapping
from callwarden.cdr.dataset import cdr_relation_sql
from callwarden.cli.main import app
from callwarden.errors import InputError

H = "start_time,caller,callee,duration_s,call_id"


def _quarantine(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "quarantine.csv").read_text("utf-8"))))


def _write(path: Path, rows: list[str], header: str = H) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_call_id_naming_another_call_is_quarantined_not_a_duplicate(tmp_path: Path) -> None:
    """The audit's edge file: row 4 reuses c2 for another callee and time; it was counted as
    a duplicate and lost without a word."""
    f = _write(
        tmp_path / "a.csv",
        [
            "2026-11-03 00:00:01,13800138000,13900139000,30,c1",
            "2026-11-03 00:00:10,13800138000,13900139001,0,c2",
            "2026-11-03 00:00:10,13800138000,13900139001,0,c2",  # the same call again
            "2026-11-03 00:00:11,13800138000,13900139002,0,c2",  # another call, same id
        ],
    )
    out = tmp_path / "out"
    s = ingest([f], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_quarantined, s.rows_conflicting) == (2, 1, 1, 1)
    assert s.quarantined_by_reason == {"conflicting_call_id": 1}
    (q,) = _quarantine(out)
    assert (q["line"], q["reason"], q["detail"]) == ("5", "conflicting_call_id", "c2")
    assert q["raw"] == "2026-11-03 00:00:11,13800138000,13900139002,0,c2"
    assert len(s.warnings) == 1 and "1 row(s) reuse a call_id" in s.warnings[0]
    stored = load_cdrs(out)
    assert sorted(stored["callee"].to_pylist()) == ["+8613900139000", "+8613900139001"]
    # re-ingesting adds nothing: the stored calls are duplicates, the conflict stays one
    again = ingest([f], out)
    assert (again.rows_kept, again.rows_duplicate, again.rows_conflicting) == (0, 3, 1)
    assert load_cdrs(out).num_rows == 2


def test_a_later_file_reusing_a_stored_id_for_another_call_is_quarantined(
    tmp_path: Path,
) -> None:
    """Against the rows earlier runs stored (their contents read only on a hit): the same
    call in another spelling is a duplicate, another call under the id is not."""
    out = tmp_path / "out"
    ingest([_write(tmp_path / "a.csv", ["2026-11-03 09:00:00,13800138000,13900139000,30,x1"])], out)
    b = _write(
        tmp_path / "b.csv",
        [
            "2026-11-03T01:00:00Z,+86 138 0013 8000,013900139000,30.0,x1",  # same call, UTC
            "2026-11-03 09:05:00,13800138000,13900139000,30,x1",  # five minutes later
            "2026-11-03 09:06:00,13800138000,13900139000,30,x2",
        ],
    )
    s = ingest([b], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (1, 1, 1)
    assert [q["line"] for q in _quarantine(out)] == ["3"]


def test_per_switch_serial_ids_are_named_with_the_way_out(tmp_path: Path) -> None:
    """Two switches numbering their CDRs 1, 2, 3...: half the calls were dropped as
    duplicates (63,200 of 129,332 on the audit's file). Now they are quarantined, the warning
    says the ids are serials, and a mapping dropping call_id keeps every call."""
    rows = [
        f"2026-11-03 10:{i // 60:02d}:{i % 60:02d},1380013{sw}{i:03d},13900139000,5,{i}"
        for sw in (1, 2)
        for i in range(200)
    ]
    f = _write(tmp_path / "serial.csv", rows)
    s = ingest([f], tmp_path / "out")
    assert (s.rows_kept, s.rows_conflicting, s.rows_duplicate) == (200, 200, 0)
    (w,) = s.warnings
    assert "200 row(s) reuse a call_id" in w and "not unique in this export" in w
    assert "drop: [call_id]" in w
    derived = ingest(
        [f], tmp_path / "derived", mapping=parse_mapping({"name": "x", "drop": ["call_id"]})
    )
    assert (derived.rows_kept, derived.rows_conflicting, derived.rows_duplicate) == (400, 0, 0)


def test_a_few_reused_ids_get_no_serial_advice(tmp_path: Path) -> None:
    rows = [f"2026-11-03 10:00:{i:02d},13800138000,1390013{i:04d},5,k{i}" for i in range(50)]
    rows.append("2026-11-03 11:00:00,13800138000,13900139999,5,k3")
    s = ingest([_write(tmp_path / "a.csv", rows)], tmp_path / "out")
    (w,) = s.warnings
    assert s.rows_conflicting == 1 and "not unique" not in w


def test_the_cli_prints_the_conflicts(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "a.csv",
        [
            "2026-11-03 00:00:10,13800138000,13900139001,0,c2",
            "2026-11-03 00:00:11,13800138000,13900139002,0,c2",
        ],
    )
    res = CliRunner().invoke(app, ["ingest", str(f), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "conflicting_call_id" in res.output and "warning: " in res.output


# --- 13c: a file whose every row is quarantined --------------------------------------------


def test_a_file_with_no_row_kept_says_why_and_how(tmp_path: Path) -> None:
    """Compact times without a mapping: 0 kept, exit 0 and no hint; scan then said 'no
    Parquet files under DIR' where the docs promise 'no CDRs in DIR yet'."""
    f = _write(
        tmp_path / "allbad.csv",
        ["20261103010000,13800138000,13900139001,5", "20261103010500,13800138000,13900139002,5"],
        "start_time,caller,callee,duration_s",
    )
    out = tmp_path / "out"
    s = ingest([f], out)
    (w,) = s.warnings
    assert "every row (2) was quarantined, most as bad_start_time" in w
    assert "'20261103010000'" in w and "time_format" in w
    with pytest.raises(InputError, match=r"no CDRs in .* yet: its ingests kept no row"):
        cdr_relation_sql(out)
    # with the mapping the warning points at, the rows are read
    m = parse_mapping({"name": "c", "convert": {"start_time": {"time_format": "%Y%m%d%H%M%S"}}})
    assert ingest([f], tmp_path / "ok", mapping=m).rows_kept == 2


def test_a_partly_bad_file_gets_no_such_warning(tmp_path: Path) -> None:
    f = _write(
        tmp_path / "a.csv",
        [
            "20261103010000,13800138000,13900139001,5",
            "2026-11-03 01:05:00,13800138000,13900139002,5",
        ],
        "start_time,caller,callee,duration_s",
    )
    s = ingest([f], tmp_path / "out")
    assert s.rows_kept == 1 and s.warnings == []


# --- 13d: an offset after a space ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-03 01:00:00 +0800",
        "2026-11-03 01:00:00 +08:00",
        "2026-11-03 01:00:00 +08",
        "2026-11-03 01:00:00  +0800",
        "2026-11-03T01:00:00 +08:00",
        "2026-11-02 17:00:00 Z",
        "2026-11-02 12:00:00 -05:00",
    ],
)
def test_an_offset_after_a_space_is_read(text: str) -> None:
    """'2026-11-03 01:00:00 +0800' (as %z after a space writes it) was bad_start_time while
    the same without the space was read."""
    for column in ([text], [text, "2026-11-03 01:00:00"], ["2026-11-03 01:00:00"] * 1001 + [text]):
        out, bad = parse.times(pa.array(column), "Asia/Shanghai")
        assert not bad.any()
        got = out.to_pylist()[column.index(text)]
        assert got.isoformat() == "2026-11-02T17:00:00+00:00"


def test_a_zone_abbreviation_after_a_space_is_still_refused() -> None:
    out, bad = parse.times(pa.array(["2026-11-03 01:00:00 CST"]), "Asia/Shanghai")
    assert bad.tolist() == [True]

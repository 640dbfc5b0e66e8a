"""Registry rows that do not parse are counted, never dropped in silence (audit 3, item 1).

A spreadsheet turned the numbers into ``8615116326001.0``: the registry came back empty and
every caller looked unallocated (空号).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from callwarden.cli._detect_io import number_facts
from callwarden.errors import InputError
from callwarden.numbers import AllocationRegistry


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_all_decimal_numbers_are_an_error(tmp_path: Path) -> None:
    path = _csv(tmp_path / "r.csv", "number\n8615116326001.0\n8615116326002.0\n8615116326003.0\n")
    with pytest.raises(InputError) as err:
        AllocationRegistry.from_csv(path)
    msg = err.value.message
    assert "3 of 3 numbers do not parse" in msg
    assert "'8615116326001.0' on line 2" in msg


def test_most_rows_bad_is_an_error(tmp_path: Path) -> None:
    path = _csv(tmp_path / "r.csv", "number\n+8613800000001\nx1\nx2\n")
    with pytest.raises(InputError, match="2 of 3 numbers"):
        AllocationRegistry.from_csv(path)


def test_a_few_bad_rows_are_counted_and_not_cached(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "r.csv", "number\n+8613800000001\n13800000002\n8613800000003.0\n+8613800000004\n"
    )
    for _ in range(2):  # the second load must report them too (no silent cache hit)
        reg = AllocationRegistry.from_csv(path)
        assert reg.unparsed is not None
        assert (reg.unparsed.count, reg.unparsed.total) == (1, 4)
        assert (reg.unparsed.example, reg.unparsed.row) == ("8613800000003.0", 3)
        assert reg.is_allocated("+8613800000002") and not reg.is_allocated("+8613800000003")
    clean = AllocationRegistry.from_csv(_csv(tmp_path / "ok.csv", "number\n+8613800000001\n"))
    assert clean.unparsed is None
    assert AllocationRegistry.from_csv(tmp_path / "ok.csv").unparsed is None  # cached


def _con(callers: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("calls", pa.table({"caller": callers}))
    return con


def test_scan_warns_about_unparsed_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path / "r.csv", "number\n+8613800000001\n+8613800000002\n8613800000003.0\n")
    number_facts(_con(["+8613800000001", "+8613800000003"]), "calls", path)
    err = capsys.readouterr().err
    assert "1 of 3 numbers do not parse" in err and "'8613800000003.0' on line 4" in err
    assert "lists none" not in err


def test_scan_warns_when_no_caller_is_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _csv(tmp_path / "r.csv", "number\n+8613000000000\n")
    number_facts(_con(["+8615116326001", "+8615116326002"]), "calls", path)
    err = capsys.readouterr().err
    assert "lists none of the 2 callers' numbers" in err
    number_facts(_con(["+8613000000000", "+8615116326002"]), "calls", path)
    assert capsys.readouterr().err == ""


def test_rows_hold_a_number_or_a_range(tmp_path: Path) -> None:
    """docs/numbers.md: a ``number`` column, ``range_start,range_end`` columns, or both; a
    row may fill either (before, every row had to fill all three, and a blank trailing row
    of a range file was an error)."""
    path = _csv(
        tmp_path / "r.csv",
        "number,range_start,range_end\n+8613800138000,,\n,+8613900000000,+8613900009999\n,,\n",
    )
    reg = AllocationRegistry.from_csv(path)
    assert reg.unparsed is None
    assert reg.is_allocated("+8613800138000") and reg.is_allocated("+8613900005555")
    assert not reg.is_allocated("+8613900010000")
    ranges = AllocationRegistry.from_csv(
        _csv(tmp_path / "ranges.csv", "range_start,range_end\n13800000000,13800009999\n,\n")
    )
    assert ranges.is_allocated("+8613800000005")
    half = _csv(tmp_path / "half.csv", "range_start,range_end\n13800000000,\n")
    with pytest.raises(InputError, match="not two valid numbers"):
        AllocationRegistry.from_csv(half)
    # an unparsed number is reported on its own line of the file
    odd = _csv(
        tmp_path / "odd.csv",
        "number,range_start,range_end\n,+8613900000000,+8613900009999\n+8613800000001,,\n"
        "+8613800000002,,\nx,,\n",
    )
    bad = AllocationRegistry.from_csv(odd).unparsed
    assert bad is not None and (bad.count, bad.total, bad.row) == (1, 3, 4)

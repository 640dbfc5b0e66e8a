"""``campaigns --registry`` reads the registry as ``scan`` does (``AllocationRegistry``):
a range-only file was refused ("has no 'number' column") while ``scan`` accepted it, and a
file with both numbers and ranges judged a caller held only by a range as 空号."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from typer.testing import CliRunner

from callwarden.cli.campaigns import allocated_numbers
from callwarden.cli.main import app

from .conftest import Day, mobile


def _day() -> Day:
    day = Day()
    day.call(100, mobile(3), mobile(900, "1380731"))  # listed
    day.call(200, mobile(77), mobile(901, "1380731"))  # held by a range only
    day.call(300, mobile(88), mobile(902, "1380731"))  # same block, not allocated
    return day


def _spoofed(tmp_path: Path, registry: str) -> tuple[int, str, set[str]]:
    cdrs, reg, out = tmp_path / "cdrs.parquet", tmp_path / "registry.csv", tmp_path / "out"
    pq.write_table(_day().table(), cdrs)
    reg.write_text(registry, encoding="utf-8")
    res = CliRunner().invoke(app, ["campaigns", "--cdrs", str(cdrs), "--out", str(out),
                                   "--registry", str(reg)])  # fmt: skip
    if res.exit_code:
        return res.exit_code, res.output, set()
    types = pcsv.ConvertOptions(column_types={"caller": pa.string()})
    t = pcsv.read_csv(out / "spoofed_calls.csv", convert_options=types)
    pairs = zip(t["caller"].to_pylist(), t["unallocated"].to_pylist(), strict=True)
    return 0, res.output, {str(caller) for caller, dead in pairs if dead}


def test_a_range_only_registry_is_read(tmp_path: Path) -> None:
    ranges = f"range_start,range_end\n{mobile(0)},{mobile(10)}\n{mobile(70)},{mobile(79)}\n"
    code, output, dead = _spoofed(tmp_path, ranges)
    assert code == 0, output
    assert dead == {mobile(88)}


def test_numbers_and_ranges_together(tmp_path: Path) -> None:
    both = f"number,range_start,range_end\n{mobile(3)},{mobile(70)},{mobile(79)}\n"
    code, output, dead = _spoofed(tmp_path, both)
    assert code == 0, output
    assert dead == {mobile(88)}  # mobile(77), held by the range, was judged 空号


def test_a_number_list_gives_the_listed_numbers(tmp_path: Path) -> None:
    reg = tmp_path / "registry.csv"
    reg.write_text(f"number\n{mobile(3)}\n{mobile(5)}\n", encoding="utf-8")
    got = allocated_numbers(reg, _day().table())
    assert sorted(set(got.to_pylist())) == [mobile(3), mobile(5)]


def test_a_registry_with_neither_layout_is_refused_as_scan_refuses_it(tmp_path: Path) -> None:
    code, output, _ = _spoofed(tmp_path, "phone\n+8613907310003\n")
    assert code == 2 and "needs a 'number' column or 'range_start,range_end' columns" in output


def test_a_registry_in_national_spelling_speaks_for_its_block(tmp_path: Path) -> None:
    """The listed numbers come from the registry as parsed (E.164), not as written: before,
    '13907310005' reached the 空号 check as text, matched no call, and the block it speaks
    for was judged only if some caller in it happened to be allocated."""
    national = mobile(5).removeprefix("+86")
    code, output, dead = _spoofed(tmp_path, f"number\n{national}\n")
    assert code == 0, output
    assert dead == {mobile(3), mobile(77), mobile(88)}
    assert _spoofed(tmp_path, f"number\n{mobile(5)}\n")[2] == dead
    got = allocated_numbers(tmp_path / "registry.csv", _day().table())
    assert got.to_pylist() == [mobile(5)]

"""A registry speaks for the country calling codes it lists: another country's number is not
judged unallocated by it, its own country's unlisted numbers and values that are no number
are. Before, every number the registry did not list was unallocated, so a national registry
made every foreign caller a spoofed one (rejected 608 by scan, replay, the stream and the API)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from callwarden.numbers.registry import AllocationRegistry, calling_codes

CN = ["+8613800000001", "+8613800000002"]
VALUES = [
    "+8613800000001",  # listed
    "+8613800000003",  # +86, not listed: unallocated
    "+8675512345678",  # +86 landline, not listed: unallocated
    "+14155552671",  # +1: outside the scope
    "+85221234567",  # +852: outside the scope
    "+999123456",  # no assigned country code: no number at all
    "junk",
]


def test_scope_is_the_listed_countries() -> None:
    assert AllocationRegistry.from_numbers(CN).scope == (86,)
    both = AllocationRegistry.from_numbers([*CN, "+14155550000"])
    assert both.scope == (1, 86)
    ranges = AllocationRegistry.from_ranges(["+85221000000"], ["+85221999999"])
    assert ranges.scope == (852,)


def test_calling_codes_of_keys() -> None:
    reg = AllocationRegistry.from_numbers(["+8613800000001", "+14155552671", "+85221234567"])
    keys = reg._numbers  # (sorted by length, then digits)
    assert sorted(calling_codes(keys).tolist()) == [1, 86, 852]


def test_unallocated_only_within_the_scope() -> None:
    reg = AllocationRegistry.from_numbers(CN)
    got = reg.is_unallocated_array(pa.array(VALUES)).tolist()
    assert got == [False, True, True, False, False, True, True]
    # the per-call form agrees with the array form
    assert [reg.is_unallocated(v) for v in VALUES] == got
    # listing a +1 number brings +1 into the scope
    both = AllocationRegistry.from_numbers([*CN, "+14155550000"])
    assert both.is_unallocated_array(pa.array(VALUES)).tolist()[3] is True
    # integer keys (the CDRs' caller_key) answer as the strings do
    ints = pa.array([8613800000001, 8613800000003, 14155552671], pa.int64())
    assert reg.is_unallocated_array(ints).tolist() == [False, True, False]


def test_null_is_unallocated() -> None:
    reg = AllocationRegistry.from_numbers(CN)
    assert reg.is_unallocated_array(pa.array([None], pa.string())).tolist() == [True]


def test_scope_survives_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "registry.csv"
    path.write_text("number\n" + "\n".join(CN) + "\n")
    first = AllocationRegistry.from_csv(path)
    again = AllocationRegistry.from_csv(path)  # from the cache
    assert first.scope == again.scope == (86,)
    assert np.array_equal(
        first.is_unallocated_array(pa.array(VALUES)), again.is_unallocated_array(pa.array(VALUES))
    )


def test_scan_flags_foreign_callers_allocated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What scan and train register for the feature SQL (``caller_facts.unallocated``, the
    UNALLOCATED_CALLER rule's input): 0 for a foreign caller, 1 for an unlisted +86 one."""
    import duckdb

    from callwarden.cli._detect_io import number_facts

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "registry.csv"
    path.write_text("number\n" + "\n".join(CN) + "\n")
    con = duckdb.connect()
    callers = ["+8613800000001", "+8613800000003", "+14155552671"]
    con.register("calls", pa.table({"caller": callers}))
    facts, _ = number_facts(con, "calls", path)
    got = dict(con.sql(f"SELECT number, unallocated FROM {facts}").fetchall())
    assert got == {"+8613800000001": 0, "+8613800000003": 1, "+14155552671": 0}
    assert capsys.readouterr().err == ""
    # a registry of another country judges none of these callers, and says so
    other = tmp_path / "us.csv"
    other.write_text("number\n+14155550000\n")
    con.register("cn", pa.table({"caller": ["+8613800000001", "+8613800000003"]}))
    facts, _ = number_facts(con, "cn", other)
    assert {n for n, u in con.sql(f"SELECT * FROM {facts}").fetchall() if u} == set()
    assert "speaks for country codes +1 only" in capsys.readouterr().err


def test_the_stream_engine_rejects_only_what_the_registry_judges() -> None:
    from callwarden.stream.engine import StreamEngine

    eng = StreamEngine(None, allocated=AllocationRegistry.from_numbers(CN))
    flags = eng.unallocated(np.array(VALUES[:5], object))
    assert flags is not None and flags.tolist() == [0, 1, 1, 0, 0]
    # the per-call path (a number no batch has seen) asks the same registry
    alice = "+8613900000000"
    assert eng.decide("+14155552671", alice).action.value == "allow"
    assert eng.decide("+8613800000003", alice).action.value == "reject"


def test_calling_codes_match_libphonenumber() -> None:
    """The table look-up gives the assigned code that the digits begin with (shorter than
    the number), for random numbers of every length."""
    import phonenumbers

    from callwarden.numbers.registry import _keys

    rng = np.random.default_rng(0)
    values = ["+1", "+12", "+86", "+861", "+999", "+9991"]
    for length in range(2, 16):
        values += [f"+{x}" for x in rng.integers(10 ** (length - 1), 10**length, size=200)]
    keys, ok = _keys(pa.array(values))
    assert ok.all()
    want = []
    for v in values:
        digits, code = v[1:], 0
        for k in (1, 2, 3):
            if k < len(digits) and int(digits[:k]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                code = int(digits[:k])
        want.append(code)
    assert calling_codes(keys).tolist() == want

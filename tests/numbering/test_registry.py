from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callwarden.errors import InputError
from callwarden.numbers import AllocationRegistry


def test_numbers_file(tmp_path: Path) -> None:
    path = tmp_path / "registry.csv"
    path.write_text("number\n+8613800138000\n+861062345678\n13900139000\n")
    reg = AllocationRegistry.from_csv(path)
    assert len(reg) == 3
    assert reg.is_allocated("+8613800138000")
    assert reg.is_allocated("+8613900139000")  # normalised on load
    assert not reg.is_allocated("+8613800138001")
    got = reg.is_allocated_array(["+861062345678", "+861062345679", None, "garbage"])
    assert got.tolist() == [True, False, False, False]


def test_ranges_file_inclusive_and_merged(tmp_path: Path) -> None:
    path = tmp_path / "ranges.csv"
    path.write_text(
        "range_start,range_end\n+8613800000000,+8613800000999\n+8613800000500,+8613800001999\n"
        "+861062340000,+861062349999\n"
    )
    reg = AllocationRegistry.from_csv(path)
    assert len(reg) == 2000 + 10000
    probe = [
        "+8613800000000",
        "+8613800001999",
        "+8613800002000",
        "+8613799999999",
        "+861062345678",
    ]
    assert reg.is_allocated_array(probe).tolist() == [True, True, False, False, True]
    # A 12-digit landline never falls in a 13-digit mobile range, whatever its value.
    assert not reg.is_allocated("+862012345678")


def test_both_kinds_and_vectorised_size() -> None:
    reg = AllocationRegistry.from_numbers(["+8613800138000"]).merged(
        AllocationRegistry.from_ranges(["+8695500"], ["+8695599"])
    )
    rng = np.random.default_rng(1)
    probes = [f"+86955{n:02d}" for n in rng.integers(0, 100, 1000)]
    assert reg.is_allocated_array(probes).all()
    assert reg.is_allocated("+8613800138000")


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        AllocationRegistry.from_csv(tmp_path / "missing.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("msisdn\n+8613800138000\n")
    with pytest.raises(InputError, match="'number' column"):
        AllocationRegistry.from_csv(wrong)
    backwards = tmp_path / "backwards.csv"
    backwards.write_text("range_start,range_end\n+8613800000999,+8613800000000\n")
    with pytest.raises(InputError, match="ascending"):
        AllocationRegistry.from_csv(backwards)


def test_scalar_and_array_agree() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    reg = AllocationRegistry.from_numbers(["+8613800138000", "+861062345678"]).merged(
        AllocationRegistry.from_ranges(
            ["+8613900000000", "+8695500"], ["+8613900009999", "+8695599"]
        )
    )
    probes = st.one_of(
        st.sampled_from(
            ["+8613800138000", "+8613900005000", "+8695550", "+861062345678", "", "+", "x"]
        ),
        st.integers(0, 10**15).map(lambda n: f"+{n}"),
        st.integers(8613899990000, 8613900020000).map(lambda n: f"+{n}"),
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(probes, min_size=1, max_size=20))
    def check(values: list[str]) -> None:
        assert reg.is_allocated_array(values).tolist() == [reg.is_allocated(v) for v in values]

    check()


def test_csv_cache_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "registry.csv"
    path.write_text("number\n+8613800138000\n+861062345678\n")
    probes = ["+8613800138000", "+861062345678", "+8613900139000"]
    first = AllocationRegistry.from_csv(path)
    assert len(list((tmp_path / "cache" / "callwarden" / "registry").glob("*.npz"))) == 1
    again = AllocationRegistry.from_csv(path)  # served from the cache
    assert again.is_allocated_array(probes).tolist() == [True, True, False]
    assert len(again) == len(first) == 2
    # Same size, new content: the key is the content, so the old arrays are not served.
    path.write_text("number\n+8613900139000\n+861062345678\n")
    edited = AllocationRegistry.from_csv(path)
    assert edited.is_allocated_array(probes).tolist() == [False, True, True]
    monkeypatch.setenv("CALLWARDEN_NO_CACHE", "1")
    assert AllocationRegistry.from_csv(path).is_allocated_array(probes).tolist() == [
        False,
        True,
        True,
    ]


def test_a_damaged_cache_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "registry.csv"
    path.write_text("number\n+8613800138000\n")
    AllocationRegistry.from_csv(path)
    (cached,) = (tmp_path / "cache" / "callwarden" / "registry").glob("*.npz")
    cached.write_bytes(cached.read_bytes()[:40])  # truncated
    assert AllocationRegistry.from_csv(path).is_allocated("+8613800138000")


def test_integer_keys_answer_like_their_strings() -> None:
    """scan's look-ups ask with the CDRs' integer number keys (``caller_key``)."""
    import pyarrow as pa

    reg = AllocationRegistry.from_ranges(
        ["+8613800000000", "+86110", "+861062340000"], ["+8613899999999", "+86119", "+861062349999"]
    )
    numbers = ["+8613800138000", "+8613900000000", "+86110", "+86119", "+86120", "+861100",
               "+861062345678", "+86106234567", "+999999999999999", "+1"]  # fmt: skip
    keys = pa.array([int(n[1:]) for n in numbers] + [None, 10**15], pa.int64())
    want = reg.is_allocated_array(numbers).tolist() + [False, False]
    assert reg.is_allocated_array(keys).tolist() == want
    assert want[:4] == [True, False, True, True]

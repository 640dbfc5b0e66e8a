"""Property tests of the vectorised builders against plain Python."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from callwarden.sim.calls import PROFILES, sorted_local_seconds
from callwarden.sim.numbering import (
    e164_strings,
    fixed_width_ids,
    luhn_complete,
    mobile_blocks,
    sequential_ids,
)
from callwarden.sim.tactics import number_for_slot

NSN = st.integers(min_value=10_000, max_value=19_999_999_999)


@settings(deadline=None)  # no timing in tests: the first call may import Arrow's kernels
@given(st.lists(NSN, min_size=1, max_size=50))
def test_e164_matches_python(values: list[int]) -> None:
    assert e164_strings(np.array(values, dtype=np.int64)).to_pylist() == [f"+86{v}" for v in values]


@given(
    st.lists(st.integers(min_value=0, max_value=10**12 - 1), min_size=0, max_size=50),
    st.text("abc-", max_size=4),
)
def test_fixed_width_ids_match_python(values: list[int], prefix: str) -> None:
    out = fixed_width_ids(prefix, np.array(values, dtype=np.int64), 12).to_pylist()
    assert out == [f"{prefix}{v:012d}" for v in values]


@given(st.integers(min_value=0, max_value=3000))
def test_sequential_ids_match_python(n: int) -> None:
    assert sequential_ids("s9-", n, 6).to_pylist() == [f"s9-{i:06d}" for i in range(n)]


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@given(st.lists(st.integers(min_value=10**13, max_value=10**14 - 1), min_size=1, max_size=30))
def test_imeis_pass_luhn(bodies: list[int]) -> None:
    imeis = luhn_complete(np.array(bodies, dtype=np.int64))
    assert all(len(str(v)) == 15 and _luhn_ok(str(v)) for v in imeis.tolist())
    assert _luhn_ok("490154203237518")  # the textbook example


@settings(max_examples=25)
@given(
    st.integers(min_value=1, max_value=5000),
    st.sampled_from(sorted(PROFILES)),
    st.integers(0, 2**32),
)
def test_sorted_local_seconds(n: int, profile: str, seed: int) -> None:
    s = sorted_local_seconds(np.random.default_rng(seed), n, profile)
    assert len(s) == n and (np.diff(s) >= 0).all()
    assert s.min() >= 0 and s.max() < 86_400
    hours = (s // 3600).astype(int)
    assert (PROFILES[profile][hours] > 0).all(), "no calls in hours the profile leaves empty"


@given(st.integers(1, 40), st.integers(1, 20), st.integers(1, 30))
def test_number_for_slot_uses_each_number_uses_times(sets: int, uses: int, window: int) -> None:
    pool = sets * window  # whole active sets: every number shown exactly `uses` times
    idx = number_for_slot(np.arange(pool * uses), pool, uses, window)
    assert (np.bincount(idx, minlength=pool) == uses).all()
    # and a number's uses fall within one stretch of window * uses slots
    first = np.full(pool, -1)
    last = np.zeros(pool, dtype=int)
    for s, i in enumerate(idx.tolist()):
        first[i] = s if first[i] < 0 else first[i]
        last[i] = s
    assert (last - first < window * uses).all()


@given(st.integers(1, 500), st.integers(1, 20), st.integers(1, 30))
def test_number_for_slot_stays_in_the_pool(pool: int, uses: int, window: int) -> None:
    idx = number_for_slot(np.arange(pool * uses), pool, uses, window)
    assert idx.min() >= 0 and idx.max() < pool
    assert np.bincount(idx, minlength=pool).max() <= 2 * uses


def test_mobile_blocks_cover_the_home_province() -> None:
    blocks = mobile_blocks()
    hunan = {region for region, _ in blocks if region.startswith("湖南省")}
    assert len(hunan) == 14
    assert all(len(str(p)) == 7 for v in blocks.values() for p in v[:3])

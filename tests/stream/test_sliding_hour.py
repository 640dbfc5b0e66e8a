"""The stream keeps the busiest 60 minutes as the batch query does (hand-computed values of
``tests/features/test_sliding_hour.py``), and late CDRs follow the documented rule
(``stream.minutes``): one that started at most an hour before its number's latest call start
counts, an earlier one adds to no peak."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tests.features.conftest import cdrs
from tests.features.test_self_calls import check
from tests.features.test_sliding_hour import (
    EXPECTED_BURST,
    EXPECTED_MIDNIGHT,
    M,
    _callee,
    burst_day,
    midnight_days,
)
from tests.stream.test_self_calls import stream_features

F = "+8613800000201"
G = "+8613800000202"


@pytest.mark.parametrize("batch", [1, 7, 100])
def test_stream_counts_a_burst_across_the_hour_whole(batch: int) -> None:
    check(stream_features(burst_day(), batch), EXPECTED_BURST)


@pytest.mark.parametrize("batch", [1, 100])
def test_stream_windows_do_not_cross_midnight(batch: int) -> None:
    check(stream_features(midnight_days(), batch), EXPECTED_MIDNIGHT)


def late_day() -> pa.Table:
    """F: ten calls 10:00-10:09 and one from 09:55 to 10:20 (written last): 14 minutes late.
    G: a call from 09:00 to 11:00, ten calls 09:50-09:59 and one at 10:50 (written before the
    long one ends): 110 minutes late."""
    rows = [dict(t=(600 + i) * M, caller=F, callee=_callee(i)) for i in range(10)]
    rows.append(dict(t=595 * M, caller=F, callee=_callee(10), duration_s=25 * 60.0))
    rows.append(dict(t=540 * M, caller=G, callee=_callee(20), duration_s=120 * 60.0))
    rows += [dict(t=(590 + i) * M, caller=G, callee=_callee(21 + i)) for i in range(10)]
    rows.append(dict(t=650 * M, caller=G, callee=_callee(40)))
    return cdrs(rows)


def test_late_cdrs_one_at_a_time() -> None:
    """Batch: F 11 (09:55-10:09), G 11 (09:00-09:59). The stream, one CDR per update: F's late
    call counts (14 minutes before F's latest start), G's adds to no peak (110 > 60)."""
    got = stream_features(late_day(), 1)
    check(got, {F: {"attempts_by_caller_1h": 11}, G: {"attempts_by_caller_1h": 10}})
    # every call still counts in the day's attempts
    check(got, {G: {"attempts_by_caller_1d": 12}})


@pytest.mark.parametrize("dense_factor", [0.0, 4.0, np.inf])  # always sparse, either, dense
def test_ring_counts_in_order_arrivals_exactly(dense_factor: float) -> None:
    """Random in-order days (and CDRs up to ``NUMBER_LATE_MIN`` minutes late) in random
    batches, some spanning hours: the windows the ring reports give each (row, day) the
    brute-force maximum, through the dense window buffer and the sparse one alike."""
    from callwarden.stream.minutes import MinuteRing
    from callwarden.stream.state import NUMBER_LATE_MIN

    rng = np.random.default_rng(7)
    for trial in range(60):
        tz = int(rng.integers(-5, 9))
        n = int(rng.integers(1, 200))
        rows = rng.integers(0, 4, n)
        mins = np.sort(29_000_000 + rng.integers(0, int(rng.integers(30, 3000)), n))
        order = np.argsort(mins + rng.integers(0, NUMBER_LATE_MIN - 10, n), kind="stable")
        ring = MinuteRing(60 + NUMBER_LATE_MIN, np.uint16, 4, tz)
        ring.dense_factor = dense_factor
        got: dict[tuple[int, int], int] = {}
        i = 0
        while i < n:
            b = order[i : i + int(rng.integers(1, 30 if trial % 3 else 150))]
            i += len(b)
            for r, m, w in zip(*ring.update(rows[b], mins[b])[:3], strict=True):
                d = (int(m) + tz * 60) // 1440
                got[(int(r), d)] = max(got.get((int(r), d), 0), int(w))
        want: dict[tuple[int, int], int] = {}
        for r, m in zip(rows.tolist(), mins.tolist(), strict=True):
            d = (m + tz * 60) // 1440
            same = (rows == r) & ((mins + tz * 60) // 1440 == d)
            w = int((same & (mins <= m) & (mins > m - 60)).sum())
            want[(r, d)] = max(want.get((r, d), 0), w)
        assert got == want, trial


def test_ring_drops_calls_beyond_the_late_bound_and_saturates() -> None:
    from callwarden.stream.minutes import MinuteRing

    ring = MinuteRing(120, np.uint16, 2, 0)
    ring.update(np.array([0]), np.array([1000]))
    r, m, w, *_ = ring.update(np.array([0, 0]), np.array([939, 940]))  # 61 and 60 minutes late
    assert m.tolist() == [940] and w.tolist() == [1]  # (940 is not in 941-1000's window)
    r, m, w, *_ = ring.update(np.zeros(70_000, np.int64), np.full(70_000, 1001))
    assert w.tolist() == [70_001]  # 1000 and 1001: the update's own count is exact
    assert ring.n[0, 1001 % 120] == np.iinfo(np.uint16).max  # what is kept saturates

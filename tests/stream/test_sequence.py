"""Sequential dialling as the batch defines it (a callee within 10 above another callee of the
caller's day), whatever order the list is dialled in; and the home province of landlines."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from callwarden.stream.calls import region_mismatch
from callwarden.stream.keytable import KeyTable
from callwarden.stream.sequence import DaySequence


def _batch_count(callees: set[int]) -> int:
    """The batch query: callees within 10 of the next-lower callee in the sorted list."""
    s = sorted(callees)
    return sum(1 for lo, hi in zip(s, s[1:], strict=False) if hi - lo <= 10)


def test_day_sequence_matches_the_batch_count_in_any_order() -> None:
    rng = np.random.default_rng(3)
    seq = DaySequence(KeyTable())
    held: dict[tuple[int, int], set[int]] = {}
    count: dict[tuple[int, int], int] = {}
    base = 8613800000000
    for _ in range(60):
        n = int(rng.integers(1, 40))
        rows = rng.integers(0, 4, n)
        days = rng.integers(100, 102, n)
        # a shuffled, partly number-sequential list: steps of 1-25 around a few blocks
        callees = base + rng.integers(0, 3, n) * 10_000 + rng.integers(0, 400, n)
        keys = {(int(r), int(d), int(c)) for r, d, c in zip(rows, days, callees, strict=True)}
        keys = {k for k in keys if k[2] not in held.get(k[:2], set())}
        if not keys:
            continue
        r, d, c = (np.array(v, np.int64) for v in zip(*sorted(keys), strict=True))
        for k in sorted(keys):
            held.setdefault(k[:2], set()).add(k[2])
        for row, day, step in zip(*seq.add(r, d.astype(np.int32), c), strict=True):
            count[(int(row), int(day))] = count.get((int(row), int(day)), 0) + int(step)
        for k, s in held.items():
            assert count.get(k, 0) == _batch_count(s), k


def test_day_sequence_forgets_old_days() -> None:
    seq = DaySequence(KeyTable())
    seq.add(np.array([0, 0]), np.array([5, 6], np.int32), np.array([100, 100]))
    seq.expire(6, np.zeros(1, bool))
    assert len(seq) == 1
    # day 5 is gone: a neighbour on day 5 finds nothing below it; day 6 still counts
    assert len(seq.add(np.array([0]), np.array([5], np.int32), np.array([105]))[0]) == 0
    rows, days, step = seq.add(np.array([0]), np.array([6], np.int32), np.array([105]))
    assert (rows.tolist(), days.tolist(), step.tolist()) == ([0], [6], [1])


def test_landline_callers_have_a_home_province() -> None:
    caller = pa.chunked_array([["+867344255750", "+867344255750", "+8617742404130"]])
    region = pa.chunked_array([["湖南省怀化市", "广东省深圳市", "陕西省西安市"]])
    assert region_mismatch(caller, region).tolist() == [0, 1, 0]

"""The engine's assembly pieces against plain Python: fixed-width gathers, the growing number
table, sparse number draws and the merge of time-ordered spans."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from callwarden.sim.calls import CallBatch, Population, make_batch
from callwarden.sim.engine import merge_sorted
from callwarden.sim.numbering import BLOCK, NumberKind, NumberTable, fixed_width_gather


@given(
    st.lists(st.integers(min_value=0, max_value=10**15 - 1), min_size=1, max_size=20),
    st.lists(st.integers(min_value=-3, max_value=19), max_size=60),
)
def test_fixed_width_gather_matches_python(values: list[int], idx: list[int]) -> None:
    index = np.array([i if i < len(values) else -1 for i in idx], dtype=np.int32)
    out = fixed_width_gather(np.array(values, dtype=np.int64), 15, index)
    out.validate(full=True)
    assert out.to_pylist() == [f"{values[i]:015d}" if i >= 0 else None for i in index.tolist()]


def test_number_table_views_survive_growth() -> None:
    table = NumberTable()
    first = table.add(np.arange(10, dtype=np.int64) + 731_0000_0000, True, 3, NumberKind.FIXED)
    op, city, region, alloc = table.origin()
    big = 200_000  # past the initial capacity: the buffers are reallocated
    rows = table.add(
        np.arange(big, dtype=np.int64) + 138_0000_0000, False, 5, NumberKind.MOBILE, 0, 2
    )
    assert len(region) == 10 and (region == 3).all() and alloc.all()  # the old views are intact
    op, city, region, alloc = table.origin()
    assert len(region) == table.size == 10 + big
    assert (region[rows] == 5).all() and (city[rows] == 2).all() and (op[rows] == 0).all()
    assert (city[first] == -1).all() and not alloc[rows].any()
    numbers = table.finish()
    assert numbers.nsn[first].tolist() == (np.arange(10) + 731_0000_0000).tolist()
    assert (numbers.kind[rows] == NumberKind.MOBILE).all()


@settings(max_examples=30)
@given(st.integers(min_value=0, max_value=2**31), st.integers(min_value=1, max_value=400))
def test_sparse_draws_are_distinct_and_outside_blocks(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    table = NumberTable()
    dense = table.fixed_block_numbers(rng, "731", 8, 3)
    # a narrow range so that draws collide with each other and with the dense blocks
    lo = int(dense[0]) - 2 * BLOCK
    a = table._sparse_draw(lambda k: lo + rng.integers(0, 6 * BLOCK, size=k), n)
    b = table._sparse_draw(lambda k: lo + rng.integers(0, 6 * BLOCK, size=k), n)
    both = np.concatenate([a, b])
    assert len(a) == len(b) == n
    assert len(np.unique(both)) == 2 * n
    assert not np.isin(both // BLOCK, dense // BLOCK).any()


def _batch(t_us: np.ndarray, tag: int) -> CallBatch:
    n = len(t_us)
    return make_batch(
        caller=np.full(n, tag),
        callee=np.arange(n),
        t_us=t_us,
        duration=np.zeros(n),
        ring=np.zeros(n),
        cause=np.zeros(n),
        ingress=0,
        population=Population.SUBSCRIBER,
    )


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=0, max_value=2**31), st.booleans())
def test_merge_of_sorted_spans_equals_a_stable_sort(seed: int, overlap: bool) -> None:
    rng = np.random.default_rng(seed)
    day = 86_400_000_000
    cut = day // 2 + (day // 4 if overlap else 0)
    spans = [
        np.sort(rng.integers(0, day // 2, 60_000)),
        np.sort(rng.integers(cut - day // 2 if overlap else day // 2, day, 60_000)),
    ]
    rest = [rng.integers(0, day, int(rng.integers(0, 5000))) for _ in range(3)]
    batches = [_batch(t, k) for k, t in enumerate(spans + rest)]
    merged = merge_sorted(list(reversed(batches)))
    every = np.concatenate(spans + rest)
    assert np.array_equal(merged.t_us, np.sort(every))
    # each call keeps its own fields: (time, caller tag, callee) triples are the same multiset
    tags = np.concatenate([np.full(len(t), k) for k, t in enumerate(spans + rest)])
    callees = np.concatenate([np.arange(len(t)) for t in spans + rest])
    expect = sorted(zip(every.tolist(), tags.tolist(), callees.tolist(), strict=True))
    got = sorted(
        zip(merged.t_us.tolist(), merged.caller.tolist(), merged.callee.tolist(), strict=True)
    )
    assert got == expect

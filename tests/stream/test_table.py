"""The state's hash table: the C shadow used for vectorised look-ups agrees with the dict
through inserts, deletes and shadow rebuilds."""

from __future__ import annotations

import numpy as np

from callwarden.stream.state import _Table


def test_lookup_agrees_with_the_dict_through_churn() -> None:
    rng = np.random.default_rng(7)
    t = _Table()
    assert t._fast is not None  # the fast path is what the replay runs on
    for step in range(80):
        cand = np.unique(rng.integers(0, 20_000, rng.integers(1, 600)))
        new = np.array([k for k in cand.tolist() if k not in t.index], np.int64)
        idx = t.insert(new)
        assert not set(idx.tolist()) & (
            set(t.index.values()) - set(t.index[k] for k in new.tolist())
        )
        if step % 3 == 2 and t.index:
            keys = np.array(list(t.index), np.int64)
            gone = rng.choice(keys, len(keys) // 2, replace=False)
            t.delete(gone, np.array([t.index[k] for k in gone.tolist()], np.int64))
        q = np.r_[rng.integers(-3, 21_000, 700), np.array(list(t.index)[:50], np.int64)]
        want = np.array([t.index.get(k, -1) for k in q.tolist()], np.int64)
        assert (t.lookup(q) == want).all()
    # deleted keys are reused and the shadow was rebuilt along the way, not grown forever
    assert t.size < 20_000
    assert len(t._fast) <= 2 * len(t.index) + 4096

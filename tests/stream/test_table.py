"""The state's hash table: vectorised look-ups through pandas' C table agree with a dict
through inserts, deletes and rebuilds, for vectorised and one-key look-ups, and the dict
fallback (no pandas table) gives the same answers."""

from __future__ import annotations

import numpy as np

from callwarden.stream.keytable import KeyTable


def test_lookup_agrees_with_a_dict_through_churn() -> None:
    rng = np.random.default_rng(7)
    for fast in (True, False):
        t = KeyTable()
        assert t._fast is not None  # the fast path is what the replay runs on
        if not fast:
            t._fast, t.index = None, {}
        ref: dict[int, int] = {}
        for step in range(80):
            cand = np.unique(rng.integers(0, 20_000, rng.integers(1, 600)))
            new = np.array([k for k in cand.tolist() if k not in ref], np.int64)
            idx = t.insert(new)
            assert not set(idx.tolist()) & set(ref.values())  # no index handed out twice
            ref.update(zip(new.tolist(), idx.tolist(), strict=True))
            if step % 3 == 2 and ref:
                gone = rng.choice(np.array(list(ref), np.int64), len(ref) // 2, replace=False)
                t.delete(gone, np.array([ref.pop(k) for k in gone.tolist()], np.int64))
                assert all(t.get(k) == -1 for k in gone[:20].tolist())  # deleted: absent
            q = np.r_[rng.integers(-3, 21_000, 700), np.array(list(ref)[:50], np.int64)]
            want = np.array([ref.get(k, -1) for k in q.tolist()], np.int64)
            assert (t.lookup(q) == want).all()
            assert len(t) == len(ref)
            assert all(t.get(k) == v for k, v in list(ref.items())[:20]) and t.get(10**12) == -1
        # freed indices are reused; the C table was rebuilt along the way, not grown forever
        assert t.size < 20_000
        if fast:
            assert t._fast is not None and len(t._fast) <= 2 * len(ref) + 4096

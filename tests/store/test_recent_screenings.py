"""The screening route's window readers (store/screenings.py): the last K stored screenings
in the order of the calls' times, and their stored turns, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from callwarden.store import Store
from callwarden.store.schema import screenings
from callwarden.store.screenings import recent_screening_ids, screening_turns

from .conftest import record_screened

T0 = 1_795_000_000.0


def test_last_k_in_call_time_order_and_their_turns(store: Store) -> None:
    # stored out of time order; two calls at one instant are ordered by call_id
    for n, at in [(1, 30.0), (2, 10.0), (3, 20.0), (4, 40.0), (5, 40.0)]:
        turns = [{"speaker": "caller", "text": f"call {n}", "start_s": 0.0, "end_s": 1.0}]
        record_screened(store, n, "+8613100000000", f"+861380000000{n}", "unsure", T0 + at,
                        turns=json.dumps(turns))  # fmt: skip
    with store.read() as conn:
        ids = recent_screening_ids(conn, 3)
        assert ids == ["+8613100000000-1", "+8613100000000-4", "+8613100000000-5"]
        assert recent_screening_ids(conn, 10)[0] == "+8613100000000-2"
        assert recent_screening_ids(conn, 0) == []
        got = screening_turns(conn, [*ids, "no-such-call"])
    assert sorted(got) == sorted(ids)
    assert json.loads(got["+8613100000000-4"])[0]["text"] == "call 4"


def test_a_call_whose_turns_were_pruned_leaves_the_window(store: Store) -> None:
    """``callwarden prune`` empties old calls' turns: such a call is no longer in any
    worker's window (one that kept its features would judge otherwise than a fresh one)."""
    for n in (1, 2, 3):
        turns = [{"speaker": "caller", "text": f"call {n}", "start_s": 0.0, "end_s": 1.0}]
        record_screened(store, n, "+8613100000000", f"+861380000000{n}", "unsure", T0 + n,
                        turns=json.dumps(turns))  # fmt: skip
    with store.engine.begin() as conn:
        s = screenings.c
        conn.execute(screenings.update().where(s.call_id == "+8613100000000-2").values(turns="[]"))
    with store.read() as conn:
        assert recent_screening_ids(conn, 3) == ["+8613100000000-1", "+8613100000000-3"]

"""A list's 10,000-pattern cap holds under concurrent additions on both databases (on
PostgreSQL 60 concurrent POSTs left 10,003: each counted 9,999 before the others wrote)."""

from __future__ import annotations

import threading

from callwarden.policy import ListKind
from callwarden.store import ConflictError, Store
from callwarden.store.schema import list_entries
from callwarden.store.subscribers import MAX_LIST_ENTRIES

SUB = "+8613800138000"


def test_the_cap_holds_under_concurrent_additions(store: Store) -> None:
    room = 3
    with store.engine.begin() as conn:
        conn.execute(
            list_entries.insert(),
            [
                {
                    "subscriber": SUB,
                    "kind": "block",
                    "pattern": f"+86170{i:08d}",
                    "note": "",
                    "created_at": 0.0,
                }
                for i in range(MAX_LIST_ENTRIES - room)
            ],
        )
    barrier = threading.Barrier(40)
    outcome: list[str] = []
    lock = threading.Lock()

    def add(i: int) -> None:
        barrier.wait()
        try:
            store.add_pattern(SUB, ListKind.BLOCK, f"+86171{i:08d}", "", "test")
            result = "added"
        except ConflictError:
            result = "full"
        except Exception as exc:  # e.g. SQLite busy: counted, reported below
            result = type(exc).__name__
        with lock:
            outcome.append(result)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(store.list_patterns(SUB, ListKind.BLOCK)) == MAX_LIST_ENTRIES
    assert outcome.count("added") == room, outcome
    assert outcome.count("full") == 40 - room, outcome

"""On SQLite every read opened BEGIN IMMEDIATE, the write lock, so in WAL mode (where readers
never wait) a read waited for any write in progress: a policy load on decide's event loop,
a key lookup, a number lookup all stalled behind a large verdict import (2.0 s behind a
2 s write here). Reads now open a deferred transaction; writes still take the lock first."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from callwarden.policy import Verdict
from callwarden.store import Role, Store

HOLD_S = 1.5


def test_reads_do_not_wait_for_a_write_in_progress(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    secret = store.create_key(Role.NETWORK)[1]
    store.import_verdicts([Verdict("+8617012345678", "fraud", 0.97)])
    inside, done = threading.Event(), threading.Event()

    def long_write() -> None:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO settings VALUES ('+8613800138000','strict','[]',1)")
            inside.set()
            time.sleep(HOLD_S)
        done.set()

    writer = threading.Thread(target=long_write)
    writer.start()
    assert inside.wait(5)
    t0 = time.perf_counter()
    assert store.lookup_key(secret) is not None
    assert store.load_policy("+8613800138000") is None  # the write is not committed yet
    assert store.get_verdict("+8617012345678") is not None
    assert len(store.load_verdicts()) == 1
    store.audit_trail(limit=5)
    store.report_summary("+8617012345678")
    waited = time.perf_counter() - t0
    assert not done.is_set()
    assert waited < HOLD_S / 3, f"reads waited {waited:.2f} s for the write"
    writer.join()
    policy = store.load_policy("+8613800138000")
    assert policy is not None and policy.protection.value == "strict"
    store.close()

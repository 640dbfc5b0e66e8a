"""On SQLite every read opened BEGIN IMMEDIATE, the write lock, so in WAL mode (where readers
never wait) a read waited for any write in progress: a policy load on decide's event loop,
a key lookup, a number lookup all stalled behind a large verdict import (2.0 s behind a
2 s write here). Reads now open a deferred transaction; writes still take the lock first."""

from __future__ import annotations

import threading
from pathlib import Path

from callwarden.policy import Verdict
from callwarden.store import Role, Store

#: the longest the write is held (it is let go as soon as the reads are done)
HOLD_S = 60.0


def test_reads_do_not_wait_for_a_write_in_progress(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    secret = store.create_key(Role.NETWORK)[1]
    store.import_verdicts([Verdict("+8617012345678", "fraud", 0.97)])
    inside, release, done = threading.Event(), threading.Event(), threading.Event()

    def long_write() -> None:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO settings VALUES ('+8613800138000','strict','[]',1)")
            inside.set()
            release.wait(HOLD_S)
        done.set()

    writer = threading.Thread(target=long_write)
    writer.start()
    assert inside.wait(5)
    # The write is held until the reads are done, so a read that waited for it could only
    # end with SQLite's busy timeout (10 s: 'database is locked'), not by a stopwatch.
    try:
        assert store.lookup_key(secret) is not None
        assert store.load_policy("+8613800138000") is None  # the write is not committed yet
        assert store.get_verdict("+8617012345678") is not None
        assert len(store.load_verdicts()) == 1
        store.audit_trail(limit=5)
        store.report_summary("+8617012345678")
        assert not done.is_set()
    finally:
        release.set()
    writer.join()
    assert done.is_set()
    policy = store.load_policy("+8613800138000")
    assert policy is not None and policy.protection.value == "strict"
    store.close()

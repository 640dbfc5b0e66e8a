"""A verdict import is written in chunks, and between them this process's waiting writes
(the write-behind's block-log rows, a report, a list change) take SQLite's write lock: a
90,000-row import held it to the end, so acknowledged block-log rows waited seconds in
memory (and a SIGKILL lost them) and a report got 'database is locked' after 10 s."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from callwarden.policy import Verdict
from callwarden.store import Store
from callwarden.store.import_chunks import IMPORT_CHUNK

from .conftest import Clock


def _rows(n: int) -> list[Verdict]:
    return [Verdict(f"+86170{i:08d}", "fraud", 0.95, "loans", (), f"c{i % 50}") for i in range(n)]


def test_a_block_log_write_gets_the_lock_while_a_large_import_runs(tmp_path: Path) -> None:
    """Told by the order of the write transactions (SQLite runs one at a time, so the order
    of their commits is the order they held the lock), not by a stopwatch: the block-log
    write commits between two of the import's chunks, a few chunks after it asked."""
    store = Store.open(str(tmp_path / "s.db"))
    store.import_verdicts(_rows(1000))  # warm: tables and pages exist
    commits: list[str] = []  # the committing thread of each write transaction, in order
    sa.event.listen(
        store.engine, "commit", lambda _conn: commits.append(threading.current_thread().name)
    )

    def importer() -> None:
        store.import_verdicts(_rows(60_000))

    t = threading.Thread(target=importer, name="import")
    t.start()
    probe = sqlite3.connect(tmp_path / "s.db", timeout=0, isolation_level=None)
    while t.is_alive():  # until the import holds the write lock
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError:
            break
        time.sleep(0.005)
    probe.close()
    asked = len(commits)
    store.log_blocks(
        [
            {
                "subscriber": "+8613800138000",
                "caller": "+8617000000001",
                "at": 1.0,
                "action": "reject",
                "sip_code": 608,
                "category": "",
                "reasons": "[]",
            }
        ]
    )
    t.join(timeout=300)
    assert not t.is_alive()
    me = threading.current_thread().name
    assert commits.count(me) == 1, commits
    written = commits.index(me)
    chunks = [i for i, who in enumerate(commits) if who == "import"]
    assert len(chunks) >= 60_000 // IMPORT_CHUNK, commits
    # the write went in between two chunks, long before the import's end ...
    assert written < chunks[-1] - 5, (written, len(commits))
    # ... at the chunk boundary after it asked, or one of the next few (a loaded machine)
    assert sum(1 for i in chunks if asked <= i < written) <= 4, (asked, written, commits)
    assert len(store.load_verdicts()) == 60_000
    store.close()


def test_an_import_refreshes_only_the_campaigns_it_touches(store: Store, clock: Clock) -> None:
    store.import_verdicts(
        [
            Verdict("+8617000000001", "fraud", 0.9, "loans", (), "a"),
            Verdict("+8617000000002", "fraud", 0.8, "loans", (), "a"),
            Verdict("+8617000000003", "harassment", 0.7, "insurance", (), "b"),
        ]
    )
    before = {c["campaign"]: c for c in store.list_campaigns()}
    assert before["a"]["numbers"] == 2 and before["b"]["numbers"] == 1
    # number 2 moves from a to c; b is untouched
    clock.t += 60
    store.import_verdicts([Verdict("+8617000000002", "fraud", 0.85, "loans", (), "c")])
    after = {c["campaign"]: c for c in store.list_campaigns()}
    assert after["a"]["numbers"] == 1 and after["c"]["numbers"] == 1
    assert after["b"] == before["b"]  # not recomputed: same row, same updated_at
    # the last member leaves: the campaign goes
    store.import_verdicts([Verdict("+8617000000003", "benign", 0.1, "", (), "")])
    assert "b" not in {c["campaign"] for c in store.list_campaigns()}

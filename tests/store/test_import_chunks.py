"""A verdict import is written in chunks, and between them this process's waiting writes
(the write-behind's block-log rows, a report, a list change) take SQLite's write lock: a
90,000-row import held it to the end, so acknowledged block-log rows waited seconds in
memory (and a SIGKILL lost them) and a report got 'database is locked' after 10 s."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from callwarden.policy import Verdict
from callwarden.store import Store

from .conftest import Clock


def _rows(n: int) -> list[Verdict]:
    return [Verdict(f"+86170{i:08d}", "fraud", 0.95, "loans", (), f"c{i % 50}") for i in range(n)]


def test_a_block_log_write_gets_the_lock_while_a_large_import_runs(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    store.import_verdicts(_rows(1000))  # warm: tables and pages exist
    done: dict[str, float] = {}

    def importer() -> None:
        store.import_verdicts(_rows(60_000))
        done["import"] = time.monotonic()

    t = threading.Thread(target=importer)
    start = time.monotonic()
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
    asked = time.monotonic()
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
    waited = time.monotonic() - asked
    t.join(timeout=120)
    assert "import" in done
    total = done["import"] - start
    # the write went in between two chunks, long before the import's end
    assert asked + waited < done["import"] - 0.2, (waited, total)
    assert waited < 1.0, (waited, total)
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

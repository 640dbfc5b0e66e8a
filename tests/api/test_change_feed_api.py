"""A ``serve`` on SQLite hears what other processes change in its store (the change feed:
migration 0016, ``store.change_feed``, ``api.change_feed``). Before it, a label lapsed by
``callwarden prune``, a block list, score bands, a registration or a revoked key written by
another process stayed out of its caches until it restarted: every test here fails on that
code.

The app is built as ``serve`` builds it (``create_app`` opening the store itself, which
records nothing in the feed); "another process" is a real ``callwarden prune`` process, or a
Store of this test opened as any callwarden command opens one (its own connections: SQLite
sees no difference between them and another process's). Deadlines are generous; nothing
asserts a latency.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.api.change_feed import FeedReader
from callwarden.policy import ListKind, Registration, Thresholds, Verdict
from callwarden.store import Role, Store
from tests.store.conftest import record_screened

ROOT = Path(__file__).resolve().parents[2]
ALICE = "+8613800138000"
SPAMMER = "+8617012345678"
MIDDLING = "+8617066660000"  # fraud at 0.85: labelled by the default bands, not rejected
BOT = "+8617000010000"
DEADLINE_S = 30.0


@dataclass
class Served:
    client: TestClient
    other: Store  # another process's store (announces its changes)
    keys: dict[str, str]
    db: str

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def decide(self, caller: str = SPAMMER, callee: str = ALICE) -> dict[str, Any]:
        r = self.client.post(
            "/v1/decide", headers=self.h("network"), json={"caller": caller, "callee": callee}
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def reader(self) -> FeedReader:
        reader = self.client.app.state.cw.invalidation  # type: ignore[attr-defined]
        assert isinstance(reader, FeedReader)
        return reader


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    db = str(tmp_path / "store.db")
    seed = Store.open(db)
    keys = {
        "operator": seed.create_key(Role.OPERATOR)[1],
        "network": seed.create_key(Role.NETWORK)[1],
    }
    seed.import_verdicts(
        [
            Verdict(SPAMMER, "fraud", 0.97, "loans", (), ""),
            Verdict(MIDDLING, "fraud", 0.85, "loans", (), ""),
        ]
    )
    for k in range(2):  # the screener labels BOT (two callees heard a bot)
        record_screened(seed, k, BOT, f"+8613900{k:06d}", "bot", time.time() - 60, "loans")
    assert seed.get_verdict(BOT).source == "screening"  # type: ignore[union-attr]
    seed.close()
    # As serve: the store opened by the app (announcing nothing); its own label lapse off, so
    # only another process can lapse the label; a key trusted for an hour.
    settings = ApiSettings(db=db, key_cache_ttl_s=3600.0, screened_label_days=0)
    other = Store.open(db)
    with TestClient(create_app(settings)) as client:
        yield Served(client, other, keys, db)
    other.close()


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"serve did not see {what} within {DEADLINE_S:.0f} s")
        time.sleep(0.05)


def test_labels_lapsed_by_a_prune_process_leave_serve_s_cache(served: Served) -> None:
    """The limit session 30 documented: prune lapsed the screener's label in the store, and
    serve kept rejecting the number from its cache until it restarted."""
    assert served.decide(BOT)["action"] != "allow"
    run = subprocess.run(
        [sys.executable, "-m", "callwarden.cli.main", "prune", "--db", served.db,
         "--screened-labels-days", "0", "--apply"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 lapsed" in run.stdout
    eventually(lambda: served.decide(BOT)["action"] == "allow", "the lapsed label")
    r = served.client.get(f"/v1/numbers/{BOT}", headers=served.h("operator"))
    assert r.status_code == 200 and r.json()["verdict"] is None, r.text


def test_a_block_list_change_is_decided_by_serve(served: Served) -> None:
    caller = "+8617099990000"
    assert served.decide(caller)["action"] == "allow"
    served.other.add_pattern(ALICE, ListKind.BLOCK, caller, "", actor="cli")
    eventually(lambda: served.decide(caller)["sip_code"] == 603, "the subscriber's block")
    served.other.remove_pattern(ALICE, ListKind.BLOCK, caller, actor="cli")
    eventually(lambda: served.decide(caller)["action"] == "allow", "the block removed")


def test_score_bands_saved_elsewhere_are_used(served: Served) -> None:
    assert served.decide(MIDDLING)["action"] == "label"
    bands = Thresholds(label_at=0.5, reject_fraud_at=0.8, reject_harassment_at=0.8)
    served.other.save_thresholds(bands, "operator", actor="cli")
    eventually(lambda: served.decide(MIDDLING)["action"] == "reject", "the new score bands")


def test_a_registration_made_elsewhere_protects_the_caller(served: Served) -> None:
    assert served.decide()["action"] == "reject"
    served.other.put_registration(
        Registration(pattern=SPAMMER, name="bank call-back", category="bank"), actor="cli"
    )
    eventually(lambda: served.decide()["action"] != "reject", "the registered business")


def test_a_key_revoked_elsewhere_stops_working(served: Served) -> None:
    key, secret = served.other.create_key(Role.NETWORK)
    body = {"caller": SPAMMER, "callee": ALICE}
    auth = {"Authorization": f"Bearer {secret}"}
    assert served.client.post("/v1/decide", headers=auth, json=body).status_code == 200
    served.other.revoke_key(key.id, actor="cli")  # the key is trusted for an hour otherwise
    eventually(
        lambda: served.client.post("/v1/decide", headers=auth, json=body).status_code == 401,
        "the key's revocation",
    )


def test_a_bulk_change_reloads_the_verdicts_whole(served: Served) -> None:
    """More than 10,000 numbers in one read of the feed: one reload, not 10,001 re-reads."""
    numbers = [f"+86170888{i:05d}" for i in range(10_001)]
    state = served.client.app.state.cw  # type: ignore[attr-defined]
    reloads: list[int] = []
    whole, refresh = state.reload_verdicts, state.refresh_verdicts
    state.reload_verdicts = lambda: (reloads.append(0), whole())[1]
    state.refresh_verdicts = lambda numbers: (reloads.append(len(numbers)), refresh(numbers))[1]
    with served.other.engine.begin() as conn:  # any callwarden process's bulk write
        conn.execute(
            sa.text(
                "INSERT INTO verdicts (number, label, score, source, updated_at)"
                " VALUES (:n, 'fraud', 0.97, 'model', 0)"
            ),
            [{"n": n} for n in numbers],
        )
    eventually(lambda: served.decide(numbers[-1])["action"] == "reject", "the bulk write")
    assert served.decide(numbers[0])["action"] == "reject"
    assert served.reader().received >= 10_001
    assert reloads == [0]  # one reload whole, no re-read of 10,001 numbers


def test_a_failed_apply_reads_the_same_rows_again(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store failing while serve applies a change: nothing is skipped, the next read
    applies it."""
    reader = served.reader()
    reader.stop()  # the test drives the reader by hand
    caller = "+8617099990001"
    assert served.decide(caller)["action"] == "allow"
    served.other.add_pattern(ALICE, ListKind.BLOCK, caller, "", actor="cli")

    def fail(*_a: object) -> bool:
        raise sa.exc.OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr("callwarden.api.change_feed.apply_pending", fail)
    with pytest.raises(sa.exc.OperationalError):
        reader.poll()
    monkeypatch.undo()
    assert reader.poll() == 1
    assert served.decide(caller)["sip_code"] == 603

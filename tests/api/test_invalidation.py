"""Two API workers on one PostgreSQL store: what one worker changes, the other decides by
within a deadline, without a restart (LISTEN/NOTIFY: store migration 0009 and
``api.invalidation``). Every test here fails without the channel: worker B keeps its caches.

Deadlines are generous (the shared test machine is slow); nothing asserts a latency.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.policy import Verdict
from callwarden.store import Role, Store, make_engine, migrate
from callwarden.store.db import _alembic_config

ALICE = "+8613800138000"
SPAMMER = "+8617012345678"
MIDDLING = "+8617066660000"  # fraud at 0.85: labelled by the default bands, not rejected
DEADLINE_S = 30.0

pytestmark = pytest.mark.service


@dataclass
class Worker:
    client: TestClient
    store: Store
    keys: dict[str, str]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def call(self, method: str, path: str, who: str, **kw: Any) -> Any:
        r = self.client.request(method, path, headers=self.h(who), **kw)
        assert r.status_code < 300, (r.status_code, r.text)
        return r.json()

    def decide(self, caller: str = SPAMMER, callee: str = ALICE) -> dict[str, Any]:
        r = self.client.post(
            "/v1/decide", headers=self.h("network"), json={"caller": caller, "callee": callee}
        )
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]


@pytest.fixture
def workers(pg_database: str) -> Iterator[tuple[Worker, Worker]]:
    """Worker A and worker B: two apps, two stores (two engines), one database. B trusts a
    key for an hour, so only the channel can tell it about a revocation."""
    seed = Store.open(pg_database)
    keys = {
        "operator": seed.create_key(Role.OPERATOR)[1],
        "network": seed.create_key(Role.NETWORK)[1],
        "alice": seed.create_key(Role.SUBSCRIBER, ALICE)[1],
    }
    seed.import_verdicts(
        [
            Verdict(SPAMMER, "fraud", 0.97, "loans", (), ""),
            Verdict(MIDDLING, "fraud", 0.85, "loans", (), ""),
        ]
    )
    seed.close()
    stores = [Store.open(pg_database), Store.open(pg_database)]
    apps = [
        create_app(ApiSettings(db=pg_database), stores[0]),
        create_app(ApiSettings(db=pg_database, key_cache_ttl_s=3600.0), stores[1]),
    ]
    with TestClient(apps[0]) as a, TestClient(apps[1]) as b:
        yield Worker(a, stores[0], keys), Worker(b, stores[1], keys)
    for s in stores:
        s.close()


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"worker B did not see {what} within {DEADLINE_S:.0f} s")
        time.sleep(0.05)


def test_a_block_through_a_is_decided_by_b(workers: tuple[Worker, Worker]) -> None:
    a, b = workers
    caller = "+8617099990000"
    assert b.decide(caller)["action"] == "allow"
    a.call("POST", f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": caller})
    eventually(lambda: b.decide(caller)["sip_code"] == 603, "the subscriber's block")
    a.call("DELETE", f"/v1/subscribers/{ALICE}/lists/block/{caller}", "alice")
    eventually(lambda: b.decide(caller)["action"] == "allow", "the block removed")


def test_an_appeal_accepted_through_a_clears_the_number_on_b(
    workers: tuple[Worker, Worker],
) -> None:
    a, b = workers
    assert (b.decide()["action"], b.decide()["sip_code"]) == ("reject", 608)
    aid = a.call("POST", "/v1/appeals", "operator", json={"number": SPAMMER, "owner": "x"})["id"]
    a.call("POST", f"/v1/review/appeals/{aid}", "operator", json={"decision": "accept"})
    eventually(lambda: b.decide()["action"] == "allow", "the accepted appeal")


def test_a_community_label_through_a_is_decided_by_b(workers: tuple[Worker, Worker]) -> None:
    a, b = workers
    number = "+8617055550000"
    victims = [f"+86139{i:08d}" for i in range(10)]
    assert b.decide(number)["action"] == "allow"
    t0 = time.time() - 3600
    calls = [{"caller": number, "callee": v, "at": t0 + i} for i, v in enumerate(victims)]
    a.call("POST", "/v1/calls", "network", json={"calls": calls})
    for v in victims:
        a.call("POST", "/v1/reports", "network", json={"number": number, "reporter": v})
    assert a.call("GET", f"/v1/numbers/{number}", "operator")["verdict"]["source"] == "reports"
    eventually(lambda: b.decide(number)["action"] == "label", "the community label")


def test_thresholds_set_through_a_are_used_by_b(workers: tuple[Worker, Worker]) -> None:
    a, b = workers
    assert b.decide(MIDDLING)["action"] == "label"
    bands = {"label_at": 0.5, "reject_fraud_at": 0.8, "reject_harassment_at": 0.8}
    a.call("PUT", "/v1/thresholds", "operator", json=bands)
    eventually(lambda: b.decide(MIDDLING)["action"] == "reject", "the new score bands")
    assert b.call("GET", "/v1/thresholds", "network")["reject_fraud_at"] == 0.8


def test_a_key_revoked_through_a_stops_working_on_b(workers: tuple[Worker, Worker]) -> None:
    a, b = workers
    new = a.call("POST", "/v1/keys", "operator", json={"role": "network"})
    b.keys["new"] = new["secret"]
    body = {"caller": SPAMMER, "callee": ALICE}
    assert b.client.post("/v1/decide", headers=b.h("new"), json=body).status_code == 200
    a.call("DELETE", f"/v1/keys/{new['id']}", "operator")
    eventually(
        lambda: b.client.post("/v1/decide", headers=b.h("new"), json=body).status_code == 401,
        "the key's revocation",
    )


def test_a_verdict_import_through_a_is_decided_by_b(workers: tuple[Worker, Worker]) -> None:
    a, b = workers
    numbers = [f"+86170777{i:05d}" for i in range(2500)]  # more than one import chunk
    assert b.decide(numbers[-1])["action"] == "allow"
    rows = [{"number": n, "label": "fraud", "score": 0.97} for n in numbers]
    assert a.call("POST", "/v1/verdicts", "operator", json={"verdicts": rows})["count"] == 2500
    eventually(lambda: b.decide(numbers[-1])["action"] == "reject", "the imported verdict")
    eventually(lambda: b.decide(numbers[0])["action"] == "reject", "the first chunk")


def test_a_business_registered_through_a_is_protected_on_b(
    workers: tuple[Worker, Worker],
) -> None:
    a, b = workers
    assert b.decide()["action"] == "reject"
    a.call(
        "POST",
        "/v1/registry",
        "operator",
        json={"pattern": SPAMMER, "name": "bank call-back", "category": "bank"},
    )
    eventually(lambda: b.decide()["action"] != "reject", "the registered business")


def _listen(url: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute("LISTEN callwarden")
    return conn


def test_a_bulk_write_sends_one_message_and_b_reloads(
    workers: tuple[Worker, Worker], pg_database: str
) -> None:
    """More than 10,000 numbers changed in one transaction: one ``verdict:*`` (not 10,001
    payloads), and B reloads its verdicts whole."""
    a, b = workers
    numbers = [f"+86170888{i:05d}" for i in range(10_001)]
    a.store.import_verdicts([Verdict(n, "benign", 0.1, "", (), "") for n in numbers])
    eventually(lambda: b.decide(numbers[-1])["action"] == "allow", "the benign import")
    spy = _listen(pg_database)
    try:
        with a.store.engine.begin() as conn:  # an operator's SQL: no API path at all
            conn.execute(
                sa.text(
                    "UPDATE verdicts SET label = 'fraud', score = 0.97"
                    " WHERE number LIKE '+86170888%'"
                )
            )
        heard = [n.payload for n in spy.notifies(timeout=5)]
    finally:
        spy.close()
    assert heard == ["verdict:*"]
    eventually(lambda: b.decide(numbers[-1])["action"] == "reject", "the bulk update")


def test_a_few_numbers_are_sent_by_key(workers: tuple[Worker, Worker], pg_database: str) -> None:
    a, _ = workers
    spy = _listen(pg_database)
    try:
        numbers = [f"+86170999{i:05d}" for i in range(3)]
        a.store.import_verdicts([Verdict(n, "fraud", 0.95, "", (), "") for n in numbers])
        heard = [n.payload for n in spy.notifies(timeout=3)]
    finally:
        spy.close()
    # by key, not "verdict:*"; one statement for the import's chunk (store/import_chunks.py), so
    # one payload naming the three (one a row before the import wrote a chunk at once)
    assert len(heard) == 1 and heard[0].startswith("verdict:")
    assert sorted(heard[0].removeprefix("verdict:").split(",")) == numbers


def test_after_a_lost_connection_b_refreshes_every_cache(
    workers: tuple[Worker, Worker], pg_database: str, pg_url: str
) -> None:
    """A change B could not hear (made with triggers off, as while B's listener was away)
    is seen once B's listening connection is killed and B has reconnected."""
    a, b = workers
    caller = "+8617011112222"
    assert b.decide(caller)["action"] == "allow"
    assert b.decide()["action"] == "reject"
    with a.store.engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))  # no triggers
        conn.execute(
            sa.text(
                "INSERT INTO list_entries (subscriber, kind, pattern, note, created_at)"
                " VALUES (:s, 'block', :p, '', 0)"
            ),
            {"s": ALICE, "p": caller},
        )
        conn.execute(
            sa.text("UPDATE verdicts SET label = 'benign', score = 0.1 WHERE number = :n"),
            {"n": SPAMMER},
        )
    time.sleep(1.0)
    assert b.decide(caller)["action"] == "allow"  # nothing was announced
    name = pg_database.rsplit("/", 1)[1]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND application_name = 'callwarden-listener'",
            (name,),
        ).fetchone()
    assert killed is not None and killed[0] == 2  # A's and B's
    eventually(lambda: b.decide(caller)["sip_code"] == 603, "the block made while away")
    eventually(lambda: b.decide()["action"] == "allow", "the verdict changed while away")
    metrics = b.client.get("/metrics", headers=b.h("operator")).text
    assert "callwarden_invalidation_reconnects 1.0" in metrics


def test_migration_0009_adds_and_removes_the_triggers(pg_database: str, tmp_path: Path) -> None:
    """PostgreSQL: 23 triggers (six tables), dropped again by a downgrade to 0008. SQLite: none (one
    ``serve`` per SQLite store)."""
    engine = make_engine(pg_database)
    count = sa.text("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'callwarden_notify_%'")
    try:
        migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(count).scalar() == 23
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0008")
        with engine.connect() as conn:
            assert conn.execute(count).scalar() == 0
        migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(count).scalar() == 23
    finally:
        engine.dispose()
    lite = Store.open(str(tmp_path / "lite.db"))
    with lite.engine.connect() as conn:
        triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        assert conn.exec_driver_sql(triggers).scalar() == 0
    lite.close()

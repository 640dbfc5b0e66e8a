"""Screened calls in the store, on SQLite and PostgreSQL: the API's round trip (stored before
the answer, idempotent, 409 on another transcript, the block-log row of a bot, the counts of
the number's view), and migration 0012 on a store at the previous revision."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.policy import Verdict
from callwarden.sim.screening import simulate_screening
from callwarden.store import ConflictError, Role, Store
from callwarden.store.db import current_revision, head_revision, make_engine, migrate
from callwarden.store.screenings import NoScreenDecisionError, recent_screening_ids

CALLEE = "+8613800138000"
BOT_CALLER = "+8617012345678"


def _calls() -> list[dict[str, Any]]:
    calls = simulate_screening(3, seed=3)  # a bot (medical), a bot (police), a person
    return [{**c, "caller": BOT_CALLER, "callee": CALLEE} for c in calls]


def test_round_trip(store: Store) -> None:
    # the store's settable clock is the server's: the simulated calls (Nov 2026) are in its past
    store.clock.t = 1_800_000_000.0  # type: ignore[attr-defined]
    scr = {"Authorization": f"Bearer {store.create_key(Role.SCREENER)[1]}"}
    sub = {"Authorization": f"Bearer {store.create_key(Role.SUBSCRIBER, CALLEE)[1]}"}
    bot, police, person = _calls()
    for call in (bot, police, person):  # decide's `screen` rows, a second before each call
        at = datetime.fromisoformat(call["start_time"]).timestamp() - 1
        row = {"subscriber": CALLEE, "caller": BOT_CALLER, "at": at, "action": "screen"}
        store.log_blocks([{**row, "sip_code": None, "category": "", "reasons": "[]"}])
    with TestClient(create_app(ApiSettings(db="unused"), store)) as c:
        first = c.post("/v1/screenings", headers=scr, json=bot)
        assert first.status_code == 201, first.text
        assert (first.json()["verdict"], first.json()["action"]) == ("bot", "reject")
        assert c.post("/v1/screenings", headers=scr, json=bot).json() == first.json()
        changed = {**bot, "start_time": "2026-11-29T09:34:18+00:00"}
        assert c.post("/v1/screenings", headers=scr, json=changed).status_code == 409
        assert c.post("/v1/screenings", headers=scr, json=police).json()["verdict"] == "bot"
        assert c.post("/v1/screenings", headers=scr, json=person).json()["action"] == "allow"
        log = c.get(f"/v1/subscribers/{CALLEE}/blocked", headers=sub).json()
        assert [(r["action"], r["screening"]["action"]) for r in log] == [
            ("screen", "allow"), ("screen", "reject"), ("screen", "reject"),
        ]  # fmt: skip
        counts = c.get(f"/v1/numbers/{BOT_CALLER}", headers=sub).json()["screenings"]
        assert counts == {  # (L12)
            "bot": 2, "service": 0, "human": None, "unsure": None, "bot_callees": 1,
        }  # fmt: skip
    stored = store.get_screening(bot["call_id"])
    assert stored is not None
    assert (stored["caller"], stored["callee"], stored["verdict"]) == (BOT_CALLER, CALLEE, "bot")
    assert stored["category"] == "medical" and len(stored["transcript_sha256"]) == 64
    assert json.loads(stored["reasons"]) and json.loads(stored["turns"])[0]["speaker"] == "caller"


@pytest.fixture
def url(empty_url: str) -> str:
    return empty_url


def test_migration_0012_on_a_store_at_0011(url: str) -> None:
    engine = make_engine(url)
    migrate(engine, "0011")
    assert current_revision(engine) == "0011"
    engine.dispose()
    old = Store(make_engine(url))
    old.import_verdicts([Verdict(BOT_CALLER, "fraud", 0.97, "loans")])
    old.close()
    store = Store.open(url)  # migrates to the head
    try:
        assert current_revision(store.engine) == head_revision()
        assert store.get_verdict(BOT_CALLER) is not None  # what was there stays
        assert store.screening_counts(BOT_CALLER)["bot"] == 0
        with store.engine.connect() as conn:
            cols = {c["name"] for c in sa.inspect(conn).get_columns("screenings")}
            linked = {c["name"] for c in sa.inspect(conn).get_columns("block_log")}
        assert {"call_id", "verdict", "transcript_sha256", "turns"} <= cols
        assert "screening" in linked
        with store.engine.connect() as conn:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("screenings")}
        assert {"ix_screenings_caller", "ix_screenings_at"} <= indexes  # labels' window
    finally:
        store.close()


def test_migration_0013_indexes_the_calls_that_keep_turns(url: str) -> None:
    engine = make_engine(url)
    migrate(engine, "0012")
    engine.dispose()
    store = Store.open(url)  # migrates to the head
    try:
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as conn:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("screenings")}
        assert "ix_screenings_kept_turns" in indexes
        # its condition, which the metadata comparison does not look at (audit d L2)
        with store.engine.connect() as conn:
            if store.dialect == "sqlite":
                q = "SELECT sql FROM sqlite_master WHERE name = 'ix_screenings_kept_turns'"
            else:
                q = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_screenings_kept_turns'"
            definition = conn.exec_driver_sql(q).scalar_one()
        assert re.search(r"WHERE \(?turns (!=|<>) '\[\]'", definition), definition
    finally:
        store.close()


def test_the_windows_read_walks_only_the_calls_that_keep_turns(tmp_path: Any) -> None:
    """Audit b M1: the last K calls that keep turns were read down ix_screenings_at through
    every call prune had emptied (1 M rows, 100 kept: 232-257 ms a screened call on SQLite,
    bench/screening_window_ids.py);
    the partial index holds the kept ones only. SQLite's plan of the statement itself."""
    store = Store.open(str(tmp_path / "plan.db"))
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        statements.append((sql, params))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    with store.read() as conn:
        assert recent_screening_ids(conn, 1000) == []
    sa.event.remove(store.engine, "before_cursor_execute", seen)
    (sql, params), *_ = [s for s in statements if "FROM screenings" in s[0]]
    with store.engine.connect() as conn:
        plan = [str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
    assert any("ix_screenings_kept_turns" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan  # read in order, no sort
    store.close()


def _row(call_id: str, sha: str) -> dict[str, Any]:
    return {
        "call_id": call_id, "caller": BOT_CALLER, "callee": CALLEE, "at": 1.0,
        "received_at": 1.0, "verdict": "bot", "bot_score": 5.0, "challenges": 1,
        "category": "", "reasons": "[]", "action": "reject", "transcript_sha256": sha,
        "turns": "[]", "actor": "network",
    }  # fmt: skip


def _screen_row(store: Store, at: float = 1.0) -> None:
    row = {"subscriber": CALLEE, "caller": BOT_CALLER, "at": at, "action": "screen"}
    store.log_blocks([{**row, "sip_code": None, "category": "", "reasons": "[]"}])


def test_twins_at_once_write_one_row(store: Store) -> None:
    """The same call posted twice at the same moment (a screener's retry): one row, linked
    to decide's one `screen` row; one twin is told it was written, the others read it back."""
    _screen_row(store)
    with ThreadPoolExecutor(8) as pool:
        done = list(
            pool.map(lambda _: store.record_screening(_row("c1", "a" * 64), (0, 2)), range(8))
        )
    assert sorted(r.created for r in done) == [False] * 7 + [True]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM screenings")).scalar_one() == 1
        linked = conn.execute(sa.text("SELECT screening FROM block_log")).scalars().all()
        assert linked == ["c1"]
    with pytest.raises(ConflictError, match="another transcript"):
        store.record_screening(_row("c1", "b" * 64), (0, 2))


def test_two_calls_for_one_screen_decision_store_one(store: Store) -> None:
    """Eight different call_ids at once against one `screen` row: one is stored and linked,
    the others are a NoScreenDecisionError and write nothing."""
    _screen_row(store)

    def post(i: int) -> bool:
        try:
            return store.record_screening(_row(f"c{i}", "a" * 64), (0, 2))[1]
        except NoScreenDecisionError:
            return False

    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(post, range(8)))
    assert sorted(done) == [False] * 7 + [True]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM screenings")).scalar_one() == 1
        (linked,) = conn.execute(sa.text("SELECT screening FROM block_log")).scalars().all()
    assert linked == f"c{done.index(True)}"

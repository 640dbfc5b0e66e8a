"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL server that
``scripts/services`` installs (if needed) and starts; each test gets a fresh database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from callwarden.store import Store


class Clock:
    """A settable clock, so recency windows and rate limits are tested without sleeping."""

    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    if request.param == "sqlite":
        url = str(tmp_path / "store.db")
    else:
        url = request.getfixturevalue("pg_database")
    s = Store.open(url, clock=clock)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it yet, on SQLite and PostgreSQL: for tests that build a
    store at an old migration and upgrade it."""
    if request.param == "sqlite":
        yield str(tmp_path / "old.db")
    else:
        yield request.getfixturevalue("pg_database")


def record_screened(store: Store, n: int, caller: str, callee: str, verdict: str, at: float,
                    category: str = "", *, reasons: str = "[]", turns: str = "[]") -> None:  # fmt: skip
    """A screened call stored as POST /v1/screenings stores it, answering the ``screen``
    block-log row decide would have written for it (call_id ``caller-n``)."""
    row = {
        "call_id": f"{caller}-{n}",
        "caller": caller,
        "callee": callee,
        "at": at,
        "received_at": at,
        "verdict": verdict,
        "bot_score": 5.0 if verdict == "bot" else -3.0,
        "challenges": 2,
        "category": category,
        "reasons": reasons,
        "action": {"bot": "reject", "human": "allow"}.get(verdict, "label"),
        "transcript_sha256": f"{n:064d}",
        "turns": turns,
        "actor": "network",
    }
    screen = {"subscriber": callee, "caller": caller, "at": at, "action": "screen"}
    store.log_blocks([{**screen, "sip_code": None, "category": "", "reasons": "[]"}])
    assert store.record_screening(row, (at, at))[1]


def index_condition(store: Store, index: str) -> str:
    """The stored definition of a partial index (its WHERE), which alembic's metadata
    comparison does not read."""
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            q = f"SELECT sql FROM sqlite_master WHERE name = '{index}'"
        else:
            q = f"SELECT indexdef FROM pg_indexes WHERE indexname = '{index}'"
        return str(conn.exec_driver_sql(q).scalar_one())


def query_plan(store: Store, run: Callable[[], object], table: str) -> str:
    """The plan of the first statement ``run`` sends that reads ``table``, as one line: on
    SQLite its steps (``EXPLAIN QUERY PLAN``), on PostgreSQL ``EXPLAIN`` with sorts
    disabled, so that a test's few rows do not make a sort the cheaper plan: a ``Sort`` left
    in it means no index gives the statement's order."""
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        statements.append((sql, params))

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        run()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    (sql, params), *_ = [s for s in statements if f"FROM {table}" in s[0]]
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
            return " | ".join(str(r[-1]) for r in rows)
        conn.exec_driver_sql("SET LOCAL enable_sort = off")
        plan = " | ".join(str(r[0]).strip() for r in conn.exec_driver_sql("EXPLAIN " + sql, params))
        conn.rollback()
        return plan


def sqlite_plan(store: Store, run: Callable[[], object], table: str) -> list[str]:
    """SQLite's plan steps of the first statement ``run`` sends that reads ``table``."""
    return query_plan(store, run, table).split(" | ")


def reported(store: Store, number: str, at: float, reporters: list[str]) -> None:
    """Each of ``reporters`` received a call from ``number`` at ``at`` and reports it (ten
    new reporters, 0.3 each, meet the community bar: the number is labelled)."""
    store.record_calls([(r, number, at) for r in reporters])
    for r in reporters:
        store.add_report(r, number, "loans", "app", "t")

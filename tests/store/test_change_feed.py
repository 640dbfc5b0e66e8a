"""The change feed of a SQLite store (migration 0016, ``store.change_feed``): a process
that writes records each key it changed in the tables behind ``serve``'s caches, in the
same transaction; a store opened with ``announce=False`` (``serve``) records nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from callwarden.policy import ListKind, Thresholds, Verdict
from callwarden.store import Role, Store
from callwarden.store.change_feed import FEED_TABLE, feed_head, has_feed, read_feed, trim_feed
from callwarden.store.schema import verdicts

NUMBER = "+8617012345678"
ALICE = "+8613800138000"


def _feed(store: Store, after: int = 0) -> list[tuple[str, str]]:
    with store.read() as conn:
        return [(kind, key) for _id, kind, key in read_feed(conn, after, 1000)]


def _head(store: Store) -> int:
    with store.read() as conn:
        return feed_head(conn)


def test_each_cached_table_announces_its_keys(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    try:
        start = _head(store)
        store.import_verdicts([Verdict(NUMBER, "fraud", 0.97, "loans", (), "")])
        assert _feed(store, start) == [("verdict", NUMBER)]

        mark = _head(store)
        store.import_verdicts([Verdict(NUMBER, "harassment", 0.91, "loans", (), "")])
        assert _feed(store, mark) == [("verdict", NUMBER)]  # an upsert's UPDATE

        mark = _head(store)
        store.add_pattern(ALICE, ListKind.BLOCK, "+86170*", "", actor="t")
        assert _feed(store, mark) == [("subscriber", ALICE)]

        mark = _head(store)
        store.save_thresholds(Thresholds(), "operator", actor="t")
        assert ("setting", "thresholds") in _feed(store, mark)

        key, _secret = store.create_key(Role.NETWORK)
        mark = _head(store)
        assert _feed(store, mark) == []  # a new key: no cache holds it yet
        store.revoke_key(key.id, actor="t")
        rows = _feed(store, mark)
        assert [kind for kind, _ in rows] == ["key"] and len(rows[0][1]) == 64

        mark = _head(store)
        with store.engine.begin() as conn:  # a number moved: both numbers are re-read
            conn.execute(verdicts.update().where(verdicts.c.number == NUMBER).values(number="+1"))
            conn.execute(verdicts.delete().where(verdicts.c.number == "+1"))
        assert _feed(store, mark) == [("verdict", "+1"), ("verdict", NUMBER), ("verdict", "+1")]
    finally:
        store.close()


def test_registrations_announce_the_whole_registry(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    try:
        mark = _head(store)
        with store.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO registrations (pattern, name, category, created_at)"
                " VALUES ('+86950*', 'bank', 'bank_service', 0)"
            )
        assert _feed(store, mark) == [("registry", "*")]
    finally:
        store.close()


def test_a_rolled_back_change_leaves_no_row(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "s.db"))
    try:
        mark = _head(store)
        with pytest.raises(RuntimeError), store.engine.begin() as conn:
            conn.execute(
                verdicts.insert().values(
                    number=NUMBER, label="fraud", score=0.9, source="model", updated_at=0
                )
            )
            raise RuntimeError("abort")
        assert _feed(store, mark) == []
    finally:
        store.close()


def test_serve_s_own_store_records_nothing(tmp_path: Path) -> None:
    """``serve`` applies its own writes to its caches as it makes them: an import of the
    10 M-CDR day's 2.6 M verdicts must not also put 2.6 M rows in the feed."""
    db = str(tmp_path / "s.db")
    Store.open(db).close()
    store = Store.open(db, announce=False)
    try:
        mark = _head(store)
        store.import_verdicts([Verdict(NUMBER, "fraud", 0.97, "loans", (), "")])
        store.add_pattern(ALICE, ListKind.BLOCK, "+86170*", "", actor="t")
        assert _feed(store, mark) == []
    finally:
        store.close()


def test_the_served_store_stops_announcing(tmp_path: Path) -> None:
    """A store passed to ``create_app`` is the one serve writes through: from then on its
    connections, those that held the triggers included, record nothing."""
    from callwarden.api import ApiSettings, create_app

    db = str(tmp_path / "s.db")
    store = Store.open(db)
    try:
        store.import_verdicts([Verdict(NUMBER, "fraud", 0.97, "loans", (), "")])
        mark = _head(store)
        assert mark > 0  # it announced
        create_app(ApiSettings(db=db), store)
        store.import_verdicts([Verdict(NUMBER, "harassment", 0.91, "loans", (), "")])
        store.add_pattern(ALICE, ListKind.BLOCK, "+86170*", "", actor="t")
        assert _feed(store, mark) == []
    finally:
        store.close()


def test_trim_deletes_old_rows_and_ids_are_never_reused(tmp_path: Path) -> None:
    now = [1_000_000.0]
    store = Store.open(str(tmp_path / "s.db"))
    try:
        store.import_verdicts([Verdict(NUMBER, "fraud", 0.97, "loans", (), "")])
        last = _head(store)
        with store.engine.begin() as conn:
            assert trim_feed(conn, now[0] * 10_000) >= 1  # everything is older
        assert _feed(store) == []
        store.import_verdicts([Verdict(NUMBER, "harassment", 0.91, "loans", (), "")])
        assert _head(store) > last  # AUTOINCREMENT: a reader's "after id N" stays right
        assert _feed(store, last) == [("verdict", NUMBER)]
    finally:
        store.close()


@pytest.mark.service
def test_postgresql_has_no_feed(pg_database: str) -> None:
    """PostgreSQL announces over LISTEN/NOTIFY (migration 0009); it gets no feed table."""
    store = Store.open(pg_database)
    try:
        with store.read() as conn:
            assert not has_feed(conn)
            assert not sa.inspect(conn).has_table(FEED_TABLE)
    finally:
        store.close()

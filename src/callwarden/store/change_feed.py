"""The change feed of a SQLite store: what other processes changed, for ``serve``'s caches.

PostgreSQL announces every change to the tables behind ``serve``'s caches over
LISTEN/NOTIFY (migration 0009). SQLite has no such channel, so a process that writes a
SQLite store (``callwarden prune`` lapsing labels, ``callwarden apikey --revoke``, a test's
own Store) records one row per changed key in ``change_feed`` (migration 0016), from TEMP
triggers on each of its connections: they fire inside the writing transaction, so a row
is there exactly when the change committed. ``serve`` opens its store with
``announce=False`` (it applies its own writes to its caches as it makes them) and reads the
feed (``api.change_feed``).

TEMP triggers, not triggers in the schema: those would fire for ``serve``'s own writes too,
a row per verdict of every import (2.6 M on a 10 M-CDR day) that it would then read back.
What is not announced: writes made without callwarden's engine (an operator's ``sqlite3``
shell); ``serve`` sees them after a restart, as before.

The kinds and keys are those of the PostgreSQL notifications (``api.invalidation.Pending``).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

FEED_TABLE = "change_feed"

#: table -> (kind, the key column (NEW or OLD row), events): as migration 0009's triggers
FEED_TRIGGERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "verdicts": ("verdict", "number", ("INSERT", "UPDATE", "DELETE")),
    "settings": ("subscriber", "subscriber", ("INSERT", "UPDATE", "DELETE")),
    "list_entries": ("subscriber", "subscriber", ("INSERT", "UPDATE", "DELETE")),
    "registrations": ("registry", "", ("INSERT", "UPDATE", "DELETE")),
    "operator_settings": ("setting", "key", ("INSERT", "UPDATE", "DELETE")),
    "api_keys": ("key", "key_hash", ("UPDATE", "DELETE")),
}

#: unix seconds in SQLite, as the store's clock writes them elsewhere
_NOW = "(julianday('now') - 2440587.5) * 86400.0"

#: marks a pooled connection whose triggers are in place (its ``info`` dict)
_INSTALLED = "callwarden_change_feed"


def trigger_sql() -> list[str]:
    """The TEMP triggers of one connection. A row's key is the new row's, and the old one's
    as well when an UPDATE moved it (a verdict's number changed) or for a DELETE."""
    out = []
    for table, (kind, col, events) in FEED_TRIGGERS.items():
        for event in events:
            if not col:  # the whole cache, whatever changed
                rows = [f"'{kind}', '*'"]
            elif event == "DELETE":
                rows = [f"'{kind}', OLD.{col}"]
            elif event == "UPDATE":
                rows = [f"'{kind}', NEW.{col}"]
                old = f"'{kind}', OLD.{col}"
                rows.append(f"{old} WHERE OLD.{col} IS NOT NEW.{col}")
            else:
                rows = [f"'{kind}', NEW.{col}"]
            body = " ".join(
                f"INSERT INTO {FEED_TABLE} (at, kind, key) SELECT {_NOW}, {r};" for r in rows
            )
            out.append(
                f"CREATE TEMP TRIGGER IF NOT EXISTS cw_feed_{table}_{event.lower()} "
                f"AFTER {event} ON main.{table} BEGIN {body} END"
            )
    return out


#: SQLite engines -> whether their connections announce (read at each checkout)
_ANNOUNCING: weakref.WeakKeyDictionary[sa.Engine, bool] = weakref.WeakKeyDictionary()


def drop_sql() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS temp.cw_feed_{table}_{event.lower()}"
        for table, (_kind, _col, events) in FEED_TRIGGERS.items()
        for event in events
    ]


def announce_changes(engine: sa.Engine, announce: bool = True) -> None:
    """Make every connection of this SQLite engine record its changes in the feed (or not).

    The triggers are put in place, or taken away, when a connection is checked out: a store
    not yet migrated has no feed table, and the connection that migrates it is checked again
    on its next use."""
    if engine.dialect.name != "sqlite":
        return
    first = engine not in _ANNOUNCING
    _ANNOUNCING[engine] = announce
    if not first:
        return
    create, drop = trigger_sql(), drop_sql()

    @sa.event.listens_for(engine, "checkout")
    def _install(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        want = _ANNOUNCING.get(engine, False)
        if record.info.get(_INSTALLED, False) == want:
            return
        cur = dbapi_conn.cursor()
        try:
            if want:
                found = cur.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (FEED_TABLE,),
                ).fetchone()
                if found is None:
                    return
            for sql in create if want else drop:
                cur.execute(sql)
            record.info[_INSTALLED] = want
        finally:
            cur.close()


def stop_announcing(engine: sa.Engine) -> None:
    """The process serving this store (``create_app``) applies its own writes to its caches:
    its connections stop recording them (those holding triggers drop them when next checked
    out)."""
    if engine in _ANNOUNCING:
        _ANNOUNCING[engine] = False


def has_feed(conn: sa.Connection) -> bool:
    return conn.dialect.name == "sqlite" and sa.inspect(conn).has_table(FEED_TABLE)


def feed_head(conn: sa.Connection) -> int:
    """The id of the newest row (0 when there is none): a reader starting now reads after it."""
    ((head,),) = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {FEED_TABLE}")
    return int(head)


def read_feed(conn: sa.Connection, after: int, limit: int) -> Sequence[tuple[int, str, str]]:
    """Up to ``limit`` rows after id ``after``, oldest first: (id, kind, key)."""
    rows = conn.exec_driver_sql(
        f"SELECT id, kind, key FROM {FEED_TABLE} WHERE id > ? ORDER BY id LIMIT ?",
        (after, limit),
    ).fetchall()
    return [(int(i), str(k), str(v)) for i, k, v in rows]


def trim_feed(conn: sa.Connection, before: float) -> int:
    """Deletes the rows written before ``before`` (unix seconds); returns how many."""
    result = conn.exec_driver_sql(f"DELETE FROM {FEED_TABLE} WHERE at < ?", (before,))
    return int(result.rowcount or 0)

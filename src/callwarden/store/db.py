"""Engines and migrations for the reputation store.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``: a write the API has
acknowledged is on disk and survives a killed process or a power cut. PostgreSQL URLs
(``postgresql://...``) are served through psycopg 3.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from callwarden.errors import ConfigError, InputError
from callwarden.store.change_feed import announce_changes

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url_or_path: str) -> str:
    """A SQLAlchemy URL from a URL or a plain file path (a path means SQLite)."""
    if "://" not in url_or_path:
        return f"sqlite:///{Path(url_or_path).expanduser().resolve()}"
    if url_or_path.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url_or_path.split("://", 1)[1]
    return url_or_path


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


#: Execution option of a connection that only reads (see :func:`read_connection`).
READ_OPTION = "callwarden_read_only"


def read_connection(engine: sa.Engine) -> sa.Connection:
    """A connection for reads. On SQLite its transaction is deferred, so it reads the last
    committed state at once instead of waiting for a write in progress (every read took the
    write lock, BEGIN IMMEDIATE, and stalled behind a verdict import); writes use
    ``engine.begin()``, which takes the lock first."""
    return engine.connect().execution_options(**{READ_OPTION: True})


class _WaitingWriters:
    """How many of this process's writes wait for SQLite's write lock right now."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self.count += n


_WAITING: weakref.WeakKeyDictionary[sa.Engine, _WaitingWriters] = weakref.WeakKeyDictionary()


def yield_to_writers(engine: sa.Engine, max_wait_s: float = 2.0) -> float:
    """Called by a long write (a verdict import) between the transactions it is cut into:
    waits until this process's writes that are waiting for SQLite's write lock have it (the
    write-behind's block-log rows, a report, a list change), at most ``max_wait_s``, and
    returns the seconds waited. SQLite's lock is not fair: a writer that commits and begins
    again at once keeps it while the others sleep in their busy handlers, so without this a
    90,000-row import held it for seconds in effect. No-op on PostgreSQL (row locks)."""
    waiting = _WAITING.get(engine)
    if waiting is None or not waiting.count:
        return 0.0
    start = time.monotonic()
    while waiting.count and time.monotonic() - start < max_wait_s:
        time.sleep(0.002)
    return time.monotonic() - start


#: PostgreSQL advisory lock of verdict imports (two-key form, (IMPORTS_LOCK, 0); the one-key
#: locks of reports take ``hashtext`` values, a separate key space).
IMPORTS_LOCK = 0x63770003

_IMPORT_LOCKS: dict[str, threading.Lock] = {}  # by database, for every Store of this process
_IMPORT_LOCKS_GUARD = threading.Lock()


@contextmanager
def import_lock(engine: sa.Engine) -> Iterator[None]:
    """Held by a verdict import from before it reads the store to its end, so imports run
    one after the other (one that starts meanwhile waits): each reads the verdicts in force,
    campaigns and aliases as the one before left them (docs/api.md, "Concurrent imports").
    Without it two PostgreSQL imports of different scan days read the verdict in force before
    either committed, and the older day could overwrite the newer one (rule 3).

    First a lock of this process (by database URL), so imports waiting in one process hold
    no connection; then, on PostgreSQL, a session advisory lock on a connection of its own,
    held across the import's transactions and released by the server if the process dies.
    Only imports take either: reports, appeals, lookups and the write-behind never wait for
    them. On SQLite the process lock is all (one ``serve`` per SQLite store); each chunk's
    BEGIN IMMEDIATE already orders the chunks of imports from any process."""
    with _IMPORT_LOCKS_GUARD:
        lock = _IMPORT_LOCKS.setdefault(str(engine.url), threading.Lock())
    with lock:
        if engine.dialect.name != "postgresql":
            yield
            return
        conn = engine.connect()
        try:
            conn.execute(sa.select(sa.func.pg_advisory_lock(IMPORTS_LOCK, 0)))
            conn.commit()  # the lock is the session's: no transaction stays open meanwhile
            try:
                yield
            finally:
                try:
                    conn.execute(sa.select(sa.func.pg_advisory_unlock(IMPORTS_LOCK, 0)))
                    conn.commit()
                except sa.exc.SQLAlchemyError:  # the session goes, and its lock with it
                    conn.invalidate()
        finally:
            conn.close()


def redacted(url_or_path: str) -> str:
    """A store URL without its password, for messages (a file path as it is)."""
    if "://" not in url_or_path:
        return url_or_path
    return sa.engine.make_url(url_or_path).render_as_string(hide_password=True)


def check_readable(engine: sa.Engine, url_or_path: str) -> None:
    """A ConfigError naming the store when it cannot be read: a file that is not a database,
    a server that does not answer or refuses the login. One line, password hidden, before
    anything migrates or writes (a traceback from SQLAlchemy before)."""
    try:
        with read_connection(engine) as conn:
            sa.inspect(conn).get_table_names()
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigError(f"store {redacted(url_or_path)} cannot be read: {cause}") from None


def open_existing_store(url_or_path: str, reader: str) -> sa.Engine:
    """An engine on a store that exists and is at this version's schema, for a command that
    must not migrate it: one that only reads it, or ``prune`` (``reader`` names it in the
    messages: "a replay", "labels", "prune"). ``Store.open``
    migrates, which would write callwarden's tables into a file that is no store; a missing
    SQLite path is refused before connecting, which would create it."""
    if "://" not in url_or_path and not Path(url_or_path).is_file():
        raise InputError(f"--db {url_or_path}: no store there (serve and demo create one)")
    _refuse_sqlite_non_store(url_or_path, reader)
    engine = make_engine(url_or_path)
    check_readable(engine, url_or_path)  # not a database, or no server answers: one line
    revision = current_revision(engine)
    if (why := _not_at_head(url_or_path, reader, revision)) is not None:
        engine.dispose()
        raise InputError(why)
    return engine


def _not_at_head(url_or_path: str, reader: str, revision: str | None) -> str | None:
    """Why a store at ``revision`` (None: no callwarden schema) cannot be read by a command
    that writes nothing, or None when it is at this version's head."""
    if revision is None:
        return (
            f"--db {redacted(url_or_path)} is not a callwarden store (it has no callwarden "
            f"schema); {reader} reads a store, it makes none"
        )
    if revision != (head := head_revision()):
        return (
            f"--db {redacted(url_or_path)}: its schema is at revision {revision}, this "
            f"callwarden's is {head}; start 'callwarden serve --db' on it once to migrate it "
            f"({reader} does not migrate a store)"
        )
    return None


def _refuse_sqlite_non_store(url_or_path: str, reader: str) -> None:
    """On a SQLite file, the store check of :func:`open_existing_store` made read-only first
    (``mode=ro``): the engine's connect pragma ``journal_mode=WAL`` rewrote the header of a
    SQLite file that is no store before it was refused (audit 22c: its md5 changed, its
    journal mode became wal). A store serve made is in WAL mode already, so the engine opened
    afterwards leaves it as it was."""
    import sqlite3

    url = sa.engine.make_url(normalise_url(url_or_path))
    if not url.drivername.startswith("sqlite") or not url.database:
        return
    path = Path(url.database).expanduser().resolve()
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            revisions = (
                [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
                if "alembic_version" in tables
                else []
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"store {redacted(url_or_path)} cannot be read: {cause}") from None
    # (alembic keeps one row: several, joined, are no head either)
    revision = ", ".join(revisions) or None
    if (why := _not_at_head(url_or_path, reader, revision)) is not None:
        raise InputError(why)


def make_engine(url_or_path: str, announce: bool = True) -> sa.Engine:
    """An engine on the store. ``announce`` (SQLite only): this process's writes to the
    tables behind ``serve``'s caches are recorded in the change feed, where a ``serve`` on
    the same file reads them (``store.change_feed``); ``serve`` opens its own with False."""
    url = normalise_url(url_or_path)
    try:
        if url.startswith("sqlite"):
            # pysqlite's own transaction handling is replaced by explicit BEGIN (SQLAlchemy docs,
            # "Serializable isolation / Savepoints / Transactional DDL") so writes are atomic.
            engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
            sa.event.listen(engine, "connect", _sqlite_pragmas)

            @sa.event.listens_for(engine, "connect")
            def _no_autobegin(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.isolation_level = None

            waiting = _WaitingWriters()
            _WAITING[engine] = waiting

            @sa.event.listens_for(engine, "begin")
            def _begin(conn: sa.Connection) -> None:
                # A write takes the lock first (a deferred one could fail to upgrade); a read
                # (read_connection) stays deferred: in WAL mode it never waits for a writer.
                if conn.get_execution_options().get(READ_OPTION, False):
                    conn.exec_driver_sql("BEGIN")
                    return
                waiting.add(1)  # seen by a long write between its chunks: yield_to_writers
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                finally:
                    waiting.add(-1)

            announce_changes(engine, announce)
            return engine
        return sa.create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise ConfigError(f"cannot use database {url_or_path!r}: {exc}") from exc


def _alembic_config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


#: PostgreSQL advisory lock of migrations (two-key form, (MIGRATE_LOCK, 0)).
MIGRATE_LOCK = 0x63770004


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (idempotent; run at every start). On PostgreSQL
    one process at a time: two ``serve`` starting together on a store due a migration both
    ran it, and one failed (a duplicate table, type or function); the second now waits for
    the first's commit and finds the store migrated."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATE_LOCK, 0)))
        command.upgrade(_alembic_config(conn), revision)


def current_revision(engine: sa.Engine) -> str | None:
    with read_connection(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()

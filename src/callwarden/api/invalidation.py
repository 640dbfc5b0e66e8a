"""Cross-worker cache invalidation on PostgreSQL (LISTEN/NOTIFY).

Several ``serve`` workers on one PostgreSQL store each hold their own caches
(``api.state.AppState``). Triggers of migration 0009 announce every committed change to the
tables behind them on the ``callwarden`` channel (``KIND:KEY,KEY,...`` or ``KIND:*``); each
worker's :class:`Listener` holds a connection of its own that LISTENs, and a thread that
applies what it hears to the worker's state, always by reading the store again (the store
has the last word: a late or repeated notification re-reads the current row, it never
carries a value):

- ``verdict``: re-read those numbers (``AppState.refresh_verdicts``; ``*``: reload all,
  journal-safe, as ``reload_verdicts``);
- ``subscriber``: forget the subscriber's policy (``*``: every policy);
- ``registry``: reload the business registry;
- ``setting``: reload the score bands (``thresholds``);
- ``key``: forget the key (``*``: every key).

The worker's own changes come back too and are applied again (a re-read: cheap, and it
repairs a write path that forgot its own cache). Notifications that arrive together are
applied as one batch (one store read for all their numbers).

Listening starts before the caches are loaded (``AppState``), so a change committed while
they load is not missed. When the connection is lost, notifications sent meanwhile are lost
with it: the listener logs, reconnects with backoff (0.5 s doubling to 30 s) and, once it
listens again, refreshes every cache whole. A batch whose store reads fail (the store down)
is kept and retried with the same backoff. SQLite has no such channel: there ``serve`` reads
the change feed other processes write (``api.change_feed``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psycopg
import sqlalchemy as sa

if TYPE_CHECKING:
    from callwarden.api.change_feed import FeedReader
    from callwarden.api.state import AppState

log = logging.getLogger(__name__)

CHANNEL = "callwarden"
#: how long the listener waits for a notification before checking it should stop
POLL_S = 0.5
BACKOFF_MIN_S = 0.5
BACKOFF_MAX_S = 30.0
#: at most one warning this often while the connection or the store keeps failing
WARN_EVERY_S = 10.0


@dataclass
class Pending:
    """What notifications asked for and is not applied yet (folded: a key once)."""

    numbers: set[str] = field(default_factory=set)
    all_verdicts: bool = False
    subscribers: set[str] = field(default_factory=set)
    all_subscribers: bool = False
    registry: bool = False
    thresholds: bool = False
    keys: set[str] = field(default_factory=set)
    all_keys: bool = False
    #: notifications folded in
    count: int = 0

    def add(self, payload: str) -> None:
        self.count += 1
        kind, _, rest = payload.partition(":")
        whole = rest == "*"
        keys = [] if whole else [k for k in rest.split(",") if k]
        if kind == "verdict":
            self.all_verdicts |= whole
            self.numbers.update(keys)
        elif kind == "subscriber":
            self.all_subscribers |= whole
            self.subscribers.update(keys)
        elif kind == "registry":
            self.registry = True
        elif kind == "setting":
            self.thresholds |= whole or "thresholds" in keys
        elif kind == "key":
            self.all_keys |= whole
            self.keys.update(keys)
        else:  # a newer migration's kind this code does not know: refresh everything
            log.warning("unknown change notification %r: refreshing every cache", payload[:80])
            self.everything()

    def everything(self) -> None:
        self.all_verdicts = self.all_subscribers = self.all_keys = True
        self.registry = self.thresholds = True

    def merge(self, other: Pending) -> None:
        self.numbers |= other.numbers
        self.all_verdicts |= other.all_verdicts
        self.subscribers |= other.subscribers
        self.all_subscribers |= other.all_subscribers
        self.registry |= other.registry
        self.thresholds |= other.thresholds
        self.keys |= other.keys
        self.all_keys |= other.all_keys
        self.count += other.count

    def __bool__(self) -> bool:
        return bool(
            self.numbers
            or self.all_verdicts
            or self.subscribers
            or self.all_subscribers
            or self.registry
            or self.thresholds
            or self.keys
            or self.all_keys
        )


def conninfo(engine: sa.Engine) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL engine (password included)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """One worker's LISTEN connection and the thread that applies what it hears."""

    def __init__(self, state: AppState, url: str) -> None:
        self.state = state
        self.url = url
        #: notifications received, and those whose change has been applied
        self.received = 0
        self.applied = 0
        #: connections made again after one was lost (or the first failed)
        self.reconnects = 0
        #: every cache refreshed whole (after a reconnect, or a ``*`` of every kind)
        self.full_refreshes = 0
        #: called after each applied batch with the payloads it held (benchmarks, tests)
        self.on_applied: Callable[[list[str]], None] | None = None
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._pending = Pending()
        self._payloads: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="callwarden-invalidation", daemon=True
        )
        self._warned_at = -WARN_EVERY_S
        self._lost = False  # a connection was lost (or never made): refresh all once back

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def listen_now(self) -> None:
        """Connect and LISTEN before the caches are loaded (``AppState``): a change committed
        while they load is then heard. A failure is logged; the thread retries, and
        refreshes every cache once it listens."""
        try:
            self._connect()
        except (psycopg.Error, OSError) as exc:
            self._lost = True
            log.warning(
                "cannot listen for other workers' changes yet (%s); retrying in the background",
                _first_line(exc),
            )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=POLL_S * 4 + 5)
        self._close()

    # internals ------------------------------------------------------------------------
    def _connect(self) -> None:
        conn = psycopg.connect(
            self.url,
            autocommit=True,
            application_name="callwarden-listener",
            connect_timeout=10,
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )
        try:
            conn.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already broken
                conn.close()

    def _warn(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_S:
            self._warned_at = now
            log.warning(message, *args)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._loop()
            except Exception:  # a bug: log it, listen again from scratch (refresh all)
                log.exception("the invalidation listener failed; restarting it")
                self._close()
                self._lost = True
                self._stop.wait(BACKOFF_MAX_S)

    def _loop(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stop.is_set():
            if self._conn is None:
                try:
                    self._connect()
                except (psycopg.Error, OSError) as exc:
                    self._warn(
                        "cannot listen for other workers' changes (%s); retrying in %.1f s",
                        _first_line(exc),
                        backoff,
                    )
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX_S)
                    continue
                log.warning("listening for other workers' changes again: refreshing every cache")
            if self._lost:  # changes made while nobody listened were not heard
                self._lost = False
                self.reconnects += 1
                self._pending.everything()
            if not self._pending:
                try:
                    self._receive()
                except (psycopg.Error, OSError) as exc:
                    self._warn(
                        "lost the connection that listens for other workers' changes (%s);"
                        " reconnecting",
                        _first_line(exc),
                    )
                    self._close()
                    self._lost = True
                    continue
            if self._pending:
                try:
                    self._apply()
                except Exception as exc:  # the store down: keep the batch, retry later
                    self._warn(
                        "cannot apply other workers' changes (%s: %s); retrying in %.1f s",
                        type(exc).__name__,
                        _first_line(exc),
                        backoff,
                    )
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, BACKOFF_MAX_S)
                    continue
            backoff = BACKOFF_MIN_S

    def _receive(self) -> None:
        """Waits up to POLL_S for a notification, then takes every one already arrived."""
        conn = self._conn
        assert conn is not None
        got = list(conn.notifies(timeout=POLL_S, stop_after=1))
        if got:
            got += conn.notifies(timeout=0)
        for n in got:
            if n.channel == CHANNEL:
                self._pending.add(n.payload)
                if self.on_applied is not None:
                    self._payloads.append(n.payload)
        self.received += len(got)

    def _apply(self) -> None:
        todo, self._pending = self._pending, Pending()
        payloads, self._payloads = self._payloads, []
        try:
            whole = apply_pending(self.state, todo)
        except BaseException:
            todo.merge(self._pending)  # what arrived meanwhile stays too
            self._pending = todo
            self._payloads = payloads + self._payloads
            raise
        self.applied += todo.count
        self.full_refreshes += whole
        if self.on_applied is not None:
            self.on_applied(payloads)


def apply_pending(state: AppState, todo: Pending) -> bool:
    """Applies what ``todo`` asks for to the worker's caches, always by reading the store
    again; True when it refreshed every cache whole. Raises when the store cannot answer
    (the caller keeps ``todo`` and retries)."""
    whole = (
        todo.all_verdicts
        and todo.all_subscribers
        and todo.all_keys
        and todo.registry
        and todo.thresholds
    )
    if todo.all_verdicts:
        state.reload_verdicts()
    elif todo.numbers:
        state.refresh_verdicts(todo.numbers)
    if todo.all_subscribers:
        state.refresh_policies()
    else:
        for subscriber in todo.subscribers:
            state.policies.invalidate(subscriber)
    if todo.registry:
        state.reload_registry()
    if todo.thresholds:
        state.reload_thresholds()
    if todo.all_keys:
        state.forget_keys()
    else:
        for key_hash in todo.keys:
            state.forget_key(key_hash)
    return whole


def _first_line(exc: BaseException) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]


def listener_for(state: AppState) -> Listener | FeedReader | None:
    """What hears other processes' changes: on PostgreSQL the listener, listening already;
    on SQLite the change feed's reader, its place in the feed taken already (None when the
    store has no feed)."""
    engine = state.store.engine
    if engine.dialect.name == "sqlite":
        from callwarden.api.change_feed import feed_reader_for

        return feed_reader_for(state)
    if engine.dialect.name != "postgresql":
        return None
    listener = Listener(state, conninfo(engine))
    listener.listen_now()
    return listener

"""On SQLite, ``serve`` hears other processes' changes by reading the store's change feed.

Other callwarden processes on the same SQLite file (``callwarden prune`` lapsing labels,
``callwarden apikey --revoke``) record each key they change in ``change_feed``
(``store.change_feed``, migration 0016). A :class:`FeedReader` takes its place in the feed
before the caches load (a change committed meanwhile is read again, which is harmless),
then every ``POLL_S`` reads what is new and applies it as PostgreSQL's listener applies a
notification (``api.invalidation.apply_pending``): by reading the store again. Rows older
than ``KEEP_S`` are deleted hourly. A read or an apply that fails (the file locked past the
busy timeout, the disk gone) is retried with backoff, nothing skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from callwarden.api.invalidation import (
    BACKOFF_MAX_S,
    BACKOFF_MIN_S,
    WARN_EVERY_S,
    Pending,
    apply_pending,
)
from callwarden.store.change_feed import feed_head, has_feed, read_feed, trim_feed

if TYPE_CHECKING:
    from callwarden.api.state import AppState

log = logging.getLogger(__name__)

#: how often the feed is read
POLL_S = 0.5
#: rows read at a time (the reader reads on until the feed is drained, then applies)
BATCH = 20_000
#: more numbers than this in one batch: reload the verdict cache whole (as PostgreSQL's
#: ``verdict:*``, migration 0009's NOTIFY_BOUND), one pass instead of one re-read a number
NUMBERS_BOUND = 10_000
#: rows are kept this long (a serve that starts later reads its caches whole anyway)
KEEP_S = 86_400.0
TRIM_EVERY_S = 3_600.0


class FeedReader:
    """One worker's place in the change feed and the thread that applies what it reads.

    The attributes mirror ``api.invalidation.Listener``'s, for the same gauges on /metrics:
    ``received`` counts feed rows read, ``applied`` those applied."""

    def __init__(self, state: AppState, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.clock = clock
        self.received = 0
        self.applied = 0
        #: times the feed could not be read and then could again
        self.reconnects = 0
        self.full_refreshes = 0
        #: called after each applied batch with its rows as ``kind:key`` (tests, benchmarks)
        self.on_applied: Callable[[list[str]], None] | None = None
        self._after: int | None = None
        self._ok = False
        self._trimmed_at = -TRIM_EVERY_S
        self._warned_at = -WARN_EVERY_S
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callwarden-feed", daemon=True)
        try:
            with state.store.read() as conn:
                self._after = feed_head(conn)
            self._ok = True
        except Exception as exc:  # the first read then refreshes every cache
            log.warning("cannot read the store's change feed yet (%s); retrying", exc)

    @property
    def connected(self) -> bool:
        """The last read of the feed succeeded."""
        return self._ok

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=POLL_S * 4 + 5)

    def poll(self) -> int:
        """Reads and applies what is new once; returns the rows applied (tests call it
        directly; the thread calls it every ``POLL_S``). Raises when the store fails; the
        rows stay unread and the next call reads them again."""
        store = self.state.store
        todo = Pending()
        rows_seen: list[str] = []
        with store.read() as conn:
            after = self._after
            if after is None:  # the first read failed: what happened meanwhile is unknown
                after = feed_head(conn)
                todo.everything()
            last = after
            while True:
                rows = read_feed(conn, last, BATCH)
                for _id, kind, key in rows:
                    todo.add(f"{kind}:{key}")
                    if self.on_applied is not None:
                        rows_seen.append(f"{kind}:{key}")
                if rows:
                    last = rows[-1][0]
                if len(rows) < BATCH:
                    break
        n = todo.count
        self.received += n
        if len(todo.numbers) > NUMBERS_BOUND:
            todo.all_verdicts = True
            todo.numbers.clear()
        if todo:
            self.full_refreshes += apply_pending(self.state, todo)
        self._after = last
        self.applied += n
        if self.on_applied is not None and (rows_seen or n):
            self.on_applied(rows_seen)
        return n

    def trim(self) -> int:
        """Deletes the rows older than ``KEEP_S``; returns how many."""
        with self.state.store.engine.begin() as conn:
            return trim_feed(conn, self.clock() - KEEP_S)

    # internals ------------------------------------------------------------------------
    def _warn(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_S:
            self._warned_at = now
            log.warning(message, *args)

    def _run(self) -> None:
        backoff = BACKOFF_MIN_S
        while not self._stop.wait(POLL_S if self._ok else backoff):
            try:
                self.poll()
                if time.monotonic() - self._trimmed_at >= TRIM_EVERY_S:
                    self._trimmed_at = time.monotonic()
                    self.trim()
            except Exception as exc:  # the store down or locked: read the same rows again
                if self._ok:
                    self._ok = False
                    backoff = BACKOFF_MIN_S
                else:
                    backoff = min(backoff * 2, BACKOFF_MAX_S)
                self._warn(
                    "cannot apply other processes' changes from the change feed (%s: %s);"
                    " retrying in %.1f s",
                    type(exc).__name__,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                    backoff,
                )
                continue
            if not self._ok:
                self._ok = True
                self.reconnects += 1
                log.warning("reading the change feed again")


def feed_reader_for(state: AppState) -> FeedReader | None:
    """The feed reader of a SQLite store that has a feed (None: a store without one)."""
    with state.store.read() as conn:
        if not has_feed(conn):
            return None
    return FeedReader(state)

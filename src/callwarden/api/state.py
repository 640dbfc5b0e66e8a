"""What the API keeps in memory: verdicts (a dict keyed by E.164), the registry, subscriber
policies (LRU), API keys, and a write-behind buffer for the two high-rate writes of the call
path (received calls and the block log).

Durability: reports, appeals, list and settings changes are written synchronously before the
API answers. Only the call path's bookkeeping is buffered, flushed every ``flush_interval_s``
and before any read that depends on it (a report's received-call check, a block-log read),
so a crash can lose at most that interval of it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import sqlalchemy as sa

from callwarden.api.change_feed import FeedReader
from callwarden.api.errors import StoreUnavailable
from callwarden.api.invalidation import Listener, listener_for
from callwarden.api.label_lapse import LabelLapse
from callwarden.api.metrics import Metrics
from callwarden.api.rate_limit import KeyRateLimiter, RateLimits
from callwarden.api.recent_window import DEFAULT_WINDOW, MAX_WINDOW, RecentWindow, recent_window
from callwarden.api.roaming_reload import RoamingReload
from callwarden.api.verdict_cache import VerdictCache
from callwarden.errors import ConfigError
from callwarden.numbers.abroad import AbroadRule
from callwarden.numbers.registry import AllocationRegistry
from callwarden.policy import DEFAULT_SCREENED_BAR, SubscriberPolicy, Thresholds, Verdict
from callwarden.policy.decide import Registry
from callwarden.store import ApiKey, Store
from callwarden.store.campaign_traits import CampaignTraits
from callwarden.store.keys import hash_secret
from callwarden.store.verdict_import import ImportResult, Provenance

log = logging.getLogger(__name__)

#: Errors that mean a row itself cannot be stored (a constraint such as NOT NULL, a value the
#: database or the driver cannot take), as opposed to a store that is down or locked.
ROW_ERRORS: tuple[type[Exception], ...] = (
    sa.exc.IntegrityError,
    sa.exc.DataError,
    ValueError,
    TypeError,
)

_Row = TypeVar("_Row")


@dataclass(frozen=True)
class ApiSettings:
    """Built once, in the app factory."""

    db: str = "callwarden.db"
    redress_base: str = "https://callwarden.example/v1/redress/"
    operator_name: str = "callwarden"
    operator_email: str = ""
    #: the operator's appeal hotline, in the redress jCard (a caller from another network has
    #: no key for the appeal route: the hotline files it)
    operator_tel: str = ""
    #: None: the bands saved in the store (``serve --model``, ``PUT /v1/thresholds``), else
    #: the policy defaults; given here, they are used as they are and not saved
    thresholds: Thresholds | None = None
    flush_interval_s: float = 0.5
    policy_cache_size: int = 200_000
    #: how long a key found in the store is trusted without asking it again: a key revoked
    #: through another worker (several workers on one PostgreSQL store) stops working here
    #: within this time, not at this worker's restart
    key_cache_ttl_s: float = 30.0
    #: how long past ``key_cache_ttl_s`` a key found in the store keeps working while the
    #: store cannot be asked again (it is down): the call path keeps deciding from memory; a
    #: revocation made meanwhile applies once the store answers
    key_grace_s: float = 3600.0
    #: hear other processes' changes and apply them to this worker's caches: PostgreSQL's
    #: LISTEN/NOTIFY (``api.invalidation``), SQLite's change feed (``api.change_feed``);
    #: False: they are seen after a restart (benchmarks compare)
    listen_for_changes: bool = True
    #: the zone a screened call's start_time without an offset is read in (``serve --tz``,
    #: as CDR CSV times and roaming.csv are)
    tz: str = "Asia/Shanghai"
    #: a screened call is judged with the last this many stored screenings as batch
    #: evidence (``serve --screening-window``; 0: each call alone)
    screening_window: int = DEFAULT_WINDOW
    #: a stored screened bot call may label its caller live (``store.screened_label``;
    #: ``serve --no-screened-labels``: False)
    screened_labels: bool = True
    #: a screener's label lapses this many days after it was given (``api.label_lapse``;
    #: ``serve --screened-label-days``; 0: never)
    screened_label_days: int = DEFAULT_SCREENED_BAR.label_days
    #: per-key request rate limits of subscriber and screener keys (``api.rate_limit``;
    #: ``serve --lookup-rate`` ...), validated when built
    rate_limits: RateLimits = RateLimits()

    def __post_init__(self) -> None:
        if self.screened_label_days < 0:
            raise ConfigError(
                f"screened_label_days must be 0 (labels never lapse) or more, not "
                f"{self.screened_label_days}"
            )
        # serve's option refuses these too; this refuses them from any other caller
        # (create_app in code): a window above the bound costs every screened call
        if not 0 <= self.screening_window <= MAX_WINDOW:
            raise ConfigError(
                f"screening_window must be from 0 to {MAX_WINDOW:,} stored screenings, not "
                f"{self.screening_window:,} (docs/screening.md: a screened call's time and a "
                "worker's memory grow with it)"
            )


class PolicyCache:
    """LRU of subscriber policies. Most subscribers never change a setting: the set of those
    who did is kept in memory, so a default subscriber costs no store read at all.

    When a customised subscriber's policy is not cached (a list or setting just changed, or
    it left the LRU) and the store cannot be read, the policy is *unknown*: :meth:`lookup`
    answers the last policy this worker knew (or None) with ``known=False``, and the caller
    must not reject or screen on it (docs/policy.md, "When the store is down")."""

    #: at most one warning a this many seconds while policies cannot be loaded
    WARN_EVERY_S = 10.0

    def __init__(
        self, loader: Callable[[str], SubscriberPolicy | None], customised: set[str], size: int
    ) -> None:
        self._loader = loader
        self._customised = customised
        self._size = size
        self._items: OrderedDict[str, SubscriberPolicy | None] = OrderedDict()
        #: the policy an invalidation replaced, kept until the store answers again: what a
        #: call is decided on (capped) while the store is down
        self._last: dict[str, SubscriberPolicy | None] = {}
        self._lock = threading.Lock()
        #: bumped by every invalidation: a load that overlapped one is not cached
        self._generation = 0
        #: decisions taken without the subscriber's policy (the store could not be read)
        self.unavailable = 0
        self._warned_at = -self.WARN_EVERY_S
        self._unwarned = 0

    def get(self, subscriber: str) -> SubscriberPolicy | None:
        return self.lookup(subscriber)[0]

    def lookup(self, subscriber: str) -> tuple[SubscriberPolicy | None, bool]:
        """(policy, known): ``known`` is False when the store could not be read; the policy
        is then the last one this worker knew for the subscriber, or None."""
        if subscriber not in self._customised:
            return None, True
        try:
            self._items.move_to_end(subscriber)
            return self._items[subscriber], True
        except KeyError:
            generation = self._generation
            try:
                pol = self._loader(subscriber)
            except Exception:  # the store is down: the caller caps the decision, retry later
                return self._last.get(subscriber), self._unknown(subscriber)
            with self._lock:
                # An invalidation while the store was read may make ``pol`` stale: answer
                # with it this once, but do not cache it (the next get reads the store).
                if self._generation == generation:
                    self._items[subscriber] = pol
                    self._last.pop(subscriber, None)
                    if len(self._items) > self._size:
                        self._items.popitem(last=False)
            return pol, True

    def _unknown(self, subscriber: str) -> bool:
        """Counts and logs (at most once every WARN_EVERY_S) a policy that cannot be loaded."""
        now = time.monotonic()
        with self._lock:
            self.unavailable += 1
            self._unwarned += 1
            if now - self._warned_at < self.WARN_EVERY_S:
                return False
            self._warned_at, count, self._unwarned = now, self._unwarned, 0
        log.warning(
            "cannot load the policy of %s (%d call(s) since the last warning): the store is"
            " unreachable; deciding without it, capped at label (policy_unavailable)",
            subscriber,
            count,
            exc_info=True,
        )
        return False

    def preload(self, policies: dict[str, SubscriberPolicy]) -> None:
        self._items.update(policies)

    def invalidate(self, subscriber: str) -> None:
        """Call after any change to the subscriber's settings or lists."""
        with self._lock:
            self._generation += 1
            self._customised.add(subscriber)
            if subscriber in self._items:
                self._last[subscriber] = self._items.pop(subscriber)

    @property
    def generation(self) -> int:
        return self._generation

    def replace(
        self,
        customised: set[str],
        policies: dict[str, SubscriberPolicy] | None,
        generation: int,
    ) -> None:
        """Forget every policy (another worker's changes were missed): ``customised`` and
        ``policies`` were read from the store after :attr:`generation` was ``generation``.
        Subscribers stay customised (a stale entry costs one store read that finds none);
        the fresh policies are kept only if no invalidation came in between."""
        with self._lock:
            fresh = self._generation == generation and policies is not None
            self._generation += 1
            self._customised.update(customised)
            for subscriber, pol in self._items.items():
                if not fresh or policies is None or subscriber not in policies:
                    self._last[subscriber] = pol
            self._items.clear()
            if fresh and policies is not None:
                self._items.update(policies)


class WriteBehind:
    """Buffers received calls and block-log rows; a daemon thread flushes them in batches."""

    def __init__(self, store: Store, interval_s: float, max_pending: int = 1_000_000) -> None:
        self.store = store
        self.interval_s = interval_s
        self.max_pending = max_pending
        self.dropped = 0
        #: rows the store refused (kind, row), newest last; the log has every one
        self.rejected: deque[tuple[str, object]] = deque(maxlen=1000)
        self.rejected_total = 0
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._calls: list[tuple[str, str, float]] = []
        self._blocks: list[dict[str, Any]] = []
        #: block-log rows taken by the flush in progress (not yet committed, or just)
        self._flushing: list[dict[str, Any]] = []
        self._dropped_warned_at = -60.0
        self._stop = threading.Event()
        self._wake = threading.Event()
        #: flushes started and the last one finished (numbered in order; one at a time)
        self._flush_cond = threading.Condition()
        self._started = 0
        self._finished = 0
        self._thread = threading.Thread(target=self._run, name="callwarden-flush", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add_call(self, callee: str, caller: str, at: float) -> None:
        with self._lock:
            if len(self._calls) < self.max_pending:
                self._calls.append((callee, caller, at))
                return
            self.dropped += 1  # the store has been failing for a long while: memory bounded
        self._warn_dropped()

    def add_block(self, row: dict[str, Any]) -> None:
        with self._lock:
            if len(self._blocks) < self.max_pending:
                self._blocks.append(row)
                return
            self.dropped += 1
        self._warn_dropped()

    def _warn_dropped(self) -> None:
        now = time.monotonic()
        if now - self._dropped_warned_at >= 60.0:
            self._dropped_warned_at = now
            log.error(
                "write-behind buffer full (%d rows of a kind pending): new received-call and"
                " block-log rows are dropped, not stored (%d so far); is the store down?",
                self.max_pending,
                self.dropped,
            )

    def pending_blocks(self, subscriber: str) -> list[dict[str, Any]]:
        """The subscriber's block-log rows not yet committed (buffered, or in the flush in
        progress), oldest first: a read shows them without waiting for the write lock."""
        with self._lock:
            rows = [*self._flushing, *self._blocks]
        return [r for r in rows if r["subscriber"] == subscriber]

    @property
    def pending(self) -> int:
        return len(self._calls) + len(self._blocks)

    def flush(self) -> None:
        """Write what is buffered. A row the store refuses is set aside (``rejected``) and the
        rest written; if the store itself fails, what was not written goes back to the front
        of the queue, oldest first, and the error is raised (the flusher retries later)."""
        with self._flush_lock:
            with self._flush_cond:
                self._started += 1
                generation = self._started
            try:
                self._flush()
            finally:
                with self._flush_cond:
                    self._finished = generation
                    self._flush_cond.notify_all()

    def flush_within(self, timeout_s: float) -> bool:
        """Asks the flusher thread for a flush now and waits at most ``timeout_s`` for it:
        True when what was buffered before the call has been through a flush (written, or
        the store failed). A read that would rather show ids uses it; it never waits
        longer for the store's write lock (a verdict import may hold it)."""
        with self._flush_cond:
            target = self._started + 1  # a flush that starts after now
        self._wake.set()
        with self._flush_cond:
            return self._flush_cond.wait_for(lambda: self._finished >= target, timeout_s)

    def _flush(self) -> None:
        with self._lock:
            calls, self._calls = self._calls, []
            blocks, self._blocks = self._blocks, []
            self._flushing = blocks
        error: Exception | None = None
        try:
            calls, error = self._write(calls, self.store.record_calls, "received call")
            if error is None:
                blocks, error = self._write(blocks, self.store.log_blocks, "block-log row")
        finally:
            with self._lock:
                self._flushing = []
                if error is not None:
                    self._calls[:0] = calls
                    self._blocks[:0] = blocks
        if error is not None:
            raise error

    def _write(
        self, rows: list[_Row], write: Callable[[list[_Row]], object], kind: str
    ) -> tuple[list[_Row], Exception | None]:
        """Write ``rows`` in one batch. A batch refused for a row's own data (a constraint, a
        bad value: ``ROW_ERRORS``) is halved until each bad row is alone, and the bad rows are
        set aside: a few writes for a few bad rows, however long the batch. Any other error
        means the store is down: returns the rows not yet written (every write is one
        transaction, so a failed write wrote nothing) and the error."""
        todo = [(0, len(rows))] if rows else []  # ranges [lo, hi); the leftmost is on top
        while todo:
            lo, hi = todo.pop()
            try:
                write(rows[lo:hi])
            except ROW_ERRORS as exc:
                if hi - lo > 1:
                    mid = (lo + hi) // 2
                    todo += [(mid, hi), (lo, mid)]
                else:
                    self._reject(kind, rows[lo], exc)
            except Exception as exc:  # everything left of lo is written or set aside
                return rows[lo:], exc
        return [], None

    def _reject(self, kind: str, row: object, exc: Exception) -> None:
        reason = getattr(exc, "orig", None) or exc  # the driver's message, without the SQL
        log.error(
            "write-behind: the store refuses a %s; set aside, not retried (%s: %s): %r",
            kind,
            type(reason).__name__,
            reason,
            row,
        )
        with self._lock:
            self.rejected_total += 1
            self.rejected.append((kind, row))

    def _run(self) -> None:
        failing_since: float | None = None
        warned_at = 0.0
        while True:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.flush()
            except Exception as exc:  # keep flushing later; the call path must not die with
                # the store. The first failure with its traceback, then a line every 10 s.
                now = time.monotonic()
                if failing_since is None:
                    failing_since = warned_at = now
                    log.exception("write-behind flush failed; will retry")
                elif now - warned_at >= 10.0:
                    warned_at = now
                    cause = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
                    log.warning(
                        "write-behind flush still failing after %.0f s (%d rows pending): %s",
                        now - failing_since,
                        self.pending,
                        cause,
                    )
            else:
                if failing_since is not None:
                    log.warning(
                        "write-behind flush works again after %.0f s",
                        time.monotonic() - failing_since,
                    )
                    failing_since = None

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.flush()


class AppState:
    def __init__(
        self, settings: ApiSettings, store: Store, allocation: AllocationRegistry | None = None
    ) -> None:
        self.settings = settings
        self.store = store
        if not settings.screened_labels:  # (this store object's, not every worker's)
            store.screened_bar = replace(store.screened_bar, live=False)
        #: the allocation registry decide asks about every displayed number (None: none given,
        #: and only stored verdicts with the unallocated reason reject as spoofed)
        self.allocation = allocation
        #: the international-gateway rule (``numbers.abroad``; None: off): decide judges a
        #: call's ``ingress`` with it (``serve --ingresses --roaming``)
        self.abroad: AbroadRule | None = None
        #: re-reads ``roaming.csv`` when it changes and swaps ``abroad`` (None: no list)
        self.roaming_reload: RoamingReload | None = None
        #: lapses the screener's labels when due (``screened_label_days``; 0: never) and the
        #: community's once their reports no longer meet the bar
        self.label_lapse = LabelLapse(self, settings.screened_label_days)
        self.metrics = Metrics()
        #: this worker's token buckets, one per subscriber or screener key (in memory only)
        self.rate_limits = KeyRateLimiter(settings.rate_limits, self.metrics)
        self._verdict_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._registry_lock = threading.Lock()
        self._bands_lock = threading.Lock()
        #: verdicts set while a reload reads the store (None when no reload is running)
        self._journal: dict[str, Verdict] | None = None
        #: imports (and re-reads of other workers' changes) in progress: each one's numbers
        #: set meanwhile by anything else
        self._imports: dict[int, set[str]] = {}
        self._import_keys = itertools.count()
        #: key hash -> (key, time.monotonic() when the store said it was active)
        self._keys: dict[str, tuple[ApiKey, float]] = {}
        #: bumped by every key forgotten: a lookup that overlapped one is not cached
        self._key_generation = 0
        # Before the caches are loaded: a change another worker commits meanwhile is heard.
        self.invalidation: Listener | FeedReader | None = (
            listener_for(self) if settings.listen_for_changes else None
        )
        self.verdicts = VerdictCache(store.verdict_rows())
        self.registry: Registry = store.load_registry()
        customised = store.customised_subscribers()
        self.policies = PolicyCache(store.load_policy, customised, settings.policy_cache_size)
        if len(customised) <= settings.policy_cache_size:  # all fit: warm the cache in bulk
            self.policies.preload(store.load_policies())
        self.writes = WriteBehind(store, settings.flush_interval_s)
        #: POST /v1/screenings' window of recent screenings (None: each call judged alone)
        self.recent: RecentWindow | None = recent_window(store, settings.screening_window)
        #: the thread computing the window's features at start (``start``), if any
        self.recent_warm: threading.Thread | None = None
        self.bands: tuple[Thresholds, str] = _thresholds(settings, store)
        #: key checks the store could not answer (the store down)
        self.key_checks_unavailable = 0
        self._key_warned_at = -PolicyCache.WARN_EVERY_S
        self.metrics.gauges["verdicts_cached"] = lambda: float(len(self.verdicts))
        lapse = self.label_lapse
        self.metrics.gauges["screened_labels_lapsed"] = lambda: float(lapse.lapsed)
        self.metrics.gauges["community_labels_lapsed"] = lambda: float(lapse.community_lapsed)
        self.metrics.gauges["write_behind_pending"] = lambda: float(self.writes.pending)
        self.metrics.gauges["write_behind_dropped"] = lambda: float(self.writes.dropped)
        self.metrics.gauges["write_behind_rejected"] = lambda: float(self.writes.rejected_total)
        self.metrics.gauges["key_checks_store_unavailable"] = lambda: float(
            self.key_checks_unavailable
        )
        self.metrics.gauges["policy_unavailable_decisions"] = lambda: float(
            self.policies.unavailable
        )
        listener = self.invalidation
        if listener is not None:
            gauges = self.metrics.gauges
            gauges["invalidation_connected"] = lambda: float(listener.connected)
            gauges["invalidation_notifications_received"] = lambda: float(listener.received)
            gauges["invalidation_notifications_applied"] = lambda: float(listener.applied)
            gauges["invalidation_reconnects"] = lambda: float(listener.reconnects)
            gauges["invalidation_full_refreshes"] = lambda: float(listener.full_refreshes)

    def start(self) -> None:
        """Start the background threads (the app's lifespan)."""
        self.writes.start()
        if self.recent is not None:  # (one pass, then it ends)
            self.recent_warm = threading.Thread(
                target=self._warm_window, name="callwarden-window", daemon=True
            )
            self.recent_warm.start()
        if self.invalidation is not None:
            self.invalidation.start()
        if self.roaming_reload is not None:
            self.roaming_reload.start()
        self.label_lapse.start()

    def _warm_window(self) -> None:
        assert self.recent is not None
        try:
            self.recent.warm()
        except Exception:  # (the store down or closed: the first screened call reads it)
            log.warning("the screening window was not warmed at start", exc_info=True)

    def stop(self) -> None:
        self.label_lapse.stop()
        if self.roaming_reload is not None:
            self.roaming_reload.stop()
        if self.invalidation is not None:
            self.invalidation.stop()
        self.writes.stop()

    def key(self, secret: str) -> ApiKey | None:
        """The active key of ``secret``, None when the store says it is unknown or revoked.
        When the store cannot be asked, a key it confirmed within ``key_cache_ttl_s +
        key_grace_s`` is still trusted; any other raises ``StoreUnavailable`` (a 503)."""
        h = hash_secret(secret)
        now = time.monotonic()
        hit = self._keys.get(h)
        if hit is not None and now - hit[1] < self.settings.key_cache_ttl_s:
            return hit[0]
        generation = self._key_generation
        try:
            found = self.store.lookup_key(secret)
        except (sa.exc.SQLAlchemyError, OSError) as exc:  # the store, not a bug: a bug is a 500
            grace = self.settings.key_cache_ttl_s + self.settings.key_grace_s
            trusted = hit is not None and now - hit[1] < grace
            self._key_store_down(exc, trusted)
            if hit is not None and trusted:
                return hit[0]
            raise StoreUnavailable(
                "the store cannot be reached to check this API key; retry later"
            ) from exc
        if found is not None:  # unknown secrets are not cached: a flood of them cannot grow it
            if generation == self._key_generation:  # else a revocation may have overtaken it
                self._keys[h] = (found, now)
        else:  # revoked since it was cached (here or through another worker)
            self._keys.pop(h, None)
        return found

    def _key_store_down(self, exc: Exception, trusted: bool) -> None:
        """Counts key checks the store could not answer; logs at most once every 10 s."""
        now = time.monotonic()
        self.key_checks_unavailable += 1
        if now - self._key_warned_at >= PolicyCache.WARN_EVERY_S:
            self._key_warned_at = now
            log.warning(
                "cannot check an API key in the store (%s: %s); %s",
                type(exc).__name__,
                (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0],
                "a key confirmed recently is trusted for its grace period"
                if trusted
                else "an unknown key is answered 503",
            )

    def forget_keys(self) -> None:
        self._key_generation += 1
        self._keys.clear()

    def forget_key(self, key_hash: str) -> None:
        """A key revoked or deleted (through another worker): asked of the store again."""
        self._key_generation += 1
        self._keys.pop(key_hash, None)

    def set_thresholds(self, thresholds: Thresholds, source: str) -> None:
        # One tuple, swapped in one assignment: a concurrent decide sees old or new, not a mix.
        with self._bands_lock:
            self.bands = (thresholds, source)

    def reload_thresholds(self) -> None:
        """The bands saved in the store (changed through another worker); bands given in the
        settings stay. Read and swapped under the lock ``set_thresholds`` takes, so a reload
        that read the store before this worker saved newer bands cannot undo them."""
        if self.settings.thresholds is not None:
            return
        with self._bands_lock:
            self.bands = _thresholds(self.settings, self.store)

    @property
    def thresholds(self) -> Thresholds:
        return self.bands[0]

    @property
    def thresholds_source(self) -> str:
        return self.bands[1]

    def reload_verdicts(self) -> None:
        """Replace the cache with the store's verdicts. Verdicts set while the store is read
        (an appeal accepted, a report that labels a number) are journalled and applied on
        top of the fresh dict before it replaces the old one, so none is lost."""
        with self._reload_lock:  # one reload at a time: one journal
            with self._verdict_lock:
                self._journal = {}
            try:
                fresh = VerdictCache(self.store.verdict_rows())
            except BaseException:
                with self._verdict_lock:
                    self._journal = None
                raise
            with self._verdict_lock:  # journal applied and dict swapped in one step
                fresh.update(self._journal or {})
                self.verdicts = fresh
                self._journal = None

    def set_verdict(self, verdict: Verdict) -> None:
        """Call after the store has committed ``verdict``."""
        with self._verdict_lock:
            self.verdicts[verdict.number] = verdict
            if self._journal is not None:
                self._journal[verdict.number] = verdict
            for contested in self._imports.values():
                contested.add(verdict.number)

    @contextmanager
    def _noting_writes(self) -> Iterator[int]:
        """While the block reads or writes the store, every number set in this worker is
        noted under the returned key (``set_verdict``, other imports and refreshes), for the
        caller to pop under the verdict lock when the block has returned; dropped if it
        raises."""
        with self._verdict_lock:
            key = next(self._import_keys)  # never reused (an id() could be, once freed)
            self._imports[key] = set()
        try:
            yield key
        except BaseException:
            with self._verdict_lock:
                self._imports.pop(key, None)
            raise

    def import_verdicts(
        self,
        items: list[Verdict],
        actor: str,
        override_appeals: bool = False,
        provenance: Provenance | None = None,
        override_newer_scans: bool = False,
        traits: Mapping[str, CampaignTraits] | None = None,
    ) -> ImportResult:
        """Import into the store, then update the cache with the verdicts the import wrote
        (no full reload: a 1-row import into a 2 M-verdict store took 31-45 s). A number
        whose verdict was set meanwhile by anything else in this worker (an appeal accepted,
        a report's label, another import) is read back from the store, which has the last
        word, so a late import never overwrites a newer verdict in the cache."""
        with self._noting_writes() as key:
            result = self.store.import_verdicts_result(
                items,
                actor,
                override_appeals=override_appeals,
                provenance=provenance,
                override_newer_scans=override_newer_scans,
                traits=traits,
            )
        with self._verdict_lock:
            contested = self._imports.pop(key)
            for others in self._imports.values():
                others.update(v.number for v in result.written)
            if self._journal is not None:  # a full reload running: it must not undo these
                self._journal.update((v.number, v) for v in result.written)
            # A contested number that already holds what this import wrote needs no read:
            # this worker's listener re-read it after the import's own commit, and a newer
            # change (another worker's) is announced after that one and applied later.
            mine = {v.number: v for v in result.written}
            contested = {n for n in contested if self.verdicts.get(n) != mine.get(n)}
            try:
                fresh = self.store.get_verdicts(sorted(contested)) if contested else {}
            except Exception:  # the store went away: keep what the others set in memory
                log.warning("cannot read back %d contested verdicts", len(contested))
                fresh = {}
            for v in result.written:
                if v.number not in contested:
                    self.verdicts[v.number] = v
            for number in contested:
                got = fresh.get(number)
                if got is not None:
                    self.verdicts[number] = got
        return result

    def reload_registry(self) -> None:
        with self._registry_lock:  # the last reload to finish read the store last
            self.registry = self.store.load_registry()

    def refresh_policies(self) -> None:
        """Forget every subscriber policy and warm them again in bulk (changes were missed)."""
        generation = self.policies.generation
        customised = self.store.customised_subscribers()
        policies = (
            self.store.load_policies()
            if len(customised) <= self.settings.policy_cache_size
            else None
        )
        self.policies.replace(customised, policies, generation)

    def refresh_verdicts(self, numbers: Collection[str]) -> None:
        """Read ``numbers``' verdicts from the store again (another worker changed them) and
        put them in the cache; a number the store no longer has leaves it. A number set
        meanwhile in this worker (an appeal, a report's label, an import) is read again
        under the lock its writers take, so this never puts back an older verdict; a reload
        or an import in progress is told, as by ``set_verdict``."""
        wanted = sorted(numbers)
        with self._noting_writes() as key:
            fresh = self.store.get_verdicts(wanted)
        with self._verdict_lock:
            contested = self._imports.pop(key)
            again = sorted(contested.intersection(wanted))
            if again:  # under the lock: no writer of this worker can come between
                reread = self.store.get_verdicts(again)
                for number in again:
                    fresh.pop(number, None)
                fresh.update(reread)
            for others in self._imports.values():
                others.update(wanted)
            for number in wanted:
                v = fresh.get(number)
                if v is None:
                    self.verdicts.discard(number)
                    if self._journal is not None:
                        self._journal.pop(number, None)
                else:
                    self.verdicts[number] = v
                    if self._journal is not None:
                        self._journal[number] = v


def _thresholds(settings: ApiSettings, store: Store) -> tuple[Thresholds, str]:
    """The score bands decide uses, and where they came from."""
    if settings.thresholds is not None:
        return settings.thresholds, "settings"
    saved = store.load_thresholds()
    if saved is None:
        return Thresholds(), "defaults"
    return saved.thresholds, saved.source

"""What the API keeps in memory: verdicts (a dict keyed by E.164), the registry, subscriber
policies (LRU), API keys, and a write-behind buffer for the two high-rate writes of the call
path (received calls and the block log).

Durability: reports, appeals, list and settings changes are written synchronously before the
API answers. Only the call path's bookkeeping is buffered, flushed every ``flush_interval_s``
and before any read that depends on it (a report's received-call check, a block-log read),
so a crash can lose at most that interval of it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from callwarden.api.metrics import Metrics
from callwarden.policy import SubscriberPolicy, Thresholds, Verdict
from callwarden.policy.decide import Registry
from callwarden.store import ApiKey, Store
from callwarden.store.keys import hash_secret

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiSettings:
    """Built once, in the app factory."""

    db: str = "callwarden.db"
    redress_base: str = "https://callwarden.example/v1/redress/"
    operator_name: str = "callwarden"
    operator_email: str = ""
    thresholds: Thresholds = field(default_factory=Thresholds)
    flush_interval_s: float = 0.5
    policy_cache_size: int = 200_000


class PolicyCache:
    """LRU of subscriber policies. Most subscribers never change a setting: the set of those
    who did is kept in memory, so a default subscriber costs no store read at all."""

    def __init__(
        self, loader: Callable[[str], SubscriberPolicy | None], customised: set[str], size: int
    ) -> None:
        self._loader = loader
        self._customised = customised
        self._size = size
        self._items: OrderedDict[str, SubscriberPolicy | None] = OrderedDict()

    def get(self, subscriber: str) -> SubscriberPolicy | None:
        if subscriber not in self._customised:
            return None
        try:
            self._items.move_to_end(subscriber)
            return self._items[subscriber]
        except KeyError:
            try:
                pol = self._loader(subscriber)
            except (
                Exception
            ):  # the store is down: decide with the defaults (fail open), retry later
                log.warning(
                    "cannot load the policy of %s; using defaults", subscriber, exc_info=True
                )
                return None
            self._items[subscriber] = pol
            if len(self._items) > self._size:
                self._items.popitem(last=False)
            return pol

    def preload(self, policies: dict[str, SubscriberPolicy]) -> None:
        self._items.update(policies)

    def invalidate(self, subscriber: str) -> None:
        """Call after any change to the subscriber's settings or lists."""
        self._customised.add(subscriber)
        self._items.pop(subscriber, None)


class WriteBehind:
    """Buffers received calls and block-log rows; a daemon thread flushes them in batches."""

    def __init__(self, store: Store, interval_s: float, max_pending: int = 1_000_000) -> None:
        self.store = store
        self.interval_s = interval_s
        self.max_pending = max_pending
        self.dropped = 0
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._calls: list[tuple[str, str, float]] = []
        self._blocks: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callwarden-flush", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add_call(self, callee: str, caller: str, at: float) -> None:
        with self._lock:
            if len(self._calls) < self.max_pending:
                self._calls.append((callee, caller, at))
            else:  # the store has been failing for a long while: keep memory bounded
                self.dropped += 1

    def add_block(self, row: dict[str, Any]) -> None:
        with self._lock:
            if len(self._blocks) < self.max_pending:
                self._blocks.append(row)
            else:
                self.dropped += 1

    @property
    def pending(self) -> int:
        return len(self._calls) + len(self._blocks)

    def flush(self) -> None:
        with self._flush_lock:
            with self._lock:
                calls, self._calls = self._calls, []
                blocks, self._blocks = self._blocks, []
            try:
                if calls:
                    self.store.record_calls(calls)
                    calls = []
                if blocks:
                    self.store.log_blocks(blocks)
            except Exception:
                with self._lock:  # put back what was not written, oldest first
                    self._calls[:0] = calls
                    self._blocks[:0] = blocks
                raise

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.flush()
            except Exception:  # keep flushing later; the call path must not die with the store
                log.exception("write-behind flush failed; will retry")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.flush()


class AppState:
    def __init__(self, settings: ApiSettings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.metrics = Metrics()
        self.verdicts: dict[str, Verdict] = store.load_verdicts()
        self.registry: Registry = store.load_registry()
        customised = store.customised_subscribers()
        self.policies = PolicyCache(store.load_policy, customised, settings.policy_cache_size)
        if len(customised) <= settings.policy_cache_size:  # all fit: warm the cache in bulk
            self.policies.preload(store.load_policies())
        self.writes = WriteBehind(store, settings.flush_interval_s)
        self._keys: dict[str, ApiKey | None] = {}
        self.metrics.gauges["verdicts_cached"] = lambda: float(len(self.verdicts))
        self.metrics.gauges["write_behind_pending"] = lambda: float(self.writes.pending)
        self.metrics.gauges["write_behind_dropped"] = lambda: float(self.writes.dropped)

    def key(self, secret: str) -> ApiKey | None:
        h = hash_secret(secret)
        if h in self._keys:
            return self._keys[h]
        found = self.store.lookup_key(secret)
        if found is not None:  # unknown secrets are not cached: a flood of them cannot grow it
            self._keys[h] = found
        return found

    def forget_keys(self) -> None:
        self._keys.clear()

    def reload_verdicts(self) -> None:
        self.verdicts = self.store.load_verdicts()

    def set_verdict(self, verdict: Verdict) -> None:
        self.verdicts[verdict.number] = verdict

    def reload_registry(self) -> None:
        self.registry = self.store.load_registry()

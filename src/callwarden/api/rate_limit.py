"""Per-key request rate limits: a token bucket per API key, for subscriber and screener keys.

A subscriber key may look up any number (``GET /v1/numbers/{n}``): a harassment operation
holding one subscriber SIM could sweep its rotating caller IDs at API speed and retire only
the labelled ones. The buckets make such a sweep slow; they never slow the call path:

| bucket | keys | requests | default |
|---|---|---|---|
| ``lookup`` | subscriber | ``GET /v1/numbers/{n}``, ``GET /v1/redress/{n}`` sent with the key | 30 at once, then 1 a second |
| ``subscriber`` | subscriber | every other request with the key (own settings, lists, block log, rescue, reports, appeals) | 60 at once, then 5 a second |
| ``screener`` | screener | every request with the key (``POST /v1/screenings``) | 500 at once, then 50 a second |

Network and operator keys are not limited (the call path and the carrier's staff). docs/api.md,
"Rate limits", says why the numbers are what they are.

Over its bucket a request is answered 429 ``rate_limited`` with ``Retry-After`` (whole
seconds, at least 1: when the next token is there) before its route does any store work.
The buckets live in this worker's memory, keyed by the key's id: no store access, O(1) a
request, at most ``max_keys`` buckets (least recently used dropped first).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from callwarden.api.errors import ApiError
from callwarden.api.metrics import Metrics
from callwarden.errors import ConfigError
from callwarden.store import ApiKey, Role

log = logging.getLogger(__name__)

#: Route templates whose requests take from the ``lookup`` bucket (a number's standing); a
#: test checks each is a route of the app.
LOOKUP_ROUTES = frozenset({"/v1/numbers/{number}", "/v1/redress/{number}"})
#: The roles limited here; the check is skipped for every other role at once.
LIMITED_ROLES = frozenset({Role.SUBSCRIBER, Role.SCREENER})


@dataclass(frozen=True)
class RateLimits:
    """The buckets' settings (``serve --lookup-rate`` ...): a rate in requests a second and a
    burst (the bucket's size, how many requests may come at once). A rate or a burst of 0
    turns that bucket off."""

    #: number lookups by a subscriber key: a real app looks up the callers of its own calls,
    #: at human pace; a sweep of 2,255 numbers takes 37 minutes instead of 6.6 s
    lookup_rate: float = 1.0
    lookup_burst: int = 30
    #: a subscriber key's own settings, lists, block log, rescue, reports and appeals: its own
    #: data only, so load alone is bounded (a list of 200 patterns added one by one: 28 s)
    subscriber_rate: float = 5.0
    subscriber_burst: int = 60
    #: the screening assistant posts one screened call per call decide screened: headroom
    #: above tens a second (strict subscribers' uncertain calls at 1,000 decides a second)
    screener_rate: float = 50.0
    screener_burst: int = 500
    #: buckets kept per limit, least recently used dropped first (memory bound)
    max_keys: int = 100_000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_rate"):
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ConfigError(f"{f.name} must be a number, not {value!r}")
                if not math.isfinite(value) or value < 0:
                    raise ConfigError(
                        f"{f.name} must be 0 (no limit) or more requests a second, not {value}"
                    )
            elif isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{f.name} must be a whole number, not {value!r}")
            elif f.name == "max_keys" and value < 1:
                raise ConfigError(f"max_keys must be 1 or more buckets, not {value}")
            elif value < 0:
                raise ConfigError(f"{f.name} must be 0 (no limit) or more requests, not {value}")

    def limit(self, bucket: str) -> tuple[float, int]:
        """(rate, burst) of ``bucket`` (lookup, subscriber, screener)."""
        rate: float = getattr(self, f"{bucket}_rate")
        burst: int = getattr(self, f"{bucket}_burst")
        return rate, burst


def retry_after(wait_s: float) -> int:
    """``Retry-After`` for a wait of ``wait_s`` seconds: whole seconds, rounded up (a client
    that waits that long finds a token), at least 1."""
    return max(1, math.ceil(wait_s - 1e-9))


class TokenBuckets:
    """One token bucket per key id, all of one rate and burst. A bucket starts full
    (``burst`` tokens), refills at ``rate`` tokens a second up to ``burst``, and a request
    takes one token. At most ``max_keys`` buckets are kept, the least recently used dropped
    first: a bucket idle for ``burst / rate`` seconds is full again, so dropping it changes
    nothing; only ``max_keys`` keys all active within that time would lose some state."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float], max_keys: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"a token bucket needs rate > 0 and burst >= 1: {rate}, {burst}")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        #: key id -> (tokens, when they were counted), least recently used first
        self._buckets: OrderedDict[int, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key_id: int) -> float:
        """0.0 when ``key_id`` may make a request now (its token is taken); otherwise the
        seconds until its bucket holds a token again (nothing is taken)."""
        with self._lock:  # the clock read under the lock too: a thread that read it earlier
            # and stored its older time after a newer one refilled that interval twice (8
            # threads on one key got 29 tokens where 6 were due: audit 30b L1)
            now = self.clock()
            held = self._buckets.get(key_id)
            if held is None:
                tokens = float(self.burst)
                if len(self._buckets) >= self.max_keys:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key_id)
                # a clock that steps back refills nothing (and takes nothing back)
                tokens = min(self.burst, held[0] + max(0.0, now - held[1]) * self.rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)


class KeyRateLimiter:
    """The buckets of one worker (``AppState.rate_limits``) and the check every request with
    a key passes (``deps.get_key``, the redress page's optional key)."""

    #: at most one warning line (naming the last key refused) this many seconds apart
    WARN_EVERY_S = 10.0

    def __init__(
        self,
        limits: RateLimits,
        metrics: Metrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self.metrics = metrics
        self.clock = clock
        self.buckets: dict[str, TokenBuckets | None] = {}
        for name in ("lookup", "subscriber", "screener"):
            rate, burst = limits.limit(name)
            on = rate > 0 and burst > 0
            self.buckets[name] = TokenBuckets(rate, burst, clock, limits.max_keys) if on else None
        self._lock = threading.Lock()
        self._warned_at = -self.WARN_EVERY_S
        self._unwarned = 0
        metrics.gauges["rate_limit_buckets"] = lambda: float(
            sum(len(b) for b in self.buckets.values() if b is not None)
        )

    def admit(self, key: ApiKey, scope: Mapping[str, Any]) -> None:
        """Let the request of ``key`` through, or raise a 429 ``rate_limited`` with
        ``Retry-After``. ``scope`` is the request's ASGI scope (its route says the bucket)."""
        if key.role not in LIMITED_ROLES:
            return
        if key.role is Role.SCREENER:
            name = "screener"
        else:
            route = getattr(scope.get("route"), "path", None)
            name = "lookup" if route in LOOKUP_ROUTES else "subscriber"
        buckets = self.buckets[name]
        if buckets is None:
            return
        wait = buckets.take(key.id)
        if wait > 0.0:
            self._refused(key, name, buckets, retry_after(wait))

    def _refused(self, key: ApiKey, name: str, buckets: TokenBuckets, after: int) -> None:
        now = self.clock()
        with self._lock:
            self.metrics.rate_limited[(key.role.value, name)] += 1
            self._unwarned += 1
            warn = now - self._warned_at >= self.WARN_EVERY_S
            if warn:
                self._warned_at, count, self._unwarned = now, self._unwarned, 0
        if warn:  # which key to look at (a sweep), without a line per refused request
            log.warning(
                "rate limit: key %d (%s) over its %s limit (%d refused since the last warning)",
                key.id,
                key.role.value,
                name,
                count,
            )
        what = "number lookups" if name == "lookup" else f"{name} requests"
        raise ApiError(
            429,
            "rate_limited",
            f"this key is over its limit of {what} ({buckets.burst:,} at once, then"
            f" {buckets.rate:g} a second); retry after {after} s",
            [{"limit": name, "rate": buckets.rate, "burst": buckets.burst, "retry_after": after}],
            headers={"Retry-After": str(after)},
        )

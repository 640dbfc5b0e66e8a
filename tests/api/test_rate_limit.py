"""Per-key rate limits (api/rate_limit.py) without a server: the token bucket (refill, burst
cap, Retry-After rounding, the memory bound, many threads on one key), the limiter's choice
of bucket by role and route, the settings' validation, and serve's options. Time is a fake
clock: nothing here sleeps or times anything."""

from __future__ import annotations

import dataclasses
import math
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callwarden.api import ApiSettings, RateLimits
from callwarden.api.errors import ApiError
from callwarden.api.metrics import Metrics
from callwarden.api.rate_limit import (
    LIMITED_ROLES,
    KeyRateLimiter,
    TokenBuckets,
    retry_after,
)
from callwarden.cli import serve as serve_cli
from callwarden.cli.main import app as cli
from callwarden.errors import ConfigError
from callwarden.store import ApiKey, Role


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _taken(buckets: TokenBuckets, key_id: int, n: int) -> int:
    """How many of ``n`` requests at this instant are let through."""
    return sum(buckets.take(key_id) == 0.0 for _ in range(n))


def test_a_bucket_starts_full_and_refills_at_its_rate() -> None:
    clock = Clock()
    b = TokenBuckets(rate=2.0, burst=3, clock=clock, max_keys=10)
    assert _taken(b, 1, 3) == 3
    assert b.take(1) == pytest.approx(0.5)  # no token: half a second to the next
    clock.t += 0.25
    assert b.take(1) == pytest.approx(0.25)  # half a token: a refusal takes nothing
    clock.t += 0.25
    assert b.take(1) == 0.0
    assert b.take(1) == pytest.approx(0.5)
    assert _taken(b, 2, 3) == 3  # another key has its own bucket


def test_a_bucket_never_holds_more_than_its_burst() -> None:
    clock = Clock()
    b = TokenBuckets(rate=1.0, burst=5, clock=clock, max_keys=10)
    assert _taken(b, 1, 2) == 2
    clock.t += 1e6  # idle for days: full, not a million tokens
    assert _taken(b, 1, 100) == 5


def test_a_clock_that_steps_back_refills_nothing() -> None:
    clock = Clock()
    b = TokenBuckets(rate=1.0, burst=1, clock=clock, max_keys=10)
    assert b.take(1) == 0.0
    clock.t -= 50.0
    assert b.take(1) == pytest.approx(1.0)
    clock.t += 1.0
    assert b.take(1) == 0.0


def test_a_take_that_read_the_clock_earlier_never_refills_an_interval_twice() -> None:
    """Audit 30b L1: a thread read the clock (0.5), then another took a token at 1.0, then the
    first stored its older time: at 1.6 the bucket refilled 1.1 tokens where 0.6 were due.
    The clock is read under the bucket's lock, so the two cannot interleave so."""
    now = {"t": 0.0}
    read, go = threading.Event(), threading.Event()

    def clock() -> float:
        t = now["t"]
        if threading.current_thread().name == "slow":
            read.set()
            assert go.wait(30)
        return t

    b = TokenBuckets(rate=1.0, burst=1, clock=clock, max_keys=10)
    assert b.take(1) == 0.0  # empty at 0.0
    now["t"] = 0.5
    slow = threading.Thread(target=b.take, args=(1,), name="slow")
    slow.start()
    assert read.wait(30)  # the slow take has read 0.5
    now["t"] = 1.0
    other = threading.Thread(target=b.take, args=(1,))
    other.start()  # a token is due at 1.0 (it waits for the slow take's lock, or takes first)
    go.set()
    slow.join(30)
    other.join(30)
    now["t"] = 1.6
    assert b.take(1) > 0.0  # 0.6 of a token since 1.0: refused


@pytest.mark.parametrize(
    ("wait", "header"),
    [(0.0001, 1), (0.5, 1), (1.0, 1), (1.0000001, 2), (1.5, 2), (2.0, 2), (59.2, 60)],
)
def test_retry_after_is_whole_seconds_rounded_up_at_least_one(wait: float, header: int) -> None:
    assert retry_after(wait) == header


def test_retry_after_from_a_bucket_is_when_the_next_token_is_there() -> None:
    """(1 - 0.7) / 0.1 is 3.0000000000000004 in floating point: 3 s, not 4; and a client
    that waits what it is told finds its token."""
    clock = Clock()
    b = TokenBuckets(rate=0.1, burst=1, clock=clock, max_keys=10)
    assert b.take(1) == 0.0
    clock.t += 7.0
    after = retry_after(b.take(1))
    assert after == 3
    clock.t += after
    assert b.take(1) == 0.0
    b2 = TokenBuckets(rate=0.3, burst=1, clock=clock, max_keys=10)
    assert b2.take(1) == 0.0
    assert retry_after(b2.take(1)) == math.ceil(1 / 0.3) == 4


def test_memory_is_bounded_least_recently_used_dropped() -> None:
    """A million keys cannot grow memory without bound: at most ``max_keys`` buckets. The key
    in use keeps its bucket (and its exhausted state); a dropped one starts full again, as it
    would after being idle ``burst / rate`` seconds."""
    clock = Clock()
    b = TokenBuckets(rate=0.001, burst=2, clock=clock, max_keys=100)
    assert _taken(b, 0, 3) == 2  # key 0 exhausted
    for key_id in range(1, 10_001):
        b.take(key_id)
        b.take(0)  # key 0 stays the most recently used
        assert len(b) <= 100
    assert len(b) == 100
    assert b.take(0) > 0.0  # kept, still exhausted
    assert b.take(10_000) == 0.0  # kept: the newest, one token left of 2
    assert _taken(b, 1, 2) == 2  # dropped long ago: starts full


def test_many_threads_on_one_key_get_exactly_its_burst() -> None:
    """The bucket is thread-safe: 8 threads x 500 requests at one instant let exactly the
    burst through, never more."""
    b = TokenBuckets(rate=1.0, burst=1000, clock=Clock(), max_keys=10)
    start = threading.Barrier(8)
    let: list[int] = []

    def run() -> None:
        start.wait()
        let.append(_taken(b, 7, 500))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(let) == 1000


def _key(role: Role, key_id: int = 1) -> ApiKey:
    return ApiKey(
        id=key_id,
        role=role,
        subscriber="+8613800138000" if role is Role.SUBSCRIBER else None,
        name="",
    )


def _scope(path: str) -> dict[str, Any]:
    return {"route": type("Route", (), {"path": path})()}


LOOKUP = _scope("/v1/numbers/{number}")
REDRESS = _scope("/v1/redress/{number}")
SETTINGS = _scope("/v1/subscribers/{subscriber}/settings")
SCREENINGS = _scope("/v1/screenings")


def _refused(limiter: KeyRateLimiter, key: ApiKey, scope: dict[str, Any]) -> ApiError | None:
    try:
        limiter.admit(key, scope)
    except ApiError as exc:
        return exc
    return None


def test_the_limiter_picks_the_bucket_by_role_and_route() -> None:
    limits = RateLimits(
        lookup_rate=1.0, lookup_burst=2, subscriber_rate=1.0, subscriber_burst=3,
        screener_rate=1.0, screener_burst=4,
    )  # fmt: skip
    metrics = Metrics()
    limiter = KeyRateLimiter(limits, metrics, Clock())
    alice = _key(Role.SUBSCRIBER, 10)
    # lookups and the redress page share the lookup bucket: 2
    assert _refused(limiter, alice, LOOKUP) is None
    assert _refused(limiter, alice, REDRESS) is None
    exc = _refused(limiter, alice, LOOKUP)
    assert exc is not None and (exc.status_hint, exc.code) == (429, "rate_limited")
    assert exc.headers == {"Retry-After": "1"}
    assert exc.details == [{"limit": "lookup", "rate": 1.0, "burst": 2, "retry_after": 1}]
    assert "number lookups (2 at once, then 1 a second)" in exc.message
    # its own data: the subscriber bucket, 3, untouched by the lookups
    assert [_refused(limiter, alice, SETTINGS) is None for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    screener = _key(Role.SCREENER, 11)
    assert [_refused(limiter, screener, SCREENINGS) is None for _ in range(5)] == [True] * 4 + [
        False
    ]
    for role in (Role.NETWORK, Role.OPERATOR):
        for scope in (LOOKUP, REDRESS, SETTINGS, SCREENINGS):
            assert all(_refused(limiter, _key(role, 12), scope) is None for _ in range(50))
    assert dict(metrics.rate_limited) == {
        ("subscriber", "lookup"): 1,
        ("subscriber", "subscriber"): 1,
        ("screener", "screener"): 1,
    }
    assert metrics.gauges["rate_limit_buckets"]() == 3.0  # alice twice, the screener once
    assert {Role.SUBSCRIBER, Role.SCREENER} == LIMITED_ROLES


def test_zero_turns_a_limit_off() -> None:
    limits = RateLimits(lookup_rate=0.0, subscriber_burst=0, screener_rate=0.0)
    limiter = KeyRateLimiter(limits, Metrics(), Clock())
    assert limiter.buckets == {"lookup": None, "subscriber": None, "screener": None}
    for key, scope in [
        (_key(Role.SUBSCRIBER), LOOKUP),
        (_key(Role.SUBSCRIBER), SETTINGS),
        (_key(Role.SCREENER), SCREENINGS),
    ]:
        assert all(_refused(limiter, key, scope) is None for _ in range(1000))


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("lookup_rate", -1.0, "lookup_rate must be 0 (no limit) or more requests a second"),
        ("subscriber_rate", float("nan"), "subscriber_rate must be 0"),
        ("screener_rate", float("inf"), "screener_rate must be 0"),
        ("screener_rate", True, "screener_rate must be a number"),
        ("lookup_burst", -5, "lookup_burst must be 0 (no limit) or more requests, not -5"),
        ("subscriber_burst", 2.5, "subscriber_burst must be a whole number"),
        ("screener_burst", -1, "screener_burst must be 0"),
        ("max_keys", 0, "max_keys must be 1 or more"),
    ],
)
def test_settings_refuse_negative_and_odd_values(field: str, value: Any, words: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(words)):
        RateLimits(**{field: value})
    with pytest.raises(ConfigError):
        ApiSettings(rate_limits=RateLimits(**{field: value}))


def test_the_defaults() -> None:
    """Written down in docs/api.md, 'Rate limits', with why; serve's copies agree."""
    d = RateLimits()
    assert (d.lookup_rate, d.lookup_burst) == (1.0, 30)
    assert (d.subscriber_rate, d.subscriber_burst) == (5.0, 60)
    assert (d.screener_rate, d.screener_burst) == (50.0, 500)
    assert ApiSettings().rate_limits == d
    ours = {f.name: getattr(d, f.name) for f in dataclasses.fields(d) if f.name != "max_keys"}
    assert ours == serve_cli.RATE_LIMITS


def test_serve_passes_its_rate_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: ran.update(app=a))
    db = str(tmp_path / "s.db")
    args = ["serve", "--db", db, "--lookup-rate", "0.2", "--lookup-burst", "10"]
    args += ["--subscriber-rate", "0", "--screener-rate", "80", "--screener-burst", "800"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    got = ran["app"].state.cw.settings.rate_limits
    assert got == RateLimits(
        lookup_rate=0.2, lookup_burst=10, subscriber_rate=0.0, screener_rate=80.0,
        screener_burst=800,
    )  # fmt: skip
    assert ran["app"].state.cw.rate_limits.buckets["subscriber"] is None
    ran.clear()
    assert CliRunner().invoke(cli, ["serve", "--db", db]).exit_code == 0
    assert ran["app"].state.cw.settings.rate_limits == RateLimits()


@pytest.mark.parametrize("option", ["--lookup-rate", "--subscriber-burst", "--screener-rate"])
def test_serve_refuses_a_negative_rate_limit(tmp_path: Path, option: str) -> None:
    r = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "s.db"), option, "-1"])
    assert r.exit_code == 2
    assert option in r.output


def test_serve_help_names_the_rate_options() -> None:
    r = CliRunner().invoke(cli, ["serve", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    for option in (
        "--lookup-rate", "--lookup-burst", "--subscriber-rate", "--subscriber-burst",
        "--screener-rate", "--screener-burst",
    ):  # fmt: skip
        assert option in r.output

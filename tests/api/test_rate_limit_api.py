"""Per-key rate limits through the app, on SQLite and PostgreSQL: a subscriber key sweeping
``GET /v1/numbers/{n}`` gets 429 ``rate_limited`` with ``Retry-After`` after its burst while
another subscriber's key goes on; the bucket refills with the (fake) clock; network and
operator keys are never limited; a screener key is limited on ``POST /v1/screenings`` at its
own rate; a refused request does no store work; the refusals are counted in /metrics."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, RateLimits, create_app
from callwarden.api.rate_limit import LOOKUP_ROUTES, KeyRateLimiter

from .conftest import ALICE, BOB, Api, keyed_store, store_url
from .test_rate_limit import Clock
from .test_screenings import BOT, FRAUD_BOT, _error, call, screen_row

SPAM = "+8617012345678"
#: small buckets, so a test reaches each limit in a few requests
LIMITS = RateLimits(
    lookup_rate=0.5,
    lookup_burst=3,
    subscriber_rate=1.0,
    subscriber_burst=4,
    screener_rate=2.0,
    screener_burst=2,
)


@dataclass
class Limited:
    api: Api
    clock: Clock


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def lim(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Limited]:
    url = store_url(request, tmp_path)
    # the store's clock an hour after the simulated calls' start (seed 3: a fixed day)
    now = datetime.fromisoformat(call(BOT)["start_time"]).timestamp() + 3600.0
    store, keys = keyed_store(url, lambda: now)
    settings = ApiSettings(
        db=url,
        redress_base="https://op.example/v1/redress/",
        key_cache_ttl_s=3600.0,  # keys are read once: a refused request then reads nothing
        rate_limits=LIMITS,
    )
    app = create_app(settings, store)
    clock = Clock()
    state = app.state.cw
    state.rate_limits = KeyRateLimiter(LIMITS, state.metrics, clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Limited(Api(client, store, keys), clock)
    store.close()


def _limited(r: Any, after: int, limit: str) -> dict[str, Any]:
    err = _error(r, 429)
    assert err["code"] == "rate_limited", err
    assert r.headers["retry-after"] == str(after)
    rate, burst = LIMITS.limit(limit)
    assert err["details"] == [{"limit": limit, "rate": rate, "burst": burst, "retry_after": after}]
    return err


def _lookup(api: Api, who: str, number: str = SPAM) -> Any:
    return api.get(f"/v1/numbers/{number}", who)


def test_a_subscriber_key_gets_429_after_its_lookup_burst(lim: Limited) -> None:
    """A sweep with one subscriber key: its 4th lookup at once is refused, Retry-After 2 s
    (one token at 0.5 a second); bob's key, and alice's own data, are not affected."""
    api = lim.api
    assert [_lookup(api, "alice").status_code for _ in range(3)] == [200] * 3
    err = _limited(_lookup(api, "alice"), 2, "lookup")
    assert "over its limit of number lookups (3 at once, then 0.5 a second)" in err["message"]
    assert [_lookup(api, "bob").status_code for _ in range(3)] == [200] * 3
    _limited(_lookup(api, "bob"), 2, "lookup")
    assert api.get(f"/v1/subscribers/{ALICE}/settings", "alice").status_code == 200


def test_the_bucket_refills_with_the_clock(lim: Limited) -> None:
    api, clock = lim.api, lim.clock
    for _ in range(3):
        assert _lookup(api, "alice").status_code == 200
    _limited(_lookup(api, "alice"), 2, "lookup")
    clock.t += 1.0  # half a token
    _limited(_lookup(api, "alice"), 1, "lookup")
    clock.t += 1.0
    assert _lookup(api, "alice").status_code == 200
    _limited(_lookup(api, "alice"), 2, "lookup")
    clock.t += 3600.0  # an hour idle: the burst again, no more
    assert [_lookup(api, "alice").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_one_request_takes_one_token(lim: Limited) -> None:
    """PUT settings takes the key through two dependencies (the path's scope and the route's
    key): FastAPI resolves the key once, so a request costs one token, not two."""
    api = lim.api
    body = {"protection": "strict"}
    codes = [api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json=body) for _ in range(5)]
    assert [r.status_code for r in codes] == [200] * 4 + [429]
    _limited(codes[-1], 1, "subscriber")
    assert _lookup(api, "alice").status_code == 200  # the lookup bucket is another


def test_network_and_operator_keys_are_never_limited(lim: Limited) -> None:
    api = lim.api
    for who in ("network", "operator"):
        assert {_lookup(api, who).status_code for _ in range(20)} == {200}
        assert {api.get(f"/v1/redress/{SPAM}", who).status_code for _ in range(10)} == {200}
    decide = {"caller": SPAM, "callee": ALICE}
    assert {api.post("/v1/decide", "network", json=decide).status_code for _ in range(20)} == {200}
    assert {
        api.get(f"/v1/subscribers/{ALICE}/settings", "operator").status_code for _ in range(20)
    } == {200}
    for _ in range(10):  # an operator's screened calls: no screen decision, never a 429
        r = api.post("/v1/screenings", "operator", json=call(BOT, callee=ALICE))
        assert r.status_code == 409, r.text
    assert "callwarden_rate_limited_total{" not in api.get("/metrics").text


def _stored(api: Api) -> int:
    with api.store.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM screenings")).scalar_one())


def test_a_screener_key_is_limited_on_screenings_at_its_own_rate(lim: Limited) -> None:
    """Burst 2, 2 a second: the third post at once is refused (Retry-After 1) and nothing
    is stored or linked; half a second later it is taken. The subscribers' buckets are
    another's."""
    api, clock = lim.api, lim.clock
    first = call(BOT, callee=ALICE)
    screen_row(api, first)
    assert api.post("/v1/screenings", "screener", json=first).status_code == 201
    r = api.post("/v1/screenings", "screener", json=call(FRAUD_BOT, callee=BOB))
    assert _error(r, 409)["code"] == "no_screen_decision"  # a request all the same
    c = call(FRAUD_BOT, callee=BOB)
    screen_row(api, c)
    _limited(api.post("/v1/screenings", "screener", json=c), 1, "screener")
    assert _stored(api) == 1 and api.store.get_screening(c["call_id"]) is None
    (entry,) = [e for e in api.store.block_log(BOB) if e["action"] == "screen"]
    assert entry["screened_verdict"] is None
    assert [_lookup(api, "alice").status_code for _ in range(3)] == [200] * 3
    clock.t += 0.5
    r = api.post("/v1/screenings", "screener", json=c)
    assert r.status_code == 201, r.text
    assert _stored(api) == 2


def test_a_refused_request_does_no_store_work(
    lim: Limited, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused lookup reads nothing (the route's store reads are counted), and a refused
    report writes nothing: no report, no audit entry, though the same report is taken once
    the bucket has a token."""
    api, clock = lim.api, lim.clock
    reads: list[str] = []
    summary = api.store.report_summary
    monkeypatch.setattr(api.store, "report_summary", lambda n: reads.append(n) or summary(n))
    for _ in range(3):
        assert _lookup(api, "alice").status_code == 200
    assert len(reads) == 3
    _limited(_lookup(api, "alice"), 2, "lookup")
    assert len(reads) == 3

    api.store.record_calls([(ALICE, SPAM, api.store.clock() - 60.0)])  # eligible to report

    def audit() -> int:
        with api.store.engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one())

    before = audit()
    for _ in range(4):
        assert api.get(f"/v1/subscribers/{ALICE}/reports", "alice").status_code == 200
    _limited(api.post("/v1/reports", "alice", json={"number": SPAM}), 1, "subscriber")
    assert api.store.reports_by(ALICE) == [] and audit() == before
    clock.t += 1.0
    r = api.post("/v1/reports", "alice", json={"number": SPAM})
    assert r.status_code == 201, r.text
    assert len(api.store.reports_by(ALICE)) == 1


def test_the_redress_page_with_a_subscriber_key_takes_a_lookup(lim: Limited) -> None:
    """With a key that may appeal (its own number) the page says ``labelled``: that key's
    requests take from its lookup bucket, shared with GET /v1/numbers; without a key the
    page is public and not limited here."""
    api = lim.api
    assert [api.get(f"/v1/redress/{ALICE}", "alice").status_code for _ in range(2)] == [200] * 2
    assert _lookup(api, "alice").status_code == 200
    _limited(api.get(f"/v1/redress/{ALICE}", "alice"), 2, "lookup")
    _limited(_lookup(api, "alice"), 2, "lookup")
    assert {api.get(f"/v1/redress/{SPAM}").status_code for _ in range(20)} == {200}


def test_refusals_are_counted_in_metrics(lim: Limited) -> None:
    api = lim.api
    for _ in range(5):
        _lookup(api, "alice")
    for _ in range(3):
        api.post("/v1/screenings", "screener", json=call(BOT, callee=ALICE))
    text = api.get("/metrics").text
    assert "# TYPE callwarden_rate_limited_total counter" in text
    assert 'callwarden_rate_limited_total{role="subscriber",limit="lookup"} 2' in text
    assert 'callwarden_rate_limited_total{role="screener",limit="screener"} 1' in text
    assert "callwarden_rate_limit_buckets 2.0" in text
    assert (
        'callwarden_http_requests_total{route="/v1/numbers/{number}",method="GET",status="429"} 2'
        in text
    )


def test_the_lookup_routes_are_routes_of_the_app(lim: Limited) -> None:
    """The lookup bucket is chosen by the route's template (``scope["route"].path``, as the
    metrics label it): a renamed route would leave the bucket, and this fails."""
    paths = set(lim.api.get("/openapi.json").json()["paths"])
    assert paths >= LOOKUP_ROUTES

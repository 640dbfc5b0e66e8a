"""Which `screen` row of decide's a screened call answers (POST /v1/screenings), through
POST /v1/decide itself: the window allows decide's clock skew, the first call screened is the
first answered, a row already answered is skipped (read-through 27, items 2, 6 and 12)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from .conftest import ALICE, Api
from .test_screenings import BOT, call

SPAM = "+8617012345678"


def _strict(api: Api) -> None:
    """Alice is strict and SPAM an uncertain harasser: decide sends its calls to the screener."""
    api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json={"protection": "strict"})
    api.post(
        "/v1/verdicts",
        "operator",
        json={"verdicts": [{"number": SPAM, "label": "harassment", "score": 0.6}]},
    )


def _decide(api: Api, at: float | None = None) -> None:
    body: dict[str, Any] = {"caller": SPAM, "callee": ALICE}
    if at is not None:
        body["at"] = at
    assert api.post("/v1/decide", "network", json=body).json()["action"] == "screen"


def _screened(api: Api, start: float | None, call_id: str = "c1") -> Any:
    body = call(BOT, caller=SPAM, callee=ALICE, call_id=call_id)
    if start is None:
        del body["start_time"]
    else:
        body["start_time"] = datetime.fromtimestamp(start, UTC).isoformat()
    return api.post("/v1/screenings", "screener", json=body)


def _links(api: Api) -> list[tuple[float, str | None]]:
    with api.store.engine.connect() as conn:
        q = sa.text("SELECT at, screening FROM block_log ORDER BY at")
        return [(r.at, r.screening) for r in conn.execute(q)]


def test_a_switch_clock_ahead_is_matched(api: Api) -> None:
    """decide takes `at` up to an hour past the server's clock; its row there was out of the
    minute allowed after a screened call without start_time (409 no_screen_decision)."""
    _strict(api)
    _decide(api, at=time.time() + 300)
    r = _screened(api, None)
    assert r.status_code == 201, r.text


def test_a_screener_clock_behind_is_matched(api: Api) -> None:
    _strict(api)
    _decide(api)
    r = _screened(api, time.time() - 90)
    assert r.status_code == 201, r.text


def test_a_redial_links_the_first_call_screened(api: Api) -> None:
    """A caller rings twice, two minutes apart: a transcript without start_time answers the
    oldest row not yet answered (the first call screened is answered first); it took the
    newest, the redial's. The second call skips the row the first answered (item 12: it
    fails, 409, if _screen_entry stops leaving out linked rows)."""
    _strict(api)
    now = time.time()
    _decide(api, at=now - 120)
    _decide(api)
    assert _screened(api, None, "first").status_code == 201
    assert [s for _, s in _links(api)] == ["first", None]
    assert _screened(api, None, "second").status_code == 201
    assert [s for _, s in _links(api)] == ["first", "second"]


def test_the_route_flushes_only_for_a_pending_screen_row(api: Api) -> None:
    """Read-through 27 item 7: the route flushed the whole write-behind buffer in the
    request, whatever it held; now it asks the flusher only when decide's screen row for the
    call is still pending (waiting at most a second), and leaves other rows to it."""
    from fastapi.testclient import TestClient

    from callwarden.api import ApiSettings, create_app

    from .test_screenings import screen_row

    _strict(api)
    app = create_app(ApiSettings(db="unused", flush_interval_s=3600.0), api.store)
    writes = app.state.cw.writes
    with TestClient(app) as client:
        h, s = api.h("network"), api.h("screener")
        c = call(BOT, caller=SPAM, callee=ALICE, call_id="stored-row")
        screen_row(api, c)  # decide's row already in the store
        client.post("/v1/decide", headers=h, json={"caller": "+8617000000001", "callee": ALICE})
        assert writes.pending == 1  # a received call, waiting for the flusher
        assert client.post("/v1/screenings", headers=s, json=c).status_code == 201
        assert writes.pending == 1  # not flushed for a call whose row was written
        d = client.post("/v1/decide", headers=h, json={"caller": SPAM, "callee": ALICE})
        assert d.json()["action"] == "screen" and writes.pending == 3
        body = call(BOT, caller=SPAM, callee=ALICE, call_id="pending-row")
        del body["start_time"]
        assert client.post("/v1/screenings", headers=s, json=body).status_code == 201
        assert writes.pending == 0
        # the flusher does not get it written in time (a verdict import holds the lock): 503
        client.post("/v1/decide", headers=h, json={"caller": SPAM, "callee": ALICE})
        writes.flush_within = lambda timeout_s: False
        late = {**body, "call_id": "late"}
        r = client.post("/v1/screenings", headers=s, json=late)
        assert (r.status_code, r.json()["error"]["code"]) == (503, "unavailable")
        assert r.headers["Retry-After"] == "5"

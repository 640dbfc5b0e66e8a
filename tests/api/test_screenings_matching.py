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
    return api.post("/v1/screenings", "network", json=body)


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
    newest, the redial's."""
    _strict(api)
    now = time.time()
    _decide(api, at=now - 120)
    _decide(api)
    assert _screened(api, None, "first").status_code == 201
    assert [s for _, s in _links(api)] == ["first", None]
    assert _screened(api, None, "second").status_code == 201
    assert [s for _, s in _links(api)] == ["first", "second"]

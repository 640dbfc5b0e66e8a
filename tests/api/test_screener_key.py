"""The screener's key (role ``screener``): least privilege on both sides of POST
/v1/screenings. Only a screener key or an operator's posts screened calls: a network key is
held by every SBC and softswitch that calls decide, and a stored bot screening can label its
caller (608 at strict). The screener's key reaches nothing else: decide (its fast path and
the framework's route), received calls, 607 feedback, subscriber and operator routes. On
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.api.fastpath import DecideFastPath
from callwarden.store import Role

from .conftest import ALICE, BOB, Api, keyed_store, store_url
from .test_errors import BODIES, PUBLIC, fill
from .test_screenings import BOT, FRAUD_BOT, _error, call, screen_row

SPAM = "+8617012345678"
HINT = "callwarden apikey --role screener"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    url = store_url(request, tmp_path)
    # the store's clock an hour after the simulated calls' start (seed 3: a fixed day)
    now = datetime.fromisoformat(call(BOT)["start_time"]).timestamp() + 3600.0
    store, keys = keyed_store(url, lambda: now)
    app = create_app(ApiSettings(db=url, redress_base="https://op.example/v1/redress/"), store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, store, keys)
    store.close()


def _stored(api: Api) -> int:
    with api.store.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM screenings")).scalar_one())


def _screen_entry(api: Api, callee: str) -> dict[str, Any]:
    (entry,) = [e for e in api.store.block_log(callee) if e["action"] == "screen"]
    return entry


def test_a_network_key_may_not_post_screenings(api: Api) -> None:
    """A call decide did send to the screener (its `screen` row is there), posted with a
    network key: 403 forbidden, naming the key to use, and nothing stored or linked. The
    screener's key then posts the same call (201), and so does an operator's another."""
    c = call(BOT, callee=ALICE)
    screen_row(api, c)
    err = _error(api.post("/v1/screenings", "network", json=c), 403)
    assert err["code"] == "forbidden" and err["details"] is None
    assert "yours is network" in err["message"] and HINT in err["message"], err["message"]
    assert _stored(api) == 0 and api.store.get_screening(c["call_id"]) is None
    assert _screen_entry(api, ALICE)["screened_verdict"] is None
    assert api.store.get_verdict(c["caller"]) is None
    r = api.post("/v1/screenings", "screener", json=c)
    assert r.status_code == 201, r.text
    assert (r.json()["verdict"], r.json()["action"]) == ("bot", "reject")
    assert _screen_entry(api, ALICE)["screened_verdict"] == "bot"
    screener = api.store.lookup_key(api.keys["screener"])
    assert screener is not None and screener.role is Role.SCREENER
    assert api.store.get_screening(c["call_id"])["actor"] == screener.actor  # type: ignore[index]
    other = call(FRAUD_BOT, callee=BOB)
    screen_row(api, other)
    assert api.post("/v1/screenings", "operator", json=other).status_code == 201
    assert _stored(api) == 2


def test_a_screener_key_reaches_no_other_route(api: Api) -> None:
    """Every route the app serves (test_errors' table, which a new route must join), with
    the screener's key: 403 forbidden but POST /v1/screenings and the public routes. Decide
    is answered by its fast path here; ``/v1/reports`` and ``/v1/numbers`` took any key."""
    received = {"calls": [{"caller": SPAM, "callee": ALICE, "at": api.store.clock() - 60}]}
    assert api.post("/v1/calls", "network", json=received).status_code == 200  # Alice may report
    answers = {}
    for (method, path), body in BODIES.items():
        if path in PUBLIC or (method, path) == ("POST", "/v1/screenings"):
            continue
        h = api.h("screener")
        r = api.client.request(method, fill(path, {}), headers=h, json=body)
        code = r.json()["error"]["code"] if r.status_code >= 400 else None
        answers[f"{method} {path}"] = (r.status_code, code)
    let_in = {route: got for route, got in answers.items() if got != (403, "forbidden")}
    assert let_in == {}
    assert {"POST /v1/decide", "POST /v1/reports", "GET /v1/numbers/{number}"} <= set(answers)
    err = _error(api.post("/v1/decide", "screener", json={"caller": SPAM, "callee": ALICE}), 403)
    assert err["message"] == "this needs a key with role network, operator; yours is screener"
    assert api.store.block_log(ALICE) == []  # decide wrote nothing for it
    # an operator's or a screener's report files as the body's reporter (app, default): as Alice
    assert api.store.report_summary(SPAM)["reports"] == 0


def test_a_screener_key_cannot_decide_on_the_framework_route(api: Api) -> None:
    """The app without decide's fast path: FastAPI's own /v1/decide route refuses the
    screener's key as the fast path does (and still decides for a network key)."""
    app = create_app(ApiSettings(db="unused"), api.store)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not DecideFastPath]
    body = {"caller": SPAM, "callee": ALICE}
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/v1/decide", headers=api.h("screener"), json=body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", r.text
        assert "yours is screener" in r.json()["error"]["message"]
        ok = client.post("/v1/decide", headers=api.h("network"), json=body)
        assert ok.status_code == 200, ok.text


def test_an_operator_creates_a_screener_key_over_the_api(api: Api) -> None:
    made = api.post("/v1/keys", "operator", json={"role": "screener", "name": "assistant 2"})
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "screener" and made.json()["subscriber"] is None
    listed = {k["id"]: k["role"] for k in api.get("/v1/keys", "operator").json()}
    assert listed[made.json()["id"]] == "screener"
    bound = api.post("/v1/keys", "operator", json={"role": "screener", "subscriber": ALICE})
    assert _error(bound, 400)["message"] == "only subscriber keys are bound to a subscriber"
    c = call(BOT, callee=ALICE)
    screen_row(api, c)
    h = {"Authorization": f"Bearer {made.json()['secret']}"}
    assert api.client.post("/v1/screenings", headers=h, json=c).status_code == 201

"""POST /v1/screenings labels a caller live once the screener judged it a bot on a second
callee (docs/policy.md, "Labelled by the screener"): the answer says `caller_labelled`, the
next POST /v1/decide sees the verdict (label at standard, 608 at strict) on SQLite and
PostgreSQL, and on PostgreSQL a second worker hears of it; an appeal clears it at once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.numbers.abroad import AbroadRule
from callwarden.numbers.ingresses import IngressKinds
from callwarden.numbers.registry import AllocationRegistry
from callwarden.policy import Reason, Verdict
from callwarden.store import Store

from .conftest import ALICE, BOB, Api, keyed_store, store_url
from .test_screenings import BOT, call, screen_row

CAROL = "+8613700137000"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_url(request, tmp_path)


def _calls_clock() -> float:
    """The store's clock: an hour after the simulated calls' start (seed 3 draws them on a
    fixed day). On the real clock the live label's 28-day window passed them by four weeks
    after that day, and the label tests failed then (helper E, session 29)."""
    return datetime.fromisoformat(call(BOT)["start_time"]).timestamp() + 3600.0


def _api(
    url: str, keys: dict[str, str] | None = None, clock: Callable[[], float] | None = None
) -> tuple[Store, dict[str, str]]:
    if clock is None:
        at = _calls_clock()
        clock = lambda: at  # noqa: E731
    return keyed_store(url, clock, keys)


@pytest.fixture
def api(url: str) -> Iterator[Api]:
    store, keys = _api(url)
    app = create_app(ApiSettings(db=url, redress_base="https://op.example/v1/redress/"), store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, store, keys)
    store.close()


def _screened(api: Api, callee: str, n: int) -> Any:
    c = call(BOT, callee=callee, call_id=f"scr-live-{n}")
    screen_row(api, c)
    r = api.post("/v1/screenings", "screener", json=c)
    assert r.status_code == 201, r.text
    return r.json()


def _decide(api: Api, callee: str) -> Any:
    r = api.post("/v1/decide", "network", json={"caller": call(BOT)["caller"], "callee": callee})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_second_callee_labels_and_decide_sees_it(api: Api) -> None:
    caller = call(BOT)["caller"]
    assert _decide(api, CAROL)["action"] == "allow"  # (cached: no verdict)
    first = _screened(api, ALICE, 0)
    assert (first["verdict"], first["caller_labelled"]) == ("bot", False)
    second = _screened(api, BOB, 1)
    assert second["caller_labelled"] is True
    d = _decide(api, CAROL)
    assert d["action"] == "label"
    assert d["reasons"][0]["code"] == "screened_bot_callees"
    assert d["tag"]["zh"] == "疑似医疗推销"
    api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json={"protection": "strict"})
    strict = _decide(api, ALICE)
    assert (strict["action"], strict["sip_code"]) == ("reject", 608)
    again = api.post("/v1/screenings", "screener", json=call(BOT, callee=BOB, call_id="scr-live-1"))
    assert (again.status_code, again.json()["caller_labelled"]) == (200, True)
    num = api.get(f"/v1/numbers/{caller}", "operator").json()
    assert num["verdict"]["source"] == "screening"
    audit = api.get(f"/v1/audit?target={caller}", "operator").json()
    assert [a["action"] for a in audit if a["actor"] == "screening"] == ["screened_label"]
    # an appeal accepted clears it at once, and later bot calls leave the clearance
    aid = api.post(
        "/v1/appeals", "operator", json={"number": caller, "owner": "Clinic", "statement": "x"}
    ).json()["id"]
    r = api.post(f"/v1/review/appeals/{aid}", "operator", json={"decision": "accept"})
    assert r.status_code == 200, r.text
    assert _decide(api, ALICE)["action"] == "allow"
    assert _screened(api, CAROL, 2)["caller_labelled"] is False
    assert _decide(api, ALICE)["reasons"][0]["code"] == "appeal_protected"


@pytest.mark.service
def test_another_worker_hears_of_it(pg_database: str) -> None:
    """Two workers on one PostgreSQL store: B decides by A's live label within a deadline
    (the verdicts table's change notification)."""
    a_store, keys = _api(pg_database)
    b_store, _ = _api(pg_database, keys)
    apps = [create_app(ApiSettings(db=pg_database), s) for s in (a_store, b_store)]
    with TestClient(apps[0]) as a, TestClient(apps[1]) as b:
        wa, wb = Api(a, a_store, keys), Api(b, b_store, keys)
        assert _decide(wb, CAROL)["action"] == "allow"
        _screened(wa, ALICE, 0)
        assert _screened(wa, BOB, 1)["caller_labelled"] is True
        deadline = time.monotonic() + 30.0
        while _decide(wb, CAROL)["action"] != "label":
            assert time.monotonic() < deadline, "worker B never heard of the label"
            time.sleep(0.1)
    a_store.close()
    b_store.close()


def test_off_by_setting(tmp_path: Path) -> None:
    """`serve --no-screened-labels` (ApiSettings.screened_labels False): screened calls are
    stored and counted, and no caller is labelled live."""
    url = str(tmp_path / "off.db")
    store, keys = _api(url)
    app = create_app(ApiSettings(db=url, screened_labels=False), store)
    with TestClient(app) as client:
        off = Api(client, store, keys)
        assert [
            _screened(off, who, n)["caller_labelled"] for n, who in enumerate((ALICE, BOB))
        ] == [
            False,
            False,
        ]
        assert _decide(off, CAROL)["action"] == "allow"
        assert store.screening_counts(call(BOT)["caller"])["bot_callees"] == 2
    store.close()


@pytest.mark.parametrize("shown", ["asserted", "abroad"])
def test_calls_someone_else_showed_never_label_a_flagged_number(tmp_path: Path, shown: str) -> None:
    """Audit a1 H1, through the real decide path: the shown number has a suspected model
    verdict, so decide screens it at strict on that verdict (its reasons the model's) when
    the network asserts another identity or the call comes from abroad (no roaming list).
    Two strict subscribers' calls judged bots must not label it: the `screen` entry carries
    the per-call reason, whatever the stored verdict (before: `caller_labelled: true`)."""
    caller = call(BOT)["caller"]
    store, keys = _api(str(tmp_path / "api.db"), clock=time.time)  # (its calls start now)
    with store.engine.begin() as conn:
        store.put_verdict(conn, Verdict(caller, "harassment", 0.6, "", (Reason("model_flag", {}),)))
    registry = AllocationRegistry.from_numbers([caller, ALICE, BOB])
    rule = AbroadRule.of(IngressKinds({"IGW-SH-1": "international"}), registry.scope, None)
    app = create_app(ApiSettings(db=str(tmp_path / "api.db")), store, registry, rule)
    with TestClient(app) as client:
        api = Api(client, store, keys)
        body = {"asserted": "+8617000000009"} if shown == "asserted" else {"ingress": "IGW-SH-1"}
        for n, (sub, who) in enumerate(((ALICE, "alice"), (BOB, "bob"))):
            api.put(f"/v1/subscribers/{sub}/settings", who, json={"protection": "strict"})
            d = api.post("/v1/decide", "network", json={"caller": caller, "callee": sub, **body})
            assert d.json()["action"] == "screen"
            assert [r["code"] for r in d.json()["reasons"]] == [  # the answer is unchanged
                "harassment_suspected", "model_flag",
            ]  # fmt: skip
            start = datetime.fromtimestamp(store.clock(), UTC).isoformat()
            r = api.post(
                "/v1/screenings", "screener",
                json=call(BOT, callee=sub, call_id=f"shown-{n}", start_time=start),
            )  # fmt: skip
            assert r.status_code == 201, r.text
            assert (r.json()["verdict"], r.json()["caller_labelled"]) == ("bot", False)
        v = store.get_verdict(caller)
        assert v is not None and v.source == "model"
        (entry,) = [e for e in store.block_log(ALICE) if e["action"] == "screen"]
        code = "spoof_asserted_mismatch" if shown == "asserted" else "from_abroad_domestic_number"
        assert code in [r["code"] for r in entry["reasons"]]
    store.close()

"""The call path while the store cannot be read (design principle 5: it fails open; a false
block is the costliest error). A subscriber's policy that cannot be loaded never rejects or
screens a call on the defaults, and an API key already checked keeps working for a grace
period; an unknown key, and /healthz, answer a JSON 503."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callwarden.api.state import AppState

from .conftest import ALICE, Api

SPOOFED = "+8613408123250"


def _state(api: Api) -> AppState:
    state: AppState = api.client.app.state.cw  # type: ignore[attr-defined]
    return state


def _down(*_a: object, **_k: object) -> None:
    raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))


def _fraud(api: Api) -> None:
    verdict = {"number": SPOOFED, "label": "fraud", "score": 0.99, "category": "spoofed"}
    assert api.post("/v1/verdicts", "operator", json={"verdicts": [verdict]}).status_code == 200


def _decide(api: Api) -> dict[str, object]:
    r = api.post("/v1/decide", "network", json={"caller": SPOOFED, "callee": ALICE})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _codes(body: dict[str, object]) -> list[str]:
    return [r["code"] for r in body["reasons"]]  # type: ignore[attr-defined, index]


def test_an_allow_list_that_cannot_be_loaded_never_turns_into_a_reject(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fraud(api)
    assert _decide(api)["action"] == "reject"
    pat = {"pattern": SPOOFED}
    assert api.post(f"/v1/subscribers/{ALICE}/lists/allow", "alice", json=pat).status_code == 201
    state = _state(api)
    monkeypatch.setattr(state.policies, "_loader", _down)  # the store goes down now
    body = _decide(api)
    assert body["action"] == "label" and body["sip_code"] is None  # was reject 608
    assert _codes(body)[0] == "policy_unavailable"
    assert body["reasons"][0]["evidence"] == {"capped": "reject", "sip_code": 608}  # type: ignore[index]
    text = body["reasons"][0]["text"]  # type: ignore[index]
    assert "不拦截" in text["zh"] and "never blocked" in text["en"]  # a sentence, not the code
    assert state.policies.unavailable == 1
    assert "callwarden_policy_unavailable_decisions 1.0" in api.get("/metrics").text
    state.writes.flush()
    assert len(state.store.block_log(ALICE)) == 1  # the first reject; a label is not a block


def test_the_last_known_policy_is_used_while_its_reload_fails(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fraud(api)
    pat = {"pattern": SPOOFED}
    assert api.post(f"/v1/subscribers/{ALICE}/lists/allow", "alice", json=pat).status_code == 201
    assert _decide(api)["action"] == "allow"  # cached now
    state = _state(api)
    settings = {"protection": "strict"}
    assert api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json=settings).status_code == 200
    monkeypatch.setattr(state.policies, "_loader", _down)
    body = _decide(api)
    assert body["action"] == "allow"
    assert _codes(body) == ["personal_allow", "policy_unavailable"]
    monkeypatch.undo()  # the store is back: the fresh policy, no cap
    assert _codes(_decide(api)) == ["personal_allow"]


def test_a_block_list_that_cannot_be_loaded_leaves_a_trace(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pat = {"pattern": SPOOFED}
    assert api.post(f"/v1/subscribers/{ALICE}/lists/block", "alice", json=pat).status_code == 201
    state = _state(api)
    monkeypatch.setattr(state.policies, "_loader", _down)
    body = _decide(api)
    assert body["action"] == "allow" and _codes(body) == ["no_verdict", "policy_unavailable"]
    assert state.policies.unavailable == 1
    assert "cannot load the policy" in caplog.text


def _store_goes_down(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store read and write now fails as a server that is down does (the engine's
    database cannot be opened)."""
    gone = sa.create_engine("sqlite:////nonexistent-callwarden-dir/store.db")
    monkeypatch.setattr(_state(api).store, "engine", gone)


def _past_key_ttl(api: Api) -> None:
    """Every cached key was last confirmed longer ago than key_cache_ttl_s."""
    state = _state(api)
    for h, (key, at) in list(state._keys.items()):
        state._keys[h] = (key, at - state.settings.key_cache_ttl_s - 1)


def test_decide_keeps_answering_from_memory_when_the_store_is_down(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fraud(api)
    assert _decide(api)["action"] == "reject"  # the network key is cached now
    _store_goes_down(api, monkeypatch)
    _past_key_ttl(api)
    for _ in range(3):
        assert _decide(api)["action"] == "reject"  # verdicts in memory; no 500
    assert _state(api).key_checks_unavailable == 3
    # a key never seen by this worker cannot be checked: one JSON 503, with Retry-After
    nobody = {"Authorization": "Bearer nobody"}
    for r in (
        api.client.post("/v1/decide", headers=nobody, json={}),
        api.client.get(f"/v1/subscribers/{ALICE}/settings", headers=nobody),
    ):
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        assert r.json()["error"]["code"] == "unavailable"
    # a route that reads the store: a JSON 503, never a traceback
    r = api.get(f"/v1/numbers/{SPOOFED}", "network")
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
    assert "retry-after" in r.headers


def test_a_key_is_trusted_only_for_its_grace_period(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _decide(api)["action"] == "allow"
    _store_goes_down(api, monkeypatch)
    state = _state(api)
    for h, (key, at) in list(state._keys.items()):
        state._keys[h] = (key, at - state.settings.key_cache_ttl_s - state.settings.key_grace_s)
    r = api.post("/v1/decide", "network", json={"caller": SPOOFED, "callee": ALICE})
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"


def test_healthz_says_the_store_is_down(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    r = api.get("/healthz")
    assert r.status_code == 200 and r.json()["store"] == "up" and r.json()["status"] == "ok"
    _store_goes_down(api, monkeypatch)
    r = api.get("/healthz")
    assert r.status_code == 503
    assert r.json()["store"] == "down" and r.json()["status"] == "degraded"
    assert r.json()["schema_revision"] is None and r.headers["retry-after"] == "5"

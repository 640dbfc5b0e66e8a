"""POST /v1/decide answers in DecideResponse's shape for every action, and books its writes."""

from __future__ import annotations

import pytest

from callwarden.api.models import DecideResponse

from .conftest import ALICE, BOB, Api


def test_every_action_matches_the_response_model(api: Api) -> None:
    api.post(
        "/v1/verdicts",
        "operator",
        json={
            "verdicts": [
                {
                    "number": "+8617000000001",
                    "label": "harassment",
                    "score": 0.7,
                    "category": "education",
                },
                {
                    "number": "+8617000000002",
                    "label": "fraud",
                    "score": 0.97,
                    "category": "impersonation_police",
                    "reasons": [{"code": "unallocated_callee_rate", "evidence": {"rate": 0.31}}],
                },
                {"number": "+8617000000003", "label": "fraud", "score": 0.6},
            ]
        },
    )
    api.put(f"/v1/subscribers/{BOB}/settings", "bob", json={"protection": "strict"})
    api.post(f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": "+8617000000004"})
    cases = {
        ("+8617000000001", ALICE): ("label", None, "疑似教育培训推销"),
        ("+8617000000002", ALICE): ("reject", 608, "疑似诈骗（冒充公检法诈骗）"),
        ("+8617000000003", BOB): ("screen", None, "疑似诈骗电话"),
        ("+8617000000004", ALICE): ("reject", 603, None),
        ("+8617000000005", ALICE): ("allow", None, None),
    }
    for (caller, callee), (action, sip, zh) in cases.items():
        r = api.post(
            "/v1/decide", "network", json={"caller": caller, "callee": callee, "ingress": "trunk-7"}
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert int(r.headers["content-length"]) == len(r.content)  # not chunked
        d = DecideResponse.model_validate(r.json())
        assert (d.action.value, d.sip_code) == (action, sip)
        assert (d.tag.zh if d.tag else None) == zh
    d = DecideResponse.model_validate(
        api.post("/v1/decide", "network", json={"caller": "+8617000000002", "callee": BOB}).json()
    )
    assert [r.code for r in d.reasons] == ["fraud_confident", "unallocated_callee_rate"]
    assert d.reasons[1].text.en == "unallocated_callee_rate (rate=0.31)"
    # rejected and screened calls are in the callees' block logs; allowed ones are not
    alice = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").json()
    assert sorted(b["caller"] for b in alice) == ["+8617000000002", "+8617000000004"]
    assert [b["action"] for b in api.get(f"/v1/subscribers/{BOB}/blocked", "bob").json()] == [
        "reject",
        "screen",
    ]


def test_fails_open_when_the_store_is_down_and_keeps_pending_writes(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = api.client.app.state.cw  # type: ignore[attr-defined]
    api.post(f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": "+8617000000009"})

    def down(*_a: object, **_k: object) -> None:
        raise OSError("disk gone")

    state.policies.invalidate(ALICE)  # force a store read for Alice's policy
    monkeypatch.setattr(state.policies, "_loader", down)
    monkeypatch.setattr(state.writes.store, "record_calls", down)  # before the call: no race
    r = api.post("/v1/decide", "network", json={"caller": "+8617000000009", "callee": ALICE})
    assert r.status_code == 200 and r.json()["action"] == "allow"  # defaults, not an error
    with pytest.raises(OSError):
        state.writes.flush()
    assert state.writes.pending == 1  # kept for the next flush
    monkeypatch.undo()
    state.writes.flush()
    assert state.writes.pending == 0
    with state.store.engine.connect() as conn:
        assert state.store.received_since(conn, ALICE, "+8617000000009", 0.0)

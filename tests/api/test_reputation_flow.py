"""A mass-report attack on a legitimate number does not flip it; real complaints about a
spammer do; and an appeal runs end to end: 608 with redress, queue, review, cleared,
protected, audited."""

from __future__ import annotations

import time

from callwarden.store.db import head_revision

from .conftest import ALICE, Api

COURIER = "+8695338"  # a courier's number: many short calls to strangers
SPAMMER = "+8617055550000"
T0 = time.time() - 3600


def callees(n: int, base: int) -> list[str]:
    return [f"+86139{base + i:08d}" for i in range(n)]


def feed_calls(api: Api, caller: str, to: list[str]) -> None:
    calls = [{"caller": caller, "callee": c, "at": T0 + i} for i, c in enumerate(to)]
    assert api.post("/v1/calls", "network", json={"calls": calls}).json()["count"] == len(to)


def test_mass_report_attack_does_not_flip_a_legitimate_number(api: Api) -> None:
    real_customers = callees(400, 0)
    feed_calls(api, COURIER, real_customers)
    # 1. 1,000 sybil accounts that never got a call from the courier: none counts.
    sybils = callees(1000, 50_000)
    codes = [
        api.post(
            "/v1/reports",
            "network",
            json={"number": COURIER, "reporter": s, "source": "sip607", "category": "loans"},
        ).status_code
        for s in sybils
    ]
    assert set(codes) == {422}
    # 2. 30 attackers who really did receive a call (they ordered a parcel): each counts once,
    #    at a new reporter's weight; a second vote is refused.
    for r in real_customers[:30]:
        assert (
            api.post(
                "/v1/reports",
                "network",
                json={"number": COURIER, "reporter": r, "category": "loans"},
            ).status_code
            == 201
        )
    assert (
        api.post(
            "/v1/reports", "network", json={"number": COURIER, "reporter": real_customers[0]}
        ).status_code
        == 409
    )
    info = api.get(f"/v1/numbers/{COURIER}", "operator").json()
    assert info["reports"]["reports"] == 30 and info["reports"]["recipients"] == 400
    assert info["reports"]["weighted"] < 0.05 * 400  # 9.0 of the 20.0 a flip needs
    assert info["verdict"] is None
    # 3. Calls from the courier still ring unlabelled, even for a strict subscriber.
    api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json={"protection": "strict"})
    d = api.post("/v1/decide", "network", json={"caller": COURIER, "callee": ALICE}).json()
    assert d["action"] == "allow" and d["tag"] is None


def test_genuine_complaints_label_a_spammer_but_never_reject_it(api: Api) -> None:
    # Reporters with a good record: each reported numbers that the model later confirmed as
    # fraud (reports on numbers already labelled earn nothing: the label was there to see).
    confirmed = [f"+86170666{i:05d}" for i in range(5)]
    victims = callees(200, 10_000)
    feed_calls(api, SPAMMER, victims)
    for n in confirmed:
        feed_calls(api, n, victims[:40])
    for v in victims[:40]:
        for n in confirmed:
            assert (
                api.post("/v1/reports", "network", json={"number": n, "reporter": v}).status_code
                == 201
            )
    api.post(
        "/v1/verdicts",
        "operator",
        json={"verdicts": [{"number": n, "label": "fraud", "score": 0.95} for n in confirmed]},
    )
    labelled = []
    for v in victims[:40]:
        r = api.post(
            "/v1/reports", "network", json={"number": SPAMMER, "reporter": v, "category": "loans"}
        ).json()
        labelled.append(r["labelled"])
        assert r["weight"] > 0.8
    assert any(labelled)
    d = api.post("/v1/decide", "network", json={"caller": SPAMMER, "callee": ALICE}).json()
    assert d["action"] == "label" and d["tag"]["zh"] == "疑似贷款推销"
    assert d["reasons"][0]["code"] == "community_reports"
    api.put(
        f"/v1/subscribers/{ALICE}/settings",
        "alice",
        json={"protection": "strict", "refused_categories": ["loans"]},
    )
    assert (
        api.post("/v1/decide", "network", json={"caller": SPAMMER, "callee": ALICE}).json()[
            "action"
        ]
        == "label"
    )


def test_appeal_end_to_end(api: Api) -> None:
    owner_key = api.post(
        "/v1/keys", "operator", json={"role": "subscriber", "subscriber": "+8617012340000"}
    ).json()["secret"]
    owner = {"Authorization": f"Bearer {owner_key}"}
    biz = "+8617012340000"
    api.post(
        "/v1/verdicts",
        "operator",
        json={
            "verdicts": [
                {
                    "number": biz,
                    "label": "fraud",
                    "score": 0.96,
                    "category": "impersonation_service",
                    "reasons": [
                        {"code": "low_answer_rate", "evidence": {"answer_rate_by_caller_1d": 0.08}}
                    ],
                    "campaign": "c-77",
                }
            ]
        },
    )
    # 1. The call is rejected with 608 and a redress URI (RFC 8688), and logged for the callee.
    d = api.post("/v1/decide", "network", json={"caller": biz, "callee": ALICE}).json()
    assert (d["action"], d["sip_code"]) == ("reject", 608)
    assert d["redress_uri"] == f"https://op.example/v1/redress/{biz}"
    assert d["call_info"] == f"<{d['redress_uri']}>;purpose=jcard"
    assert d["reasons"][1]["code"] == "low_answer_rate"
    redress = api.client.get(f"/v1/redress/{biz}", headers=owner).json()  # the owner's key
    assert redress["labelled"] and redress["jcard"][0] == "vcard"
    blocked = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").json()
    assert [b["caller"] for b in blocked] == [biz]
    # 2. The owner appeals; it waits in the operator's queue.
    r = api.client.post(
        "/v1/appeals",
        headers=owner,
        json={"number": biz, "owner": "某银行信用卡中心", "statement": "客服回访"},
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    aid = r.json()["id"]
    queue = api.get("/v1/review/appeals", "operator").json()
    assert [a["id"] for a in queue] == [aid]
    assert api.get(f"/v1/numbers/{biz}", "alice").json()["appeals"][0]["status"] == "pending"
    # 3. The operator accepts: label cleared at once, number protected.
    r = api.post(
        f"/v1/review/appeals/{aid}",
        "operator",
        json={"decision": "accept", "note": "licence checked"},
    )
    assert r.json()["status"] == "accepted" and r.json()["reviewer"].startswith("key:")
    d = api.post("/v1/decide", "network", json={"caller": biz, "callee": ALICE}).json()
    assert d["action"] == "allow" and d["reasons"][0]["code"] == "appeal_protected"
    info = api.get(f"/v1/numbers/{biz}", "alice").json()
    assert info["verdict"]["protected"] and info["verdict"]["tag"] is None
    assert info["appeals"][0]["status"] == "accepted"
    assert not api.client.get(f"/v1/redress/{biz}", headers=owner).json()["labelled"]
    assert api.get("/v1/review/appeals", "operator").json() == []
    # 4. A later model run labels it again: the protection holds.
    api.post(
        "/v1/verdicts",
        "operator",
        json={"verdicts": [{"number": biz, "label": "fraud", "score": 0.99}]},
    )
    assert (
        api.post("/v1/decide", "network", json={"caller": biz, "callee": ALICE}).json()["action"]
        == "allow"
    )
    # 5. The audit trail has the appeal, the decision and the verdict it replaced.
    trail = api.get(f"/v1/audit?target={biz}", "operator").json()
    actions = [a["action"] for a in trail]
    assert "appeal" in actions and "appeal_accepted" in actions
    accepted = next(a for a in trail if a["action"] == "appeal_accepted")
    assert accepted["detail"]["verdict_before"]["score"] == 0.96
    assert accepted["detail"]["note"] == "licence checked"
    # 5. The subscriber rescues the call from the block log: the number goes on her allow list.
    r = api.post(f"/v1/subscribers/{ALICE}/blocked/{blocked[0]['id']}/rescue", "alice")
    assert r.status_code == 200 and r.json()["caller"] == biz
    allow = api.get(f"/v1/subscribers/{ALICE}/lists/allow", "alice").json()["entries"]
    assert [e["pattern"] for e in allow] == [biz]


def test_personal_block_and_metrics(api: Api) -> None:
    api.post(f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": "0755*"})
    d = api.post(
        "/v1/decide", "network", json={"caller": "075512345678", "callee": "13800138000"}
    ).json()
    assert (d["action"], d["sip_code"], d["tag"]) == ("reject", 603, None)
    text = api.get("/metrics").text
    assert 'callwarden_decisions_total{action="reject"} 1' in text
    assert 'callwarden_http_requests_total{route="/v1/decide",method="POST",status="200"} 1' in text
    assert "callwarden_http_request_duration_seconds_bucket" in text
    h = api.get("/healthz").json()
    assert h["status"] == "ok" and h["schema_revision"] == head_revision()

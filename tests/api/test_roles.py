"""Roles: a subscriber key reaches only its own subscriber's data; the network decides but
reads no subscriber data; only operators review, import and manage keys."""

from __future__ import annotations

import pytest

from .conftest import ALICE, BOB, Api

SPAM = "+8617012345678"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", f"/v1/subscribers/{BOB}/settings", None),
        ("put", f"/v1/subscribers/{BOB}/settings", {"protection": "off"}),
        ("get", f"/v1/subscribers/{BOB}/lists/block", None),
        ("post", f"/v1/subscribers/{BOB}/lists/block", {"pattern": SPAM}),
        ("delete", f"/v1/subscribers/{BOB}/lists/allow/{SPAM}", None),
        ("get", f"/v1/subscribers/{BOB}/blocked", None),
        ("post", f"/v1/subscribers/{BOB}/blocked/1/rescue", None),
        ("get", f"/v1/subscribers/{BOB}/reports", None),
        # the same subscriber in another spelling is still Bob
        ("get", "/v1/subscribers/13900139000/settings", None),
    ],
)
def test_subscriber_key_cannot_reach_another_subscriber(
    api: Api, method: str, path: str, body: object
) -> None:
    api.put(f"/v1/subscribers/{BOB}/settings", "bob", json={"protection": "strict"})
    kw = {"json": body} if body is not None else {}
    r = getattr(api, method)(path, "alice", **kw)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"
    # and nothing changed
    assert api.get(f"/v1/subscribers/{BOB}/settings", "bob").json()["protection"] == "strict"
    assert api.get(f"/v1/subscribers/{BOB}/lists/block", "bob").json()["entries"] == []


def test_subscriber_reaches_own_data_and_operator_reaches_all(api: Api) -> None:
    r = api.put(
        f"/v1/subscribers/{ALICE}/settings",
        "alice",
        json={"protection": "strict", "refused_categories": ["loans"]},
    )
    assert r.status_code == 200 and r.json()["protection"] == "strict"
    assert (
        api.post(
            f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": "170*"}
        ).status_code
        == 201
    )
    assert (
        api.get(f"/v1/subscribers/{ALICE}/lists/block", "operator").json()["entries"][0]["pattern"]
        == "+86170*"
    )
    assert api.get(f"/v1/subscribers/{BOB}/settings", "operator").status_code == 200


def test_network_decides_but_reads_no_subscriber_data(api: Api) -> None:
    assert (
        api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE}).status_code == 200
    )
    for path in (f"/v1/subscribers/{ALICE}/settings", f"/v1/subscribers/{ALICE}/blocked"):
        assert api.get(path, "network").status_code == 403


def test_subscriber_cannot_decide_review_import_or_make_keys(api: Api) -> None:
    checks = [
        api.post("/v1/decide", "alice", json={"caller": SPAM, "callee": ALICE}),
        api.get("/v1/review/appeals", "alice"),
        api.post("/v1/review/appeals/1", "alice", json={"decision": "accept"}),
        api.post("/v1/verdicts", "alice", json={"verdicts": []}),
        api.post("/v1/keys", "alice", json={"role": "operator"}),
        api.get("/v1/audit", "alice"),
        api.post("/v1/calls", "alice", json={"calls": []}),
        api.post(
            "/v1/registry",
            "network",
            json={"pattern": "+8695338", "name": "x", "category": "courier"},
        ),
        api.get("/v1/review/appeals", "network"),
    ]
    assert [r.status_code for r in checks] == [403] * len(checks)


def test_subscriber_reports_only_as_itself_and_appeals_only_its_number(api: Api) -> None:
    api.post("/v1/calls", "network", json={"calls": [{"caller": SPAM, "callee": BOB, "at": 1.8e9}]})
    r = api.post("/v1/reports", "alice", json={"number": SPAM, "reporter": BOB})
    assert r.status_code == 403
    r = api.post("/v1/reports", "alice", json={"number": SPAM, "source": "sip607"})
    assert r.status_code == 403
    r = api.post("/v1/appeals", "alice", json={"number": BOB, "owner": "not mine"})
    assert r.status_code == 403
    r = api.post("/v1/appeals", "bob", json={"number": BOB, "owner": "Bob's shop"})
    assert r.status_code == 201
    assert api.get(f"/v1/appeals/{r.json()['id']}", "alice").status_code == 404
    assert api.get(f"/v1/appeals/{r.json()['id']}", "bob").json()["status"] == "pending"


def test_bad_unknown_and_revoked_keys(api: Api) -> None:
    assert api.get(f"/v1/numbers/{SPAM}").status_code == 401
    r = api.client.get(f"/v1/numbers/{SPAM}", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert (
        api.client.get(f"/v1/numbers/{SPAM}", headers={"X-API-Key": "cw_nope"}).status_code == 401
    )
    assert (
        api.client.get(f"/v1/numbers/{SPAM}", headers={"X-API-Key": api.keys["alice"]}).status_code
        == 200
    )
    made = api.post(
        "/v1/keys", "operator", json={"role": "subscriber", "subscriber": "13700137000"}
    ).json()
    assert made["subscriber"] == "+8613700137000" and made["secret"].startswith("cw_")
    hdr = {"Authorization": f"Bearer {made['secret']}"}
    assert api.client.get("/v1/subscribers/13700137000/settings", headers=hdr).status_code == 200
    assert api.delete(f"/v1/keys/{made['id']}", "operator").status_code == 200
    assert api.client.get("/v1/subscribers/13700137000/settings", headers=hdr).status_code == 401

"""The API on PostgreSQL: decide, report, appeal and review against a real server."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.policy import Verdict
from callwarden.store import Role, Store


@pytest.mark.service
def test_api_flow_on_postgresql(pg_database: str) -> None:
    store = Store.open(pg_database)
    op = {"Authorization": f"Bearer {store.create_key(Role.OPERATOR)[1]}"}
    net = {"Authorization": f"Bearer {store.create_key(Role.NETWORK)[1]}"}
    sub = {"Authorization": f"Bearer {store.create_key(Role.SUBSCRIBER, '+8613800138000')[1]}"}
    store.import_verdicts([Verdict("+8617012345678", "fraud", 0.97, "loans", (), "c1")])
    with TestClient(create_app(ApiSettings(db=pg_database), store)) as c:
        d = c.post(
            "/v1/decide", headers=net, json={"caller": "17012345678", "callee": "13800138000"}
        ).json()
        assert (d["action"], d["sip_code"]) == ("reject", 608)
        c.post(
            "/v1/calls",
            headers=net,
            json={
                "calls": [
                    {"caller": "+8617012345678", "callee": "+8613800138000", "at": time.time()}
                ]
            },
        )
        assert (
            c.post(
                "/v1/reports", headers=sub, json={"number": "+8617012345678", "category": "loans"}
            ).status_code
            == 201
        )
        assert (
            c.post("/v1/reports", headers=sub, json={"number": "+8617012345678"}).status_code == 409
        )
        assert [
            b["sip_code"] for b in c.get("/v1/subscribers/13800138000/blocked", headers=sub).json()
        ] == [608]
        aid = c.post(
            "/v1/appeals", headers=op, json={"number": "+8617012345678", "owner": "x"}
        ).json()["id"]
        assert (
            c.post(f"/v1/review/appeals/{aid}", headers=op, json={"decision": "accept"}).json()[
                "status"
            ]
            == "accepted"
        )
        d = c.post(
            "/v1/decide", headers=net, json={"caller": "17012345678", "callee": "13800138000"}
        ).json()
        assert d["action"] == "allow"
        assert c.get("/healthz").json()["database"] == "postgresql"
    store.close()

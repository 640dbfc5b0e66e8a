"""A key that may not see someone else's object gets exactly the answer for a missing one, so
ids cannot be enumerated. ``GET /v1/appeals/{id}`` answered 403 for another number's appeal
and 404 for a missing id: any subscriber or network key learnt which appeal ids exist."""

from __future__ import annotations

from typing import Any

from .conftest import ALICE, BOB, Api

SPAM = "+8617012345678"


def _same_as_missing(got: Any, missing: Any, real_id: int, missing_id: int) -> None:
    """The same status and the same body, up to the id the message names."""
    assert got.status_code == missing.status_code == 404
    body = got.json()
    assert body["error"]["code"] == "not_found"
    assert body == {
        "error": {
            **missing.json()["error"],
            "message": missing.json()["error"]["message"].replace(str(missing_id), str(real_id)),
        }
    }


def test_another_numbers_appeal_answers_as_a_missing_one(api: Api) -> None:
    aid = api.post("/v1/appeals", "bob", json={"number": BOB, "owner": "Bob's shop"}).json()["id"]
    gone = aid + 1000
    for who in ("alice", "network"):
        _same_as_missing(
            api.get(f"/v1/appeals/{aid}", who), api.get(f"/v1/appeals/{gone}", who), aid, gone
        )
    assert api.get(f"/v1/appeals/{aid}", "bob").json()["number"] == BOB
    assert api.get(f"/v1/appeals/{aid}", "operator").json()["number"] == BOB


def test_another_subscribers_block_log_entry_answers_as_a_missing_one(api: Api) -> None:
    api.post(f"/v1/subscribers/{BOB}/lists/block", "bob", json={"pattern": SPAM})
    d = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": BOB}).json()
    assert d["sip_code"] == 603
    entry = api.get(f"/v1/subscribers/{BOB}/blocked", "bob").json()[0]["id"]
    gone = entry + 1000
    _same_as_missing(
        api.post(f"/v1/subscribers/{ALICE}/blocked/{entry}/rescue", "alice"),
        api.post(f"/v1/subscribers/{ALICE}/blocked/{gone}/rescue", "alice"),
        entry,
        gone,
    )

"""POST /v1/verdicts over a number cleared on appeal (the audit's f3): the appeal's verdict
stays, in the store and in the decide cache, until an operator imports with
``override_appeals=true``."""

from __future__ import annotations

from .conftest import ALICE, Api

N = "+8617012345600"
ROW = {"number": N, "label": "fraud", "score": 0.95, "category": "impersonation"}


def test_a_model_import_does_not_undo_an_accepted_appeal(api: Api) -> None:
    assert api.post("/v1/verdicts", "operator", json={"verdicts": [ROW]}).status_code == 200
    appeal = api.post("/v1/appeals", "operator", json={"number": N, "owner": "shop"}).json()
    r = api.post(f"/v1/review/appeals/{appeal['id']}", "operator", json={"decision": "accept"})
    assert r.json()["status"] == "accepted"
    assert api.post("/v1/verdicts", "operator", json={"verdicts": [ROW]}).status_code == 200
    verdict = api.get(f"/v1/numbers/{N}", "network").json()["verdict"]
    assert (verdict["label"], verdict["source"], verdict["protected"]) == ("benign", "appeal", True)
    assert verdict["tag"] is None
    assert [r["code"] for r in verdict["reasons"]] == ["appeal_accepted"]
    r = api.post("/v1/decide", "network", json={"caller": N, "callee": ALICE})
    assert r.json()["action"] == "allow"
    assert api.get(f"/v1/redress/{N}", "operator").json()["labelled"] is False

    r = api.post(
        "/v1/verdicts", "operator", json={"verdicts": [ROW]}, params={"override_appeals": "true"}
    )
    assert r.status_code == 200
    verdict = api.get(f"/v1/numbers/{N}", "network").json()["verdict"]
    assert (verdict["label"], verdict["source"], verdict["protected"]) == ("fraud", "model", False)

"""POST /v1/decide takes the network-asserted identity (P-Asserted-Identity): another number
than the displayed caller says someone else shows it, labelled as spoofed where the number's
own verdict would let it ring, as the stream engine labels it. Before, the API had no such
field, so the SIP path could only log a differing P-Asserted-Identity (docs/sip.md)."""

from __future__ import annotations

from .conftest import ALICE, Api

SHOWN = "+8613512345678"
OTHER = "+8617099990000"
FRAUD = "+8617000000002"


def _decide(api: Api, caller: str, asserted: str | None) -> dict:  # type: ignore[type-arg]
    body = {"caller": caller, "callee": ALICE}
    if asserted is not None:
        body["asserted"] = asserted
    r = api.post("/v1/decide", "network", json=body)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_another_asserted_identity_labels_an_unknown_number(api: Api) -> None:
    assert _decide(api, SHOWN, None)["action"] == "allow"
    d = _decide(api, SHOWN, "017099990000")  # national spelling of OTHER
    assert d["action"] == "label" and d["sip_code"] is None
    (reason,) = [r for r in d["reasons"] if r["code"] == "spoof_asserted_mismatch"]
    assert reason["evidence"] == {"asserted": OTHER}
    assert d["tag"] == {"zh": "疑似冒用号码", "en": "Suspected spoofed number"}
    # the same number asserted (in another spelling) is no mismatch
    assert _decide(api, SHOWN, "13512345678")["action"] == "allow"


def test_a_flagging_verdict_stands_and_an_appeal_does_not_cover_someone_else(api: Api) -> None:
    api.post(
        "/v1/verdicts",
        "operator",
        json={"verdicts": [{"number": FRAUD, "label": "fraud", "score": 0.99}]},
    )
    d = _decide(api, FRAUD, OTHER)
    assert (d["action"], d["sip_code"]) == ("reject", 608)  # not lowered to a label
    appeal = api.post("/v1/appeals", "operator", json={"number": FRAUD, "owner": "shop"}).json()
    api.post(f"/v1/review/appeals/{appeal['id']}", "operator", json={"decision": "accept"})
    assert _decide(api, FRAUD, None)["action"] == "allow"  # the owner, cleared on appeal
    assert _decide(api, FRAUD, OTHER)["action"] == "label"  # someone else showing it


def test_lists_come_first_and_a_bad_asserted_number_is_a_422(api: Api) -> None:
    api.post(f"/v1/subscribers/{ALICE}/lists/allow", "alice", json={"pattern": SHOWN})
    assert _decide(api, SHOWN, OTHER)["action"] == "allow"
    r = api.post("/v1/decide", "network", json={"caller": SHOWN, "callee": ALICE, "asserted": "x"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"

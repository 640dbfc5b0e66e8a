"""A subscriber blocks a whole country by its calling code (拦截境外来电): ``+44*`` on the block
list declines UK numbers and no other; an allow-list entry or a business registration of a
country code alone is a 422 naming the rule. Before, every list refused ``+44*``."""

from __future__ import annotations

from .conftest import ALICE, Api

UK, US, CANADA, CHINA = "+447911123456", "+12024561111", "+14162161234", "+8617012345678"


def _decide(api: Api, caller: str) -> dict:  # type: ignore[type-arg]
    r = api.post("/v1/decide", "network", json={"caller": caller, "callee": ALICE})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_country_on_the_block_list_declines_that_country_only(api: Api) -> None:
    r = api.post(f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": "0044*"})
    assert r.status_code == 201, r.text
    assert [e["pattern"] for e in r.json()["entries"]] == ["+44*"]
    assert r.json()["warnings"] == []
    d = _decide(api, UK)
    assert (d["action"], d["sip_code"], d["reasons"][0]["code"]) == (
        "reject",
        603,
        "personal_block",
    )
    assert _decide(api, CHINA)["action"] == "allow"
    assert _decide(api, US)["action"] == "allow"

    assert api.post(
        f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": "+1*"}
    ).is_success
    assert _decide(api, US)["sip_code"] == _decide(api, CANADA)["sip_code"] == 603
    # removed as it is written
    r = api.delete(f"/v1/subscribers/{ALICE}/lists/block/%2B44*", "alice")
    assert r.status_code == 200 and [e["pattern"] for e in r.json()["entries"]] == ["+1*"]
    assert _decide(api, UK)["action"] == "allow"


def test_blocking_the_own_country_is_allowed_with_a_warning(api: Api) -> None:
    r = api.post(f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": "+86*"})
    assert r.status_code == 201, r.text
    (w,) = r.json()["warnings"]
    assert w["code"] == "blocks_own_country" and w["evidence"]["country_code"] == "86"
    assert "allow list" in w["text"]["en"] and w["text"]["zh"]
    assert _decide(api, CHINA)["sip_code"] == 603


def test_an_allow_list_or_a_registration_refuses_a_country(api: Api) -> None:
    r = api.post(f"/v1/subscribers/{ALICE}/lists/allow", "alice", json={"pattern": "+44*"})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error"
    assert "not an allow-list prefix" in err["message"] and "4 to 15 digits" in err["message"]
    assert "only by a block list" in err["message"]
    r = api.post(
        "/v1/registry",
        "operator",
        json={"pattern": "+44*", "name": "UK couriers", "category": "courier"},
    )
    assert r.status_code == 422
    assert "not a registered business's prefix" in r.json()["error"]["message"]
    # a block list names its own rule
    r = api.post(f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": "+44 2*"})
    assert r.status_code == 422 and "a country calling code" in r.json()["error"]["message"]
    # four digits and more: as before, for every use
    assert api.post(
        f"/v1/subscribers/{ALICE}/lists/allow", "alice", json={"pattern": "+4420*"}
    ).is_success
    r = api.post(
        "/v1/registry", "operator", json={"pattern": "+4420*", "name": "x", "category": "courier"}
    )
    assert r.status_code == 201

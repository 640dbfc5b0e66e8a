"""The security audit of 30 Nov: the public redress page was an oracle of which numbers are
labelled; decide's fast path answered a too-deep body 422 where every route answers 400;
control characters in a category reached decide's tag; a subscriber saw the server path of
an import; a network key filed app reports as any subscriber; campaign ids with '/' were
imported but unfetchable; personal data was sent without no-store and nosniff."""

from __future__ import annotations

from typing import Any

import pytest

from callwarden.api.state import AppState
from callwarden.policy import Verdict, tag

from .conftest import ALICE, BOB, Api

SPAM = "+8617012345678"
CLEAN = "+8617012345679"


def _state(api: Api) -> AppState:
    state: AppState = api.client.app.state.cw  # type: ignore[attr-defined]
    return state


def _error(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err: dict[str, Any] = r.json()["error"]
    assert err["code"] == code
    return err


def _import(api: Api, **row: Any) -> Any:
    return api.post("/v1/verdicts", "operator", json={"verdicts": [row]})


# 2. The redress page ------------------------------------------------------------------------
def test_the_public_redress_page_says_the_same_for_labelled_and_unlabelled_numbers(
    api: Api,
) -> None:
    assert _import(api, number=SPAM, label="fraud", score=0.99).status_code == 200
    spam, clean = (api.get(f"/v1/redress/{n}").json() for n in (SPAM, CLEAN))
    assert "labelled" not in spam and "labelled" not in clean
    for page in (spam, clean):  # the number itself (and the jCard's URL naming it) aside
        page.pop("number")
        page["jcard"] = [p for p in page["jcard"][1] if p[0] != "url"]
    assert spam == clean
    for who in ("network", "bob"):  # keys that cannot appeal the number: the public answer
        assert "labelled" not in api.get(f"/v1/redress/{SPAM}", who).json()


def test_the_redress_page_tells_the_standing_to_who_may_appeal_it(api: Api) -> None:
    assert _import(api, number=ALICE, label="harassment", score=0.99).status_code == 200
    assert api.get(f"/v1/redress/{ALICE}", "alice").json()["labelled"] is True
    assert api.get(f"/v1/redress/{ALICE}", "operator").json()["labelled"] is True
    assert api.get(f"/v1/redress/{CLEAN}", "operator").json()["labelled"] is False
    r = api.client.get(f"/v1/redress/{ALICE}", headers={"Authorization": "Bearer nope"})
    _error(r, 401, "unauthorized")


# 4a. Too deep for the JSON reader: 400 on decide's fast path as on every route --------------
@pytest.mark.parametrize("body", ["[" * 2000 + "]" * 2000, '{"caller":' + "[" * 300 + "]" * 300])
def test_decide_answers_a_body_too_deep_to_read_400(api: Api, body: str) -> None:
    r = api.client.post(
        "/v1/decide",
        headers={**api.h("network"), "content-type": "application/json"},
        content=body,
    )
    _error(r, 400, "bad_request")
    json_type = {"content-type": "application/json"}
    r = api.client.post(
        "/v1/reports", headers={**api.h("alice"), **json_type}, content="[" * 5000 + "]" * 5000
    )
    _error(r, 400, "bad_request")  # as a FastAPI route answers it
    r = api.client.post("/v1/decide", headers=api.h("network"), content="{bad")
    _error(r, 422, "validation_error")  # a body that is merely not JSON: as before


# 4b. Control characters in a category --------------------------------------------------------
@pytest.mark.parametrize(
    "category", ["loans\r\nX-Evil: 1", "a\nb", "a\tb", "x\x7fy", "x\u0085y", "\u202eevil"]
)
def test_a_verdict_category_with_a_control_or_format_character_is_refused(
    api: Api, category: str
) -> None:
    err = _error(_import(api, number=SPAM, label="fraud", score=0.99, category=category), 422,
                 "validation_error")  # fmt: skip
    assert err["details"][0]["loc"] == ["body", "verdicts", 0, "category"]
    assert api.get(f"/v1/numbers/{SPAM}", "operator").json()["verdict"] is None


def test_tag_never_holds_a_control_character() -> None:
    for label in ("harassment", "fraud", ""):
        for category in ("loans\r\nX-Evil: 1", "a\u2028b", "\u202eabc", "x\x00", "\u3000"):
            for text in tag(label, category):
                assert text.isprintable(), (label, category, text)
    assert tag("harassment", "dog_walking") == ("疑似dog_walking", "Suspected dog walking")


def test_decide_tags_a_stored_category_with_control_characters_by_its_label(api: Api) -> None:
    """A verdict that reached the store by another path (a verdicts.csv read by serve)."""
    _state(api).set_verdict(Verdict(SPAM, "harassment", 0.99, "x\r\nX-Evil: 1"))
    d = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE}).json()
    assert d["tag"] == {"zh": "疑似骚扰电话", "en": "Suspected harassment call"}


# 4c. An import's file is the operator's business -----------------------------------------
def test_only_an_operator_sees_the_file_a_verdict_was_imported_from(api: Api) -> None:
    body = {
        "verdicts": [{"number": SPAM, "label": "fraud", "score": 0.97}],
        "source_file": "/srv/callwarden/scans/2026-11-02/verdicts.csv",
        "model_version": "m1",
    }
    assert api.post("/v1/verdicts", "operator", json=body).status_code == 200
    seen = {
        who: api.get(f"/v1/numbers/{SPAM}", who).json()["verdict"]["provenance"]
        for who in ("operator", "network", "alice")
    }
    assert seen["operator"]["source_file"] == body["source_file"]
    for who in ("network", "alice"):
        assert seen[who]["source_file"] is None and seen[who]["model_version"] == "m1"


# 4d. A network key relays SIP 607 only ---------------------------------------------------------
def test_a_network_key_files_sip607_reports_only(api: Api) -> None:
    for callee in (ALICE, BOB):  # calls received, so each report is eligible
        api.post("/v1/decide", "network", json={"caller": SPAM, "callee": callee})
    r = api.post(
        "/v1/reports", "network", json={"number": SPAM, "reporter": ALICE, "source": "app"}
    )
    err = _error(r, 403, "forbidden")
    assert "sip607" in err["message"]
    assert api.get(f"/v1/subscribers/{ALICE}/reports", "alice").json() == []
    r = api.post("/v1/reports", "network", json={"number": SPAM, "reporter": ALICE})
    assert r.status_code == 201, r.text  # no source from a network key: a 607 it relays
    r = api.post(
        "/v1/reports", "network", json={"number": SPAM, "reporter": BOB, "source": "sip607"}
    )
    assert r.status_code == 201, r.text
    sources = [x["source"] for x in api.get(f"/v1/subscribers/{ALICE}/reports", "alice").json()]
    assert sources == ["sip607"]
    r = api.post("/v1/reports", "operator", json={"number": SPAM, "reporter": "+8613700137000"})
    assert r.status_code != 403  # an operator may file either (here: not eligible, 422)


# 4e. No cache keeps personal data; nothing is sniffed -----------------------------------------
def _private(r: Any) -> None:
    assert r.headers.get("cache-control") == "no-store", (r.status_code, dict(r.headers))
    assert r.headers.get("x-content-type-options") == "nosniff"


def test_answers_carry_no_store_and_nosniff(api: Api) -> None:
    _private(api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE}))  # fast path
    _private(api.post("/v1/decide", "network", json={"caller": SPAM}))  # its 422
    _private(api.get(f"/v1/subscribers/{ALICE}/blocked", "alice"))
    _private(api.get(f"/v1/numbers/{SPAM}", "alice"))
    _private(api.get(f"/v1/case-files/numbers/{SPAM}", "operator"))
    _private(api.get(f"/v1/redress/{SPAM}"))
    _private(api.get("/v1/keys"))  # a 401 from FastAPI
    big = {"verdicts": [], "source_file": "x" * 70_000}
    _private(api.post("/v1/reports", "alice", json=big))  # a 413 from the body limit
    docs = api.get("/docs")
    assert docs.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in docs.headers


# 4g. Campaign ids are path segments ------------------------------------------------------------
@pytest.mark.parametrize("campaign", ["a/b", "/", ".", "..", "c\r\n1"])
def test_a_campaign_id_that_cannot_be_fetched_is_refused(api: Api, campaign: str) -> None:
    err = _error(_import(api, number=SPAM, label="fraud", score=0.9, campaign=campaign), 422,
                 "validation_error")  # fmt: skip
    assert err["details"][0]["loc"] == ["body", "verdicts", 0, "campaign"]


def test_a_campaign_id_that_can_be_fetched_is_kept(api: Api) -> None:
    assert (
        _import(api, number=SPAM, label="fraud", score=0.9, campaign="C4ce1c1c2").status_code == 200
    )
    assert api.get("/v1/campaigns/C4ce1c1c2", "network").json()["numbers"] == 1

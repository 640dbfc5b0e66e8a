"""POST /v1/screenings when the answer is not 200/201 (read-through 27, item 3): a 409 carries
the outcome the screener can act on (the stored call's for `conflict`, this transcript's, not
stored, for `no_screen_decision`) in the one error shape's `details`, and the metrics count
every error answer by status and code."""

from __future__ import annotations

from .conftest import ALICE, Api
from .test_screenings import BOT, call, sent


def test_a_call_decide_did_not_screen_still_gets_its_outcome(api: Api) -> None:
    r = api.post("/v1/screenings", "screener", json=call(BOT))
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "no_screen_decision"
    (got,) = err["details"]
    assert got["stored"] is False
    assert (got["verdict"], got["action"], got["sip_code"], got["category"]) == (
        "bot", "reject", 608, "medical",
    )  # fmt: skip
    assert got["call_id"] == call(BOT)["call_id"]


def test_a_conflict_carries_the_stored_outcome(api: Api) -> None:
    first = sent(api, call(BOT, callee=ALICE)).json()
    other = call(BOT, callee=ALICE)
    other["turns"][0]["text"] = "喂？您好，请问是哪位？"
    r = api.post("/v1/screenings", "screener", json=other)
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "conflict"
    (got,) = err["details"]
    assert got.pop("stored") is True
    assert got == first


def test_the_metrics_count_error_answers_by_code(api: Api) -> None:
    api.post("/v1/screenings", "screener", json=call(BOT))
    api.post("/v1/screenings", "screener", json=call(BOT, call_id="x"))
    same = call(BOT, callee=call(BOT)["caller"])
    assert api.post("/v1/screenings", "screener", json=same).status_code == 422
    text = api.get("/metrics").text
    said = 'callwarden_screening_errors_total{status="409",code="no_screen_decision"} 2'
    assert said in text
    assert 'callwarden_screening_errors_total{status="422",code="validation_error"} 1' in text

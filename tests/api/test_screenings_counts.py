"""One definition of a bot call and a bot callee (read-through 27, item 4): a legitimate
service's bot (a courier's delivery IVR, connected with its tag) is `service`, never `bot`
nor a bot callee, in GET /v1/numbers, in a case file and in `callwarden labels` alike."""

from __future__ import annotations

from callwarden.store.training_labels import read_feedback

from .conftest import Api
from .test_screenings import BOT, call, ivr_call, sent


def test_a_service_bot_is_no_bot_callee_anywhere(api: Api) -> None:
    caller = ivr_call()["caller"]
    for i, callee in enumerate(("+8613700000001", "+8613700000002")):
        assert sent(api, ivr_call(call_id=f"ivr{i}", callee=callee)).status_code == 201
    sent(api, call(BOT, call_id="bot", caller=caller, callee="+8613700000003"))
    seen = api.get(f"/v1/numbers/{caller}", "operator").json()["screenings"]
    assert seen == {"bot": 1, "service": 2, "human": 0, "unsure": 0, "bot_callees": 1}
    case = api.get(f"/v1/case-files/numbers/{caller}", "operator").json()["screenings"]
    assert case["by_verdict"] == {"bot": 1, "service": 2, "human": 0, "unsure": 0}
    assert case["bot_callees"] == 1
    s = read_feedback(api.store.engine, None, None).screenings[caller]
    assert (s.bot, s.service, s.bot_callees) == (1, 2, 1)


def test_the_schema_says_who_gets_a_608(api: Api) -> None:
    """Read-through 27 item 8: sip_code's description said 608 for a rejected bot only; a
    person in a category the callee refuses is rejected 608 too."""
    schema = api.get("/openapi.json").json()["components"]["schemas"]["ScreeningOut"]
    said = schema["properties"]["sip_code"]["description"]
    assert "a person" in said and "refuses" in said

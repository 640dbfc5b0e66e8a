"""POST /v1/screenings: the screener's transcript comes back, is judged as `callwarden screen`
judges it, stored before the answer (idempotent on call_id), and tells the screener what to
do; a rejected bot writes the callee's block-log row; the number's view counts its screened
calls; the metrics count them by verdict."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from callwarden.api import ApiSettings, create_app
from callwarden.cli.main import app as cli
from callwarden.sim.screening import simulate_screening

from .conftest import ALICE, Api


@cache
def _calls() -> tuple[dict[str, Any], ...]:
    """Simulated screened calls (seed 3): 0 and 1 are bots (medical, police impersonation),
    2 a person (courier), 25 a person the bot test is unsure of."""
    return tuple(simulate_screening(40, seed=3))


def call(i: int, **over: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(_calls()[i])), **over}


BOT, FRAUD_BOT, HUMAN, UNSURE = 0, 1, 2, 25

#: a courier's delivery IVR: simulated bot call 0 with every caller turn this recording
IVR = "您好，这里是顺丰速运，您有一个快递包裹今天下午派送，请留意查收，如需改约请按1。"


def screen_row(api: Api, c: dict[str, Any], before_s: float = 5.0) -> None:
    """The `screen` row decide writes in the callee's block log when it sends the call to the
    screener: ``before_s`` before the call's start (its start_time, else now)."""
    start = c.get("start_time")
    at = pd.Timestamp(start).timestamp() if start else api.store.clock()
    row = {"subscriber": c["callee"], "caller": c["caller"], "at": at - before_s}
    api.store.log_blocks([{**row, "action": "screen", "category": "", "reasons": "[]"}])


def sent(api: Api, c: dict[str, Any], who: str = "screener") -> Any:
    """A call decide sent to the screener, sent back."""
    screen_row(api, c)
    return api.post("/v1/screenings", who, json=c)


def ivr_call(**over: Any) -> dict[str, Any]:
    c = call(BOT, **over)
    for t in c["turns"]:
        if t["speaker"] == "caller":
            t["text"] = IVR
    return c


def test_bot_human_unsure_round_trip(api: Api) -> None:
    bot = sent(api, call(BOT))
    assert bot.status_code == 201, bot.text
    b = bot.json()
    assert (b["verdict"], b["action"], b["sip_code"], b["category"]) == (
        "bot", "reject", 608, "medical",
    )  # fmt: skip
    assert b["action_reason"]["code"] == "screened_bot"
    assert b["redress_uri"] == "https://op.example/v1/redress/" + call(BOT)["caller"]
    assert b["tag"] == {"zh": "疑似医疗推销", "en": "Suspected medical telemarketing"}
    assert all(set(r) == {"code", "evidence", "text"} for r in b["reasons"])
    assert {"challenge_ignored"} <= {r["code"] for r in b["reasons"]}
    fraud = sent(api, call(FRAUD_BOT), "operator").json()
    assert (fraud["verdict"], fraud["category"]) == ("bot", "impersonation_police")
    assert fraud["tag"]["zh"].startswith("疑似诈骗")
    human = sent(api, call(HUMAN)).json()
    assert (human["verdict"], human["action"], human["sip_code"], human["tag"]) == (
        "human", "allow", None, None,
    )  # fmt: skip
    unsure = sent(api, call(UNSURE)).json()
    assert (unsure["verdict"], unsure["action"]) == ("unsure", "label")
    assert unsure["tag"] is not None
    with api.store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT call_id, verdict, turns FROM screenings")).all()
    assert sorted((r.call_id, r.verdict) for r in rows) == sorted(
        (call(i)["call_id"], v)
        for i, v in ((BOT, "bot"), (FRAUD_BOT, "bot"), (HUMAN, "human"), (UNSURE, "unsure"))
    )
    kept = json.loads(next(r.turns for r in rows if r.call_id == call(BOT)["call_id"]))
    assert [t["text"] for t in kept] == [t["text"] for t in call(BOT)["turns"]]


def test_the_callees_own_words_are_not_kept(api: Api) -> None:
    """Audit 27 M9: a callee who picked up during screening said something: the bot test
    never reads it, the row does not keep it; the sha256 still covers it (a changed callee
    turn is another transcript)."""
    c = call(BOT, callee=ALICE)
    c["turns"].insert(
        1, {"speaker": "callee", "text": "我在开会，晚点再说", "start_s": 6.0, "end_s": 6.4}
    )
    r = sent(api, c)
    assert r.status_code == 201, r.text
    with api.store.engine.connect() as conn:
        kept = json.loads(conn.execute(sa.text("SELECT turns FROM screenings")).scalar_one())
    assert [t["speaker"] for t in kept] == [t["speaker"] for t in call(BOT)["turns"]]
    assert "我在开会" not in json.dumps(kept, ensure_ascii=False)
    c["turns"][1]["text"] = "喂？"
    assert api.post("/v1/screenings", "screener", json=c).status_code == 409


def test_the_api_judges_as_the_cli_screen_does(api: Api, tmp_path: Path) -> None:
    """The same transcripts through `screen --no-batch-scripts` and through the API, one call
    a request: the same verdict, score, reasons and category for every call."""
    calls = [call(i) for i in range(12)] + [call(UNSURE)]  # (the simulator's own numbers)
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in calls), "utf-8")
    out = tmp_path / "v.csv"
    res = CliRunner().invoke(
        cli, ["screen", "--transcripts", str(path), "--out", str(out), "--no-batch-scripts"]
    )
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out, dtype={"call_id": str})
    for c, row in zip(calls, df.itertuples(), strict=True):
        r = sent(api, c)
        assert r.status_code == 201, r.text
        got = r.json()
        assert got["call_id"] == row.call_id
        assert (got["verdict"], got["bot_score"]) == (row.verdict, row.bot_score)
        assert (got["category"] or "unknown") == row.category
        assert got["challenges"] == row.challenges
        cli_reasons = json.loads(row.reasons)
        assert [{"code": r["code"], **r["evidence"]} for r in got["reasons"]] == cli_reasons
    assert set(df["verdict"]) == {"bot", "human", "unsure"}


def test_one_call_alone_is_judged_as_screen_judges_a_file_of_it(api: Api, tmp_path: Path) -> None:
    """`screen` with its defaults on a file holding only the call: the API's answer (a call
    alone has no other call to share a script with)."""
    for i in (BOT, HUMAN, UNSURE):
        c = call(i)
        path, out = tmp_path / f"{i}.jsonl", tmp_path / f"{i}.csv"
        path.write_text(json.dumps(c, ensure_ascii=False) + "\n", "utf-8")
        res = CliRunner().invoke(cli, ["screen", "--transcripts", str(path), "--out", str(out)])
        assert res.exit_code == 0, res.output
        (row,) = pd.read_csv(out, dtype={"call_id": str}).itertuples()
        got = sent(api, c).json()
        assert (got["verdict"], got["bot_score"]) == (row.verdict, row.bot_score)
        assert [{"code": r["code"], **r["evidence"]} for r in got["reasons"]] == json.loads(
            row.reasons
        )


def test_the_same_call_again_is_its_stored_outcome_and_another_body_a_409(api: Api) -> None:
    first = sent(api, call(BOT))
    again = api.post("/v1/screenings", "screener", json=call(BOT, label="whatever"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    # the same call with its numbers written nationally is the same call
    national = call(BOT, caller=call(BOT)["caller"][3:], callee=call(BOT)["callee"][3:])
    assert api.post("/v1/screenings", "screener", json=national).status_code == 200
    changed = call(BOT)
    changed["turns"][0]["text"] += "。"
    err = api.post("/v1/screenings", "screener", json=changed)
    assert err.status_code == 409
    assert err.json()["error"]["code"] == "conflict"
    with api.store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM screenings")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM block_log")).scalar_one() == 1
    metrics = api.get("/metrics").text
    assert 'callwarden_screenings_total{verdict="bot",action="reject"} 1' in metrics


def _error(r: Any, status: int = 422) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message", "details"}
    return dict(body["error"])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"turns": "hello"}, "turns"),
        ({"turns": [{"speaker": "robot", "text": "hi"}]}, "speaker must be caller"),
        ({"turns": [{"speaker": "caller", "text": 5}]}, "text must be a string"),
        ({"turns": [{"speaker": "caller", "text": "a", "start_s": "x"}]}, "start_s/end_s"),
        ({"turns": [{"speaker": "caller", "text": "a\x00b"}]}, "NUL"),
        ({"start_time": "yesterday"}, "start_time"),
        ({"start_time": "2099-01-01T00:00:00"}, "start_time"),
        ({"caller": "not-a-number"}, "not-a-number"),
        ({"call_id": ""}, "call_id"),
        # audit 27 L11: what screen's reader takes but no screened call holds
        ({"turns": []}, "turns hold no words"),
        ({"turns": [{"speaker": "caller", "text": " "}, {"speaker": "assistant"}]}, "no words"),
        ({"turns": [{"speaker": "caller", "text": "a", "start_s": -1}]}, "turn 0: start_s -1"),
        ({"turns": [{"speaker": "caller", "text": "a", "end_s": 1e300}]}, "turn 0: end_s 1e+300"),
        (
            {
                "turns": [
                    {"speaker": "caller", "text": "a"},
                    {"speaker": "caller", "text": "b", "start_s": 5, "end_s": 2},
                ]
            },
            "turn 1: end_s 2 is before start_s 5",
        ),
        ({"start_time": True}, "not true"),
        ({"start_time": 1796167214985}, "epoch milliseconds"),
        ({"start_time": -1e300}, "epoch milliseconds"),
    ],
)
def test_a_malformed_body_is_the_one_error_shape(
    api: Api, change: dict[str, Any], words: str
) -> None:
    err = _error(api.post("/v1/screenings", "screener", json=call(HUMAN, **change)))
    assert err["code"] == "validation_error"
    assert words in err["message"], err["message"]
    with api.store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM screenings")).scalar_one() == 0


def test_keys(api: Api) -> None:
    assert _error(api.post("/v1/screenings", json=call(BOT)), 401)["code"] == "unauthorized"
    assert _error(api.post("/v1/screenings", "alice", json=call(BOT)), 403)["code"] == "forbidden"


def test_one_block_log_entry_per_screened_call_with_its_outcome(api: Api) -> None:
    """Audit 27 M7: decide's `screen` entry carries the screener's outcome (no second
    `reject` row for a bot); a person's call shows it rang."""
    c = call(BOT, callee=ALICE)
    sent(api, c)
    sent(api, call(HUMAN, callee=ALICE))
    log = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").json()
    assert [(e["caller"], e["action"], e["sip_code"]) for e in log] == [
        (call(HUMAN)["caller"], "screen", None), (c["caller"], "screen", None),
    ]  # fmt: skip
    person, bot = (e["screening"] for e in log)
    assert bot == {
        "verdict": "bot", "action": "reject", "sip_code": 608, "category": "medical",
        "tag": {"zh": "疑似医疗推销", "en": "Suspected medical telemarketing"},
        "text": {"zh": "已筛查：机器人，已拦截", "en": "screened: bot, rejected"},
    }  # fmt: skip
    assert (person["verdict"], person["action"], person["tag"]) == ("human", "allow", None)
    assert person["text"] == {"zh": "已筛查：真人，已接通", "en": "screened: person, connected"}
    with api.store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM block_log")).scalar_one() == 2


def test_a_call_decide_did_not_screen_is_refused(api: Api) -> None:
    """Audit 27 H2: a transcript with no `screen` decision behind it (made-up callees, a
    reject, a screen too long before the call, one already answered) stores nothing: 409
    no_screen_decision. Caller == callee: 422."""
    made_up = _error(api.post("/v1/screenings", "screener", json=call(BOT)), 409)
    assert made_up["code"] == "no_screen_decision"
    assert "POST /v1/decide" in made_up["message"]
    c = call(BOT, callee=ALICE)
    at = pd.Timestamp(c["start_time"]).timestamp()
    row = {
        "subscriber": ALICE,
        "caller": c["caller"],
        "category": "",
        "reasons": "[]",
        "sip_code": None,
    }
    api.store.log_blocks(
        [
            {**row, "at": at - 5, "action": "reject", "sip_code": 608},  # rejected: no screen
            {**row, "at": at - 601, "action": "screen"},  # screened 10 min 1 s before it
            {**row, "at": at + 3601, "action": "screen"},  # an hour and a second after
        ]
    )
    assert _error(api.post("/v1/screenings", "screener", json=c), 409)["code"] == (
        "no_screen_decision"
    )
    screen_row(api, c, before_s=600.0)  # ten minutes before: answered
    assert api.post("/v1/screenings", "screener", json=c).status_code == 201
    other = call(BOT, callee=ALICE, call_id="another")  # its screen row is taken
    assert _error(api.post("/v1/screenings", "screener", json=other), 409)["code"] == (
        "no_screen_decision"
    )
    with api.store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM screenings")).scalar_one() == 1
    same = _error(
        api.post("/v1/screenings", "screener", json=call(BOT, callee=call(BOT)["caller"]))
    )
    assert "caller and callee are the same number" in same["message"]


def test_the_numbers_view_counts_its_screened_calls(api: Api) -> None:
    spam = call(BOT)["caller"]
    for i, callee in enumerate(("+8613700000001", "+8613700000002", "+8613700000002")):
        sent(api, call(BOT, call_id=f"b{i}", callee=callee))
    sent(api, call(HUMAN, call_id="h1", caller=spam))
    got = api.get(f"/v1/numbers/{spam}", "operator").json()["screenings"]
    assert got == {"bot": 3, "service": 0, "human": 1, "unsure": 0, "bot_callees": 2}
    # audit 27 L12: another key sees the bot counts only (people heard: a call volume)
    for key in ("alice", "network"):
        seen = api.get(f"/v1/numbers/{spam}", key).json()["screenings"]
        assert seen == {"bot": 3, "service": 0, "human": None, "unsure": None, "bot_callees": 2}
    other = api.get("/v1/numbers/+8617000000999", "operator").json()["screenings"]
    assert other == {"bot": 0, "service": 0, "human": 0, "unsure": 0, "bot_callees": 0}


def test_decides_screen_entry_shows_the_screeners_reject(api: Api) -> None:
    """decide sends a strict subscriber's uncertain caller to the screener (a `screen` row,
    written behind); the bot's outcome is on that entry, rescuable once, counted once."""
    spam = "+8617012345678"
    assert api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json={"protection": "strict"})
    api.post(
        "/v1/verdicts",
        "operator",
        json={"verdicts": [{"number": spam, "label": "harassment", "score": 0.6}]},
    )
    d = api.post("/v1/decide", "network", json={"caller": spam, "callee": ALICE}).json()
    assert d["action"] == "screen"
    body = call(BOT, caller=spam, callee=ALICE)
    del body["start_time"]  # (decide's row is at now: the call arrives at now)
    r = api.post("/v1/screenings", "screener", json=body)
    assert (r.status_code, r.json()["action"]) == (201, "reject")
    log = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").json()
    assert [(e["action"], e["sip_code"], e["screening"]["action"]) for e in log] == [
        ("screen", None, "reject")
    ]
    case = api.get(f"/v1/case-files/numbers/{spam}", "operator").json()
    assert case["block_log"]["decisions"] == 1
    metrics = api.get("/metrics").text
    assert 'callwarden_decisions_total{action="screen"} 1' in metrics
    assert 'callwarden_screenings_total{verdict="bot",action="reject"} 1' in metrics


def test_the_case_file_counts_the_screened_calls(api: Api) -> None:
    spam = call(BOT)["caller"]
    sent(api, call(BOT, callee="+8613700000001"))
    sent(api, call(HUMAN, caller=spam))
    case = api.get(f"/v1/case-files/numbers/{spam}", "operator").json()
    assert case["screenings"] == {
        "calls": 2,
        "by_verdict": {"bot": 1, "service": 0, "human": 1, "unsure": 0},
        "bot_callees": 1,
    }
    page = api.get(f"/v1/case-files/numbers/{spam}?format=html", "operator").text
    assert "Screened calls" in page and "来电助手筛查" in page


def test_a_couriers_delivery_ivr_rings_with_its_tag(api: Api) -> None:
    """A bot speaking a legitimate service's words (courier) is connected with its service's
    tag: no 608, no block-log row."""
    r = sent(api, ivr_call(callee=ALICE))
    assert r.status_code == 201, r.text
    b = r.json()
    assert (b["verdict"], b["category"], b["action"], b["sip_code"], b["redress_uri"]) == (
        "bot", "courier", "label", None, "",
    )  # fmt: skip
    assert b["action_reason"]["code"] == "screened_service_bot"
    assert b["tag"] == {"zh": "快递物流（自动语音）", "en": "Courier (automated call)"}
    (entry,) = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").json()
    assert (
        entry["screening"]["text"]["en"] == "screened: automated service call, connected with a tag"
    )


def test_the_callees_refused_categories_hold_after_screening(api: Api) -> None:
    """Audit 27 M6: Alice refuses real estate; a person pitching a flat (simulated call 35, a
    telemarketer judged human) is rejected with refused_category, as decide would."""
    settings = {"protection": "strict", "refused_categories": ["real_estate", "medical"]}
    assert api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json=settings).status_code == 200
    r = sent(api, call(35, callee=ALICE))
    b = r.json()
    assert (b["verdict"], b["category"], b["action"], b["sip_code"]) == (
        "human", "real_estate", "reject", 608,
    )  # fmt: skip
    assert [x["code"] for x in [b["action_reason"]]] == ["refused_category"]
    # Alice stops refusing real estate: the stored call's repeat keeps the action it was given
    settings["refused_categories"] = ["medical"]
    assert api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json=settings).status_code == 200
    assert api.post("/v1/screenings", "screener", json=call(35, callee=ALICE)).json() == b
    (entry,) = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").json()
    assert entry["screening"]["text"]["en"] == "screened: person, rejected"
    # a person talking of what Alice does not refuse rings
    assert sent(api, call(HUMAN, callee=ALICE)).json()["action"] == "allow"


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "America/New_York"])
def test_a_start_time_without_an_offset_is_read_in_serves_zone(api: Api, tz: str) -> None:
    """Audit 27 M8: a screener writing local time without an offset ('2026-12-02T07:20:11' in
    Beijing) was read as UTC: 8 hours ahead, a 422. Read in serve --tz, as CDR CSV times
    and roaming.csv are; an offset or Z is an instant as before."""
    app = create_app(ApiSettings(db="unused", tz=tz), api.store)
    started = datetime.now(ZoneInfo(tz)).replace(microsecond=0) - timedelta(minutes=3)
    local = started.replace(tzinfo=None).isoformat()
    c = call(BOT, callee=ALICE, start_time=local)
    screen_row(api, {**c, "start_time": started.isoformat()})
    with TestClient(app) as client:
        r = client.post("/v1/screenings", headers=api.h("screener"), json=c)
        assert r.status_code == 201, r.text
        assert r.json()["at"] == started.timestamp()
        utc = call(
            BOT,
            callee=ALICE,
            call_id="z",
            start_time=started.astimezone(ZoneInfo("UTC")).isoformat(),
        )
        screen_row(api, utc)
        assert client.post("/v1/screenings", headers=api.h("screener"), json=utc).json()["at"] == (
            started.timestamp()
        )


def test_api_mds_example_body_gives_the_answer_shown(api: Api) -> None:
    """Audit 27 L13: docs/api.md's example body is whole, so its answer (the sha256 shown,
    the verdict, score and action) is the one the route gives."""
    doc = (Path(__file__).parents[2] / "docs" / "api.md").read_text("utf-8")
    section = doc[doc.index("## Screenings") :]
    body = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    shown = section.split("```json\n", 2)[2].split("```", 1)[0]
    got = sent(api, body).json()
    assert f'"transcript_sha256": "{got["transcript_sha256"]}"' in shown
    assert f'"verdict": "{got["verdict"]}", "bot_score": {got["bot_score"]}' in shown
    assert f'"action": "{got["action"]}", "sip_code": {got["sip_code"]}' in shown

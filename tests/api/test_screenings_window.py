"""POST /v1/screenings with the recent screenings as batch evidence (``serve
--screening-window``, docs/screening.md "Recent screenings with their features kept"): the
last K stored screenings' kept turns count as the call's batch. The window is opt-in (default
0, audit a2 H1): these tests turn it on at the measured K."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.api.recent_window import DEFAULT_WINDOW, MEASURED_WINDOW
from callwarden.screening.outcome import screen_with_recent
from callwarden.screening.transcript import transcript_from_dict
from callwarden.store import Store

from .conftest import ALICE, Api
from .test_screenings import HUMAN, call, ivr_call, sent

# One recorded campaign's opening, played to every callee; the reply to the assistant's
# question talks past it (off topic: a bot's, but alone not enough for a verdict).
OPENING = (
    "您好，这里是城南花园售楼中心，我们最新推出的精装三居室首付只要三十万，地铁口现房即买即住。"
)
PITCH = "现在来访还有好礼相送，本周末特价房源限量发售，欢迎您来售楼处参观咨询。"
WHO = "您好，我是机主的来电助理，请问您找哪位？"


def scripted(n: int) -> dict[str, Any]:
    """The campaign's call to the n-th callee."""
    return {
        "call_id": f"estate-{n}",
        "caller": "+8613170312792",
        "callee": f"+86133030219{n:02d}",
        "start_time": call(HUMAN)["start_time"],
        "turns": [
            {"speaker": "caller", "text": OPENING, "start_s": 0.3, "end_s": 9.0},
            {"speaker": "assistant", "text": WHO, "start_s": 9.6, "end_s": 12.4},
            {"speaker": "caller", "text": PITCH, "start_s": 13.2, "end_s": 21.0},
        ],
    }


def _app(path: Path, template: tuple[Path, dict[str, str]], k: int | None = None) -> Iterator[Api]:
    shutil.copy(template[0], path)
    store = Store.open(str(path))
    settings = (
        ApiSettings(db=str(path)) if k is None else ApiSettings(db=str(path), screening_window=k)
    )
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        yield Api(client, store, template[1])
    store.close()


@pytest.fixture
def api(tmp_path: Path, template: tuple[Path, dict[str, str]]) -> Iterator[Api]:
    """The API with --screening-window 1000 (the measured K, opt-in)."""
    yield from _app(tmp_path / "window.db", template, MEASURED_WINDOW)


@pytest.fixture
def alone(tmp_path: Path, template: tuple[Path, dict[str, str]]) -> Iterator[Api]:
    """The API as built by default (--screening-window 0): each call judged alone."""
    yield from _app(tmp_path / "alone.db", template)


def test_a_script_heard_by_other_callees_makes_the_call_a_bot(api: Api, alone: Api) -> None:
    first = [sent(api, scripted(n)).json() for n in (1, 2)]
    assert [r["verdict"] for r in first] == ["unsure", "unsure"]  # alone: not enough
    third = sent(api, scripted(3)).json()
    assert (third["verdict"], third["action"], third["sip_code"]) == ("bot", "reject", 608)
    shared = [r for r in third["reasons"] if r["code"] == "script_shared_across_calls"]
    assert shared and shared[0]["evidence"] == {"calls": 3}
    # the same three calls with the window off: each alone, unsure
    assert [sent(alone, scripted(n)).json()["verdict"] for n in (1, 2, 3)] == ["unsure"] * 3


def test_the_default_app_judges_each_call_alone(alone: Api) -> None:
    """The window is opt-in (audit a2 H1: people reading one mandated script are judged bots
    with it): by default a campaign's fourth call is still judged alone, unsure, labelled
    and not rejected, and no window is kept or warmed."""
    got = [sent(alone, scripted(n)).json() for n in (1, 2, 3, 4)]
    assert [(r["verdict"], r["action"], r["sip_code"]) for r in got] == [
        ("unsure", "label", None)
    ] * 4
    assert all(r["code"] != "script_shared_across_calls" for r in got[-1]["reasons"])
    state = alone.client.app.state.cw  # type: ignore[attr-defined]
    assert state.recent is None and state.recent_warm is None


def test_the_answer_is_screen_with_recent_over_the_stored_calls(api: Api) -> None:
    posted: list[dict[str, Any]] = []
    for c in [scripted(1), call(HUMAN), scripted(2), scripted(3), call(0), scripted(4)]:
        got = sent(api, c).json()
        window = [transcript_from_dict(p) for p in posted]
        want = screen_with_recent(transcript_from_dict(c), window).result
        assert (got["verdict"], got["bot_score"]) == (want.verdict.value, want.bot_score)
        assert [r["code"] for r in got["reasons"]] == [r.code.value for r in want.reasons]
        posted.append(c)


BANK_IVR = (
    "您好，这里是招商银行信用卡中心，您尾号1234的信用卡本期账单已出，最后还款日为本月二十五日，"
    "请按时还款，查询请按1。"
)


@pytest.mark.parametrize(("recording", "category"), [(None, "courier"), (BANK_IVR, "bank_service")])
def test_a_service_ivr_is_never_made_a_rejected_bot(
    api: Api, recording: str | None, category: str
) -> None:
    """A delivery company's or a bank's IVR plays one recording to every callee: the window
    sees it shared, which counts towards a bot, and a service's bot is connected with its
    tag."""
    for n in range(5):
        c = ivr_call(call_id=f"ivr-{n}", callee=f"+86133030218{n:02d}")
        for t in c["turns"]:
            if recording is not None and t["speaker"] == "caller":
                t["text"] = recording
        got = sent(api, c).json()
        assert got["action"] != "reject" and got["sip_code"] is None, got
        assert got["category"] == category
    assert "script_shared_across_calls" in {r["code"] for r in got["reasons"]}


def test_a_person_next_to_a_bot_campaign_stays_human(api: Api) -> None:
    for n in (1, 2, 3, 4):
        assert sent(api, scripted(n)).status_code == 201
    person = sent(api, call(HUMAN)).json()
    assert (person["verdict"], person["action"]) == ("human", "allow")
    codes = {r["code"] for r in person["reasons"]}
    assert not {"script_shared_across_calls", "templated_reply"} & codes


def test_serve_flag_default_is_no_window() -> None:
    from callwarden.cli import serve

    assert serve.SCREENING_WINDOW == DEFAULT_WINDOW == ApiSettings().screening_window == 0
    assert serve.MEASURED_WINDOW == MEASURED_WINDOW == 1000


def test_serve_refuses_a_window_above_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each screened call is judged across the window, so its time and a worker's memory grow
    with N (docs/screening.md, "How large a window"): serve takes 0 to 10,000, a usage error
    above (before session 29 any N was served)."""
    import uvicorn
    from typer.testing import CliRunner

    from callwarden.cli.main import app as cli

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: ran.update(app=a))
    db = str(tmp_path / "w.db")
    r = CliRunner().invoke(cli, ["serve", "--db", db, "--screening-window", "10001"])
    said = " ".join(r.output.replace("│", " ").split())  # (typer's box, wrapped)
    assert r.exit_code == 2 and not ran, r.output
    assert (
        "Invalid value for '--screening-window': Input should be less than or equal to 10000"
        in said
    )
    r = CliRunner().invoke(cli, ["serve", "--db", db, "--screening-window", "10000"])
    assert r.exit_code == 0, r.output
    assert ran["app"].state.cw.settings.screening_window == 10_000
    from callwarden.api.recent_window import MAX_WINDOW
    from callwarden.cli import serve

    assert serve.MAX_WINDOW == MAX_WINDOW == 10_000


def test_settings_refuse_a_window_outside_the_bound() -> None:
    """``ApiSettings`` (``create_app`` in code, the way in besides serve) refuses it too."""
    from callwarden.errors import ConfigError

    assert ApiSettings(screening_window=10_000).screening_window == 10_000
    for bad in (10_001, 1_000_000, -1):
        with pytest.raises(ConfigError, match="screening_window must be from 0 to 10,000"):
            ApiSettings(screening_window=bad)


def test_another_worker_and_a_restart_judge_with_the_same_stored_calls(
    tmp_path: Path, template: tuple[Path, dict[str, str]]
) -> None:
    """Two workers on one store take turns (each reads the other's calls from the store),
    then a new app on the same store (a restart, nothing in memory) judges the next call:
    every answer is ``screen_with_recent`` over the calls stored before it."""
    db = tmp_path / "workers.db"
    shutil.copy(template[0], db)

    def worker() -> Api:
        store = Store.open(str(db))
        app = create_app(ApiSettings(db=str(db), screening_window=MEASURED_WINDOW), store)
        return Api(TestClient(app, raise_server_exceptions=False), store, template[1])

    posted: list[dict[str, Any]] = []

    def check(w: Api, c: dict[str, Any]) -> dict[str, Any]:
        got = sent(w, c).json()
        want = screen_with_recent(
            transcript_from_dict(c), [transcript_from_dict(p) for p in posted]
        )
        assert (got["verdict"], got["bot_score"]) == (
            want.result.verdict.value,
            want.result.bot_score,
        )
        posted.append(c)
        return dict(got)

    a, b = worker(), worker()
    with a.client, b.client:
        for n, w in ((1, a), (2, b), (3, a)):
            third = check(w, scripted(n))
    assert third["verdict"] == "bot"  # worker a never saw call 2 but for the store
    a.store.close()
    b.store.close()
    c = worker()
    with c.client:
        fourth = check(c, scripted(4))
    c.store.close()
    shared = [r for r in fourth["reasons"] if r["code"] == "script_shared_across_calls"]
    assert fourth["verdict"] == "bot" and shared[0]["evidence"] == {"calls": 4}


def test_serve_warms_the_window_at_start(
    tmp_path: Path, template: tuple[Path, dict[str, str]]
) -> None:
    """A worker computes the stored window's features as it starts, so its first screened
    call computes only its own (about 0.9 s saved at K = 1,000)."""
    db = tmp_path / "warm.db"
    shutil.copy(template[0], db)
    store = Store.open(str(db))
    settings = ApiSettings(db=str(db), screening_window=MEASURED_WINDOW)
    first = Api(TestClient(create_app(settings, store)), store, template[1])
    with first.client:
        for n in (1, 2, 3):
            assert sent(first, scripted(n)).status_code == 201
    store.close()
    store = Store.open(str(db))
    app = create_app(settings, store)
    with TestClient(app, raise_server_exceptions=False) as client:
        state = app.state.cw
        assert state.recent_warm is not None
        state.recent_warm.join(timeout=60)
        assert state.recent.misses == 3  # the three stored calls, read once at start
        got = sent(Api(client, store, template[1]), scripted(4)).json()
        assert got["verdict"] == "bot"
        assert state.recent.misses == 3  # the first call read nothing more
    store.close()


# A hospital's nurses reading its mandated follow-up script (docs/screening.md, "Known risk:
# people who read one script"): one number, six patients. Each reads the script's opening and
# its reply to "您找哪位？" (a self-introduction, then the patient or 机主本人) with small edits
# of their own: fillers in the opening and after the reply's first words, and the date in
# their own words; pauses and reply delays differ from call to call.
HOSPITAL = "+862164370045"
DATE_Q = "请问今天是几号？"
#: (whom the nurse asks for, their opening, the end of their reply, their date, and the
#: seconds: opening start and end, delay of the reply to 您找哪位, delay of the date)
NURSES = (
    ("王秀英", "喂，您好，这里是市第一人民医院心内科，我们对出院的病人做一下电话随访，耽误您几分钟。",
     "我们问一下出院以后恢复得怎么样。", "今天……二号吧。", (0.4, 6.1, 0.7, 1.6)),
    ("李建国", "您好，这里是市第一人民医院心内科，那个，我们对出院的病人做一下电话随访，耽误您几分钟啊。",
     "就是问一下出院以后恢复得怎么样。", "嗯，二号。", (0.6, 7.0, 1.4, 0.9)),
    ("张桂兰", "您好，这里是市第一人民医院心内科，我们对出院的病人做个电话随访，嗯，耽误您几分钟。",
     "我们问一下，嗯，出院以后恢复得怎么样。", "十二月……二号吧？", (0.3, 6.6, -0.2, 2.3)),
    ("刘德明", "喂您好，这里是市第一人民医院心内科，我们就是对出院的病人做一下电话随访，耽误您几分钟。",
     "我们那个，问一下出院以后恢复得怎么样。", "嗯……今天二号，星期三。", (0.9, 6.4, 1.1, 1.8)),
    ("陈淑芬", "您好，这里是市第一人民医院心内科，我们对出院的病人做一下电话随访，耽误您几分钟哈。",
     "我们问一下出院以后恢复得怎么样啊。", "二号吧，十二月二号。", (0.5, 6.9, 0.5, 1.2)),
    ("机主本人", "您好您好，这里是市第一人民医院心内科，我们对出院的病人做一下电话随访，耽误您几分钟。",
     "我们问一下出院以后恢复得怎么样。", "呃，今天是二号。", (0.4, 5.8, 1.9, 0.6)),
)  # fmt: skip
#: the store's clock: noon (Beijing) on the day of the calls, which start 09:07 to 09:42, so
#: that the live label's 28 days hold them whenever the test runs
NURSES_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=timezone(timedelta(hours=8))).timestamp()


def nurse(n: int) -> dict[str, Any]:
    """The n-th nurse's call (1 to 6), to the n-th patient, on Wednesday 2 Dec 2026."""
    name, opening, rest, date, (o_start, o_end, who_delay, date_delay) = NURSES[n - 1]
    reply = f"我是心内科的随访护士，找一下{name}，上个月在我们科住院的，{rest}"
    # the assistant asks 0.7 s after the opening (2.8 s, the date 1.4 s); a nurse reads
    # about five characters a second
    who_q = o_end + 0.7
    who_r = who_q + 2.8 + who_delay
    date_q = who_r + 0.21 * len(reply) + 0.6
    date_r = date_q + 1.4 + date_delay
    times = [(o_start, o_end), (who_q, who_q + 2.8), (who_r, date_q - 0.6)]
    times += [(date_q, date_q + 1.4), (date_r, date_r + 1.5)]
    said = [("caller", opening), ("assistant", WHO), ("caller", reply)]
    said += [("assistant", DATE_Q), ("caller", date)]
    return {
        "call_id": f"follow-up-{n}",
        "caller": HOSPITAL,
        "callee": f"+86139012345{n:02d}",
        "start_time": f"2026-12-02T09:{7 * n:02d}:00+08:00",
        "turns": [
            {"speaker": who, "text": text, "start_s": round(a, 2), "end_s": round(b, 2)}
            for (who, text), (a, b) in zip(said, times, strict=True)
        ],
    }


def test_known_risk_nurses_reading_one_script_are_judged_bots_with_the_window(
    api: Api, alone: Api
) -> None:
    """The known risk that keeps the window off by default (docs/screening.md, "Known risk:
    people who read one script"; ``serve --screening-window 0``): people reading one
    mandated script are each judged ``human`` alone, but with the window on the replies they
    read alike make the third call a bot (``templated_reply_across_calls``), rejected 608,
    and the hospital's number is labelled live at its fourth call. This asserts the harm as
    it stands. A change that makes these calls ``human`` with the window on must update
    docs/screening.md "Known risk" and reconsider the default (serve --screening-window)."""
    for app in (api, alone):
        app.store.clock = lambda: NURSES_NOON
    for n in range(1, 7):
        got = sent(alone, nurse(n)).json()
        assert (got["verdict"], got["bot_score"], got["action"]) == ("human", -1.0, "allow"), n
        assert got["caller_labelled"] is False
    got = [sent(api, nurse(n)).json() for n in range(1, 7)]
    outcomes = [(r["verdict"], r["bot_score"], r["action"], r["sip_code"]) for r in got]
    assert outcomes == [
        ("human", -1.0, "allow", None),
        ("human", -1.0, "allow", None),
        ("bot", 4.0, "reject", 608),  # two such calls stored
        ("bot", 4.0, "reject", 608),
        ("bot", 5.5, "reject", 608),  # (and the opening, heard on three calls: +1.5)
        ("human", -1.0, "allow", None),  # 机主本人, not a name: the reply reads less alike
    ]
    for r in got[2:5]:
        templated = [x for x in r["reasons"] if x["code"] == "templated_reply_across_calls"]
        assert templated and templated[0]["evidence"]["replies"] == 1, r["reasons"]
    # each nurse's reply to 您找哪位 leads with who she is: the judge reads its first clause,
    # no name in it, as talking past the question (+2); the right date (-3) leaves -1.0
    assert [(x["code"], x["evidence"]["challenge"]) for x in got[0]["reasons"]] == [
        ("challenge_ignored", "who_for"),
        ("challenge_answered", "date"),
    ]
    # the fourth call labels the number (bot on 2 of the 4 callees screened: the bar); the
    # label then stands, so no later call says it labelled
    assert [r["caller_labelled"] for r in got] == [False, False, False, True, False, False]
    d = api.post(
        "/v1/decide", "network", json={"caller": HOSPITAL, "callee": ALICE, "at": NURSES_NOON}
    ).json()
    assert (d["action"], d["reasons"][0]["code"]) == ("label", "screened_bot_callees")
    evidence = d["reasons"][0]["evidence"]
    assert (evidence["bot_callees"], evidence["judged_callees"]) == (2, 4)

"""The screening judge after audit 7 (of 0fea994), people first.

0fea994 let a pitch's month end pass as today's date ("这个月最后一天了，体检年卡只要99。"; "本
月最后一天" on 1 Dec matched 30 Nov), read a pitch's figures in pairs ("forty-seven locations and
nineteen years" as 4719), and threw away people's right answers: a date with their bill's words
after it ("The 30th. I got a text saying my bill is overdue."), a shopping event on its own day
("It's Black Friday." on 27 Nov), and a greeting by name ("您好，王先生。", weighed as talking
past the question). Each case both ways; the audit's calls go through ``callwarden screen``.
"""

from __future__ import annotations

import calendar
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from callwarden.screening.answers import event_date, read_date
from callwarden.screening.challenge import AnswerFit, Challenge, ChallengeKind, score_reply
from callwarden.screening.judge import JudgeConfig
from tests.screening.calls import DATE_EN, DATE_ZH, WHO_EN, WHO_ZH, Timing, record, screen_rows

TODAY = date(2026, 11, 30)  # the last day of November, Cyber Monday 2026
DEC1 = date(2026, 12, 1)
NUM = Challenge(ChallengeKind.REPEAT_NUMBER, "Please say this number: 4 7 1 9.", "4719")
NUM_ZH = Challenge(ChallengeKind.REPEAT_NUMBER, "请跟我读这个数字：四七一九。", "4719")


def _score(reply: str, today: date = TODAY, kind: str = "date") -> tuple[AnswerFit, dict]:
    zh, en = {"date": (DATE_ZH, DATE_EN), "who": (WHO_ZH, WHO_EN), "num": (NUM_ZH, NUM)}[kind]
    return score_reply(en if reply.isascii() else zh, reply, today)


# 1: the month's last day is the call's own month, and only an answer said on its own.
@pytest.mark.parametrize(
    "reply",
    [
        "这个月最后一天了，体检年卡只要99。",
        "今天是十一月最后一天，额度今天就收回了。",
        "本月最后一天，利率最低。",
        "Rates go up after the last day of November.",
        "Enrollment closes on the last day of this month.",
        "This is your last chance, today is the last day of November.",
    ],
)
def test_a_pitchs_month_end_is_no_answer(reply: str) -> None:
    assert _score(reply)[0] not in (AnswerFit.CORRECT, AnswerFit.PARTIAL)


@pytest.mark.parametrize(
    "reply", ["本月最后一天", "这个月最后一天吧", "The last day of this month."]
)
def test_this_months_end_is_the_calls_month(reply: str) -> None:
    assert _score(reply, TODAY)[0] is AnswerFit.CORRECT
    assert _score(reply, date(2026, 11, 29))[0] is AnswerFit.CORRECT  # a day's leeway
    # 1 Dec: this month ends on 31 Dec; the leeway does not reach back to 30 Nov
    assert _score(reply, DEC1)[0] is AnswerFit.PARTIAL
    assert _score(reply, date(2026, 11, 1))[0] is AnswerFit.PARTIAL  # not 31 Oct either
    assert _score(reply, date(2026, 12, 31))[0] is AnswerFit.CORRECT


@pytest.mark.parametrize(
    "reply",
    [
        "The last day of November.",
        "It's the last day of the month, I think.",
        "Today is the last day of November, why?",
        "今天是十一月最后一天吧",
        "十一月最后一天了。",
    ],
)
def test_a_persons_month_end_still_reads(reply: str) -> None:
    fit, ev = _score(reply)
    assert fit is AnswerFit.CORRECT and ev.get("said_month_end"), ev


# 2: a bill's or deal's words void the date of their own clause only.
@pytest.mark.parametrize(
    "reply",
    [
        "Today's the 30th, my payment's due",
        "The 30th. I got a text saying my bill is overdue.",
        "三十号，我信用卡还款日嘛。",
        "Um, the 30th, my bill's due today.",
    ],
)
def test_a_persons_date_before_their_bill_reads(reply: str) -> None:
    assert _score(reply)[0] is AnswerFit.CORRECT


@pytest.mark.parametrize(
    "reply",
    [
        "Your payment was due on the 30th.",
        "11月30日到期",
        "您的账单11月30日到期，请及时还款。",
        "This offer ends Nov. 30",
        "今天30号，名额不多了。",  # an offer's words void the whole reply, as before
    ],
)
def test_a_bills_or_offers_date_is_still_no_answer(reply: str) -> None:
    assert _score(reply)[0] not in (AnswerFit.CORRECT, AnswerFit.PARTIAL)


# 3: a shopping event fixed by rule is its date that year.
def test_events_dates_follow_the_calendar() -> None:
    for year in (2024, 2025, 2026, 2027):
        weeks = calendar.monthcalendar(year, 11)
        thursdays = [w[calendar.THURSDAY] for w in weeks if w[calendar.THURSDAY]]
        thanksgiving = date(year, 11, thursdays[3])
        for name, after in (("Black Friday", 1), ("Cyber Monday", 4), ("Giving Tuesday", 5)):
            d = date.fromordinal(thanksgiving.toordinal() + after)
            assert event_date(name, year) == (d.month, d.day), (name, year)
    assert event_date("Black Friday", 2026) == (11, 27)
    assert event_date("黑色星期五", 2026) == (11, 27)
    assert event_date("网络星期一", 2026) == (11, 30)
    assert event_date("双十一", 2026) == (11, 11)
    assert event_date("双十二", 2026) == (12, 12)


@pytest.mark.parametrize(
    ("reply", "today", "fit"),
    [
        ("It's Black Friday.", date(2026, 11, 27), AnswerFit.CORRECT),
        ("今天双十一嘛。", date(2026, 11, 11), AnswerFit.CORRECT),
        ("黑色星期五", date(2026, 11, 27), AnswerFit.CORRECT),
        ("Giving Tuesday.", DEC1, AnswerFit.CORRECT),
        ("双十二", date(2026, 12, 12), AnswerFit.CORRECT),
        ("It's Black Friday.", TODAY, AnswerFit.PARTIAL),  # a date said, not today's
        ("双十一", TODAY, AnswerFit.PARTIAL),
        ("Black Friday deals!", date(2026, 11, 27), AnswerFit.OFF_TOPIC),  # a deal's clause
    ],
)
def test_a_shopping_event_is_read_as_its_date(reply: str, today: date, fit: AnswerFit) -> None:
    assert _score(reply, today)[0] is fit
    assert read_date(reply).weekday is None  # never a weekday said


# 4: only a greeting by name is neither a right answer nor talking past the question.
@pytest.mark.parametrize(
    "reply",
    [
        "您好，王先生。",
        "你好，王先生。",
        "王先生您好",
        "Hello, Mr. Johnson.",
        "Hi, Mr. Johnson.",
        "Good morning, Dr. Lee.",
        "Hi, Sarah!",
    ],
)
def test_only_a_greeting_by_name_weighs_nothing(reply: str) -> None:
    fit, ev = _score(reply, kind="who")
    assert fit is AnswerFit.ENGAGED
    assert ev == {"engaged": "greeting_by_name", "cannot_tell": True}
    assert JudgeConfig().w_greeting_by_name == 0.0


@pytest.mark.parametrize(
    "reply",
    [
        "您好，王先生，我是平安普惠的客户经理。",
        "您好，王先生，这边是链家。",
        "张总您好，打扰您一下。",
        "Hello Mr. Johnson, this is Acme Solar calling about your energy bill savings.",
        "Good morning, Mrs. Smith, this is Acme.",
        "Mr. Johnson!",
    ],
)
def test_a_greeting_by_name_then_the_callers_business_is_still_no_one(reply: str) -> None:
    assert _score(reply, kind="who")[0] is AnswerFit.OFF_TOPIC


# 5: pairs only where the clause holds nothing but number words.
@pytest.mark.parametrize(
    "reply",
    [
        "We have forty-seven locations and nineteen years of experience.",
        "Over forty seven thousand families, nineteen states.",
        "我们服务了四十七万用户，十九个城市。",
    ],
)
def test_a_pitchs_figures_are_not_read_in_pairs(reply: str) -> None:
    assert _score(reply, kind="num")[0] is not AnswerFit.CORRECT


@pytest.mark.parametrize(
    "reply",
    [
        "four seven nineteen",
        "forty seven nineteen",
        "four seven, nineteen",
        "Um, four seven nineteen",
        "Sure, four seven nineteen.",
        "四十七十九",
        "呃，四十七十九吧",
    ],
)
def test_a_persons_pairs_still_read(reply: str) -> None:
    fit, ev = _score(reply, kind="num")
    assert fit is AnswerFit.CORRECT and ev["digits_said"] == "4719", ev


# The audit's calls (its calls_vary.jsonl and extra.jsonl), through screen. Bots reply after
# a steady 0.7 s (the default timing); people slower and unevenly, so the kind sets the timing.
PEOPLE = Timing(lags=(1.6, 1.9, 1.1))


def _call(cid: str, kind: str, start: datetime, pairs: list[tuple[str, str]], hello: str) -> dict:
    timing = Timing() if kind == "bot" else PEOPLE
    return record(cid, pairs, opening=hello, start=start, caller_kind=kind, timing=timing)


NUM_EN_Q, NUM_ZH_Q = NUM.prompt, "为确认您不是自动外呼，请跟我读这个数字：四七一九。"
NOV30, NOV27, DEC1_T = (
    datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
    datetime(2026, 11, 27, 3, 0, tzinfo=UTC),
    datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
)
CALLS = [
    _call(
        "p14_en_bank_payment",
        "human",
        NOV30,
        [
            (
                WHO_EN.prompt,
                "Hi, this is Mark, I'm returning a call from my bank, I'm looking for Mr. Johnson.",
            ),
            (DATE_EN.prompt, "Today's the 30th, my payment's due, that's why I'm calling."),
            (NUM_EN_Q, "4 7 1 9."),
        ],
        "Hello?",
    ),
    _call(
        "p31_en_blackfri_hello_mr",
        "human",
        NOV27,
        [
            (WHO_EN.prompt, "Hello, Mr. Johnson."),
            (DATE_EN.prompt, "Black Friday."),
            (NUM_EN_Q, "four seven nineteen"),
        ],
        "Hello?",
    ),
    _call(
        "p36_en_hi_mr_bill_due",
        "human",
        NOV30,
        [
            (WHO_EN.prompt, "Hi, Mr. Johnson."),
            (DATE_EN.prompt, "Um, the 30th, my bill's due today."),
            (NUM_EN_Q, "4 7 1 9."),
        ],
        "Hello?",
    ),
    _call(
        "p21_zh_shuang11",
        "human",
        datetime(2026, 11, 11, 2, 0, tzinfo=UTC),
        [
            (WHO_ZH.prompt, "我找王建国。"),
            (DATE_ZH.prompt, "今天双十一嘛。"),
            (NUM_ZH_Q, "四七一九。"),
        ],
        "喂？",
    ),
    _call(
        "b33_en_monthend_pairs",
        "bot",
        NOV30,
        [
            (WHO_EN.prompt, "Hello, is this the homeowner?"),
            (DATE_EN.prompt, "Rates go up after the last day of November."),
            (NUM_EN_Q, "We have forty-seven locations and nineteen years of experience."),
        ],
        "Hello?",
    ),
    _call(
        "b35_en_monthend_noname",
        "bot",
        NOV30,
        [
            (WHO_EN.prompt, "Hello, is this the homeowner?"),
            (DATE_EN.prompt, "Enrollment closes on the last day of this month."),
            (NUM_EN_Q, "Please hold for an agent."),
        ],
        "Hello?",
    ),
    _call(
        "b09_zh_monthend_card",
        "bot",
        NOV30,
        [
            (WHO_ZH.prompt, "王女士，您好呀，我是美年大健康的。"),
            (DATE_ZH.prompt, "这个月最后一天了，体检年卡只要99。"),
            (NUM_ZH_Q, "您看需要帮您预约吗？"),
        ],
        "喂，您好。",
    ),
]
# and two the audit could only bring back to unsure (their who-for reply is asked as a
# person asks): not judged human, as 0fea994 did
NOT_HUMAN = [
    _call(
        "b36_zh_monthend_dec1_noname",
        "bot",
        DEC1_T,
        [
            (WHO_ZH.prompt, "您好，请问是机主本人吗？"),
            (DATE_ZH.prompt, "本月最后一天，利率最低。"),
            (NUM_ZH_Q, "请稍等，马上为您转接。"),
        ],
        "喂，您好。",
    ),
    _call(
        "b34_zh_monthend_noname",
        "bot",
        NOV30,
        [
            (WHO_ZH.prompt, "您好，请问是机主本人吗？"),
            (DATE_ZH.prompt, "今天是这个月最后一天，您的备用金今天不领就作废了。"),
            (NUM_ZH_Q, "请稍等，马上为您转接。"),
        ],
        "喂，您好。",
    ),
]


def test_the_audits_calls_through_screen(tmp_path: Path) -> None:
    rows = screen_rows(tmp_path, CALLS + NOT_HUMAN, "--no-batch-scripts")
    for c in CALLS:
        want = "bot" if c["caller_kind"] == "bot" else "human"
        assert rows[c["call_id"]]["verdict"] == want, (c["call_id"], rows[c["call_id"]])
    for c in NOT_HUMAN:
        assert rows[c["call_id"]]["verdict"] != "human", (c["call_id"], rows[c["call_id"]])
    greeted = json.loads(rows["p31_en_blackfri_hello_mr"]["reasons"])[0]
    assert greeted["engaged"] == "greeting_by_name"
    assert "cannot tell" in rows["p31_en_blackfri_hello_mr"]["reasons_en"]

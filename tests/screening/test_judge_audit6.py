"""The screening judge after audit 6's leftovers (issue 5).

Bots passed with a pitch's due date or a shopping event read as today's date and with a
greeting by title read as naming whom they called for ("Your payment was due on the 30th.",
"11月30日到期", "Cyber Monday deals end today", "本周一特惠"; "王先生您好", "张总您好，…", "Mr.
Johnson!"); people who answered right were judged bots ("Karen, uh, Karen Smith?", "the last
day of November", "four seven nineteen"). Each case both ways: the bot stays a bot, the
person's plain wording still reads. The calls go through ``callwarden screen``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from callwarden.screening.answers import names_someone, read_date
from callwarden.screening.challenge import AnswerFit, Challenge, ChallengeKind, score_reply
from tests.screening.calls import DATE_EN, DATE_ZH, WHO_EN, WHO_ZH, record, screen_rows

TODAY = date(2026, 11, 30)  # a Monday (Cyber Monday 2026)
NUM_ZH = "为确认您不是自动外呼，请跟我读这个数字：四七一九。"
NUM_EN = "Please say this number: 4 7 1 9."
NUM = Challenge(ChallengeKind.REPEAT_NUMBER, NUM_EN, "4719")


def _fit(ch_zh: Challenge, ch_en: Challenge, reply: str, today: date = TODAY) -> AnswerFit:
    return score_reply(ch_en if reply.isascii() else ch_zh, reply, today)[0]


# 1: a date inside a pitch (a bill's due date, a deal's day, a shopping event) is no answer.
@pytest.mark.parametrize(
    "reply",
    [
        "Your payment was due on the 30th.",
        "Your bill is due November 30th.",
        "Your account is overdue since the 28th.",
        "11月30日到期",
        "您的账单11月30日到期，请及时还款。",
        "本周一特惠",
        "Cyber Monday deals end today",
        "双11特惠",
    ],
)
def test_a_pitch_date_or_a_shopping_event_is_no_date(reply: str) -> None:
    assert _fit(DATE_ZH, DATE_EN, reply) not in (AnswerFit.CORRECT, AnswerFit.PARTIAL)


# Audit 7: an event fixed by rule is read as its date that year (Cyber Monday 2026 is today,
# 30 Nov; Black Friday was 27 Nov, 双十一 11 Nov): no longer dropped, wrong on another day.
@pytest.mark.parametrize(
    ("reply", "fit"),
    [
        ("Cyber Monday!", AnswerFit.CORRECT),
        ("Black Friday.", AnswerFit.PARTIAL),
        ("黑色星期五，全场五折。", AnswerFit.PARTIAL),
        ("双十一", AnswerFit.PARTIAL),
    ],
)
def test_a_shopping_event_is_its_date(reply: str, fit: AnswerFit) -> None:
    assert _fit(DATE_ZH, DATE_EN, reply) is fit


@pytest.mark.parametrize(
    "reply",
    [
        "It's the 30th.",
        "今天30号",
        "Monday, the 30th.",
        "星期一吧",
        "It's Monday, I think.",
        "十一月三十号。",
        # 4: the month's last or first day in words
        "The last day of November.",
        "Um, the last day of this month?",
        "十一月最后一天。",
        "这个月的最后一天吧",
        "The first of December.",
        "The first day of December.",
    ],
)
def test_peoples_dates_still_read(reply: str) -> None:
    assert _fit(DATE_ZH, DATE_EN, reply) is AnswerFit.CORRECT


@pytest.mark.parametrize("reply", ["The last day of October.", "The first day of November."])
def test_a_wrong_month_end_or_start_is_a_wrong_date(reply: str) -> None:
    assert _fit(DATE_ZH, DATE_EN, reply) is AnswerFit.PARTIAL


@pytest.mark.parametrize(
    ("today", "fit"),
    [
        (date(2027, 2, 28), AnswerFit.CORRECT),
        (date(2028, 2, 29), AnswerFit.CORRECT),
        (date(2027, 3, 1), AnswerFit.CORRECT),  # a day either side forgiven, as for days
        (date(2027, 3, 3), AnswerFit.PARTIAL),
    ],
)
def test_the_months_last_day_is_checked_against_the_calls_date(today: date, fit: AnswerFit) -> None:
    assert _fit(DATE_ZH, DATE_EN, "The last day of February.", today) is fit
    assert _fit(DATE_ZH, DATE_EN, "二月最后一天", today) is fit


def test_a_vague_month_end_is_no_day() -> None:
    assert not read_date("月底了吧。").said_anything
    assert not read_date("end of the month").said_anything


# 2: a greeting addressed to the callee by title or name is no one asked for.
@pytest.mark.parametrize(
    "reply",
    [
        "王先生您好",
        "王先生，您好！",
        "张总您好，打扰您一下。",
        "张总您好，我是平安普惠的客户经理，给您推荐一款低息贷款。",
        "您好，王先生，我是平安普惠的客户经理，给您推荐一款低息贷款。",
        "小王你好",
        "李经理早上好",
        "Mr. Johnson!",
        "Hello Mr. Johnson!",
        "Hello Mr. Johnson",
        "Good morning, Mrs. Smith, this is Acme.",
        "Hello Mr. Johnson, this is Acme Solar calling about your energy bill savings.",
        "Hi, Sarah!",
    ],
)
def test_a_greeting_by_title_names_no_one_called_for(reply: str) -> None:
    assert _fit(WHO_ZH, WHO_EN, reply) is not AnswerFit.CORRECT


@pytest.mark.parametrize(
    "reply",
    [
        "找王先生",
        "王先生在吗？",
        "王先生。",
        "您好，找王先生。",
        "您好，王先生在吗？",
        "您好，王先生，他在吗？",
        "李先生，是这个号吧？",
        "你好，我找王先生。",
        "I'm calling for Mr. Johnson.",
        "Mr. Johnson, please.",
        "Mr. Johnson?",
        "Hi, Mr. Johnson, please.",
        "Hello, is Mr. Johnson there?",
        "oh, Ms. Lee, please.",
        # 3: a name restarted or broken by a filler
        "Karen, uh, Karen Smith?",
        "Karen, um, Smith.",
        "王，呃，王建国在吗？",
    ],
)
def test_asking_for_someone_by_title_or_a_restarted_name_still_counts(reply: str) -> None:
    assert names_someone(reply)
    assert _fit(WHO_ZH, WHO_EN, reply) is AnswerFit.CORRECT


@pytest.mark.parametrize("reply", ["Amazon, uh, Customer Service.", "This is, uh, this is Amazon."])
def test_a_restarted_pitch_is_still_no_name(reply: str) -> None:
    assert not names_someone(reply)


# 5: digits said partly in pairs.
@pytest.mark.parametrize(
    "reply",
    [
        "four seven nineteen",
        "Forty-seven nineteen.",
        "forty seven, one nine",
        "uh, four, seven, nineteen?",
        "four seven one nine",
    ],
)
def test_digits_in_pairs_read(reply: str) -> None:
    assert score_reply(NUM, reply, TODAY)[0] is AnswerFit.CORRECT


def test_a_pitchs_number_words_are_no_digits() -> None:
    reply = "We have nineteen offices nationwide, press one."
    assert score_reply(NUM, reply, TODAY)[0] is not AnswerFit.CORRECT
    # An agent's digits, then its pitch: read as before the pairs (a first draft read the
    # whole reply in pairs, "twenty four" as 204, and moved 102 agent calls of seeds 2-4).
    ch = Challenge(ChallengeKind.REPEAT_NUMBER, NUM_EN, "8611")
    reply = "Of course: 8 6 1 1. No collateral required, funds can arrive within twenty four hours."
    assert score_reply(ch, reply, TODAY)[0] is AnswerFit.PARTIAL


# (call id, caller kind, opening, the exchanges)
CALLS = [
    record(cid, pairs, opening=hello, caller_kind=kind)
    for cid, kind, hello, pairs in [
        # bots: two passing replies each, judged human -2.0 to -4.0 before this change
        (
            "bot_en_mr_due",
            "bot",
            "Hello?",
            [
                (WHO_EN.prompt, "Mr. Johnson!"),
                (DATE_EN.prompt, "Your payment was due on the 30th."),
                (NUM_EN, "Please hold for an agent."),
            ],
        ),
        (
            "bot_en_hello_mr_cyber",
            "bot",
            "Hello?",
            [
                (WHO_EN.prompt, "Hello Mr. Johnson!"),
                (DATE_EN.prompt, "Cyber Monday deals end today!"),
                (NUM_EN, "Please hold for an agent."),
            ],
        ),
        (
            "bot_zh_wang_due",
            "bot",
            "喂，您好。",
            [
                (WHO_ZH.prompt, "王先生您好"),
                (DATE_ZH.prompt, "11月30日到期"),
                (NUM_ZH, "请稍等，马上为您转接。"),
            ],
        ),
        (
            "bot_zh_zhang_week",
            "bot",
            "喂，您好。",
            [
                (WHO_ZH.prompt, "张总您好，打扰您一下。"),
                (DATE_ZH.prompt, "本周一特惠"),
                (NUM_ZH, "请稍等，马上为您转接。"),
            ],
        ),
        # people: the three hard answers in one call (bot 6.5 before), then one at a time
        (
            "hum_en_karen_all",
            "human",
            "Hello?",
            [
                (WHO_EN.prompt, "Karen, uh, Karen Smith?"),
                (DATE_EN.prompt, "The last day of November."),
                (NUM_EN, "Four seven nineteen."),
            ],
        ),
        (
            "hum_en_karen",
            "human",
            "Hello?",
            [
                (WHO_EN.prompt, "Karen, uh, Karen Smith?"),
                (DATE_EN.prompt, "It's the 30th."),
                (NUM_EN, "4 7 1 9."),
            ],
        ),
        (
            "hum_zh_wang_plain",
            "human",
            "喂？",
            [
                (WHO_ZH.prompt, "王先生在吗？"),
                (DATE_ZH.prompt, "星期一吧。"),
                (NUM_ZH, "四七幺九。"),
            ],
        ),
        (
            "hum_en_mr_plain",
            "human",
            "Hello?",
            [
                (WHO_EN.prompt, "I'm calling for Mr. Johnson."),
                (DATE_EN.prompt, "Monday, the 30th."),
                (NUM_EN, "4 7 1 9."),
            ],
        ),
    ]
]


def test_the_audits_calls_through_screen(tmp_path: Path) -> None:
    verdict = {cid: r["verdict"] for cid, r in screen_rows(tmp_path, CALLS).items()}
    for c in CALLS:
        if c["caller_kind"] == "bot":
            assert verdict[c["call_id"]] == "bot", c["call_id"]
        else:
            assert verdict[c["call_id"]] == "human", c["call_id"]

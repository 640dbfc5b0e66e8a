"""The screening judge after the third audit (issue 5: 3, 4, 5, 6, 11, 13b, 13e).

Hand-written from the audit's cases (/tmp/audit3/scr: hand, iso, iso2, nostart_wrong,
v_ms, v_json_array): the simulator's ~20 prompt templates cover none of these wordings, so
the bench cannot show them. Chinese and English are checked alike.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from callwarden.screening.answers import names_someone, read_date
from callwarden.screening.categories import Category, categorise
from callwarden.screening.challenge import (
    AnswerFit,
    Challenge,
    ChallengeKind,
    recognise_challenge,
    score_reply,
)
from callwarden.screening.judge import judge
from callwarden.screening.reasons import ReasonCode, Verdict, render
from callwarden.screening.transcript import Speaker, Transcript, Turn
from tests.screening.calls import START, Timing, record, screen, transcript

TODAY = date(2026, 11, 30)  # a Monday
# The audit's calls: one exchange, the opening 0.3-1.2 s, the question 1.8-4.0, the reply 4.7-6.0.
ONE = Timing(opening=(0.3, 1.2), first=1.8, question_s=2.2, reply_end=4.2)
SARAH = ("Who are you calling for?", "Sarah, please.")


# 3: a number to say is that challenge, whatever the words around it (机器人, robot).
@pytest.mark.parametrize(
    ("prompt", "digits"),
    [
        ("为确认您不是机器人，请说出这个数字：8 3 0 5", "8305"),
        ("为确认您不是机器人，请说出这个数字：八三零五", "8305"),
        ("To confirm you're not a robot, please say this number: 5 5 2 1.", "5521"),
    ],
)
def test_a_number_in_a_not_a_robot_prompt_is_the_number_challenge(prompt: str, digits: str) -> None:
    ch = recognise_challenge(prompt)
    assert ch is not None and ch.kind is ChallengeKind.REPEAT_NUMBER
    assert ch.expected_digits == digits
    assert recognise_challenge("您是机器人吗？").kind is ChallengeKind.ARE_YOU_A_BOT  # type: ignore[union-attr]
    assert recognise_challenge("Are you a robot?").kind is ChallengeKind.ARE_YOU_A_BOT  # type: ignore[union-attr]


def test_the_courier_who_repeats_the_number_is_a_person() -> None:
    """The audit's zh_human_digits: judged bot, 6.0, "talked past the are-you-a-robot
    challenge; talked past the who-for challenge"."""
    turns = (
        Turn(Speaker.CALLER, "喂？", 0.3, 0.9),
        Turn(
            Speaker.ASSISTANT,
            "您好，这里是来电助理，为确认您不是机器人，请说出这个数字：8 3 0 5",
            1.5,
            6.0,
        ),
        Turn(Speaker.CALLER, "八三零五", 6.9, 8.1),
        Turn(Speaker.ASSISTANT, "好的，请问您找哪位？", 8.6, 9.9),
        Turn(Speaker.CALLER, "找一下小陈，我是快递员，他的包裹到了。", 10.4, 13.2),
    )
    res = judge(Transcript("zh_human_digits", turns, start_time=START))
    assert res.verdict is Verdict.HUMAN
    answered = [
        r.evidence["challenge"] for r in res.reasons if r.code is ReasonCode.CHALLENGE_ANSWERED
    ]
    assert answered == ["repeat_number", "who_for"]


# 4: common wordings of the challenges, Chinese and English.
@pytest.mark.parametrize(
    ("prompt", "kind", "digits"),
    [
        ("请跟我念：四七一九。", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("请跟我读：四七一九。", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("请复述以下数字：四七一九", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("请您说一遍验证码4719", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("Say the numbers seven two nine four.", ChallengeKind.REPEAT_NUMBER, "7294"),
        ("Please repeat after me: 7 2 9 4.", ChallengeKind.REPEAT_NUMBER, "7294"),
        ("请问您找哪一位？", ChallengeKind.WHO_FOR, ""),
        ("Who are you trying to reach?", ChallengeKind.WHO_FOR, ""),
        ("May I ask who you are calling?", ChallengeKind.WHO_FOR, ""),
        ("Who would you like to speak to?", ChallengeKind.WHO_FOR, ""),
    ],
)
def test_common_wordings_are_recognised(prompt: str, kind: ChallengeKind, digits: str) -> None:
    ch = recognise_challenge(prompt)
    assert ch is not None and ch.kind is kind, prompt
    assert ch.expected_digits == digits


@pytest.mark.parametrize("prompt", ["Who's calling?", "请说一下。", "请稍等，我帮您转接。"])
def test_near_wordings_are_not_challenges(prompt: str) -> None:
    assert recognise_challenge(prompt) is None


def test_a_number_elsewhere_in_a_who_for_question_is_not_one_to_say() -> None:
    ch = recognise_challenge("请说一下您要找的人，或者拨打12345。")
    assert ch is not None and ch.kind is ChallengeKind.WHO_FOR


# 5: right answers read as right, in both languages.
@pytest.mark.parametrize(
    "reply",
    [
        "找小陈。",
        "找老王。",
        "我找小陈，他在家吗？",
        "找一下小陈，我是快递员，他的包裹到了。",
        "我是他妈妈，找我儿子。",
        "小陈。",
        "Sarah Johnson, please.",
        "Sarah Johnson.",
        "I'm calling for the homeowner.",
        "I'm looking for my son.",
    ],
)
def test_names_someone_in_the_common_forms(reply: str) -> None:
    assert names_someone(reply)
    ch = Challenge(ChallengeKind.WHO_FOR, "请问您找谁？")
    assert score_reply(ch, reply, TODAY)[0] is AnswerFit.CORRECT


@pytest.mark.parametrize(
    "reply",
    ["找小区物业的。", "老板，您好，我们这边是做装修的。", "Press One Now.", "Good Morning."],
)
def test_familiar_forms_do_not_make_a_pitch_a_name(reply: str) -> None:
    assert not names_someone(reply)


@pytest.mark.parametrize(
    ("reply", "day", "month"),
    [
        ("It's the thirtieth of November.", 30, 11),
        ("November thirtieth.", 30, 11),
        ("30 November 2026.", 30, 11),
        ("the thirtieth", 30, None),
        ("November thirty.", 30, 11),
        ("Nov. 30", 30, 11),
        ("It's Monday, November thirtieth.", 30, 11),
        ("11/30.", 30, 11),
        ("今天是十一月三十号。", 30, 11),
        ("十一月三十。", 30, 11),  # the month said, the day needs no 号 (as "November 30")
    ],
)
def test_dates_in_words_and_day_first(reply: str, day: int, month: int | None) -> None:
    ans = read_date(reply)
    assert (ans.day, ans.month) == (day, month)
    ch = Challenge(ChallengeKind.DATE, "What is today's date?")
    assert score_reply(ch, reply, TODAY)[0] is AnswerFit.CORRECT


@pytest.mark.parametrize(
    "reply", ["Just a second.", "One second, let me check.", "the one", "分3个月还，每月20万。"]
)
def test_ordinal_words_alone_are_no_date(reply: str) -> None:
    assert read_date(reply).day is None


@pytest.mark.parametrize(
    "reply", ["四、七、一、九", "四 七 一 九", "4 7 1 9", "four, seven, one, nine"]
)
def test_digits_said_with_pauses_are_exactly_right(reply: str) -> None:
    ch = Challenge(ChallengeKind.REPEAT_NUMBER, "请说出这个数字：四七一九", "4719")
    assert score_reply(ch, reply, TODAY)[0] is AnswerFit.CORRECT


# 6: without a start_time a date cannot be checked.
@pytest.mark.parametrize(
    ("question", "reply"),
    [("What is today's date?", "November 12th."), ("请问今天是几月几号？", "十一月十二号。")],
)
def test_a_date_without_start_time_is_weaker_and_says_so(question: str, reply: str) -> None:
    hello = "Hello?" if question.isascii() else "喂，你好。"
    res = judge(transcript("c1", [(question, reply)], opening=hello, start=None, timing=ONE))
    (r,) = [r for r in res.reasons if r.evidence.get("challenge") == "date"]
    assert r.evidence["date_checked"] is False
    assert r.weight == -2.0  # a date of the right kind, as a wrong one weighs, not -3
    assert "date not checked: no start_time" in render(r, "en")
    assert "未核对日期" in render(r, "zh")
    # with a start time: the wrong day, as before
    checked = judge(transcript("c1", [(question, reply)], opening=hello, timing=ONE))
    assert [r.code for r in checked.reasons] == [ReasonCode.CHALLENGE_PARTIAL]


def test_screen_warns_with_the_count_of_dates_it_cannot_check(tmp_path: Path) -> None:
    res = screen(
        tmp_path,
        [
            record("a", [("What is today's date?", "November 12th.")], timing=ONE, start=None),
            record("b", [("请问今天是几月几号？", "十一月十二号。")], timing=ONE, start=None),
            record("c", [("What is today's date?", "November 30th.")], timing=ONE),
            record("d", [SARAH], timing=ONE, start=None),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "2 of 4 calls" in res.output and "no start_time" in res.output
    assert "date not checked: no start_time" in res.output


# 13e: times in milliseconds; a JSON array of calls.
def test_screen_warns_when_turn_times_look_like_milliseconds(tmp_path: Path) -> None:
    recs = [record("ms", [SARAH], timing=ONE, scale=1000.0), record("s", [SARAH], timing=ONE)]
    res = screen(tmp_path, recs)
    assert res.exit_code == 0, res.output
    assert "1 of 2 calls" in res.output and "milliseconds" in res.output
    ok = screen(tmp_path, [record("s", [SARAH], timing=ONE)], name="ok.jsonl")
    assert "milliseconds" not in ok.output


def test_screen_reads_a_json_array_as_the_other_text_commands_do(tmp_path: Path) -> None:
    recs = [
        record("a", [SARAH], timing=ONE),
        record("b", [("请问您找谁？", "找小陈。")], timing=ONE),
    ]
    res = screen(tmp_path, recs, name="t.json", array=True)
    assert res.exit_code == 0, res.output
    assert "2 calls: bot 0, human 2" in res.output
    res = screen(tmp_path, [{"call_id": "a", "turns": []}, 3], name="bad.json", array=True)
    assert res.exit_code == 2 and "must hold only objects" in res.output


# 11: "warrant" alone (a misheard "warranty") is no police impersonation.
def test_warrant_alone_is_not_police_impersonation() -> None:
    for text in ("Your car warrant is expiring, press one.", "...your cart-warrant-it..."):
        assert categorise(text).category is not Category.FRAUD_IMPERSONATION_POLICE
    for text in ("There is an arrest warrant in your name.", "A warrant for your arrest."):
        assert categorise(text).category is Category.FRAUD_IMPERSONATION_POLICE


# 13b: barge_in names what was talked over.
def test_barge_in_names_the_question_talked_over() -> None:
    turns = (
        Turn(Speaker.CALLER, "尊敬的客户您好，您的医保卡已被冻结，请按九转人工处理。", 0.3, 6.0),
        Turn(Speaker.ASSISTANT, "请问您找谁？", 3.0, 5.0),
        Turn(Speaker.CALLER, "逾期未处理将影响您的医保报销。", 6.2, 9.0),
    )
    res = judge(Transcript("b", turns, start_time=START))
    (barge,) = [r for r in res.reasons if r.code is ReasonCode.BARGE_IN]
    assert render(barge, "en") == "kept talking over the assistant's who-for question for 2 s"
    assert "来电助理" in render(barge, "zh") and "找谁" in render(barge, "zh")

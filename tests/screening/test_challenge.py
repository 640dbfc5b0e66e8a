import random
from datetime import date

import pytest

from callwarden.screening.challenge import (
    PROMPTS,
    AnswerFit,
    Challenge,
    ChallengeKind,
    make_challenge,
    recognise_challenge,
    score_reply,
)

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(("kind", "lang"), list(PROMPTS))
def test_every_prompt_is_recognised_as_its_kind(kind: ChallengeKind, lang: str) -> None:
    rng = random.Random(4)
    for _ in range(6):
        ch = make_challenge(kind, lang, rng)
        got = recognise_challenge(ch.prompt)
        assert got is not None and got.kind is kind, ch.prompt
        assert got.expected_digits == ch.expected_digits


def test_ordinary_turns_are_not_challenges() -> None:
    assert recognise_challenge("好的，谢谢，再见。") is None
    assert recognise_challenge("您的快递到了，在家吗？") is None


WHO = Challenge(ChallengeKind.WHO_FOR, "请问您找哪位？")
DATE = Challenge(ChallengeKind.DATE, "请问今天是几号？")
NUM = Challenge(ChallengeKind.REPEAT_NUMBER, "请跟我读这个数字：三七零九。", "3709")


@pytest.mark.parametrize(
    ("challenge", "reply", "fit"),
    [
        (WHO, "呃，找王女士。", AnswerFit.CORRECT),
        (WHO, "你是谁啊？让他接电话。", AnswerFit.ENGAGED),
        (WHO, "我们这个活动是限时的，现在办理还送一年意外险。", AnswerFit.OFF_TOPIC),
        (DATE, "今天二十八号吧。", AnswerFit.CORRECT),
        (DATE, "是……二十五号？", AnswerFit.PARTIAL),
        (DATE, "呃，28吧", AnswerFit.CORRECT),
        (DATE, "你问这个干嘛？", AnswerFit.ENGAGED),
        (DATE, "名额有限，今天之内不办理的话额度就会被收回。", AnswerFit.OFF_TOPIC),
        (NUM, "三七零九", AnswerFit.CORRECT),
        (NUM, "三七九", AnswerFit.PARTIAL),  # a digit lost to the line or the recogniser
        (NUM, "什么数字？没听清。", AnswerFit.ENGAGED),
        (NUM, "您有一笔50万的无抵押贷款可以领取，只需要先交解冻金。", AnswerFit.OFF_TOPIC),
        (NUM, "", AnswerFit.SILENT),
    ],
)
def test_score_reply(challenge: Challenge, reply: str, fit: AnswerFit) -> None:
    assert score_reply(challenge, reply, TODAY)[0] is fit


def test_a_long_pitch_that_says_number_is_not_engagement() -> None:
    ch = Challenge(ChallengeKind.REPEAT_NUMBER, "Please repeat these digits: 9 3 1 8.", "9318")
    reply = "We will need to verify your card number to cancel the order."
    assert score_reply(ch, reply, TODAY)[0] is AnswerFit.OFF_TOPIC


def test_english_challenges() -> None:
    date_ch = recognise_challenge("What is today's date?")
    assert date_ch is not None
    assert score_reply(date_ch, "um, November 28.", TODAY)[0] is AnswerFit.CORRECT
    num = recognise_challenge("Please repeat these digits: 4 0 1 7.")
    assert num is not None and num.expected_digits == "4017"
    assert score_reply(num, "four oh one seven", TODAY)[0] is AnswerFit.CORRECT


@pytest.mark.parametrize(
    ("question", "reply", "fit"),
    [
        ("你是机器人吗？", "不是机器人，我是真人，小杨。", AnswerFit.CORRECT),
        ("你是机器人吗？", "哈哈，当然不是。", AnswerFit.CORRECT),
        ("Are you a robot?", "No, I'm a real person.", AnswerFit.CORRECT),
        (
            "你是机器人吗？",
            "我们这款医疗险每个月只要十九元，住院费用都可以报销，社保不报的也能报。",
            AnswerFit.OFF_TOPIC,
        ),
        ("回我一句就买。", "买什么？", AnswerFit.CORRECT),
        (
            "回我一句就买。",
            "好的，您说的问题稍后会有专员为您详细解答，我们这个活动是限时的。",
            AnswerFit.OFF_TOPIC,
        ),
    ],
)
def test_the_reporters_own_questions(question: str, reply: str, fit: AnswerFit) -> None:
    ch = recognise_challenge(question)
    assert ch is not None
    assert score_reply(ch, reply, TODAY)[0] is fit


def test_who_is_this_is_not_who_are_you_calling_for() -> None:
    assert recognise_challenge("哪位？") is None

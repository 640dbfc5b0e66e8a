"""The screening judge after the fifth audit (issue 5): 48b5e06 read too much as answers.

Hand-written from the audit's cases (/tmp/audit5: cases.json, prompts.json, e2e.jsonl,
e2e2.jsonl, echo.jsonl, robot.json, io/times.jsonl): bots' pitches and self-introductions
read as naming the person called for, a pitch's words as dates, and callees' own questions
as challenges. Bots stay bots; people stay people; a callee's question asks nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from callwarden.screening.answers import names_someone, read_date
from callwarden.screening.challenge import (
    AnswerFit,
    ChallengeKind,
    recognise_challenge,
    score_reply,
)
from callwarden.screening.judge import judge
from callwarden.screening.reasons import Verdict
from callwarden.screening.transcript import Speaker, Transcript, Turn
from tests.screening.calls import DATE_EN, DATE_ZH, START, WHO_EN, WHO_ZH, screen, transcript

TODAY = date(2026, 11, 30)


# 1: a self-introduction, an organisation, a name inside a pitch, "Press one" answer no one.
@pytest.mark.parametrize(
    "reply",
    [
        "我叫小李，是平安普惠的客户经理，给您推荐一款低息贷款。",
        "您好，我们小陈经理给您推荐一款低息贷款产品，额度最高二十万。",
        "您好，您有任何问题可以找小陈，我们这边是做贷款的。",
        "您好，有事您可以找一下老王经理，我们有一款低息贷款。",
        "小王，为您服务。",
        "我们帮您找金融机构贷款，最快当天放款。",
        "有需要可以找我哥，他是做贷款的。",
        "Hi, this is Mary in the billing department, calling about your account.",
        "Amazon Customer Service.",
        "Social Security Administration.",
        "Congratulations!",
        "Final Notice.",
        "Dear Valued Customer,",
        "Press one to speak with our partner agency.",
        "Press one to talk to Amazon support.",
        "Talk to your kids about our college savings plan.",
        "We are calling for your mother's Medicare benefits.",
        "Hello, this is Amazon?",
        "Have you heard what is Medicare?",
        "Hi, we're looking for the homeowner to offer a free solar panel inspection.",
    ],
)
def test_a_pitch_names_no_one_called_for(reply: str) -> None:
    ch = WHO_EN if reply.isascii() else WHO_ZH
    assert score_reply(ch, reply, TODAY)[0] is not AnswerFit.CORRECT


# 5: people's wordings of who they want.
@pytest.mark.parametrize(
    "reply",
    [
        "王建国在吗？",
        "小张在家吗？",
        "阿华在吗？",
        "我找他老婆。",
        "呃，李娜。",
        "陈静，是这号吧？",
        "The homeowner.",
        "My son.",
        "Is Sarah around?",
        "I'm trying to reach Sarah Johnson.",
        "Sean O'Connor.",
        "My mom, is she there?",
        "I need to reach Sarah.",
        "Hi, Sarah Johnson, please.",
        "David,",
    ],
)
def test_peoples_wordings_name_someone(reply: str) -> None:
    assert names_someone(reply)
    ch = WHO_EN if reply.isascii() else WHO_ZH
    assert score_reply(ch, reply, TODAY)[0] is AnswerFit.CORRECT


def test_an_agent_that_answers_then_pitches_is_read_in_its_first_clause() -> None:
    reply = "我找张伟，我是平安的客服。我们最近有一款百万医疗险活动，每个月只要十九元。"
    assert score_reply(WHO_ZH, reply, TODAY)[0] is AnswerFit.CORRECT
    reply = "今天是11月30日，星期一。我们最近有一款百万医疗险活动，每个月只要十九元。"
    assert score_reply(DATE_ZH, reply, TODAY)[0] is AnswerFit.CORRECT
    reply = "嗯……您好，我这是找李先生的，我是抖音的工作人员。您现在有资金需求吗？我可以帮您。"
    assert score_reply(WHO_ZH, reply, TODAY)[0] is AnswerFit.CORRECT


# 2: a pitch's words are no date.
@pytest.mark.parametrize(
    "reply",
    [
        "This is the second and final notice about your car's extended warranty.",
        "For the first time, you can lower your interest rate.",
        "Our agents are available 24/7, press one.",
        "Get 1/2 off your premium today.",
        "This offer ends Nov. 30, press one now.",
        "This offer is valid until November 30th, press one now.",
        "Press one.",
        "活动截止到十一月三十，名额有限。",
        "活动截止11月30，名额有限。",
        "我们7/24小时为您服务。",
        "12月12期免息，欢迎办理。",
        "按1了解详情。",
    ],
)
def test_a_pitch_states_no_date(reply: str) -> None:
    ch = DATE_EN if reply.isascii() else DATE_ZH
    assert score_reply(ch, reply, TODAY)[0] not in (AnswerFit.CORRECT, AnswerFit.PARTIAL)


@pytest.mark.parametrize(
    "reply", ["the second and final notice", "for the first time", "24/7", "1/2 off", "12月12期"]
)
def test_ordinals_before_a_noun_counts_and_fractions_are_no_day(reply: str) -> None:
    assert read_date(reply).day is None


@pytest.mark.parametrize(
    "reply", ["Um, the thirtieth?", "It's the thirtieth, I think.", "The 30th.", "11/30."]
)
def test_a_day_that_ends_what_is_said_is_still_read(reply: str) -> None:
    assert read_date(reply).day == 30


# 3: callees' questions are no challenges, in either language.
@pytest.mark.parametrize(
    "prompt",
    [
        "Who is this, and why are you calling me?",
        "Who are you and why are you calling?",
        "Who are you with, and what are you calling about?",
        "你是谁？为什么打给我？",
        "您找哪家银行办的卡？",
        "我的验证码是472913，你们要这个干什么？",
        "The verification code is 4 8 2 9 1 3, why do you need it?",
        "验证码我收到了，是 8 3 0 5，然后呢？",
        "Let me read back the number: 555 0199.",
        "Sorry, say that number again? 555 0199?",
        "Can you repeat that? Was it 1-800-555-0199?",
        "你刚才说的号码是400-123-4567吗？",
        "复述一下您的来意，我们的热线是12345。",
        "Please say your name and the number you are calling from, for example 205.",
    ],
)
def test_callee_questions_are_not_challenges(prompt: str) -> None:
    assert recognise_challenge(prompt) is None


def test_a_time_limit_in_a_robot_question_is_no_number() -> None:
    ch = recognise_challenge("你是机器人吗？请在3秒内回答，复述无效，编号1234。")
    assert ch is not None and ch.kind is ChallengeKind.ARE_YOU_A_BOT


# 4 and 5: number prompts without a colon; prompts the audit found missed.
@pytest.mark.parametrize(
    ("prompt", "kind", "digits"),
    [
        ("请在3秒内说出四七一九", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("请在3秒内说出这个数字四七一九", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("Within 5 seconds, please say 4 7 1 9.", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("Please say 4 7 1 9.", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("请说出：四七一九", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("请念出：四七一九", ChallengeKind.REPEAT_NUMBER, "4719"),
        ("请把这个号码倒过来念一遍，5秒内：一二三四五六", ChallengeKind.REVERSE_DIGITS, "654321"),
        ("What's the date today?", ChallengeKind.DATE, ""),
        ("今天是什么日期？", ChallengeKind.DATE, ""),
        ("Who's this call for?", ChallengeKind.WHO_FOR, ""),
        ("Who do you need?", ChallengeKind.WHO_FOR, ""),
    ],
)
def test_prompts_are_recognised(prompt: str, kind: ChallengeKind, digits: str) -> None:
    ch = recognise_challenge(prompt)
    assert ch is not None and ch.kind is kind, prompt
    assert ch.expected_digits == digits


# 8: a person who answers the robot part of a combined prompt reacts to the question.
@pytest.mark.parametrize(
    ("prompt", "reply"),
    [
        ("为确认您不是机器人，请说出这个数字：8 3 0 5", "我是真人！"),
        ("为确认您不是机器人，请说出这个数字：8 3 0 5", "不是，我不是机器人。"),
        (
            "To confirm you are not a robot, please say this number: 8 3 0 5.",
            "No, I am a real person.",
        ),
    ],
)
def test_answering_the_robot_part_is_no_talking_past(prompt: str, reply: str) -> None:
    ch = recognise_challenge(prompt)
    assert ch is not None and ch.kind is ChallengeKind.REPEAT_NUMBER
    assert score_reply(ch, reply, TODAY)[0] is AnswerFit.ENGAGED


def test_the_audits_bots_stay_bots() -> None:
    solar = transcript(
        "bot_en_solar",
        [
            (
                WHO_EN.prompt,
                "Hi, we're looking for the homeowner to offer a free solar panel inspection.",
            ),
            (DATE_EN.prompt, "This is the second and final notice about your eligibility."),
            (
                "To show you're not a recording, please say this number: 4 7 1 9.",
                "Press one now to speak with our partner agency.",
            ),
        ],
    )
    loan = transcript(
        "bot_zh_loan",
        [
            (WHO_ZH.prompt, "您好，我叫小李，是平安普惠的客户经理，给您推荐一款低息贷款。"),
            (DATE_ZH.prompt, "活动截止到十一月三十，名额有限。"),
            (
                "为确认您不是自动外呼，请跟我读这个数字：四七一九。",
                "我们7/24小时为您服务，请拨打400-123-4567。",
            ),
        ],
        opening="喂，您好。",
    )
    evasive = transcript(
        "bot_en_ai_evasive",
        [
            (WHO_EN.prompt, "Amazon Customer Service."),
            (DATE_EN.prompt, "For the first time, you can lower your interest rate."),
            ("Please repeat these digits: 4 7 1 9.", "Our agents are available 24/7, press one."),
        ],
    )
    for call in (solar, loan, evasive):
        assert judge(call).verdict is Verdict.BOT, call.call_id


def test_a_parrot_bot_is_no_person() -> None:
    prompts = [WHO_ZH.prompt, DATE_ZH.prompt, "为确认您不是自动外呼，请跟我读这个数字：四七一九。"]
    res = judge(transcript("bot_zh_echo", [(p, p) for p in prompts], opening="喂，您好。"))
    assert res.verdict is not Verdict.HUMAN
    ch = recognise_challenge(DATE_ZH.prompt)
    assert ch is not None and score_reply(ch, "几号？", TODAY)[0] is AnswerFit.ENGAGED


def test_a_callee_asking_questions_is_not_drifted_to_bot() -> None:
    turns = (
        Turn(Speaker.CALLER, "Hi, good morning.", 0.3, 1.2),
        Turn(Speaker.CALLEE, "Who is this, and why are you calling me?", 1.8, 3.6),
        Turn(
            Speaker.CALLER, "It's John from Acme Plumbing, about the quote you asked for.", 4.4, 7.5
        ),
        Turn(Speaker.CALLEE, "Sorry, who are you with, and what are you calling about?", 8.3, 10.6),
        Turn(Speaker.CALLER, "Acme Plumbing, ma'am. About the leak in your kitchen.", 11.9, 14.8),
    )
    assert judge(Transcript("hum_en_callee_twice", turns, start_time=START)).challenges == 0


# 7: the milliseconds warning. The times are the test's subject, so each turn's are given here.
def _rec(cid: str, times: list[tuple[float, float]]) -> dict:
    texts = [
        "Hello?",
        "Who are you calling for?",
        "Sarah, please.",
        "What is today's date?",
        "The 30th.",
    ]
    return {
        "call_id": cid,
        "start_time": "2026-11-30T02:00:00+00:00",
        "turns": [
            {"speaker": "assistant" if i % 2 else "caller", "text": t, "start_s": a, "end_s": b}
            for i, (t, (a, b)) in enumerate(zip(texts, times, strict=True))
        ],
    }


def test_the_milliseconds_warning_spares_offsets_and_long_calls(tmp_path: Path) -> None:
    recs = [
        _rec("offset", [(20000.3 + 2 * i, 20001.0 + 2 * i) for i in range(5)]),
        _rec("long75", [(0.3, 1.0), (1.5, 3.0), (3.5, 5.0), (5.5, 7.0), (4500.0, 4502.0)]),
        _rec("ms_short", [(0, 600), (700, 1500), (1600, 2400), (2500, 3000), (3100, 3500)]),
    ]
    res = screen(tmp_path, recs)
    assert res.exit_code == 0, res.output
    assert "1 of 3 calls" in res.output and "milliseconds" in res.output
    assert "are they?" in res.output


# Audit 6 (after d40e2ef): a mailing list's address is no one named.
@pytest.mark.parametrize(
    "reply",
    [
        "Current Resident.",
        "Business Owner.",
        "Medicare Beneficiary.",
        "Card Member.",
        "Policy Holder.",
        "Account Holder.",
        "Resident.",
    ],
)
def test_an_address_for_whoever_answers_names_no_one(reply: str) -> None:
    assert not names_someone(reply)
    assert score_reply(WHO_EN, reply, TODAY)[0] is not AnswerFit.CORRECT


def test_a_bot_greeting_current_resident_stays_a_bot() -> None:
    """Audit 6: judged bot 3.0 on 8a9c9dc, human -2.0 on d40e2ef (the greeting read as a
    bare name, a scripted due date as today's)."""
    for greeting in ("Current Resident.", "Account Holder.", "Policy Holder."):
        call = transcript(
            "bare",
            [
                (WHO_EN.prompt, greeting),
                (DATE_EN.prompt, "Your payment was due on the 30th."),
                ("Please say this number: 4 7 1 9.", "Please hold for an agent."),
            ],
        )
        assert judge(call).verdict is Verdict.BOT, greeting

"""Trick challenges, leftovers of the audit settled in session 17 (issue 5; docs/screening.md,
"Leftovers settled"): a polite refusal of the reversal reads alike in Chinese and English,
and a denial of the nonsense premise that goes on with the caller's offer is a pivot back to
business, while people who deny it and state their own business still query it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callwarden.screening.challenge import AnswerFit, Challenge, ChallengeKind, score_reply
from callwarden.screening.judge import JudgeConfig, judge
from callwarden.screening.reasons import ReasonCode, Verdict, render
from callwarden.screening.transcript import Speaker, Transcript, Turn
from callwarden.sim import screening_content as SC

START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
REV_ZH = Challenge(
    ChallengeKind.REVERSE_DIGITS, "请把这个号码倒过来念一遍：三八一七二六。", "627183"
)
REV_EN = Challenge(
    ChallengeKind.REVERSE_DIGITS, "Please say this number backwards: 3 8 1 7 2 6.", "627183"
)
NONSENSE_ZH = Challenge(ChallengeKind.NONSENSE, "你是为我那只紫色大象的保险打来的吗？")
NONSENSE_EN = Challenge(ChallengeKind.NONSENSE, "Is this about my purple elephant's insurance?")
OPEN = {
    "zh": (("assistant", "您好，请问您找谁？", 0.0, 2.0), ("caller", "我找张伟。", 2.8, 4.0)),
    "en": (
        ("assistant", "Hello, who are you calling for?", 0.0, 2.5),
        ("caller", "I'm calling for Zhang Wei.", 3.3, 5.0),
    ),
}
CFG = JudgeConfig()


def _t(*turns: tuple[str, str, float, float]) -> Transcript:
    return Transcript(
        "c1", tuple(Turn(Speaker(s), x, a, b) for s, x, a, b in turns), start_time=START
    )


def _trick_reason(lang: str, ch: Challenge, reply: str):  # type: ignore[no-untyped-def]
    res = judge(_t(*OPEN[lang], ("assistant", ch.prompt, 5.0, 8.0), ("caller", reply, 9.0, 11.0)))
    return next(r for r in res.reasons if r.evidence.get("challenge") == ch.kind.value), res


# 1. A polite refusal to reverse the digits is a refusal in both languages.


@pytest.mark.parametrize(
    ("lang", "ch", "reply"),
    [
        ("zh", REV_ZH, "不好意思，这个我不太方便念。"),
        ("zh", REV_ZH, "这个我不太方便念"),
        ("zh", REV_ZH, "我不太想念这个。"),
        ("en", REV_EN, "Sorry, I'd rather not."),
    ],
)
def test_a_polite_refusal_to_reverse_reads_alike_in_both_languages(
    lang: str, ch: Challenge, reply: str
) -> None:
    fit, ev = score_reply(ch, reply, None)
    assert fit is AnswerFit.ENGAGED and ev.get("engaged") == "topical", (reply, fit, ev)
    r, _ = _trick_reason(lang, ch, reply)
    assert (r.code, r.weight) == (ReasonCode.CHALLENGE_ENGAGED, CFG.w_engaged)


def test_the_hardened_agents_refusals_weigh_the_same_in_zh_and_en() -> None:
    """The simulator's agents prompted against tricks: each wording, zh and en, one reading."""
    weights = {
        (lang, reply): _trick_reason(lang, REV_ZH if lang == "zh" else REV_EN, reply)[0].weight
        for lang, replies in SC.AGENT_HARDENED_REVERSE.items()
        for reply in replies
    }
    assert set(weights.values()) == {CFG.w_engaged}, weights


# 3. A denial of the premise followed by the caller's own offer goes back to its business.


@pytest.mark.parametrize(
    ("lang", "ch", "reply"),
    [
        ("zh", NONSENSE_ZH, "不是的，我们是为您提供优惠贷款服务的。"),
        ("zh", NONSENSE_ZH, "没有，我这边是给您推荐一款低息贷款。"),
        ("en", NONSENSE_EN, "No, we're calling about a low-rate loan offer."),
        ("en", NONSENSE_EN, "No, this is about a special discount on your plan."),
        ("zh", NONSENSE_ZH, "不是的，我们这边可以给您提额到五万。"),
        ("en", NONSENSE_EN, "No, we can raise your credit limit today."),
    ],
)
def test_a_denial_then_the_callers_offer_is_a_pivot(lang: str, ch: Challenge, reply: str) -> None:
    r, res = _trick_reason(lang, ch, reply)
    assert r.code is ReasonCode.TRICK_PLAYED_ALONG and r.evidence.get("pivots"), r
    assert r.weight == CFG.w_played_along
    assert "went back to its business" in render(r, "en") and "转回" in render(r, "zh")
    assert res.verdict is not Verdict.HUMAN, res  # a right who-for answer no longer settles it


@pytest.mark.parametrize(
    ("ch", "reply"),
    [
        # people who deny the premise and state their own business
        (NONSENSE_ZH, "不是，我送快递的。"),
        (NONSENSE_ZH, "不是，我是他班主任，想说一下孩子的情况。"),
        (NONSENSE_ZH, "不是，我是银行的，跟您确认一笔消费。"),
        # a bank's business nouns (贷款, 银行, 还款; loan, bank, repayment) are not a pitch
        # (audit 2, D4: these read as a pivot, +2, at 4e230a0)
        (NONSENSE_ZH, "不是的，我是银行的，想跟您确认一下贷款还款的事。"),
        (NONSENSE_ZH, "不是，我是信用卡中心的，您这个月的分期账单还没还。"),
        (NONSENSE_EN, "No, I'm from your bank, calling about your loan repayment."),
        (NONSENSE_EN, "No, it's about the interest rate on your account."),
        (NONSENSE_ZH, "没有啊，我哪有什么大象的保险。"),
        (NONSENSE_ZH, "不是，什么优惠？我找张伟。"),
        (NONSENSE_EN, "No, wrong number I think."),
        (NONSENSE_EN, "No, I've got a package for John."),
        (NONSENSE_EN, "No, I'm just calling to see if John is free tonight."),
        (NONSENSE_EN, "No, I don't have any elephant insurance."),
        (NONSENSE_EN, "No, it's about his appointment tomorrow."),
    ],
)
def test_people_who_deny_and_state_their_business_still_query(ch: Challenge, reply: str) -> None:
    fit, ev = score_reply(ch, reply, None)
    assert fit is AnswerFit.ENGAGED and not ev.get("pivots"), (reply, fit, ev)


def test_the_simulated_peoples_replies_to_tricks_keep_their_reading() -> None:
    """No line a simulated person says to a trick is read as a pivot or, for the reversal,
    as talking past it (sim/screening_content.py)."""
    premise = {"zh": "大象", "en": "elephant"}
    fills = {"name": "张伟", "name_en": "John"}
    for lang, ch in (("zh", NONSENSE_ZH), ("en", NONSENSE_EN)):
        pools = (SC.HUMAN_NONSENSE_QUERY, SC.HUMAN_NONSENSE_LAUGH, SC.HUMAN_NONSENSE_CONFUSED)
        for pool in pools:
            for line in pool[lang]:
                fit, ev = score_reply(ch, line.format(premise=premise[lang]), None)
                assert fit is AnswerFit.ENGAGED, (line, fit, ev)
        for line in SC.HUMAN_OFF_TOPIC[lang]:
            assert not score_reply(ch, line.format(**fills), None)[1].get("pivots"), line
    for lang, ch in (("zh", REV_ZH), ("en", REV_EN)):
        for line in SC.HUMAN_REVERSE_ENGAGED[lang]:
            assert score_reply(ch, line, None)[0] is AnswerFit.ENGAGED, line

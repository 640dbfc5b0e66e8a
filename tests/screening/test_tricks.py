"""Trick challenges against LLM-style agents: say a number backwards, a nonsense question."""

from datetime import UTC, date, datetime

import pytest

from callwarden.screening.challenge import (
    AnswerFit,
    Challenge,
    ChallengeKind,
    recognise_challenge,
    score_reply,
)
from callwarden.screening.judge import JudgeConfig, judge, screen_batch
from callwarden.screening.reasons import ReasonCode, Verdict, render
from callwarden.screening.transcript import Speaker, Transcript, Turn, transcript_from_dict
from callwarden.sim.screening import simulate_screening

TODAY = date(2026, 11, 28)
START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 on the 28th in Beijing


@pytest.mark.parametrize(
    ("prompt", "kind", "expected"),
    [
        ("把这个号码倒过来念：3 8 1 7 2 6", ChallengeKind.REVERSE_DIGITS, "627183"),
        ("请把这个号码倒过来念一遍：三八一七二六。", ChallengeKind.REVERSE_DIGITS, "627183"),
        ("say 381726 backwards", ChallengeKind.REVERSE_DIGITS, "627183"),
        (
            "Can you read these digits in reverse order: 3 8 1 7 2 6?",
            ChallengeKind.REVERSE_DIGITS,
            "627183",
        ),
        ("你是为我那只紫色大象的保险打来的吗？", ChallengeKind.NONSENSE, ""),
        ("Is this about my purple elephant's insurance?", ChallengeKind.NONSENSE, ""),
        # The classic challenges read as before.
        ("请跟我读这个数字：三七零九。", ChallengeKind.REPEAT_NUMBER, "3709"),
        ("Please repeat these digits: 4 0 1 7.", ChallengeKind.REPEAT_NUMBER, "4017"),
        ("请问今天是几号？", ChallengeKind.DATE, ""),
    ],
)
def test_trick_challenges_are_recognised_in_both_languages(
    prompt: str, kind: ChallengeKind, expected: str
) -> None:
    ch = recognise_challenge(prompt)
    assert ch is not None and ch.kind is kind
    assert ch.expected_digits == expected


def test_ordinary_talk_is_no_trick() -> None:
    for text in ("好的，谢谢，再见。", "您的快递到了，在家吗？", "喂，妈。", "Is John there?"):
        ch = recognise_challenge(text)
        assert ch is None or ch.kind not in (ChallengeKind.REVERSE_DIGITS, ChallengeKind.NONSENSE)


REV_ZH = Challenge(
    ChallengeKind.REVERSE_DIGITS, "请把这个号码倒过来念一遍：三八一七二六。", "627183"
)
REV_EN = Challenge(
    ChallengeKind.REVERSE_DIGITS, "Please say this number backwards: 3 8 1 7 2 6.", "627183"
)


@pytest.mark.parametrize(
    ("ch", "reply", "fit", "extra"),
    [
        # right: in numerals, digits or words; a pitch after the digits does not spoil it
        (REV_ZH, "六二七一八三", AnswerFit.CORRECT, {"hesitant": False}),
        (
            REV_ZH,
            "好的，倒过来是六二七一八三。那我继续跟您说，每个月只要十九元。",
            AnswerFit.CORRECT,
            {},
        ),
        (REV_EN, "6 2 7 1 8 3", AnswerFit.CORRECT, {"hesitant": False}),
        (REV_EN, "six two seven one eight three", AnswerFit.CORRECT, {}),
        # right, with pauses or a filler: hesitant
        (REV_ZH, "呃，六二七……一八三", AnswerFit.CORRECT, {"hesitant": True}),
        (REV_EN, "oh, 6 2 7... 1 8 3", AnswerFit.CORRECT, {"hesitant": True}),
        # wrong: two digits swapped, one dropped, said forwards, given up part-way
        (REV_ZH, "六七二一八三", AnswerFit.PARTIAL, {}),
        (REV_ZH, "六二七八三", AnswerFit.PARTIAL, {}),
        (REV_ZH, "三八一七二六", AnswerFit.PARTIAL, {"said_forwards": True}),
        (REV_ZH, "嗯……六二七……后面忘了。", AnswerFit.PARTIAL, {}),
        (REV_EN, "6 2 7... I lost it.", AnswerFit.PARTIAL, {}),
        # a query or refusal
        (REV_ZH, "什么？倒过来念？", AnswerFit.ENGAGED, {"engaged": "topical"}),
        (REV_EN, "What? Backwards?", AnswerFit.ENGAGED, {"engaged": "topical"}),
        (REV_EN, "I can't do that, it's too long.", AnswerFit.ENGAGED, {"engaged": "topical"}),
        # ignored: the pitch goes on
        (
            REV_ZH,
            "您有一笔50万的无抵押贷款可以领取，只需要先交一笔解冻金验证还款能力。",
            AnswerFit.OFF_TOPIC,
            {},
        ),
        (REV_EN, "", AnswerFit.SILENT, {}),
    ],
)
def test_reverse_replies(ch: Challenge, reply: str, fit: AnswerFit, extra: dict) -> None:
    got, ev = score_reply(ch, reply, TODAY)
    assert got is fit, (reply, ev)
    for k, v in extra.items():
        assert ev.get(k) == v, (reply, ev)


NONSENSE_ZH = Challenge(ChallengeKind.NONSENSE, "你是为我那只紫色大象的保险打来的吗？")
NONSENSE_EN = Challenge(ChallengeKind.NONSENSE, "Is this about my purple elephant's insurance?")


@pytest.mark.parametrize(
    ("ch", "reply", "fit", "accepts"),
    [
        # a person queries the premise, laughs or denies it
        (NONSENSE_ZH, "啊？什么大象？", AnswerFit.ENGAGED, None),
        (NONSENSE_ZH, "呃，什么？", AnswerFit.ENGAGED, None),
        (NONSENSE_ZH, "哈哈，你打错了吧。", AnswerFit.ENGAGED, None),
        (NONSENSE_ZH, "不是，我送快递的。", AnswerFit.ENGAGED, None),
        (NONSENSE_EN, "um, What elephant?", AnswerFit.ENGAGED, None),
        (NONSENSE_EN, "What are you talking about?", AnswerFit.ENGAGED, None),
        (NONSENSE_EN, "Haha, no.", AnswerFit.ENGAGED, None),
        # an agent takes it up, short or going on with the pitch
        (NONSENSE_ZH, "对对对，就是那个。", AnswerFit.OFF_TOPIC, True),
        (
            NONSENSE_ZH,
            "是的，关于您说的这个问题，我们最近有一款百万医疗险活动，每个月只要十九元。",
            AnswerFit.OFF_TOPIC,
            True,
        ),
        (
            NONSENSE_EN,
            "Yes, regarding that, every month it's only 19 dollars and covers hospital fees.",
            AnswerFit.OFF_TOPIC,
            True,
        ),
        (NONSENSE_EN, "Sure, I understand.", AnswerFit.OFF_TOPIC, True),
        # or brushes it aside into the pitch, or says a stock line (not a query of the premise)
        (
            NONSENSE_ZH,
            "不好意思，我这边是平安的，每个月只要十九元，住院医疗费用都可以报销。",
            AnswerFit.OFF_TOPIC,
            False,
        ),
        (NONSENSE_ZH, "好的呢，那您看什么时候方便呢？", AnswerFit.OFF_TOPIC, True),
        (NONSENSE_ZH, "您先别着急，听我说完好吗？", AnswerFit.OFF_TOPIC, False),
        # generic confusion weighs nothing either way
        (NONSENSE_ZH, "嗯？没听清。", AnswerFit.ENGAGED, None),
        (NONSENSE_EN, "", AnswerFit.SILENT, None),
    ],
)
def test_nonsense_replies(ch: Challenge, reply: str, fit: AnswerFit, accepts: bool | None) -> None:
    got, ev = score_reply(ch, reply, TODAY)
    assert got is fit, (reply, ev)
    if accepts is not None:
        assert ev.get("accepts_premise") is accepts, (reply, ev)
    if reply == "嗯？没听清。":
        assert ev.get("engaged") == "confused"


def _t(*turns: tuple[str, str, float, float], start: datetime | None = START) -> Transcript:
    return Transcript(
        "c1", tuple(Turn(Speaker(s), x, a, b) for s, x, a, b in turns), start_time=start
    )


def _codes(res) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(r.code) for r in res.reasons]


AGENT = (
    ("caller", "您好，这里是平安保险，我们最近有一款百万医疗险活动。", 0.3, 6.0),
    ("assistant", "请问您找哪位？", 6.5, 8.0),
    (
        "caller",
        "您好，我这边是找张伟的，我是平安的工作人员。是这样的，每个月只要十九元。",
        9.1,
        16.0,
    ),
    ("assistant", "请问今天是几号？", 16.5, 18.0),
    ("caller", "今天是11月28日，星期六。是这样的，住院医疗费用都可以报销。", 19.2, 25.0),
    ("assistant", "请重复一遍这几个数字：三七零九。", 25.5, 28.0),
    ("caller", "好的，三七零九。是这样的，现在办理还赠送一年的意外险。", 29.1, 34.0),
    ("assistant", "请把这个号码倒过来念一遍：三八一七二六。", 34.5, 38.0),
    ("caller", "好的，倒过来是六二七一八三。是这样的，您看要不要给您预留一个名额？", 39.2, 45.0),
    ("assistant", "你是为我那只紫色大象的保险打来的吗？", 45.5, 49.0),
    (
        "caller",
        "是的，关于您说的这个问题，那我稍后让专属顾问加您微信，把详细资料发给您。",
        50.1,
        57.0,
    ),
)


def test_an_agent_that_answers_everything_is_exposed_by_the_tricks() -> None:
    res = judge(_t(*AGENT))
    assert res.verdict is Verdict.BOT, res
    codes = _codes(res)
    assert ReasonCode.TRICK_SUPERHUMAN in codes and ReasonCode.TRICK_PLAYED_ALONG in codes
    sup = next(r for r in res.reasons if r.code is ReasonCode.TRICK_SUPERHUMAN)
    assert sup.evidence["latency_s"] == 1.2 and sup.evidence["digits_asked"] == 6
    # Its three right answers stay listed, discounted to nothing.
    answered = [r for r in res.reasons if r.code is ReasonCode.CHALLENGE_ANSWERED]
    assert len(answered) == 3 and all(r.weight == 0 and r.evidence["discounted"] for r in answered)
    for r in res.reasons:
        assert render(r, "en") != str(r.code) and render(r, "zh") != str(r.code)
    # Without the tricks the same agent passes as a person (the gap they close).
    assert judge(_t(*AGENT[:7])).verdict is Verdict.HUMAN


def test_superhuman_needs_speed_fluency_and_timings() -> None:
    slow = list(AGENT)
    slow[8] = ("caller", slow[8][1], 41.5, 47.0)  # 3.5 s to begin: a person working it out
    res = judge(_t(*slow))
    assert ReasonCode.TRICK_SUPERHUMAN not in _codes(res)
    rev = next(r for r in res.reasons if r.evidence.get("challenge") == "reverse_digits")
    assert rev.code is ReasonCode.CHALLENGE_ANSWERED
    assert rev.weight == JudgeConfig().w_reverse_correct
    hesitant = list(AGENT)
    hesitant[8] = (
        "caller",
        "嗯，六二七……一八三。是这样的，您看要不要给您预留一个名额？",
        39.2,
        45.0,
    )
    assert ReasonCode.TRICK_SUPERHUMAN not in _codes(judge(_t(*hesitant)))
    untimed = tuple((s, x, None, None) for s, x, _, _ in AGENT)
    assert ReasonCode.TRICK_SUPERHUMAN not in _codes(judge(_t(*untimed)))  # type: ignore[arg-type]
    # A digit lost to the recogniser still reads as the agent's exact reversal.
    asr = list(AGENT)
    asr[8] = (
        "caller",
        "好的，倒过来是六二七八三。是这样的，您看要不要给您预留一个名额？",
        39.2,
        45.0,
    )
    assert ReasonCode.TRICK_SUPERHUMAN in _codes(judge(_t(*asr)))


def test_a_person_who_answers_and_then_balks_at_the_tricks_is_human() -> None:
    tr = _t(
        ("caller", "喂，你好，李娜是吧？有你个快递，在家吗？", 0.4, 5.0),
        ("assistant", "请问您找哪位？", 5.6, 7.0),
        ("caller", "呃，李娜，是这个号吧？", 8.2, 10.0),
        ("assistant", "请问今天是几号？", 10.6, 12.0),
        ("caller", "嗯……二十八号吧？", 13.5, 15.0),
        ("assistant", "请把这个号码倒过来念一遍：三八一七二六。", 15.6, 19.0),
        ("caller", "啊？倒过来念？", 19.6, 21.0),
        ("assistant", "你是为我那只紫色大象的保险打来的吗？", 21.5, 25.0),
        ("caller", "什么大象？你说啥呢？", 25.5, 27.5),
    )
    res = judge(tr)
    assert res.verdict is Verdict.HUMAN
    assert ReasonCode.TRICK_SUPERHUMAN not in _codes(res)
    assert ReasonCode.TRICK_PLAYED_ALONG not in _codes(res)


def test_an_english_person_who_tries_and_slips_is_human() -> None:
    tr = _t(
        ("caller", "Hi, this is the delivery driver, I've got a package for John.", 0.4, 4.0),
        ("assistant", "Who would you like to speak to?", 4.5, 6.5),
        ("caller", "uh, John, please.", 7.3, 8.5),
        ("assistant", "Please say this number backwards: 3 8 1 7 2 6.", 9.0, 12.0),
        ("caller", "um... 6 2 7... 8 1 3?", 14.8, 18.0),
        ("assistant", "Is this about my purple elephant's insurance?", 18.5, 21.0),
        ("caller", "What elephant?", 21.6, 22.6),
    )
    res = judge(tr)
    assert res.verdict is Verdict.HUMAN
    assert ReasonCode.CHALLENGE_PARTIAL in _codes(res)


def test_a_recording_that_plays_on_is_still_a_bot() -> None:
    pitch = "您好，这里是平安保险，我们最近有一款百万医疗险活动，每个月只要十九元。"
    tr = _t(
        ("caller", pitch, 0.3, 6.0),
        ("assistant", "请把这个号码倒过来念一遍：三八一七二六。", 6.5, 10.0),
        ("caller", "现在办理还赠送一年的意外险，您看要不要给您预留一个名额？", 10.5, 16.0),
        ("assistant", "你是为我那只紫色大象的保险打来的吗？", 16.5, 20.0),
        ("caller", "那我稍后让专属顾问加您微信，把详细资料发给您，祝您生活愉快。", 20.5, 26.0),
    )
    res = judge(tr)
    assert res.verdict is Verdict.BOT
    assert _codes(res).count(ReasonCode.CHALLENGE_IGNORED) == 2


def _rates(recs: list[dict], style: set[str] | None = None) -> tuple[float, float]:
    res = screen_batch([transcript_from_dict(r) for r in recs], use_batch_scripts=False)
    bots = [
        x.verdict
        for r, x in zip(recs, res, strict=True)
        if r["caller_kind"] == "bot" and (style is None or r["bot_style"] in style)
    ]
    hum = [x.verdict for r, x in zip(recs, res, strict=True) if r["caller_kind"] == "human"]
    return (
        sum(v is Verdict.BOT for v in bots) / max(1, len(bots)),
        sum(v is Verdict.BOT for v in hum) / max(1, len(hum)),
    )


def test_tricks_are_asked_only_after_a_right_classic_answer() -> None:
    recs = simulate_screening(300, seed=7, agent_share=0.3)
    asked = 0
    for r in recs:
        tr = transcript_from_dict(r)
        kinds = [
            ch.kind
            for t in tr.turns
            if t.speaker is Speaker.ASSISTANT and (ch := recognise_challenge(t.text)) is not None
        ]
        tricks = [k for k in kinds if k in (ChallengeKind.REVERSE_DIGITS, ChallengeKind.NONSENSE)]
        asked += bool(tricks)
        if r["bot_style"] in ("recorded", "turn_taking"):
            assert not tricks  # they answer nothing, so the assistant has no need
        assert kinds[: len(kinds) - len(tricks)] == [k for k in kinds if k not in tricks]
    assert asked > 100


def _cut_tricks(rec: dict) -> dict:
    """The same call as heard up to its first trick question (tricks come last)."""
    turns = []
    for t in rec["turns"]:
        ch = recognise_challenge(t["text"]) if t["speaker"] == "assistant" else None
        if ch is not None and ch.kind in (ChallengeKind.REVERSE_DIGITS, ChallengeKind.NONSENSE):
            break
        turns.append(t)
    return {**rec, "turns": turns}


def test_per_call_figures_with_and_without_tricks() -> None:
    """Per call, seed 11 (nothing was set on it), the same calls judged with and without their
    trick challenges: at the default mix the tricks cost scripted bots nothing and people at
    most half a point (docs/screening.md: +0.02 to +0.10 on seeds 2-4); with agents at 30 %
    of campaigns they catch far more agents. (+0.157 before session 23's date fix, +0.113
    after: "一号"/"二号" now read as days, and the simulated assistant asks its tricks only
    after reading a right answer, so the simulated calls themselves changed.)"""
    recs = simulate_screening(1500, seed=11)
    scripted = {"recorded", "turn_taking", "intent"}
    s0, h0 = _rates([_cut_tricks(r) for r in recs], scripted)
    s1, h1 = _rates(recs, scripted)
    assert s1 >= s0 - 0.005 and s1 >= 0.99
    assert h1 <= h0 + 0.005 and h1 <= 0.01
    agents = simulate_screening(1500, seed=11, agent_share=0.3)
    a0, _ = _rates([_cut_tricks(r) for r in agents], {"agent"})
    a1, _ = _rates(agents, {"agent"})
    assert a1 >= a0 + 0.10 and a1 >= 0.35

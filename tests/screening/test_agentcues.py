"""Evidence against LLM-style agents that answer the challenges: latency, fluency, templates."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

from callwarden.screening.agentcues import (
    campaign_evidence,
    challenge_replies,
    is_disfluent,
    length_units,
)
from callwarden.screening.challenge import ChallengeKind
from callwarden.screening.judge import judge, screen_batch
from callwarden.screening.reasons import ReasonCode, Verdict, render
from callwarden.screening.transcript import Speaker, Transcript, Turn, transcript_from_dict
from callwarden.sim.screening import simulate_screening

# 02:00 UTC on 28 Nov is the 28th in Beijing.
START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
OPENING = "您好，这里是平安保险，我们最近有一款百万医疗险活动，每个月只要十九元。"
PITCH = "那我继续跟您说，现在办理还赠送一年的意外险，您看要不要给您预留一个名额？"


PITCHES = (
    PITCH,
    "住院医疗费用都可以报销，社保不报的也能报，您看怎么样？",
    "稍后让专属顾问加您微信，把详细资料都发给您好吗？",
)


def _agent_call(
    call_id: str, lat: tuple[float, float, float], pitches: tuple[str, ...] = (PITCH,) * 3
) -> Transcript:
    q = [
        ("请问您找哪位？", "我找张伟，我是平安的客服。"),
        ("请问今天是几号？", "今天是11月28日，星期六。"),
    ]
    q.append(("请跟我读这个数字：三七零九。", "好的，三七零九。"))
    turns = [Turn(Speaker.CALLER, OPENING, 0.3, 8.0)]
    t = 8.5
    for (question, answer), d, pitch in zip(q, lat, pitches, strict=True):
        turns.append(Turn(Speaker.ASSISTANT, question, t, t + 2.0))
        turns.append(Turn(Speaker.CALLER, answer + pitch, t + 2.0 + d, t + 12.0))
        t += 13.0
    return Transcript(call_id, tuple(turns), start_time=START)


def _human_call() -> Transcript:
    turns = (
        Turn(Speaker.CALLER, "喂，你好，我找一下张伟。", 0.3, 3.0),
        Turn(Speaker.ASSISTANT, "请问您找哪位？", 3.5, 5.0),
        Turn(Speaker.CALLER, "呃，找张伟。", 5.4, 6.5),
        Turn(Speaker.ASSISTANT, "请问今天是几号？", 7.0, 8.5),
        Turn(Speaker.CALLER, "今天二十八号吧。", 10.6, 12.0),
    )
    return Transcript("h1", turns, start_time=START)


def codes(res) -> list[ReasonCode]:  # type: ignore[no-untyped-def]
    return [r.code for r in res.reasons]


def test_replies_and_their_latencies_are_paired_with_challenges() -> None:
    reps = challenge_replies(_agent_call("a", (1.0, 1.1, 0.9)))
    assert [k for k, _, _ in reps] == [
        ChallengeKind.WHO_FOR,
        ChallengeKind.DATE,
        ChallengeKind.REPEAT_NUMBER,
    ]
    assert [lat for _, lat, _ in reps] == [1.0, 1.1, 0.9]
    assert reps[1][2].startswith("今天是11月28日")


def test_steady_latency_and_fluency_flag_an_agent_not_a_person() -> None:
    agent = judge(_agent_call("a", (1.0, 1.1, 0.9)))
    assert ReasonCode.STEADY_LATENCY in codes(agent)
    assert ReasonCode.FLUENT_REPLIES in codes(agent)
    steady = next(r for r in agent.reasons if r.code is ReasonCode.STEADY_LATENCY)
    assert steady.evidence == {"spread_s": 0.2, "replies": 3}
    assert "0.2" in render(steady) and "秒" in render(steady, "zh")
    # Same words, but latencies a person has: no steady-latency reason.
    varied = judge(_agent_call("b", (0.3, 2.4, 1.0)))
    assert ReasonCode.STEADY_LATENCY not in codes(varied)
    person = judge(_human_call())
    assert ReasonCode.STEADY_LATENCY not in codes(person)
    assert ReasonCode.FLUENT_REPLIES not in codes(person)
    assert person.verdict is Verdict.HUMAN


def test_disfluency_and_length_units() -> None:
    assert is_disfluent("呃，找张伟。") and is_disfluent("um... it's the 5th")
    assert not is_disfluent("今天是11月28日，星期六。") and not is_disfluent(
        "Today is November 28."
    )
    assert length_units("今天是11月28日") == 7  # five characters and two numbers
    assert length_units("Today is November 28.") == 4


def test_same_answer_wording_across_a_campaign_outweighs_right_answers() -> None:
    calls = [_agent_call(f"a{i}", (1.0, 1.0 + i / 10, 1.05)) for i in range(4)]
    # Alone, an agent that answers everything right is not judged a bot.
    assert judge(calls[0]).verdict is not Verdict.BOT
    ev = campaign_evidence(calls)
    assert [e.calls for e in ev] == [4] * 4
    assert all(e.templated_replies == 3 for e in ev)
    res = screen_batch(calls)
    assert all(r.verdict is Verdict.BOT for r in res)
    assert all(ReasonCode.TEMPLATED_REPLY in codes(r) for r in res)
    # Without the batch evidence they are not.
    assert all(r.verdict is not Verdict.BOT for r in screen_batch(calls, use_batch_scripts=False))


def test_templates_are_read_from_the_answer_not_the_pitch_that_follows() -> None:
    answers = (
        "您好，我这边是找张伟的，我是平安保险的工作人员，有件事想跟您说一下。",
        "好的，今天是11月28日，星期六，请问还有什么可以帮您的吗？",
    )
    calls = []
    for i in range(4):  # each call goes on with other pitch segments after the same answers
        turns = [Turn(Speaker.CALLER, OPENING, 0.3, 8.0)]
        for j, (question, answer) in enumerate(
            zip(("请问您找哪位？", "请问今天是几号？"), answers, strict=True)
        ):
            t = 9.0 + 15.0 * j
            turns.append(Turn(Speaker.ASSISTANT, question, t, t + 2.0))
            pitch = PITCHES[(i + j) % 3]
            turns.append(Turn(Speaker.CALLER, answer + pitch, t + 3.0, t + 14.0))
        calls.append(Transcript(f"a{i}", tuple(turns), start_time=START))
    assert all(e.templated_replies == 2 for e in campaign_evidence(calls))
    # Comparing whole replies, the differing pitches hide the template.
    assert all(e.templated_replies == 0 for e in campaign_evidence(calls, head_units=200))


def test_short_replies_people_share_are_not_templates() -> None:
    # Four people open alike and all say "呃，找张伟。": too short to be a template.
    calls = [Transcript(f"h{i}", _human_call().turns, start_time=START) for i in range(4)]
    assert all(e.templated_replies == 0 for e in campaign_evidence(calls))
    assert campaign_evidence([]) == []


def test_simulated_agents_keep_a_steady_delay_people_do_not() -> None:
    recs = simulate_screening(1500, seed=11, agent_share=0.5)
    spreads: dict[str, list[float]] = {"agent": [], "human": []}
    early = 0
    for r in recs:
        kind = "human" if r["caller_kind"] == "human" else r["bot_style"]
        lats = [lat for _, lat, _ in challenge_replies(transcript_from_dict(r)) if lat is not None]
        early += kind == "human" and any(x < 0 for x in lats)
        if kind in spreads and len(lats) >= 2:
            spreads[kind].append(max(lats) - min(lats))
    assert len(spreads["agent"]) > 50 and len(spreads["human"]) > 200
    assert statistics.median(spreads["agent"]) < 0.3 < statistics.median(spreads["human"])
    assert early > 0  # people sometimes answer before the question has ended

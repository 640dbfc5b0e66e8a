"""``screen_with_recent``: a live call judged with the recent screened calls as its batch."""

from __future__ import annotations

from callwarden.screening.outcome import kept_turns, screen_calls, screen_with_recent
from callwarden.screening.reasons import ReasonCode, Verdict
from callwarden.screening.transcript import Speaker, Transcript, Turn, transcript_from_dict
from callwarden.sim.screening import simulate_screening

from .calls import START, WHO_ZH

# One recorded campaign's opening, played to every callee; the reply to the assistant's
# question talks past it (off topic: a bot's, but alone not enough for a verdict).
OPENING = (
    "您好，这里是城南花园售楼中心，我们最新推出的精装三居室首付只要三十万，地铁口现房即买即住。"
)
PITCH = "现在来访还有好礼相送，本周末特价房源限量发售，欢迎您来售楼处参观咨询。"


def _scripted(call_id: str, callee: str) -> Transcript:
    return Transcript(
        call_id=call_id,
        turns=(
            Turn(Speaker.CALLER, OPENING, 0.3, 9.0),
            Turn(Speaker.ASSISTANT, WHO_ZH.prompt, 9.6, 12.4),
            Turn(Speaker.CALLER, PITCH, 13.2, 21.0),
        ),
        caller="+8613170312792",
        callee=callee,
        start_time=START,
    )


def _person(call_id: str) -> Transcript:
    return Transcript(
        call_id=call_id,
        turns=(
            Turn(Speaker.CALLER, "喂，你好，是王磊家吗？", 0.2, 2.1),
            Turn(Speaker.ASSISTANT, WHO_ZH.prompt, 2.6, 5.4),
            Turn(
                Speaker.CALLER, "呃，我找王磊，我是他同事小李，跟他说一下明天开会的事。", 6.3, 11.0
            ),
        ),
        caller="+8613911112222",
        callee="+8613303021935",
        start_time=START,
    )


def test_two_recent_calls_of_the_campaign_make_the_call_a_bot() -> None:
    new = _scripted("live-3", "+8613303021935")
    alone = screen_calls([new], use_batch_scripts=False)[0]
    assert alone.result.verdict is not Verdict.BOT
    recent = [
        _scripted("live-1", "+8613303021000"),
        _person("p-1"),
        _scripted("live-2", "+8613303021001"),
    ]
    out = screen_with_recent(new, recent)
    assert out.result.verdict is Verdict.BOT
    shared = [r for r in out.result.reasons if r.code is ReasonCode.SCRIPT_SHARED_ACROSS_CALLS]
    assert shared and shared[0].evidence["calls"] == 3
    # one recent call of the campaign is not enough (3 calls share a script)
    assert screen_with_recent(new, recent[:2]).result.verdict is alone.result.verdict


def test_empty_window_is_the_call_judged_alone() -> None:
    for rec in simulate_screening(60, seed=3, agent_share=0.3):
        tr = transcript_from_dict(rec)
        assert screen_with_recent(tr, []) == screen_calls([tr], use_batch_scripts=False)[0]


def test_same_as_the_batch_of_recent_and_new() -> None:
    trs = [transcript_from_dict(r) for r in simulate_screening(150, seed=4, agent_share=0.3)]
    for i in (0, 1, 2, 40, 149):
        assert screen_with_recent(trs[i], trs[:i]) == screen_calls(trs[: i + 1])[i]
    batch = screen_calls(trs)
    # the recent calls as a screening row keeps them (the callee's words are not stored)
    kept = [
        Transcript(
            t.call_id,
            tuple(
                Turn(Speaker(k["speaker"]), k["text"], k["start_s"], k["end_s"])
                for k in kept_turns(t)
            ),
        )
        for t in trs[:149]
    ]
    assert screen_with_recent(trs[149], kept).result.verdict is batch[149].result.verdict

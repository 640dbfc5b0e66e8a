from datetime import UTC, datetime

from callwarden.screening.judge import judge, screen_batch
from callwarden.screening.reasons import ReasonCode, Verdict, render
from callwarden.screening.scripts import ScriptLibrary
from callwarden.screening.transcript import Speaker, Transcript, Turn

# 2026-11-28 02:00 UTC is 10:00 on the 28th in Beijing: the date a callee would say.
START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
PITCH = [
    "您好，这里是平安保险，我们最近有一款百万医疗险活动。",
    "每个月只要十九元，住院医疗费用都可以报销，社保不报的也能报。",
    "现在办理还赠送一年的意外险，您看要不要给您预留一个名额？",
    "那我稍后让专属顾问加您微信，把详细资料发给您。",
]


def _t(*turns: tuple[str, str, float, float]) -> Transcript:
    return Transcript(
        "c1", tuple(Turn(Speaker(s), x, a, b) for s, x, a, b in turns), start_time=START
    )


def codes(res) -> list[ReasonCode]:  # type: ignore[no-untyped-def]
    return [r.code for r in res.reasons]


def test_turn_taking_bot_that_ignores_every_challenge_is_a_bot() -> None:
    tr = _t(
        ("caller", PITCH[0], 0.3, 6.0),
        ("assistant", "请问您找哪位？", 6.5, 8.0),
        ("caller", PITCH[1], 8.5, 14.0),
        ("assistant", "请问今天是几号？", 14.5, 16.0),
        ("caller", PITCH[2], 16.4, 22.0),
        ("assistant", "请跟我读这个数字：三七零九。", 22.5, 25.0),
        ("caller", PITCH[3], 25.4, 30.0),
    )
    res = judge(tr)
    assert res.verdict is Verdict.BOT
    assert codes(res).count(ReasonCode.CHALLENGE_IGNORED) == 3
    assert ReasonCode.BARGE_IN not in codes(res)


def test_barge_in_is_detected_from_timing() -> None:
    tr = _t(
        ("caller", PITCH[0], 0.3, 6.0),
        ("assistant", "请问今天是几号？您好？", 6.5, 9.0),
        ("caller", PITCH[1], 6.8, 12.0),
    )
    res = judge(tr)
    barge = [r for r in res.reasons if r.code is ReasonCode.BARGE_IN]
    assert barge and barge[0].evidence["overlap_s"] == 2.2
    # A person's short "喂？" over the question is not barge-in.
    tr2 = _t(
        ("caller", "喂，你好，我找一下张伟。", 0.3, 3.0),
        ("assistant", "请问今天是几号？您好？", 3.5, 6.0),
        ("caller", "喂？", 4.0, 4.6),
        ("caller", "二十八号，怎么了？", 7.0, 9.0),
    )
    assert ReasonCode.BARGE_IN not in codes(judge(tr2))


def test_person_answering_imperfectly_is_human() -> None:
    tr = _t(
        ("caller", "喂，你好，李娜是吧？有你个快递，在家吗？", 0.4, 5.0),
        ("assistant", "请问您找哪位？", 5.6, 7.0),
        ("caller", "呃，李娜，是这个号吧？", 8.2, 10.0),
        ("assistant", "请问今天是几号？", 10.6, 12.0),
        ("caller", "嗯……二十七号吧？", 13.5, 15.0),
        ("assistant", "请跟我读这个数字：三七零九。", 15.6, 18.0),
        ("caller", "什么数字？没听清。", 19.0, 20.5),
    )
    res = judge(tr)
    assert res.verdict is Verdict.HUMAN
    assert res.bot_score < 0


def test_repeating_own_script_is_evidence() -> None:
    tr = _t(
        ("caller", PITCH[0], 0.3, 6.0),
        ("assistant", "请问您找哪位？", 6.5, 8.0),
        ("caller", PITCH[0], 8.5, 14.0),
    )
    assert ReasonCode.REPEATS_OWN_SCRIPT in codes(judge(tr))


def test_no_challenge_means_unsure_unless_other_evidence() -> None:
    tr = _t(
        ("caller", "喂，您好，您有个快递到了。", 0.3, 3.0), ("callee", "好的，放门口吧。", 3.5, 5.0)
    )
    res = judge(tr)
    assert res.verdict is Verdict.UNSURE and ReasonCode.NO_CHALLENGE in codes(res)


def test_known_campaign_script_with_small_edits_is_found() -> None:
    lib = ScriptLibrary()
    lib.add("ins-7", "".join(PITCH), "insurance")
    edited = PITCH[0].replace("平安", "泰康") + PITCH[1].replace("十九", "二十九")
    tr = _t(("caller", edited, 0.3, 8.0), ("callee", "喂？", 8.5, 9.0))
    res = judge(tr, library=lib)
    known = [r for r in res.reasons if r.code is ReasonCode.KNOWN_SCRIPT]
    assert known and known[0].evidence["script_id"] == "ins-7"


def test_batch_counts_shared_scripts() -> None:
    calls = [Transcript(f"c{i}", (Turn(Speaker.CALLER, "".join(PITCH)),)) for i in range(4)]
    calls.append(
        Transcript(
            "x", (Turn(Speaker.CALLER, "喂，是我啊，周末一起吃饭吗？到时候叫上老同学一起。"),)
        )
    )
    res = screen_batch(calls)
    assert all(ReasonCode.SCRIPT_SHARED_ACROSS_CALLS in codes(r) for r in res[:4])
    assert ReasonCode.SCRIPT_SHARED_ACROSS_CALLS not in codes(res[4])


def test_reasons_render_in_both_languages() -> None:
    tr = _t(
        ("caller", PITCH[0], 0.3, 6.0),
        ("assistant", "请问今天是几号？", 6.5, 9.0),
        ("caller", PITCH[1], 6.8, 12.0),
    )
    for r in judge(tr).reasons:
        assert render(r, "en") != str(r.code)
        assert render(r, "zh") != str(r.code)

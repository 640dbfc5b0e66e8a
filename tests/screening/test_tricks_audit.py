"""The trick challenges' audit (issue 5): a person judged a bot, cheap agent evasions, callee
talk read as a trick, damaged times. Each case here was judged wrongly at 324fcf6."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.errors import InputError
from callwarden.screening.challenge import (
    AnswerFit,
    Challenge,
    ChallengeKind,
    recognise_challenge,
    reversed_digits_said,
    score_reply,
)
from callwarden.screening.judge import JudgeConfig, judge
from callwarden.screening.reasons import ReasonCode, Verdict, render
from callwarden.screening.transcript import Speaker, Transcript, Turn, transcript_from_dict

START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
RZ = "请把这个号码倒过来念一遍：三八一七二六。"  # reversed: 627183
RE = "Please say this number backwards: 3 8 1 7 2 6."
OPEN_ZH = (
    ("assistant", "您好，请问您找谁？", 0.0, 2.0),
    ("caller", "我找张伟，我是他同事。", 2.8, 4.5),
)
OPEN_EN = (
    ("assistant", "Hello, who are you calling for?", 0.0, 2.5),
    ("caller", "Hi, I'm calling for Zhang Wei, I'm his colleague.", 3.3, 5.5),
)
CFG = JudgeConfig()


def _t(*turns: tuple[str, str, float | None, float | None]) -> Transcript:
    return Transcript(
        "c1", tuple(Turn(Speaker(s), x, a, b) for s, x, a, b in turns), start_time=START
    )


def _rev(res) -> object:  # type: ignore[no-untyped-def]
    return next(r for r in res.reasons if r.evidence.get("challenge") == "reverse_digits")


def _codes(res) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(r.code) for r in res.reasons]


# 1. The latency is the digits' own turn's, in a window, and finite.


@pytest.mark.parametrize(
    "reply",
    [
        # "好。" at once, the digits 3.5 s after the question: a person working it out
        (("caller", "好。", 8.6, 9.2), ("caller", "六二七一八三。", 12.5, 14.5)),
        (("caller", "好的。", 9.3, 9.8), ("caller", "六二七一八三。", 13.0, 15.0)),
        # one recogniser turn spoken far slower than speech: a pause inside it
        (("caller", "好的，六二七一八三。", 9.3, 15.0),),
        # digits run on over two turns: a pause the recogniser heard
        (("caller", "六二七", 9.8, 10.8), ("caller", "一八三。", 13.5, 14.5)),
        # begun before the question (and its last digit) had ended
        (("caller", "六二七一八三", 8.5, 11.0),),
    ],
)
def test_superhuman_times_the_digits_in_a_window(reply: tuple) -> None:
    res = judge(_t(*OPEN_ZH, ("assistant", RZ, 5.0, 9.0), *reply))
    assert ReasonCode.TRICK_SUPERHUMAN not in _codes(res), res
    assert res.verdict is not Verdict.BOT


def test_okay_then_digits_in_english_is_not_superhuman() -> None:
    res = judge(
        _t(
            *OPEN_EN,
            ("assistant", RE, 6.0, 10.0),
            ("caller", "Okay.", 10.3, 10.8),
            ("caller", "6 2 7 1 8 3.", 14.0, 16.0),
        )
    )
    assert ReasonCode.TRICK_SUPERHUMAN not in _codes(res)


def test_an_agents_reversal_in_its_own_turn_is_still_superhuman() -> None:
    res = judge(
        _t(
            *OPEN_ZH,
            ("assistant", RZ, 5.0, 9.0),
            ("caller", "好的，倒过来是六二七一八三。那我们继续说您的额度。", 9.8, 15.0),
        )
    )
    sup = next(r for r in res.reasons if r.code is ReasonCode.TRICK_SUPERHUMAN)
    assert sup.evidence["latency_s"] == 0.8


@pytest.mark.parametrize("bad", ["NaN", float("nan"), float("inf"), "-Infinity"])
def test_non_finite_turn_times_are_refused(bad: object) -> None:
    rec = {"call_id": "x", "turns": [{"speaker": "caller", "text": "喂", "start_s": bad}]}
    with pytest.raises(InputError, match="turn 0: start_s/end_s must be finite numbers"):
        transcript_from_dict(rec)


def test_nan_start_in_the_cli_is_one_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "t.jsonl"
    turns = [
        {"speaker": "assistant", "text": RZ, "start_s": 5, "end_s": 9},
        {"speaker": "caller", "text": "六二七一八三。", "start_s": "NaN", "end_s": 16},
    ]
    src.write_text(json.dumps({"call_id": "n", "turns": turns}, ensure_ascii=False) + "\n")
    out = tmp_path / "v.csv"
    res = CliRunner().invoke(app, ["screen", "--transcripts", str(src), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "finite" in res.output and "Traceback" not in res.output
    assert not out.exists() or "NaN" not in out.read_text()


# 2. The reversal is strong evidence, but a person's hesitations still count.


def test_an_accountant_who_hesitated_is_not_judged_bot_on_the_reversal_alone() -> None:
    res = judge(
        _t(
            ("assistant", "您好，请问您找谁？", 0.0, 2.0),
            ("caller", "呃，我找张伟，我是他会计。", 3.0, 5.0),
            ("assistant", "请问今天几号？", 5.5, 7.0),
            ("caller", "嗯，今天是二十八号吧。", 8.5, 10.0),
            ("assistant", RZ, 16.5, 20.0),
            ("caller", "六二七一八三。", 21.2, 23.0),
        )
    )
    assert ReasonCode.TRICK_SUPERHUMAN in _codes(res)
    assert res.verdict is not Verdict.BOT, res
    answered = [r for r in res.reasons if r.code is ReasonCode.CHALLENGE_ANSWERED]
    assert len(answered) == 2
    for r in answered:
        assert r.evidence["discounted"] and r.evidence["hesitant"]
        assert r.weight == CFG.w_hesitant_answer_after_superhuman < 0


def test_after_a_superhuman_reversal_fluent_answers_weigh_nothing_partial_ones_count() -> None:
    res = judge(
        _t(
            ("assistant", "您好，请问您找谁？", 0.0, 2.0),
            ("caller", "我找张伟。", 2.8, 4.0),
            ("assistant", "请问今天几号？", 5.5, 7.0),
            ("caller", "今天是十五号。", 7.8, 9.0),  # wrong day: partial
            ("assistant", RZ, 10.0, 14.0),
            ("caller", "六二七一八三。", 14.8, 16.5),
        )
    )
    w = {
        str(r.code): r.weight
        for r in res.reasons
        if r.evidence.get("challenge") != "reverse_digits"
    }
    assert w[ReasonCode.CHALLENGE_ANSWERED] == 0.0
    assert w[ReasonCode.CHALLENGE_PARTIAL] == CFG.w_partial


# 3. Cheap evasions earn no person's credit; readings the recogniser missed.


@pytest.mark.parametrize(
    ("reply", "lat"),
    [
        ("Um, 6 2 7 1 8 3.", 0.8),  # a filler before a perfect reversal
        ("6 2 7 1 8 3.", 2.1),  # waiting just past the window
        ("6 2 7 8 1 2.", 0.8),  # deliberately wrong digits, at once and fluently
        ("6 2 7 1 8 3.", None),  # no timings
    ],
)
def test_a_reversal_that_is_not_superhuman_is_little_or_no_credit(
    reply: str, lat: float | None
) -> None:
    if lat is None:
        turns = [(s, x, None, None) for s, x, _, _ in (*OPEN_EN, ("assistant", RE, 6.0, 10.0))]
        turns.append(("caller", reply, None, None))
    else:
        turns = [*OPEN_EN, ("assistant", RE, 6.0, 10.0), ("caller", reply, 10 + lat, 12 + lat)]
    rev = _rev(judge(_t(*turns)))
    assert rev.code is not ReasonCode.TRICK_SUPERHUMAN  # type: ignore[attr-defined]
    assert rev.weight >= -0.5, rev  # type: ignore[attr-defined]
    if lat is None or "8 1 2" in reply:
        assert rev.weight == 0.0  # type: ignore[attr-defined]


def test_digits_said_in_pairs_read_as_digits() -> None:
    ch = Challenge(ChallengeKind.REVERSE_DIGITS, RE, "627183")
    assert reversed_digits_said("sixty-two, seventy-one, eighty-three", "627183")[0] == "627183"
    assert score_reply(ch, "sixty-two, seventy-one, eighty-three", None)[0] is AnswerFit.CORRECT
    assert reversed_digits_said("sixty two, ten, nineteen", "621019")[0] == "621019"


@pytest.mark.parametrize(
    ("open_", "q", "ask", "again", "answer"),
    [
        (OPEN_EN, RE, "Sorry, which number?", "3 8 1 7 2 6.", "6 2 7 1 8 3."),
        (OPEN_ZH, RZ, "不好意思，哪个号码？", "三八一七二六。", "六二七一八三。"),
    ],
)
def test_a_reversal_asked_again_is_scored(
    open_: tuple, q: str, ask: str, again: str, answer: str
) -> None:
    res = judge(
        _t(
            *open_,
            ("assistant", q, 6.0, 10.0),
            ("caller", ask, 10.8, 11.8),
            ("assistant", again, 12.0, 14.0),
            ("caller", answer, 14.5, 16.0),
        )
    )
    assert ReasonCode.TRICK_SUPERHUMAN in _codes(res)
    first = next(r for r in res.reasons if r.evidence.get("asked_again"))
    assert first.weight == 0.0
    assert res.challenges == 2  # the repeat is the same challenge


# 4. Playing along with a nonsense premise, even while echoing it, is not a query.

NONSENSE_ZH = Challenge(ChallengeKind.NONSENSE, "你是为我那只紫色大象的保险打来的吗？")
NONSENSE_EN = Challenge(ChallengeKind.NONSENSE, "Is this about my purple elephant's insurance?")


@pytest.mark.parametrize(
    ("ch", "reply"),
    [
        (NONSENSE_ZH, "是的，关于您那只大象的保险，我们可以帮您处理。"),
        (NONSENSE_EN, "Yes, regarding your elephant's insurance, I can help."),
        (NONSENSE_ZH, "哈哈，您真幽默。那我们继续说贷款的事吧。"),
    ],
)
def test_an_echo_that_plays_along_is_played_along(ch: Challenge, reply: str) -> None:
    res = judge(_t(*OPEN_ZH, ("assistant", ch.prompt, 5.0, 8.0), ("caller", reply, 9.0, 11.0)))
    assert ReasonCode.TRICK_PLAYED_ALONG in _codes(res), res
    for r in res.reasons:
        assert render(r, "en") != str(r.code) and render(r, "zh") != str(r.code)


def test_an_echo_without_a_question_is_no_query() -> None:
    fit, ev = score_reply(NONSENSE_ZH, "您说的房子的事情我记下了。", None)
    assert fit is not AnswerFit.ENGAGED, ev


# 5. Polite people query or refuse; that is a person's reaction.


@pytest.mark.parametrize(
    ("ch", "reply"),
    [
        (NONSENSE_ZH, "好的，我不太明白您的意思。"),
        (NONSENSE_EN, "Right, what? I don't follow."),
        (NONSENSE_EN, "I have no idea what you mean."),
        (NONSENSE_EN, "I'm sorry, I think you have the wrong person."),
        (NONSENSE_ZH, "不好意思，你说的我听不懂"),
        (Challenge(ChallengeKind.REVERSE_DIGITS, RE, "627183"), "I can't do that."),
        (Challenge(ChallengeKind.REVERSE_DIGITS, RZ, "627183"), "我不会。"),
        (Challenge(ChallengeKind.REVERSE_DIGITS, RZ, "627183"), "做不到。"),
        (Challenge(ChallengeKind.REVERSE_DIGITS, RZ, "627183"), "这我倒不过来。"),
    ],
)
def test_polite_queries_and_refusals_are_engaged(ch: Challenge, reply: str) -> None:
    fit, ev = score_reply(ch, reply, None)
    assert fit is AnswerFit.ENGAGED and ev.get("engaged") == "topical", (reply, fit, ev)


# 6. A callee's everyday words are no trick: the call is judged as without tricks.


@pytest.mark.parametrize(
    "text",
    [
        "喂？妈妈不在家，我在玩恐龙的玩具。",
        "喂，我在看飞船发射直播呢，你找谁？",
        "我在看电视，讲月球上的事，你说吧。",
        "Hi, this is Anna at Unicorn Labs, who are you calling for?",
        "Sorry, I think I wrote your number reversed: 4 5 6 7. Who is this?",
    ],
)
def test_callee_talk_is_no_trick(text: str) -> None:
    ch = recognise_challenge(text)
    assert ch is None or ch.kind not in (ChallengeKind.NONSENSE, ChallengeKind.REVERSE_DIGITS)


def test_a_who_for_question_with_a_topic_word_keeps_its_answer() -> None:
    res = judge(
        _t(
            ("callee", "喂，我在看飞船发射直播呢，你找谁？", 0.0, 3.0),
            ("caller", "我找张伟，我是他同事。", 3.8, 6.0),
        )
    )
    assert res.verdict is Verdict.HUMAN and _codes(res) == [ReasonCode.CHALLENGE_ANSWERED]


# 7. Damaged records: one clear error line, exit 2.


@pytest.mark.parametrize(
    ("record", "words"),
    [
        ({"call_id": "x", "start_time": 1e20, "turns": []}, "start_time"),
        (
            {"call_id": "x", "turns": [{"speaker": "assistant", "text": ["请把", "三八一"]}]},
            "text must be a string",
        ),
    ],
)
def test_damaged_records_are_one_clear_error(tmp_path: Path, record: dict, words: str) -> None:
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    res = CliRunner().invoke(
        app, ["screen", "--transcripts", str(src), "--out", str(tmp_path / "v.csv")]
    )
    assert res.exit_code == 2, res.output
    assert words in res.output and "Traceback" not in res.output


# 8. The reasons text says an answer was discounted.


def test_a_discounted_answer_says_so() -> None:
    res = judge(_t(*OPEN_ZH, ("assistant", RZ, 5.0, 9.0), ("caller", "六二七一八三。", 9.8, 11.5)))
    ans = next(r for r in res.reasons if r.code is ReasonCode.CHALLENGE_ANSWERED)
    assert ans.evidence["discounted"]
    assert "not counted" in render(ans, "en") and "不计入" in render(ans, "zh")
    assert all(math.isfinite(r.weight) for r in res.reasons)

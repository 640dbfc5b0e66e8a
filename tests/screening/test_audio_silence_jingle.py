"""Audit 4 (30 Nov), match-audio: different recordings that share digital silence or a
common greeting were one recording. ``similarity`` counted every frame: 6 s of exact-zero
silence either side of two different messages scored 0.83, and two different messages after
the same 4.4 s "Thank you for calling..." 0.80, both over the 0.8 threshold (audit sets: 3 of
6 padded messages merged, 5 distinct of 20, 1 of 60 jingle calls)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.screening.fingerprint import (
    chromaprint_available,
    fingerprint,
    group_recordings,
    similarity,
)
from tests.screening.test_audio import _replay

METHODS = ["spectral"] + (["chromaprint"] if chromaprint_available() else [])
MESSAGES = [
    "Your parcel is waiting at the front desk, please collect it before six today.",
    "This is a reminder that your dentist appointment is tomorrow at nine.",
    "Hello, this is an automated call about your car warranty. Press one now.",
    "Your electricity bill is overdue. Please pay within three days to avoid a cut.",
    "Congratulations, you have won a free cruise. Stay on the line to claim it.",
    "The library book you reserved has arrived and will be held for one week.",
]
JINGLE = "Thank you for calling China Mobile. Your call is important to us."


def _pad(x: np.ndarray, sr: int, before: float = 6.0, after: float = 6.0) -> np.ndarray:
    z = np.zeros
    return np.concatenate([z(int(before * sr), np.float32), x, z(int(after * sr), np.float32)])


@pytest.mark.parametrize("method", METHODS)
def test_messages_between_the_same_silence_are_different_recordings(  # type: ignore[no-untyped-def]
    speak, method: str
) -> None:
    said = [speak(m, "en") for m in MESSAGES]
    fps = [fingerprint(_pad(x, sr), sr, method) for x, sr in said]
    # The first message again on another call: quieter, 8 kHz, a little noise, other pauses.
    y, r8 = _replay(*said[0], 7)
    fps.append(fingerprint(_pad(y, r8, 3.0, 8.0), r8, method))
    labels = group_recordings(fps).tolist()
    assert labels[:6] == list(range(6)), labels
    assert labels[6] == labels[0]
    assert max(similarity(fps[i], fps[j]) for i in range(6) for j in range(i + 1, 6)) < 0.8


@pytest.mark.parametrize("method", METHODS)
def test_a_shared_greeting_does_not_make_calls_one_recording(  # type: ignore[no-untyped-def]
    speak, method: str
) -> None:
    j, sr = speak(JINGLE, "en")
    said = [speak(m, "en")[0] for m in MESSAGES[:4]]
    calls = [np.concatenate([j, m]) for m in said]
    fps = [fingerprint(c, sr, method) for c in calls]
    fps.append(fingerprint(*_replay(calls[1], sr, 3), method))  # greeting + message 2 again
    labels = group_recordings(fps).tolist()
    assert labels == [0, 1, 2, 3, 1], labels
    # The greeting closing one call lined up with the same greeting opening another.
    tail = fingerprint(np.concatenate([said[0], j]), sr, method)
    assert similarity(tail, fps[2]) < 0.8


def test_silence_alone_matches_nothing() -> None:
    quiet = fingerprint(np.zeros(10 * 8000, np.float32), 8000, "spectral")
    assert similarity(quiet, quiet.copy()) == 0.0


def test_match_audio_tells_padded_messages_apart(speak, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "calls"
    folder.mkdir()
    for i, m in enumerate(MESSAGES[:3]):
        x, sr = speak(m, "en")
        sf.write(folder / f"s{i}.wav", _pad(x, sr), sr)
    x, sr = speak(MESSAGES[0], "en")
    sf.write(folder / "s0_again.wav", _pad(x, sr, 2.0, 9.0), sr)
    out = tmp_path / "groups.csv"
    res = CliRunner().invoke(app, ["match-audio", "--input", str(folder), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "4 recordings, 3 distinct" in res.output

"""Short recordings and the audio commands' options (audit of 29 Nov): chromaprint gives a
clip under about 4 s fewer frames than a comparison needs, so `match-audio` called a 2.6 s
robocall prompt and its replay two recordings; `--threshold 7` made every recording distinct
without a word; `transcribe-audio --references` with references of another language than
`--language` recognised nothing and exited 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.screening.fingerprint import MIN_FRAMES, fingerprints, similarity
from tests.screening.test_audio import _replay

PROMPT = "Please press one to speak with an agent now."


def test_a_short_prompt_and_its_replay_are_one_recording(speak, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    x, sr = speak(PROMPT, "en")
    assert len(x) / sr < 4.0  # the case: a short prompt
    y, sry = _replay(x, sr, seed=1)
    other, sro = speak("Your parcel is at the front desk, please collect it today.", "en")
    fps, used = fingerprints([(x, sr), (y, sry), (other, sro)])
    assert all(len(f) >= MIN_FRAMES for f in fps)
    assert similarity(fps[0], fps[1]) > 0.85 > similarity(fps[0], fps[2])
    folder = tmp_path / "calls"
    folder.mkdir()
    for name, (a, r) in {"a": (x, sr), "b": (y, sry), "c": (other, sro)}.items():
        sf.write(folder / f"{name}.wav", a, r)
    res = CliRunner().invoke(
        app, ["match-audio", "--input", str(folder), "--out", str(tmp_path / "g.csv")]
    )
    assert res.exit_code == 0, res.output
    assert "3 recordings, 2 distinct" in res.output


@pytest.mark.parametrize("value", ["7", "0", "-0.5"])
def test_match_audio_refuses_a_threshold_outside_zero_one(tmp_path: Path, value: str) -> None:
    folder = tmp_path / "calls"
    folder.mkdir()
    sf.write(folder / "a.wav", np.zeros(8000, dtype=np.float32), 8000)
    res = CliRunner().invoke(app, ["match-audio", "--input", str(folder), "--out", str(tmp_path / "g.csv"),
                                   "--threshold", value])  # fmt: skip
    assert res.exit_code == 2 and "--threshold" in res.output, res.output


def test_references_of_another_language_are_refused(speak, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    x, sr = speak("您好，这里是平安保险。", "zh")
    sf.write(tmp_path / "known.wav", x, sr)
    (tmp_path / "refs.csv").write_text("path,text,language\nknown.wav,您好，这里是平安保险。,zh\n",
                                       encoding="utf-8")  # fmt: skip
    res = CliRunner().invoke(app, ["transcribe-audio", "--input", str(tmp_path / "known.wav"),
                                   "--references", str(tmp_path / "refs.csv"),
                                   "--out", str(tmp_path / "t.jsonl")])  # fmt: skip
    assert res.exit_code == 2 and "--language" in res.output, res.output

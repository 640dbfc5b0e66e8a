"""Audit 3 (30 Nov), the audio commands: one recording played on more than 50 calls came out
as that many distinct recordings (a sub-fingerprint value held by over 50 recordings was
skipped as silence, and copies that line up share every value); a folder's files of other
suffixes were left out without a word, a readable .mp3 with them; one empty or garbage file
stopped the whole batch; a failed transcribe-audio left a partial output; `--input` showed
``<list[Path]>`` though each path needs its own option."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

import callwarden.screening.fingerprint as fpmod
from callwarden.cli.main import app
from callwarden.screening.fingerprint import (
    chromaprint_available,
    fingerprint,
    fingerprints,
    group_recordings,
    spectral_fingerprint,
)
from tests.screening.test_audio import _replay

ROBOCALL = (
    "Hello, this is an automated call about your car warranty. "
    "Press one to speak with an agent now."
)
OTHER = "Your parcel is at the front desk, please collect it before six today."
METHODS = ["spectral"] + (["chromaprint"] if chromaprint_available() else [])


def _count_similarity(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = fpmod.similarity

    def counted(a: np.ndarray, b: np.ndarray, **kw: int) -> float:
        calls.append(1)
        return real(a, b, **kw)

    monkeypatch.setattr(fpmod, "similarity", counted)
    return calls


@pytest.mark.parametrize("method", METHODS)
def test_one_recording_on_hundreds_of_calls_is_one_recording(  # type: ignore[no-untyped-def]
    speak, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    x, sr = speak(ROBOCALL, "en")
    fp = fingerprint(x, sr, method)
    calls = _count_similarity(monkeypatch)
    labels = group_recordings([fp.copy() for _ in range(300)])
    assert set(labels.tolist()) == {0}
    # Candidates linked through a representative, a pair already joined not scored: the
    # scoring grows with the calls, not their square (44,850 pairs here).
    assert len(calls) < 2 * 300


@pytest.mark.parametrize("method", METHODS)
def test_volume_variants_and_two_recordings_on_many_calls(speak, method: str) -> None:  # type: ignore[no-untyped-def]
    x, sr = speak(ROBOCALL, "en")
    y, sry = speak(OTHER, "en")
    pause = np.zeros(sr, dtype=np.float32)  # both start after the same second of silence
    a = fingerprint(np.concatenate([pause, x]), sr, method)
    b = fingerprint(np.concatenate([pause, y]), sry, method)
    vol = [fingerprint(x * g, sr, method) for g in np.geomspace(0.05, 1.0, 60)]
    fps = [a, b] * 60 + vol
    labels = group_recordings(fps).tolist()
    assert set(labels[0:120:2]) == {0} and set(labels[1:120:2]) == {1}
    assert set(labels[120:]) == {0}  # the robocall at 60 levels is the robocall


def test_silence_is_its_methods_codes() -> None:
    from callwarden.screening.fingerprint import silence_codes  # (new on 30 Nov)

    z = np.zeros(16000, dtype=np.float32)
    assert set(spectral_fingerprint(z, 8000).tolist()) <= silence_codes()
    if chromaprint_available():
        assert set(fingerprint(np.zeros(80000, np.float32), 8000, "chromaprint").tolist()) <= (
            silence_codes()
        )


@pytest.mark.skipif(not chromaprint_available(), reason="needs libchromaprint")
def test_a_truncated_or_silent_clip_does_not_switch_the_run_to_spectral(speak) -> None:  # type: ignore[no-untyped-def]
    x, sr = speak(ROBOCALL, "en")
    y, sry = _replay(x, sr, seed=3)
    truncated = (x[: sr // 10], sr)  # 0.1 s: too short for either method
    silent = (np.zeros(3 * sr, dtype=np.float32), sr)  # 3 s of digital silence
    fps, used = fingerprints([(x, sr), (y, sry), truncated, silent])
    assert used == "chromaprint"
    labels = group_recordings(fps).tolist()
    assert labels[0] == labels[1] and len({labels[0], labels[2], labels[3]}) == 3


def _folder(tmp_path: Path, speak, name: str = "calls") -> Path:  # type: ignore[no-untyped-def]
    x, sr = speak(ROBOCALL, "en")
    y, sry = _replay(x, sr, seed=1)
    folder = tmp_path / name
    folder.mkdir()
    sf.write(folder / "a.wav", x, sr)
    sf.write(folder / "b.flac", y, sry)
    if "MP3" in sf.available_formats():  # libsndfile 1.1 or later reads and writes MP3
        sf.write(folder / "c.mp3", x, sr, format="MP3")
    (folder / "notes.txt").write_text("not audio", encoding="utf-8")
    (folder / "d.amr").write_bytes(b"#!AMR\n" + bytes(200))
    (folder / "empty.wav").write_bytes(b"")
    (folder / "garbage.wav").write_bytes(b"garbage!")
    return folder


def test_match_audio_counts_suffixes_skips_bad_files(speak, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path, speak)
    out = tmp_path / "g.csv"
    res = CliRunner().invoke(app, ["match-audio", "--input", str(folder), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "skipped 1 .amr, 1 .txt: not audio this reads" in res.output
    assert "empty.wav: empty file (0 bytes)" in res.output
    assert "garbage.wav: not readable audio" in res.output
    n = 3 if "MP3" in sf.available_formats() else 2
    assert f"{n} recordings, 1 distinct, skipped 2 unreadable" in res.output
    rows = out.read_text(encoding="utf-8").splitlines()
    assert len(rows) == n + 1 and not any("empty" in r or "garbage" in r for r in rows)


def test_no_readable_file_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.wav").write_bytes(b"")
    (folder / "garbage.wav").write_bytes(b"garbage!")
    out = tmp_path / "g.csv"
    res = CliRunner().invoke(app, ["match-audio", "--input", str(folder), "--out", str(out)])
    assert res.exit_code == 2 and "none of the 2 audio files could be read" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]


def test_transcribe_audio_skips_bad_files_no_partial_output(speak, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = "您好，这里是平安保险，我们最近有一款百万医疗险活动。"
    x, sr = speak(text, "zh")
    sf.write(tmp_path / "known.wav", x, sr)
    (tmp_path / "refs.csv").write_text(f"path,text,language\nknown.wav,{text},zh\n",
                                       encoding="utf-8")  # fmt: skip
    folder = tmp_path / "calls"
    folder.mkdir()
    sf.write(folder / "call1.wav", *_replay(x, sr, seed=2))
    (folder / "call2.wav").write_bytes(b"garbage!")
    (folder / "call3.wav").write_bytes(b"")
    out = tmp_path / "t.jsonl"
    args = ["transcribe-audio", "--language", "zh", "--references", str(tmp_path / "refs.csv"),
            "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(app, [*args, "--input", str(folder)])
    assert res.exit_code == 0, res.output
    assert "transcribed 1 recordings" in res.output and "skipped 2 unreadable" in res.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    # Every file bad: exit 2, and the earlier output is left as it was (no partial file).
    (folder / "call1.wav").unlink()
    out.write_text("earlier\n", encoding="utf-8")
    res = CliRunner().invoke(app, [*args, "--input", str(folder)])
    assert res.exit_code == 2, res.output
    assert out.read_text(encoding="utf-8") == "earlier\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".t.")]


@pytest.mark.parametrize("command", ["match-audio", "transcribe-audio"])
def test_input_help_says_to_repeat_the_option(command: str) -> None:
    res = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    assert res.exit_code == 0
    # the help's table wraps its text at a width of rich's choosing (a longer option name,
    # session 23's --start-times, moved the break into the phrase): read it unwrapped
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", res.output).split())
    assert "list[Path]" not in text and "repeat the option" in text

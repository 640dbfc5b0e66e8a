"""The audio commands: transcribe-audio (a pluggable recogniser, turns to transcripts.jsonl)
and match-audio (fingerprints: the same recording played on many calls). Thin: read the
files, call ``callwarden.screening`` (``asr``, ``fingerprint``), write."""

from __future__ import annotations

import json
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
            help="transcripts.jsonl to write (caller turns); call_id is the file's stem, or, "
            "where files share a stem, the path below their common folder (day1/0001; "
            "a.wav beside a.flac: a.wav)",
        ),
        language: str = typer.Option(
            "en",
            help="en (faster-whisper tiny.en) or zh; with --references, the language of the "
            "references to recognise by",
        ),
        references: Path | None = typer.Option(
            None,
            help="CSV path,text[,language] of known recordings: recognised by "
            "fingerprint (the stand-in recogniser, needed for zh)",
        ),
    ) -> None:
        """Transcribe call audio offline into transcripts that `screen` reads."""
        from callwarden.screening.audio import (
            Recogniser,
            ReferenceRecogniser,
            WhisperRecogniser,
            recognition_to_turns,
            recording_call_ids,
        )
        from callwarden.screening.io import read_audio
        from callwarden.screening.transcript import Transcript, transcript_to_dict

        output_file(out)
        rec: Recogniser
        if references is not None:
            ref = ReferenceRecogniser()
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
            rec = WhisperRecogniser()
        else:
            raise InputError(
                f"no offline recogniser for {language!r} ships on PyPI; pass "
                "--references with known recordings"
            )
        files = _audio_files(input)
        # (every call_id was the file's stem: day1/0001.wav and day2/0001.wav were one call
        # to screen, which refuses a repeated call_id)
        call_ids = recording_call_ids([f.absolute() for f in files])
        bad: list[tuple[Path, str]] = []
        with _whole_or_nothing(out) as part, part.open("w", encoding="utf-8") as fh:
            for f, call_id in zip(files, call_ids, strict=True):
                try:
                    samples, rate = read_audio(f)
                except InputError as exc:  # skipped and named, not the end of the batch
                    bad.append((f, _why(exc, f)))
                    continue
                r = rec.transcribe(samples, rate, language)
                tr = Transcript(
                    call_id=call_id,
                    turns=recognition_to_turns(r),
                    meta={"recogniser": r.recogniser, "confidence": r.confidence, "audio": str(f)},
                )
                fh.write(json.dumps(transcript_to_dict(tr), ensure_ascii=False) + "\n")
            _report_unreadable(bad, len(files))
        skipped = f", skipped {len(bad)} unreadable" if bad else ""
        typer.echo(
            f"transcribed {len(files) - len(bad)} recordings with {rec.name}{skipped}; wrote {out}"
        )

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

"""Reading and writing the screening package's own artefacts: transcripts, model folders.

A model folder holds ``model.pkl`` (the fitted :class:`TextClassifier`) and ``meta.json``
(format version, kind, labels, training size, callwarden version), checked on load so a
folder from another version or kind fails with a clear ModelError rather than a traceback.
"""

from __future__ import annotations

import json
import pickle
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from callwarden.errors import InputError, ModelError
from callwarden.jsonlines import read_objects
from callwarden.screening.textmodel import TextClassifier
from callwarden.screening.transcript import TURN_KEYS, Transcript, transcript_from_dict

MODEL_FORMAT = 1


def _json_array(path: Path) -> list[tuple[int, dict[str, Any]]] | None:
    """The calls of a file that holds one JSON array of objects (as the other text commands
    read a ``.json`` file), numbered from 1; None for a file that does not start with "[" (JSON
    lines). An array that is not valid JSON, or holds something other than objects, is an
    InputError."""
    from callwarden.cdr.readers import detect_encoding

    if not path.is_file():
        return None  # (read_objects names the missing file)
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if not head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"["):
        return None  # (JSON lines: read line by line, not loaded whole)
    encoding = detect_encoding(head)
    try:
        text = path.read_bytes().decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not {encoding} text ({exc.reason}); use UTF-8") from exc
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc.msg}, line {exc.lineno}); give one JSON array of "
            "calls or JSON lines, one call a line"
        ) from exc
    if not isinstance(parsed, list) or not all(isinstance(o, dict) for o in parsed):
        raise InputError(f"{path}: a JSON array of calls must hold only objects")
    return list(enumerate(parsed, start=1))


def transcript_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(record number, object) of a transcripts file: JSON lines, or one JSON array of calls
    (``_json_array``); ``screen`` and campaign linking (scan, campaigns) read files alike."""
    records = _json_array(path)
    return iter(records) if records is not None else read_objects(path)


def read_transcripts(
    path: Path, *, other_turn_keys: Counter[str] | None = None
) -> Iterator[Transcript]:
    """Transcripts from a JSON-lines file (one call an object; UTF-8 or GB18030) or a file
    holding one JSON array of calls (as train-text, classify-text and cluster-scripts read a
    ``.json`` file; its records are numbered from 1); blank lines are skipped. A call_id
    that repeats an earlier record's is an InputError naming both records (``screen``
    counted the repeat as a second call of the same script, and ``--evaluate`` counted it
    twice). ``other_turn_keys``, when given, counts the keys of turns that are not read
    (``start_ms``, ``role``; ``transcript.TURN_KEYS`` are)."""
    seen: dict[str, int] = {}
    for i, obj in transcript_records(path):
        tr = transcript_from_dict(obj, index=i)
        if tr.call_id in seen:
            raise InputError(
                f"{path}: record {i} repeats call_id {tr.call_id!r} of record "
                f"{seen[tr.call_id]}: every call needs its own call_id"
            )
        seen[tr.call_id] = i
        if other_turn_keys is not None:
            for t in obj["turns"]:  # (a list of objects: transcript_from_dict checked it)
                other_turn_keys.update(str(k) for k in t if k not in TURN_KEYS)
        yield tr


def save_model(
    model: TextClassifier, out_dir: Path, *, extra: dict[str, Any] | None = None
) -> None:
    from callwarden import __version__

    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "model.pkl").open("wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    meta = {
        "format": MODEL_FORMAT,
        "kind": model.kind,
        "labels": model.classes_.tolist(),
        "callwarden_version": __version__,
        **(extra or {}),
    }
    (out_dir / "meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


#: What a text model was trained on, as ``train-text`` records it in meta.json
#: (``text_input``): ``text``, plain texts; ``turns``, dialogues' lists of turns, each joined
#: by ``textmodel.dialogue_text`` ("caller: ..." lines).
TEXT_INPUTS = ("text", "turns")


def model_text_input(meta: dict[str, Any], model_dir: Path) -> str:
    """What a model folder's model was trained on (one of ``TEXT_INPUTS``): its recorded
    ``text_input``; a folder written before train-text recorded it says ``turns`` when its
    ``text_column`` was ``turns`` (the column of transcripts.jsonl and of the dialogues),
    else ``text``. Another recorded value is a ModelError."""
    recorded = meta.get("text_input")
    if recorded is None:
        return "turns" if meta.get("text_column") == "turns" else "text"
    if recorded not in TEXT_INPUTS:
        raise ModelError(
            f"{model_dir}: meta.json's text_input must be one of {', '.join(TEXT_INPUTS)}, "
            f"not {recorded!r}; retrain with `callwarden train-text`"
        )
    return str(recorded)


def load_model(model_dir: Path) -> TextClassifier:
    return load_model_and_meta(model_dir)[0]


def load_model_and_meta(model_dir: Path) -> tuple[TextClassifier, dict[str, Any]]:
    """A model folder's classifier and its meta.json, checked (a ModelError otherwise)."""
    meta_path, pkl = model_dir / "meta.json", model_dir / "model.pkl"
    if not meta_path.exists() or not pkl.exists():
        raise ModelError(
            f"{model_dir} is not a text model folder (needs meta.json and "
            "model.pkl; make one with `callwarden train-text`)"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{meta_path} is not valid JSON") from exc
    if not isinstance(meta, dict):
        raise ModelError(f"{meta_path} must hold a JSON object (the model's description)")
    if meta.get("format") != MODEL_FORMAT:
        raise ModelError(
            f"{model_dir} has model format {meta.get('format')!r}; this "
            f"callwarden reads format {MODEL_FORMAT}: retrain it"
        )
    try:
        with pkl.open("rb") as fh:
            model = pickle.load(fh)  # our own artefact, written by save_model
    except Exception as exc:  # EOFError, UnpicklingError, ...: a damaged or foreign file
        # (an EOFError left as is reads as "Aborted." in the CLI, which takes it for Ctrl-D)
        raise ModelError(
            f"{pkl} is damaged or not a text model ({type(exc).__name__}: {exc}); "
            "retrain with `callwarden train-text`"
        ) from exc
    if not isinstance(model, TextClassifier):
        raise ModelError(f"{pkl} does not hold a callwarden text classifier")
    return model, meta


#: Suffixes the audio commands take from a folder, by the libsndfile format that reads them;
#: a format this libsndfile lacks (MP3 before libsndfile 1.1, Opus before 1.0.29) leaves its
#: suffixes out (see ``audio_suffixes``). AMR, M4A/AAC and WMA are no libsndfile format.
_SUFFIXES_BY_FORMAT: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("WAV", None): (".wav",),
    ("FLAC", None): (".flac",),
    ("OGG", "VORBIS"): (".ogg", ".oga"),
    ("OGG", "OPUS"): (".opus",),
    ("MP3", None): (".mp3",),
    ("AIFF", None): (".aif", ".aiff"),
    ("AU", None): (".au", ".snd"),
    ("CAF", None): (".caf",),
    ("W64", None): (".w64",),
    ("RF64", None): (".rf64",),
}


def audio_suffixes() -> tuple[str, ...]:
    """The file suffixes (lower case) whose format the installed libsndfile reads."""
    import soundfile as sf

    formats = sf.available_formats()
    found: list[str] = []
    for (fmt, subtype), suffixes in _SUFFIXES_BY_FORMAT.items():
        if fmt in formats and (subtype is None or subtype in sf.available_subtypes(fmt)):
            found.extend(suffixes)
    return tuple(found)


def read_audio(path: Path) -> tuple[Any, int]:
    """Samples (float32, mono or channels last) and sample rate of an audio file libsndfile
    reads (by its content, whatever the suffix). An InputError for a missing, empty or
    unreadable file and for one that holds no samples."""
    import soundfile as sf

    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{path}: empty file (0 bytes)")
    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=False)
    except (RuntimeError, OSError) as exc:  # soundfile's error for unreadable audio
        why = getattr(exc, "error_string", None) or str(exc)
        raise InputError(f"{path}: not readable audio ({why})") from exc
    if len(samples) == 0:
        raise InputError(f"{path}: holds no audio (0 samples)")
    return samples, int(rate)

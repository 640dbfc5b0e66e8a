"""Reading and writing the text commands' tables (train-text, classify-text,
cluster-scripts, screen): CSV, JSON lines or Parquet in; a text column of plain text or of
turns, checked against the model; labels; output paths and formats."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from callwarden.cli._paths import output_file
from callwarden.errors import InputError

#: The columns of ``screen``'s verdicts, in order.
SCREEN_COLUMNS = (
    "call_id", "caller", "verdict", "bot_score", "challenges", "category", "category_keywords",
    "script_cluster", "script_cluster_calls", "reasons", "reasons_en", "reasons_zh",
)  # fmt: skip


#: The columns ``screen --text-model`` adds after ``category_keywords``: the text model's
#: label and its score (as ``classify-text``'s ``predicted`` and ``score``).
TEXT_MODEL_COLUMNS = ("text_label", "text_score")


#: ``--text-column`` of train-text and classify-text.
TEXT_COLUMN_HELP = (
    "column with the text, or a list of turns each with text and speaker (speakers read "
    "trimmed and lowercased; turns with no speaker at all are read by their text, with a "
    "warning; a column mixing both is refused); a cell that is only NA, null, None, nan, "
    "n/a, \\N or - is no text"
)


#: The columns ``classify-text`` adds to its input.
CLASSIFY_COLUMNS = ("predicted", "score")
CLUSTER_COLUMNS = ("cluster", "cluster_size")


def _read_table(path: Path) -> Any:
    """A CSV, JSON-lines or Parquet file as a DataFrame. Parquet is told by its content; a
    CSV or JSON file may be UTF-8 or GB18030/GBK, and a CSV delimited by , tab | or ; (found
    as for a carrier feature table, ``cli._detect_io.sniff_table``)."""
    import pandas as pd

    from callwarden.cli._detect_io import sniff_table

    if not path.is_file():
        raise InputError(f"no such file: {path}")
    suffix = path.suffix.lower()
    sniffed = sniff_table(path, "input")
    encoding = "utf-8-sig" if sniffed.encoding == "utf8" else sniffed.encoding
    try:
        if sniffed.parquet:
            df = pd.read_parquet(path)
            _keep_nested_types(df, path)
            return df
        if suffix in {".jsonl", ".ndjson", ".json"}:
            return pd.read_json(path, lines=suffix != ".json", dtype=False, encoding=encoding)
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding=encoding, sep=sniffed.delimiter
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from exc


#: ``DataFrame.attrs`` key: a Parquet input's list, struct and map columns and their Arrow
#: types (pandas reads them as object columns of arrays and dicts), so that a Parquet output
#: writes them back as the same type (:func:`_write_table`); never written itself.
_ARROW_TYPES = "callwarden_arrow_types"


def _keep_nested_types(df: Any, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    nested = {f.name: f.type for f in pq.read_schema(path) if pa.types.is_nested(f.type)}
    if nested:
        df.attrs[_ARROW_TYPES] = nested


def _json_turns(v: str) -> list[Any] | None:
    """A text cell that holds a JSON list of objects (turns as a CSV cell holds them, as
    ``classify-text`` writes them, or as a string field of JSON lines), parsed; ``[]`` is
    an empty list of turns. None for any other text."""
    s = v.strip()
    if not (s.startswith("[") and s.endswith("]")):
        return None
    try:
        parsed = json.loads(s)
    except ValueError:
        return None
    if isinstance(parsed, list) and all(isinstance(t, dict) for t in parsed):
        return parsed
    return None


def _turns(v: Any, row: int, column: str) -> list[Any] | None:
    """A cell's list of turns (a Parquet list arrives as a NumPy array; a JSON list of turns
    written as text, as in a CSV cell, is parsed), None for a cell that is not a list; an
    InputError for a cell or turn of another shape."""
    import numpy as np

    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, str):
        parsed = _json_turns(v)
        if parsed is None:
            return None
        v = parsed
    if isinstance(v, dict):
        raise InputError(
            f"row {row + 1} of column {column!r} is an object; a text column holds text or a "
            "list of turns"
        )
    if not isinstance(v, list):
        return None
    for t in v:  # (a turn's speaker is checked over the whole column: _check_turn_speakers)
        if not (isinstance(t, dict) and "text" in t):
            shape = f"keys {sorted(map(str, t))}" if isinstance(t, dict) else repr(t)[:40]
            raise InputError(
                f"row {row + 1} of column {column!r}: a turn must be an object with 'text' "
                f"(and 'speaker', as in transcripts.jsonl), not {shape}"
            )
    return v


def _check_ids(ids: list[Any], column: str) -> None:
    """cluster-scripts: an InputError naming the first row whose id is blank or repeats an
    earlier row's (the output has one row an id, so either made rows indistinguishable)."""
    seen: dict[str, int] = {}
    for i, v in enumerate(ids):
        key = "" if v is None or v != v else str(v).strip()
        if key == "":
            raise InputError(f"row {i + 1} has a blank {column!r}: every row needs its own id")
        if key in seen:
            raise InputError(
                f"row {i + 1} repeats {column!r} {key!r} of row {seen[key] + 1}: every row "
                "needs its own id"
            )
        seen[key] = i


def _plain(v: Any) -> Any:
    """A cell as JSON can hold it (a Parquet list of turns arrives as a NumPy array)."""
    import numpy as np

    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


@dataclass
class _TextColumn:
    """A text column as the text commands read it: each row's text (a list of turns joined
    by ``textmodel.dialogue_text``), whether the row held turns, and whether it holds no
    words at all (a blank cell, null, ``[]``, turns whose texts are all blank)."""

    column: str
    texts: list[str]
    is_turns: list[bool]
    empty: list[bool]
    #: turns per speaker (``transcript.speaker_name``) over the rows that hold turns; turns
    #: with no speaker (absent, null, blank) are counted in ``no_speaker`` instead
    speakers: Counter[str] = field(default_factory=Counter)
    no_speaker: int = 0
    #: (row, turn), 1-based, of the first turn with no speaker
    first_no_speaker: tuple[int, int] | None = None
    #: turns whose speaker is read otherwise than written (``Caller``, `` caller ``)
    respelled: int = 0

    @property
    def text_input(self) -> str:
        """What the column holds (``io.TEXT_INPUTS``): ``turns`` when at least half its rows
        with words are lists of turns, else ``text``; train-text records it in the model
        folder so that ``screen --text-model`` and classify-text feed the model the same."""
        full = [t for t, e in zip(self.is_turns, self.empty, strict=True) if not e]
        return "turns" if full and 2 * sum(full) >= len(full) else "text"

    def count(self, text_input: str) -> int:
        """Rows with words that hold ``text_input`` (turns or text)."""
        want = text_input == "turns"
        return sum(t == want for t, e in zip(self.is_turns, self.empty, strict=True) if not e)


def _text_column(df: Any, column: str) -> _TextColumn:
    """Texts of a column; a list of turns is joined (``textmodel.dialogue_text``).

    A turn must be an object with a ``text`` (and ``speaker``: see ``_check_turn_speakers``;
    a turn without one is read as ": text"); other shapes (plain strings,
    ``role``/``content`` chat messages) are an InputError naming the row, as in ``screen``
    (they were joined as empty lines, so every such row was classified as an empty text).
    A text cell that holds a JSON list of turns (a CSV's cell, classify-text's own CSV
    output) is read as turns (it was read as plain text)."""
    from callwarden.screening.textmodel import dialogue_text, turn_field
    from callwarden.screening.transcript import speaker_name

    if column not in df.columns:
        raise InputError(f"no column {column!r}; columns are: {', '.join(map(str, df.columns))}")
    missing = _missing_text()
    out = _TextColumn(column, [], [], [])
    for i, v in enumerate(df[column].tolist()):
        turns = _turns(v, i, column)
        if turns is not None:  # a dialogue's turns (teleantifraud, transcripts.jsonl)
            out.texts.append(dialogue_text(turns))
            out.empty.append(not any(turn_field(t, "text").strip() for t in turns))
            for j, t in enumerate(turns):
                raw = t.get("speaker")
                name = speaker_name(raw)
                if not name:
                    out.no_speaker += 1
                    out.first_no_speaker = out.first_no_speaker or (i + 1, j + 1)
                    continue
                out.speakers[name] += 1
                out.respelled += name != raw
        else:
            text = "" if v is None or v != v else str(v)
            # (a whole cell "NA" or "null" was classified as text: "normal" with confidence)
            out.texts.append("" if text.strip() in missing else text)
            out.empty.append(not out.texts[-1].strip())
        out.is_turns.append(turns is not None)
    return out


def _missing_text() -> frozenset[str]:
    """Whole text cells (stripped) that mean no text, read as a blank cell: the feature-table
    reader's ``NULL_TOKENS`` (``\\N``, ``NA``, ``null``, ``None``, ``n/a``, ``-`` ...) and the
    float spellings ``nan``/``NaN`` (pandas writes a missing cell of a CSV so)."""
    from callwarden.detect.dataset import NULL_TOKENS

    return frozenset((*NULL_TOKENS, "nan", "NaN"))


def _texts(df: Any, column: str) -> list[str]:
    return _text_column(df, column).texts


def _check_some_text(col: _TextColumn, purpose: str, *, rows_needed: bool) -> None:
    """An InputError when every row of ``col`` is blank (empty cells, empty JSON strings,
    empty lists of turns): the inputs of train-text, classify-text and cluster-scripts
    (``docs/screening.md``). With no rows at all it is an error only if ``rows_needed``
    (train-text; classify-text and cluster-scripts write just the header)."""
    if not all(col.empty) or not (col.texts or rows_needed):
        return
    raise InputError(f"column {col.column!r} is empty in every row: no text to {purpose}")


def _check_model_input(col: _TextColumn, model_input: str, model: Path) -> None:
    """classify-text: an InputError when the column holds mostly the other kind of text than
    the model was trained on (meta.json ``text_input``: a model of dialogues' turns given
    plain text scores words it never saw in that shape, and the reverse); a warning when
    only some rows do."""
    other = "text" if model_input == "turns" else "turns"
    n_other, n_same = col.count(other), col.count(model_input)
    if not n_other:
        return
    shape = {"turns": "lists of turns", "text": "plain text"}
    msg = (
        f"{model} was trained on {shape[model_input]} (meta.json text_input: {model_input}), "
        f"but column {col.column!r} holds {shape[other]} in {n_other:,} of "
        f"{n_other + n_same:,} rows with text"
    )
    if n_other > n_same:
        raise InputError(
            f"{msg}; give the column the model was trained on (turns: a list of objects with "
            "speaker and text, or that list as JSON text) or a model trained on this column"
        )
    typer.echo(f"warning: {msg}; those rows are classified as they are", err=True)


def _check_turn_speakers(col: _TextColumn) -> None:
    """train-text and classify-text: an InputError when the column mixes turns with and
    without a speaker (absent, null or blank), naming both counts and the first such turn:
    its lines would read "caller: ..." beside ": ...". A column where no turn has a speaker
    is read as before speakers were checked (each turn ": text"; see ``_warn_no_speakers``).
    cluster-scripts compares the texts alone and checks neither."""
    n_with = sum(col.speakers.values())
    if not (col.no_speaker and n_with):
        return
    row, turn = col.first_no_speaker or (0, 0)
    raise InputError(
        f"column {col.column!r} mixes turns with a speaker ({n_with:,}) and turns without "
        f"one ({col.no_speaker:,}; the first is turn {turn} of row {row}): give every turn "
        "a speaker (caller, callee ...) or none"
    )


def _warn_no_speakers(col: _TextColumn) -> None:
    """A warning (stderr) when no turn of the column has a speaker: the turns are read by
    their text alone (each line ": text", as before speakers were checked)."""
    if col.no_speaker and not col.speakers:
        rows = sum(col.is_turns)
        typer.echo(
            f"warning: none of the {col.no_speaker:,} turns ({rows:,} rows) of column "
            f"{col.column!r} has a speaker: read by their text alone (each line ': text'; "
            "a dialogue's opening is then its first characters, not its first caller turn)",
            err=True,
        )


def _speaker_counts(col: _TextColumn) -> Counter[str]:
    """Turns per speaker, turns with none under ``""``."""
    return col.speakers + Counter({"": col.no_speaker})


def _named(unseen: Counter[str]) -> str:
    named = ", ".join(f"{s or '(no speaker)'!r} {n:,}" for s, n in unseen.most_common(6))
    return named + (", ..." if len(unseen) > 6 else "")


def _check_speakers(col: _TextColumn, meta: dict[str, Any], model: Path) -> None:
    """classify-text with a model of turns: an InputError when most turns carry speakers the
    model was trained without (meta.json ``speakers``; ``[]`` for a model of turns without
    speakers), naming the count and the speakers; a warning when some do. The model reads
    each turn as "speaker: text" and a dialogue's opening from its first caller turn, so
    ``主叫``/``agent`` turns changed about 129 of 1,635 labels, exit 0.

    A folder trained before train-text recorded speakers (30 Nov 2026) may have been trained
    on any names (主叫/被叫), so it gets warnings only: for speakers other than a transcript's
    (caller, callee, assistant), and for speakers this version reads otherwise than written
    (``Caller`` as ``caller``; such a folder scores slightly differently now: retrain it)."""
    from callwarden.screening.transcript import Speaker

    seen = _speaker_counts(col)
    n_all = sum(seen.values())
    recorded = meta.get("speakers")
    if not isinstance(recorded, list):
        transcript = {s.value for s in Speaker}
        unseen = Counter({s: n for s, n in seen.items() if s not in transcript})
        old = f"{model}'s meta.json records no speakers (a folder trained before it did)"
        if unseen:
            typer.echo(
                f"warning: {sum(unseen.values()):,} of {n_all:,} turns of column "
                f"{col.column!r} have a speaker other than a transcript's ({_named(unseen)}); "
                f"{old}: if it was trained on these, this is fine, else name the speakers as "
                "in training or retrain it, which records them",
                err=True,
            )
        if col.respelled:
            typer.echo(
                f"warning: {col.respelled:,} of {n_all:,} turns of column {col.column!r} "
                "have a speaker read trimmed and lowercased (Caller is caller); "
                f"{old}: if it was trained on such speakers it read them as written and "
                "scores slightly differently now: retrain it",
                err=True,
            )
        return
    known = {str(s) for s in recorded} or {""}
    unseen = Counter({s: n for s, n in seen.items() if s not in known})
    n_unseen = sum(unseen.values())
    if not n_unseen:
        return
    msg = (
        f"{n_unseen:,} of {n_all:,} turns of column {col.column!r} have a speaker {model} was "
        f"not trained on ({_named(unseen)}); meta.json speakers: "
        f"{', '.join(sorted(recorded)) if recorded else 'none (turns without speakers)'}"
    )
    if 2 * n_unseen > n_all:
        raise InputError(
            f"{msg}; the model reads each turn as 'speaker: text' and a dialogue's opening "
            "from its first caller turn: name the speakers as in training (trimmed and "
            "lowercased: Caller is caller) or train a model on these"
        )
    typer.echo(f"warning: {msg}; those turns are classified as they are", err=True)


def _check_screen_speakers(trs: Any, meta: dict[str, Any], model: Path) -> bool:
    """screen --text-model with a model of turns: classify-text's speaker check
    (``_check_speakers``) over the transcripts' turns, so a model trained on other names
    (主叫/被叫) is refused rather than fed turns it reads otherwise. The screening
    assistant answers in the callee's place: for a model trained with callee turns and none
    of the assistant's, its turns are fed to the model as the callee's (True is returned),
    so they are not counted against it. Fed as ``assistant:`` lines, a model it never saw,
    they moved the labels of 40 of 100 simulated calls (audit 4)."""
    recorded = meta.get("speakers")
    as_callee = isinstance(recorded, list) and "callee" in recorded and "assistant" not in recorded
    speakers = Counter(t.speaker.value for tr in trs for t in tr.turns)
    if as_callee:
        speakers.pop("assistant", None)
    col = _TextColumn("turns", [], [], [], speakers=speakers)
    _check_speakers(col, meta, model)
    return as_callee


def _screen_dialogue_texts(trs: Any, assistant_as_callee: bool) -> list[str]:
    """Each call's turns as the model of turns reads them (``textmodel.dialogue_text``),
    the assistant's turns written as the callee's where ``_check_screen_speakers`` says so."""
    from callwarden.screening.textmodel import dialogue_text
    from callwarden.screening.transcript import Speaker

    def speaker(t: Any) -> str:
        if assistant_as_callee and t.speaker is Speaker.ASSISTANT:
            return Speaker.CALLEE.value
        return str(t.speaker.value)

    return [
        dialogue_text([{"speaker": speaker(t), "text": t.text} for t in tr.turns]) for tr in trs
    ]


#: Output suffixes refused: the text commands write CSV, JSON or Parquet (by the suffix), so
#: an .xlsx was a CSV under an Excel name that Excel will not open.
EXCEL_SUFFIXES = (".xlsx", ".xls", ".xlsm")


def _table_out(out: Path, source: Path | None = None, what: str = "--input") -> None:
    """Check a table output (``output_file``, then): not an Excel name, and not the input
    file itself (``--out`` equal to ``--input`` overwrote the input)."""
    import os

    output_file(out)
    if out.suffix.lower() in EXCEL_SUFFIXES:
        raise InputError(
            f"--out {out}: Excel output is not written; give .csv (Excel opens it), .jsonl, "
            ".json or .parquet"
        )
    if source is not None and (
        out.resolve() == source.resolve()
        or (out.exists() and source.exists() and os.path.samefile(out, source))
    ):
        raise InputError(
            f"--out {out} is the {what} file: writing it would overwrite the input; give "
            "another path"
        )


#: screen: a call's turn times look like milliseconds when its turns would last longer than
#: ``MS_SPAN_S`` seconds (4 h: a 75-minute call in seconds is not flagged), or when every
#: timed turn lasts ``MS_TURN_S`` "seconds" or more (no conversation is all 100-second turns;
#: in milliseconds a 0.1 s turn reads so). Where the times start (an offset into a longer
#: recording, 20,000 s in) does not count.
MS_SPAN_S = 4 * 3600.0
MS_TURN_S = 100.0


def _looks_like_ms(tr: Any) -> bool:
    times = [x for u in tr.turns for x in (u.start_s, u.end_s) if x is not None]
    if not times:
        return False
    if max(times) - min(times) > MS_SPAN_S:
        return True
    spans = [u.end_s - u.start_s for u in tr.turns if u.start_s is not None and u.end_s is not None]
    return len(spans) >= 2 and all(d >= MS_TURN_S for d in spans)


def _warn_untimed(trs: list[Any], other_keys: Counter[str], path: Path) -> None:
    """screen's warnings about times. When no turn of the file has a time (the latency,
    barge-in and superhuman-reply evidence needs them), one naming the keys read and the
    turn keys met that are not (times as ``start_ms``/``end_ms`` were taken silently as no
    times); when some calls' turn times look like milliseconds (``_looks_like_ms``: they
    were read as seconds, so a 3-second overlap weighed as 3,000 s), one counting them;
    and when calls that ask the date have no ``start_time`` (``_warn_no_start_time``)."""
    _warn_no_start_time(trs, path)
    if n_ms := sum(map(_looks_like_ms, trs)):
        typer.echo(
            f"warning: {n_ms:,} of {len(trs):,} calls of {path} have turn times that look "
            f"like milliseconds (turns spanning more than {MS_SPAN_S / 3600:g} hours, or every "
            f"turn lasting {MS_TURN_S:g} s or more): are they? screen reads start_s and end_s "
            "as seconds; if they are milliseconds, divide them by 1000",
            err=True,
        )
    if not trs or any(u.start_s is not None or u.end_s is not None for t in trs for u in t.turns):
        return
    other = ", ".join(sorted(other_keys))
    typer.echo(
        f"warning: no turn of {path} has a time (screen reads start_s and end_s, seconds "
        "from the call's start): the evidence from reply times is not used"
        + (f"; its turns also have {other}, which screen does not read" if other else ""),
        err=True,
    )


def _warn_no_start_time(trs: list[Any], path: Path) -> None:
    """screen: a warning counting the calls that ask the date but have no ``start_time``:
    their date answers cannot be checked, so a date said there weighs as one of the right
    kind, not as a right one (reason "date not checked: no start_time")."""
    from callwarden.screening.challenge import ChallengeKind, recognise_challenge
    from callwarden.screening.normalise import simplified_transcript
    from callwarden.screening.transcript import Speaker

    def asks_date(tr: Any) -> bool:  # (read as the judge reads it: Traditional as Simplified)
        return any(
            u.speaker is not Speaker.CALLER
            and (ch := recognise_challenge(u.text)) is not None
            and ch.kind is ChallengeKind.DATE
            for u in simplified_transcript(tr).turns
        )

    n = sum(tr.start_time is None and asks_date(tr) for tr in trs)
    if n:
        typer.echo(
            f"warning: {n:,} of {len(trs):,} calls of {path} ask the date but have no "
            "start_time: their date answers are not checked and count as weaker evidence of "
            "a person (reason: date not checked); give each call a start_time (ISO 8601 "
            "with its UTC offset)",
            err=True,
        )


#: ``screen --evaluate``: the truth values it scores (``caller_kind``, trimmed, lowercased).
TRUTH_KINDS = ("bot", "human")


def _truth_kinds(trs: list[Any], path: Path, *, err: bool) -> list[str]:
    """screen --evaluate: each call's truth (``caller_kind``; other values and none read as
    ""), saying how many calls carry it and how many are left out, and on stderr when none
    does (a file without truth printed nothing, exit 0)."""
    raw = [str(t.meta.get("caller_kind") or "").strip().lower() for t in trs]
    kinds = [k if k in TRUTH_KINDS else "" for k in raw]
    n = sum(map(bool, kinds))
    other = Counter(k for k in raw if k and k not in TRUTH_KINDS)
    why = []
    if n_none := sum(not k for k in raw):
        why.append(f"{n_none} without caller_kind")
    if other:
        named = ", ".join(f"{k!r} {c}" for k, c in other.most_common(4))
        why.append(f"{other.total()} with another caller_kind ({named})")
    left = f"; left out: {'; '.join(why)}" if why else ""
    if not n:
        typer.echo(
            f"note: --evaluate: no call of {path} carries truth (caller_kind bot or human), "
            f"so there is nothing to evaluate{left}",
            err=True,
        )
    else:
        typer.echo(
            f"  evaluated {n} of {len(trs)} calls (truth: caller_kind bot or human){left}",
            err=err,
        )
    return kinds


def _warn_empty(n_empty: int, n_rows: int, what: str, rows: str = "rows") -> None:
    if n_empty:
        typer.echo(f"warning: {n_empty:,} of {n_rows:,} {rows} have no text: {what}", err=True)


def _labels(df: Any, column: str, missing: str | None) -> list[str]:
    """The label cells, trimmed (`` normal`` and ``normal`` are one class); a blank cell
    takes ``missing`` (trimmed too) or is an error naming its row. A whole float is written
    as an integer: ``3``, not ``3.0``."""
    if column not in df.columns:
        raise InputError(
            f"no label column {column!r}; columns are: {', '.join(map(str, df.columns))}"
        )
    fill = None if missing is None else missing.strip()
    if fill == "":
        raise InputError("--missing-label must name a label, not be blank")
    out = []
    for i, v in enumerate(df[column].tolist()):
        if isinstance(v, float) and v.is_integer():
            v = int(v)  # (JSON or Parquet integers with a blank among them read as floats)
        text = "" if v is None or v != v else str(v).strip()
        if text == "":
            if fill is None:
                raise InputError(f"row {i + 1} has no label; pass --missing-label to name one")
            text = fill
        out.append(text)
    return out


#: Output suffixes written as JSON lines (``.json``: one JSON array); any other is CSV
#: unless ``.parquet``.
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")


def _is_json(out: Path) -> bool:
    return out.suffix.lower() in (*JSON_LINES_SUFFIXES, ".json")


def _refuse_taken_columns(df: Any, added: tuple[str, ...], input: Path, command: str) -> None:
    """An InputError when the input already has a column the command would add (it would be
    overwritten silently)."""
    taken = [c for c in added if c in df.columns]
    if taken:
        raise InputError(
            f"{input} already has a {taken[0]!r} column, which {command} would "
            f"overwrite with its own {' and '.join(added)}; rename or drop "
            f"{' and '.join(map(repr, taken))} first"
        )


def _nested_columns(df: Any) -> list[str]:
    """The object columns of ``df`` with a list or dict cell (turns) in some row."""
    import numpy as np

    return [
        col
        for col in df.columns
        if df[col].dtype == object  # (numbers, dates: no cell holds a list)
        and df[col].map(lambda v: isinstance(v, list | dict | np.ndarray)).any()
    ]


def _as_json_text(df: Any, columns: list[str]) -> Any:
    for col in columns:
        df[col] = df[col].map(lambda v: json.dumps(_plain(v), ensure_ascii=False))
    return df


def _json_cells(df: Any, out: Path) -> Any:
    """``df`` with its list or dict cells (turns) as JSON text for a CSV file (a CSV cell
    cannot hold a list), as plain lists for a JSON file; a Parquet file keeps them as they
    are (:func:`_write_table` writes them as lists and structs)."""
    if out.suffix.lower() == ".parquet":
        return df
    for col in _nested_columns(df):
        if _is_json(out):
            df[col] = df[col].map(_plain)
        else:
            _as_json_text(df, [col])
    return df


#: A JSON input's nested column is written typed only when its dicts are regular: at each
#: place in a cell (the turns' objects, a field's object) every dict has the same keys, at
#: most this many. Free-form dicts (a key of its own per row) became one struct with the union
#: of all keys, null in nearly every row (6,000 rows: 136 KB -> 1.99 MB, twice the memory)
#: and handed back keys a row never had.
_MAX_STRUCT_KEYS = 32


def _regular(values: list[Any], typ: Any) -> bool:
    """True when each dict at a place of Arrow type ``typ`` (a struct inferred from them:
    one field per key any of them has) among ``values`` (the cells, or the values at one
    place inside them) has every key of the struct, at most :data:`_MAX_STRUCT_KEYS`: the
    dicts' key counts add up to dicts x fields. Read place by place, not value by value."""
    import numpy as np
    import pyarrow as pa

    if pa.types.is_struct(typ):
        present = [v for v in values if isinstance(v, dict)]  # (else null: None, NaN)
        n = typ.num_fields
        if n > _MAX_STRUCT_KEYS or sum(map(len, present)) != n * len(present):
            return False
        return all(
            _regular([d.get(f.name) for d in present], f.type)
            for f in typ
            if pa.types.is_nested(f.type)
        )
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return _regular(
            [x for v in values if isinstance(v, list | tuple | np.ndarray) for x in v],
            typ.value_type,
        )
    return True


def _few_keys(cells: list[Any]) -> bool:
    """False as soon as the dict cells, or the dicts in list cells (turns), have more than
    :data:`_MAX_STRUCT_KEYS` keys among them: free-form dicts are refused before inference
    (6,000 one-key dicts: a 6,000-field struct, 690 MiB)."""
    keys: set[Any] = set()
    for v in cells:
        if isinstance(v, dict):
            keys.update(v)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, dict):
                    keys.update(x)
        if len(keys) > _MAX_STRUCT_KEYS:
            return False
    return True


#: What pyarrow raises on cells no Arrow type holds (a list and a number in one column, a
#: negative number and one past 2**63 in one list: OverflowError, a traceback until the audit).
_ARROW_FAILURES = (OverflowError, TypeError, ValueError)


def _nested_array(df: Any, col: str, typ: Any) -> Any:
    """Column ``col`` as one Arrow array: of the Parquet input's type ``typ``, else as a JSON
    input's cells read when they are :func:`_regular`; None (JSON text) otherwise."""
    import pyarrow as pa

    if typ is not None:
        return pa.array(df[col], type=typ, from_pandas=True)
    if not _few_keys(df[col].tolist()):  # (before Arrow builds a struct of every key)
        return None
    # (cells as read: JSON values, or NumPy arrays, which Arrow and the check read alike)
    arr = pa.array(df[col], from_pandas=True)
    return arr if _regular(df[col].tolist(), arr.type) else None


def _write_parquet(df: Any, out: Path, types: dict[str, Any]) -> None:
    """``df`` as Parquet, its list and dict cells (turns) as Arrow lists and structs of the
    input's type: a Parquet input's ``list<struct<speaker, text, ...>>`` column came back as
    JSON text until session 24. A JSON input's nested column is typed as its cells read when
    they are :func:`_regular`; other cells (free-form dicts, a column mixing a list and a
    number, numbers no Arrow integer holds) are written as JSON text, as before. Each nested
    column is converted once (it was inferred, then converted again by ``to_parquet``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with_lists = _nested_columns(df)
    nested = [c for c in df.columns if c in types and df[c].dtype == object]
    nested += [c for c in with_lists if c not in nested]
    arrays: dict[str, Any] = {}
    for col in nested:
        try:
            arrays[col] = _nested_array(df, col, types.get(col))
        except (pa.ArrowException, *_ARROW_FAILURES):
            arrays[col] = None
    as_text = [c for c in nested if arrays[c] is None]
    if as_text:
        df = _as_json_text(df.copy(), as_text)
    arrays = {c: a for c, a in arrays.items() if a is not None}
    if not arrays:
        df.to_parquet(out, index=False)
        return
    flat = pa.Table.from_pandas(df.drop(columns=list(arrays)), preserve_index=False)
    fields = [
        pa.field(c, arrays[c].type) if c in arrays else flat.schema.field(c) for c in df.columns
    ]
    # the pandas metadata to_parquet would write, from no rows (nothing converted twice)
    schema = pa.Table.from_pandas(
        df.iloc[:0], schema=pa.schema(fields), preserve_index=False
    ).schema
    if df.attrs:
        schema = schema.with_metadata({**schema.metadata, b"PANDAS_ATTRS": json.dumps(df.attrs)})
    columns = [arrays[c] if c in arrays else flat.column(c) for c in df.columns]
    pq.write_table(pa.Table.from_arrays(columns, schema=schema), out, compression="snappy")


def _write_table(df: Any, out: Path) -> None:
    """``df`` as Parquet, JSON lines or a JSON array (by ``out``'s suffix), else CSV (a
    .jsonl output was written as CSV)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    types = df.attrs.get(_ARROW_TYPES, {})
    if _ARROW_TYPES in df.attrs:  # (pandas writes attrs into a Parquet file's metadata)
        df = df.copy(deep=False)
        df.attrs = {k: v for k, v in df.attrs.items() if k != _ARROW_TYPES}
    if suffix == ".parquet":
        _write_parquet(df, out, types)
    elif _is_json(out):
        lines = suffix in JSON_LINES_SUFFIXES
        # every digit of a float (pandas keeps 10 by default) and times as ISO 8601, not
        # epoch milliseconds: the input's columns pass through cluster-scripts and
        # classify-text, and the analyst reads them back
        df.to_json(
            out,
            orient="records",
            lines=lines,
            force_ascii=False,
            double_precision=15,
            date_format="iso",
        )
    else:
        df.to_csv(out, index=False)

"""Reading the store's inputs from files: ``verdicts.csv`` from ``scan`` and received calls
from canonical CDRs (Parquet or CSV), plus number and pattern normalisation for the edges."""

from __future__ import annotations

import csv
import json
import math
import unicodedata
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from callwarden.errors import InputError
from callwarden.numbers import PREFIX_DIGITS, normalize, normalize_prefix
from callwarden.policy import Reason, Verdict
from callwarden.store.campaign_traits import CampaignTraits
from callwarden.store.verdict_import import Provenance
from callwarden.store.verdict_rows import reasons_json

VERDICT_COLUMNS = ("number", "label", "score")
LABELS = ("benign", "harassment", "fraud")
SCORE_RANGE = (0.0, 1.0)  # inclusive, finite: the API's verdict model has the same bounds
#: The longest category and campaign the store keeps (its VARCHAR(64); the API's bound too):
#: PostgreSQL refuses a longer one, SQLite would keep it.
TEXT_COLUMNS = {"category": 64, "campaign": 64}


def e164(raw: str, what: str = "number") -> str:
    """A number in E.164, or InputError naming what was wrong."""
    n = normalize(raw) if raw else None
    if n is None:
        raise InputError(f"{what} {raw!r} is not a valid phone number")
    return n


class PatternUse(StrEnum):
    """What a list pattern is for. A block list may name a whole country by its calling code
    (``+44*``: 拦截境外来电); an allow list or a registered business's numbers may not, since
    a country-wide entry there would let that country's fraud through."""

    BLOCK = "block"
    ALLOW = "allow"
    REGISTRATION = "registration"


_PREFIX_NAME = {
    None: "a number prefix",
    PatternUse.BLOCK: "a block-list prefix",
    PatternUse.ALLOW: "an allow-list prefix",
    PatternUse.REGISTRATION: "a registered business's prefix",
}


def _prefix_rule(raw: str, use: PatternUse | None) -> str:
    """The error for a prefix ``use`` does not take, naming that use's rule."""
    lo, hi = PREFIX_DIGITS
    rule = f"{lo} to {hi} digits, with an optional + (or 00), and a trailing *"
    if use is PatternUse.BLOCK:
        rule = f"a country calling code (+44*, 0044*, +1*) or {rule}"
    elif use is not None:
        rule += (
            "; a country calling code alone (+44*) is taken only by a block list, since here"
            " it would let a whole country's calls through"
        )
    return f"pattern {raw!r} is not {_PREFIX_NAME[use]}: {rule}"


def pattern(raw: str, use: PatternUse | None = None) -> str:
    """A list pattern: an E.164 number, or a prefix ending in ``*`` (``+86400*``, ``400*``,
    ``010*``, ``+86 0755*``).

    A prefix is read like a number (:func:`callwarden.numbers.normalize_prefix`: full-width and
    other scripts' digits become 0-9, national prefixes gain +86, a stray trunk ``0`` after
    the country code goes), so it matches the numbers it is written for; anything else,
    or a prefix of fewer than 4 or more than 15 digits, is an InputError naming the rule of
    ``use``. Only a :attr:`PatternUse.BLOCK` pattern may be a country calling code alone
    (``+44*``, ``0044*``, ``+1*``).
    """
    text = unicodedata.normalize("NFKC", raw).strip()  # "４００＊" ends with "*" too
    if not text.endswith("*"):
        return e164(raw, "pattern")
    prefix = normalize_prefix(text[:-1], country_wide=use is PatternUse.BLOCK)
    if prefix is None:
        raise InputError(_prefix_rule(raw, use))
    return prefix + "*"


def usable(patterns: list[str], use: PatternUse) -> list[str]:
    """The saved ``patterns`` a matcher may take for ``use``: numbers, and prefixes that
    :func:`pattern` would write as they are. A prefix saved before patterns were checked and
    left invalid by migration 0004 (``+86*`` on an allow list) matches nothing, as the docs
    say; without this, a short one still matched as a prefix (a whole country allowed). It
    stays listed, so the API can show and delete it."""
    return [p for p in patterns if not p.endswith("*") or _usable_prefix(p, use)]


@lru_cache(maxsize=1 << 14)
def _usable_prefix(saved: str, use: PatternUse) -> bool:
    try:
        return pattern(saved, use) == saved
    except InputError:
        return False


def _reasons(text: str, line: int) -> tuple[Reason, ...]:
    if not text.strip():
        return ()
    try:
        items = json.loads(text)
        if not all("code" in r for r in items):
            raise KeyError("code")
        reasons = tuple(Reason.from_dict(r) for r in items)
        reasons_json(reasons).encode()  # what the store writes: a lone surrogate cannot be
        return reasons
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # (UnicodeError too)
        raise InputError(
            f"line {line}: reasons is not a JSON list of {{code, evidence}}: {exc}"
        ) from exc


class VerdictFile(list[Verdict]):
    """The verdicts of a file, with where they come from (``Store.import_verdicts`` stores
    ``provenance`` with the import) and the traits of their campaigns (``campaign_traits``:
    campaign id -> ingresses and asserted identities, from the campaigns.csv beside it, and
    ``trait_warnings``: why some or all of that file was not read)."""

    provenance: Provenance = Provenance()
    campaign_traits: MappingProxyType[str, CampaignTraits] = MappingProxyType({})
    trait_warnings: tuple[str, ...] = ()


#: warnings named per campaigns.csv (the rest are counted)
_WARNINGS_SHOWN = 5


def scan_campaign_traits(
    path: Path,
) -> tuple[MappingProxyType[str, CampaignTraits], tuple[str, ...]]:
    """Campaign id -> ingresses and asserted identities of the ``campaigns.csv`` beside a
    verdicts file (``callwarden scan`` writes both), and warnings. No file: no traits and no
    warning (the store keeps campaign ids by members only). A file that is there but does not
    read (not UTF-8, empty, without ``campaign_id``/``ingresses``, a CSV error): no traits,
    one warning. A row whose traits break the API's bounds (``CampaignTraits.problem``: 100
    items of 200 printable characters, no formula-looking text), and an id given twice, give
    no traits for that id, with a warning. A scan from before the ``asserted`` column gives
    traits no second rule can use."""
    f = path.parent / "campaigns.csv"
    if not f.is_file():
        return MappingProxyType({}), ()
    traits: dict[str, CampaignTraits] = {}
    refused: dict[str, str] = {}
    try:
        with f.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None:
                return MappingProxyType({}), (f"{f}: no campaign traits read (empty file)",)
            missing = {"campaign_id", "ingresses"} - set(reader.fieldnames)
            if missing:
                return MappingProxyType({}), (
                    f"{f}: no campaign traits read (no column {', '.join(sorted(missing))})",
                )
            for row in reader:
                cid = (row.get("campaign_id") or "").strip()
                if not cid:
                    continue
                t = CampaignTraits.parse(row.get("ingresses") or "", row.get("asserted") or "")
                if cid in traits or cid in refused:
                    refused[cid] = "given more than once"
                    traits.pop(cid, None)
                elif (why := t.problem()) is not None:
                    refused[cid] = why
                else:
                    traits[cid] = t
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return MappingProxyType({}), (f"{f}: no campaign traits read ({exc})",)
    warnings = tuple(
        f"{f}: traits of campaign {cid!r} not read ({why})"
        for cid, why in sorted(refused.items())[:_WARNINGS_SHOWN]
    )
    if len(refused) > _WARNINGS_SHOWN:
        more = len(refused) - _WARNINGS_SHOWN
        warnings += (f"{f}: traits of {more} more campaign{'s' * (more != 1)} not read",)
    return MappingProxyType(traits), warnings


def scan_provenance(path: Path) -> Provenance:
    """The provenance of a verdicts file: its path, and the model version, scan day and
    the day's zone of the ``scan-summary.json`` beside it (``callwarden scan`` writes them;
    the zone is its ``tz``, else ``UTC+H`` from an older scan's ``utc_offset_hours``); a
    summary that is missing or does not read leaves them empty."""
    summary: dict[str, Any] = {}
    try:
        loaded = json.loads((path.parent / "scan-summary.json").read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            summary = loaded
    except (OSError, ValueError):
        pass
    tz, hours = summary.get("tz"), summary.get("utc_offset_hours")
    if not (isinstance(tz, str) and tz):
        ok = isinstance(hours, int) and not isinstance(hours, bool)
        tz = f"UTC{hours:+d}" if ok else ""
    return Provenance(
        source_file=str(path.resolve())[:500],
        model_version=str(summary.get("model_version") or "")[:200],
        scan_day=str(summary.get("day") or "")[:32],
        tz=tz[:64],
    )


def read_verdicts_csv(path: Path) -> VerdictFile:
    """``number,label,score,category,reasons,campaign`` (scan's output) to verdicts, with
    their provenance (:func:`scan_provenance`).

    A bad row stops the import with its line number: a half-loaded verdict file would leave
    the decision service inconsistent. Category and campaign follow the API's verdict model
    (``api.models.VerdictIn``): at most 64 characters, every one printable
    (``str.isprintable``; a NUL named as such), and a campaign without ``/``, not ``.`` or
    ``..``. (Leading and trailing whitespace is stripped first, as before.)
    """
    if not path.is_file():
        raise InputError(f"verdicts file {path} does not exist")
    out = VerdictFile()
    out.provenance = scan_provenance(path)
    out.campaign_traits, out.trait_warnings = scan_campaign_traits(path)
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in VERDICT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(
                f"{path}: missing column(s) {', '.join(missing)} (need {', '.join(VERDICT_COLUMNS)})"
            )
        for i, row in enumerate(reader, start=2):
            label = (row.get("label") or "").strip()
            if label not in LABELS:
                raise InputError(
                    f"{path} line {i}: label {label!r} is not one of {', '.join(LABELS)}"
                )
            try:
                score = float(row["score"])
            except (TypeError, ValueError) as exc:
                raise InputError(
                    f"{path} line {i}: score {row['score']!r} is not a number"
                ) from exc
            if not (math.isfinite(score) and SCORE_RANGE[0] <= score <= SCORE_RANGE[1]):
                raise InputError(  # nan would be labelled, inf rejected, both unsendable in JSON
                    f"{path} line {i}: score {row['score']!r} is not a number from"
                    f" {SCORE_RANGE[0]:g} to {SCORE_RANGE[1]:g}"
                )
            text = {c: (row.get(c) or "").strip() for c in TEXT_COLUMNS}
            for c, most in TEXT_COLUMNS.items():
                if len(text[c]) > most:
                    raise InputError(
                        f"{path} line {i}: {c} {text[c][:20]!r}... is {len(text[c])} characters;"
                        f" the store keeps at most {most} characters"
                    )
                if "\x00" in text[c]:  # PostgreSQL cannot store it (SQLite would)
                    raise InputError(f"{path} line {i}: {c} {text[c]!r} holds a NUL character")
                if not text[c].isprintable():  # the API's verdict model refuses it too
                    bad = next(ch for ch in text[c] if not ch.isprintable())
                    raise InputError(
                        f"{path} line {i}: {c} {text[c]!r} must hold printable characters"
                        f" only (found U+{ord(bad):04X}; no CR, LF, tab or bidi override: a"
                        " category reaches decide's tag, a campaign id a path)"
                    )
            if "/" in text["campaign"] or text["campaign"] in (".", ".."):
                raise InputError(  # as the API's: /v1/campaigns/{id} could never fetch it
                    f"{path} line {i}: campaign {text['campaign']!r} must not contain '/'"
                    " nor be '.' or '..' (a campaign id is fetched as a path segment)"
                )
            out.append(
                Verdict(
                    number=e164((row.get("number") or "").strip(), f"{path} line {i}: number"),
                    label=label,
                    score=score,
                    category=text["category"],
                    reasons=_reasons(row.get("reasons") or "", i),
                    campaign=text["campaign"],
                )
            )
    return out


#: The zone of CSV times written without an offset, as ``callwarden ingest --tz`` defaults.
DEFAULT_TZ = "Asia/Shanghai"


def read_received_calls(
    path: Path, tz: str = DEFAULT_TZ
) -> list[tuple[str, str, float, float, int]]:
    """(callee, caller, first_at, last_at, calls) per pair from canonical CDRs (a Parquet file
    or directory, or a CSV), aggregated in DuckDB.

    Parquet times are instants already (canonical CDRs are UTC). A CSV's ``start_time`` is
    read by ingest's rule (``cdr.parse.times``): ISO 8601 with an offset, ``Z`` or a zone
    name as written, one without an offset in ``tz`` (ingest's ``--tz``, default
    Asia/Shanghai), epoch seconds; a time that does not read is an InputError naming its
    line. Numbers are normalised to E.164 like every number the API reads (a CSV may write
    them nationally: ``13900139000``, ``010...``), so they match the reports they make
    eligible; pairs that meet after normalising are merged, and a pair with a number that
    is not one is left out."""
    import duckdb

    if not path.exists():
        raise InputError(f"CDR path {path} does not exist")
    csv_input = not (path.is_dir() or path.suffix == ".parquet")
    if not csv_input:
        from callwarden.cdr import cdr_relation_sql

        src = cdr_relation_sql(path)  # (quotes the path, knows the ingest and simulator layouts)
    else:  # a quote in a file name must not end the string literal (or inject SQL); numbers
        # are text (read as integers, 010... would lose its 0), and so are times (below)
        src = (
            "read_csv_auto('"
            + path.as_posix().replace("'", "''")
            + "', types={'caller': 'VARCHAR', 'callee': 'VARCHAR', 'start_time': 'VARCHAR'})"
        )
    con = duckdb.connect()
    try:
        if csv_input:
            calls = con.sql(
                f"SELECT caller, callee, start_time FROM {src} "
                "WHERE caller IS NOT NULL AND callee IS NOT NULL"
            ).to_arrow_table()
            con.register("cw_received_calls", _with_instants(calls, tz, path))
            src = "cw_received_calls"
        rows = con.execute(
            f"""SELECT callee, caller, min(epoch(start_time)), max(epoch(start_time)), count(*)
                FROM {src} WHERE caller IS NOT NULL AND callee IS NOT NULL
                GROUP BY callee, caller"""
        ).fetchall()
    except duckdb.Error as exc:
        raise InputError(f"cannot read CDRs from {path}: {exc}") from exc
    finally:
        con.close()
    return _normalised_pairs(rows)


def _with_instants(calls: Any, tz: str, path: Path) -> Any:
    """``calls`` with its text ``start_time`` as UTC instants, read as ingest reads them."""
    from callwarden.cdr.parse import times
    from callwarden.features.local_time import iana_name

    text = calls["start_time"].combine_chunks()
    instants, failed = times(text, iana_name(tz))  # (a whole-hour offset as Etc/GMT-8, as ingest)
    if failed.any():
        i = int(failed.argmax())
        value = text[i].as_py()
        raise InputError(
            f"{path}: start_time {'(blank)' if value is None else repr(value)} of CDR row "
            f"{i + 1} (caller and callee given) is not a time ingest reads (ISO 8601, "
            "YYYY/MM/DD hh:mm:ss, epoch seconds)"
        )
    return calls.set_column(calls.column_names.index("start_time"), "start_time", instants)


def _normalised_pairs(
    rows: list[tuple[object, object, float, float, int]],
) -> list[tuple[str, str, float, float, int]]:
    """Aggregated (callee, caller, first, last, calls) rows with both numbers in E.164; rows
    that meet after normalising are merged (Arrow's group-by), rows with a number that is not
    one are left out."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from callwarden.numbers import normalize_array

    if not rows:
        return []
    callee, caller, first, last, n = zip(*rows, strict=True)
    t = pa.table(
        {
            "callee": normalize_array([str(x) for x in callee]),
            "caller": normalize_array([str(x) for x in caller]),
            "first": pa.array(first, pa.float64()),
            "last": pa.array(last, pa.float64()),
            "n": pa.array(n, pa.int64()),
        }
    )
    t = t.filter(pc.and_(pc.is_valid(t["callee"]), pc.is_valid(t["caller"])))
    g = t.group_by(["callee", "caller"], use_threads=False).aggregate(
        [("first", "min"), ("last", "max"), ("n", "sum")]
    )
    return list(
        zip(
            g["callee"].to_pylist(),
            g["caller"].to_pylist(),
            g["first_min"].to_pylist(),
            g["last_max"].to_pylist(),
            g["n_sum"].to_pylist(),
            strict=True,
        )
    )

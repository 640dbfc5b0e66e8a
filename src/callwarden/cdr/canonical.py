"""The pure core of ingest: a batch of raw rows in, canonical rows and quarantined rows out.

``canonicalize`` touches no files, so the stream and replay code reuse it on in-memory
batches. It applies a mapping, parses and validates every column with vectorised kernels,
normalises numbers once per distinct value, derives ``answered`` and ``call_id``, and reports
each rejected row with a stable reason code.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.errors import InputError
from callwarden.numbers import normalize_array

from . import parse
from .mapping import Mapping
from .schema import CANONICAL_TYPES, NUMBER_KEY_COLUMNS, PARTITION_COLUMN, REQUIRED_COLUMNS

#: A column a reader or mapping may add: rows with a value here are quarantined with it. The
#: name starts with a NUL character, which no export's column name holds, so no column of a
#: file is taken for it (a file's ``__reason`` column, this name until 30 Nov, was refused,
#: and a mapping that dropped it dropped the reader's own reasons: a row with undecodable
#: bytes was stored).
REASON_COLUMN = "\x00reason"


#: Names the canonical output derives, with why a column so named in the input cannot be
#: stored under that name (docs/ingest.md, "Reserved column names"). A mapping renames such
#: a column to any other name (``rename: {day: day_local}``) or drops it (``drop: [day]``).
RESERVED_COLUMNS: dict[str, str] = {
    PARTITION_COLUMN: (
        f"the dataset's {PARTITION_COLUMN} partition (the UTC date of start_time) would hide "
        "it when read back"
    ),
    **{
        key: (
            f"ingest derives {key} from {col} and stores it under that name (a column of "
            f"callwarden's own keys, as a canonical export or the simulator writes, is taken)"
        )
        for col, key in NUMBER_KEY_COLUMNS.items()
    },
}


def reserved_hint(name: str) -> str:
    """How to keep or lose a column with a reserved name (the end of every refusal)."""
    return (
        f"keep it under another name with a mapping (--mapping FILE holding rename: "
        f"{{{name}: {name}_src}}; any name that is neither reserved nor canonical), drop it "
        f"with one (drop: [{name}]), or rename it in the export; see docs/ingest.md, "
        "'Reserved column names'"
    )


class Reason(enum.StrEnum):
    """Why a row was quarantined (stable codes; the first that applies is reported)."""

    MALFORMED_ROW = "malformed_row"  # wrong number of fields, unparseable line
    BAD_ENCODING = "bad_encoding"  # bytes that are not text in the file's encoding
    BAD_DIRECTION = "bad_direction"  # a mapping's direction column holds an unknown value
    MISSING_START_TIME = "missing_start_time"
    BAD_START_TIME = "bad_start_time"
    MISSING_CALLER = "missing_caller"
    INVALID_CALLER = "invalid_caller"
    MISSING_CALLEE = "missing_callee"
    INVALID_CALLEE = "invalid_callee"
    MISSING_DURATION = "missing_duration"
    BAD_DURATION = "bad_duration"
    NEGATIVE_DURATION = "negative_duration"
    #: set by ingest's writer, not canonicalize: the row's call_id names another call of its
    #: day, already stored or earlier in the run (a repeat of the same call is a duplicate)
    CONFLICTING_CALL_ID = "conflicting_call_id"


_CODES = {r: i + 1 for i, r in enumerate(Reason)}
_NAMES = np.array([None, *(r.value for r in Reason)], dtype=object)


@dataclass(frozen=True)
class Canonical:
    """The result of :func:`canonicalize` on one batch."""

    table: pa.Table  # canonical rows: CANONICAL_SCHEMA columns, then extras
    quarantine: pa.Table  # row (index in the input batch), reason, detail (the offending value)
    nulled: dict[str, int] = field(default_factory=dict)  # optional fields unreadable -> null
    #: call_id and ingress values refused as unsafe text (parse.UNSAFE_TEXT) -> null (a
    #: call_id is then derived), per column
    unsafe: dict[str, int] = field(default_factory=dict)
    kept_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # input indices
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))  # call_id keys
    #: per kept row: its call_id was derived (the input gave none); ingest matches such rows
    #: to stored calls by start second, caller and callee (the derived id hashes the duration)
    derived: np.ndarray = field(default_factory=lambda: np.empty(0, bool))

    def __iter__(self) -> Iterator[pa.Table]:
        """``kept, quarantine = canonicalize(batch)`` unpacks like a pair."""
        return iter((self.table, self.quarantine))

    def reasons(self) -> dict[str, int]:
        if self.quarantine.num_rows == 0:
            return {}
        counts = pc.value_counts(self.quarantine["reason"]).to_pylist()
        return {c["values"]: c["counts"] for c in counts}


def missing_required(columns: Iterable[str], mapping: Mapping | None) -> list[str]:
    """Required canonical columns that ``columns`` (source names) cannot provide."""
    present = set(columns)
    provided = set(present)
    if mapping is not None:
        provided = {
            mapping.rename.get(c, c) for c in present if c not in mapping.drop
        } | mapping.provides()
    return [c for c in REQUIRED_COLUMNS if c not in provided]


def check_columns(columns: Iterable[str], mapping: Mapping | None, source: str) -> None:
    """Fail at once, naming the column and the ``--mapping`` option, if a required one is absent."""
    columns = list(columns)
    if mapping is not None and mapping.rename:
        # A renamed column and a column already bearing the target's name would both fill it,
        # and one would silently overwrite the other.
        seen: dict[str, str] = {}
        for c in columns:
            if c in mapping.drop:
                continue
            target = mapping.rename.get(c, c)
            if target in seen:
                raise InputError(
                    f"{source}: columns {seen[target]!r} and {c!r} would both become "
                    f"{target!r} under the mapping; drop one (drop: [...]) or rename it"
                )
            seen[target] = c
    if mapping is not None:
        _check_provided(columns, mapping, source)
    missing = missing_required(columns, mapping)
    if mapping is not None and mapping.swap is not None:
        sw = mapping.swap
        missing += [c for c in (sw.column, sw.subscriber, sw.other) if c not in columns]
    if missing:
        what = ", ".join(repr(c) for c in missing)
        raise InputError(
            f"{source}: required column{'s' if len(missing) > 1 else ''} {what} "
            f"{'are' if len(missing) > 1 else 'is'} missing (found: {', '.join(columns) or 'none'}); "
            "if the file uses other names, describe its layout with --mapping FILE "
            "(see docs/ingest.md; built-in: --mapping sichuan_voc)"
        )


def _check_provided(columns: list[str], mapping: Mapping, source: str) -> None:
    """A column the file has and one the mapping makes (a constant, swap's caller/callee...)
    would both fill one canonical column, the mapping's silently replacing the file's."""
    consumed: set[str] = set()
    made: dict[str, str] = {
        name: f"the mapping's constant {name}: {value}" for name, value in mapping.constants.items()
    }
    sw = mapping.swap
    if sw is not None:
        consumed = {sw.subscriber, sw.other, sw.subscriber_region or "", sw.subscriber_imei or ""}
        for name in ("caller", "callee"):
            made[name] = f"the mapping's swap ({sw.subscriber}/{sw.other} by {sw.column})"
        if sw.subscriber_region:
            for name in ("caller_region", "callee_region"):
                made[name] = f"the mapping's swap (subscriber_region: {sw.subscriber_region})"
        if sw.subscriber_imei:
            made["imei"] = f"the mapping's swap (subscriber_imei: {sw.subscriber_imei})"
    for c in columns:
        if c in mapping.drop or c in consumed:
            continue
        target = mapping.rename.get(c, c)
        if target in made:
            what = f"column {c!r}" + (f" (renamed to {target!r})" if target != c else "")
            raise InputError(
                f"{source}: {what} and {made[target]} would both fill {target!r}, the mapping's "
                f"silently replacing the file's values; drop the column (drop: [{c}]) to use "
                "the mapping's, or take that out of the mapping to keep the file's"
            )


def apply_mapping(table: pa.Table, mapping: Mapping | None) -> pa.Table:
    """Rename, drop, swap and add constant columns: source layout -> canonical names."""
    if mapping is None:
        return table
    cols: dict[str, pa.Array] = {}
    for name in table.column_names:
        if name in mapping.drop:
            continue
        cols[mapping.rename.get(name, name)] = _arr(table[name])
    sw = mapping.swap
    if sw is not None:
        direction = parse.text(_arr(table[sw.column]))
        out = pc.is_in(direction, value_set=pa.array(sw.outgoing, pa.string()))
        inc = pc.is_in(direction, value_set=pa.array(sw.incoming, pa.string()))
        sub, other = _arr(table[sw.subscriber]), _arr(table[sw.other])
        cols["caller"] = pc.if_else(out, sub, other)
        cols["callee"] = pc.if_else(out, other, sub)
        for src in (sw.subscriber, sw.other):
            cols.pop(mapping.rename.get(src, src), None)
        if sw.subscriber_region:
            region = _arr(table[sw.subscriber_region])
            cols.pop(mapping.rename.get(sw.subscriber_region, sw.subscriber_region), None)
            cols["caller_region"] = pc.if_else(out, region, pa.scalar(None, region.type))
            cols["callee_region"] = pc.if_else(out, pa.scalar(None, region.type), region)
        if sw.subscriber_imei:
            imei = _arr(table[sw.subscriber_imei])
            cols.pop(mapping.rename.get(sw.subscriber_imei, sw.subscriber_imei), None)
            cols["imei"] = pc.if_else(out, imei, pa.scalar(None, imei.type))
        bad = ~parse.mask(pc.or_kleene(out, inc))
        if bad.any():
            reason = pa.array(
                np.where(bad, Reason.BAD_DIRECTION.value, np.array(None, dtype=object)), pa.string()
            )
            if REASON_COLUMN in cols:
                reason = pc.coalesce(cols[REASON_COLUMN], reason)
            cols[REASON_COLUMN] = reason
    for name, value in mapping.constants.items():
        cols[name] = pa.array(np.full(table.num_rows, value, dtype=object), pa.string())
    return pa.table(cols)


def _arr(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(col, pa.ChunkedArray):
        return col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    return col


def canonicalize(
    table: pa.Table,
    *,
    tz: str = "Asia/Shanghai",
    region: str = "CN",
    mapping: Mapping | None = None,
) -> Canonical:
    """Map, parse and validate one batch of raw CDR rows (see the module docstring)."""
    check_columns(table.column_names, mapping, "input")
    t = apply_mapping(table, mapping)
    n = t.num_rows
    conv = mapping.convert if mapping is not None else {}
    opaque = mapping is not None and mapping.numbers == "opaque"
    # Reason per row as a small code (0 = fine), in precedence order: the first one sticks.
    reason = np.zeros(n, np.int8)
    detail_col = np.full(n, None, dtype=object)
    pre_reasons: list[str] = []

    def flag(bad: np.ndarray, code: Reason, col: str | None) -> None:
        new = bad & (reason == 0)
        if new.any():
            reason[new] = _CODES[code]
            if col is not None:
                rows = pa.array(np.flatnonzero(new))
                detail_col[new] = np.asarray(
                    parse.text(_arr(t[col]).take(rows)).to_pylist(), dtype=object
                )

    if REASON_COLUMN in t.column_names:
        pre = _arr(t[REASON_COLUMN])
        present = parse.mask(pc.is_valid(pre))
        pre_reasons = [str(v) for v in pc.unique(pre.drop_null()).to_pylist()]
        for value in pre_reasons:
            rows = present & parse.mask(pc.equal(pre, value))
            flag(rows, Reason(value), None)
            if value == Reason.BAD_DIRECTION and mapping is not None and mapping.swap:
                # The detail is the direction value that the mapping does not list.
                direction = parse.text(_arr(table[mapping.swap.column]))
                idx = np.flatnonzero(rows & (reason == _CODES[Reason.BAD_DIRECTION]))
                got = direction.take(pa.array(idx)).to_pylist()
                detail_col[idx] = np.asarray(
                    [f"{mapping.swap.column}={'' if v is None else v}" for v in got], dtype=object
                )
        t = t.drop_columns([REASON_COLUMN])

    out: dict[str, pa.Array] = {}
    # Parse first; look for blanks only among the rows that failed (few, usually none).
    start, failed = parse.times(_arr(t["start_time"]), tz, conv.get("start_time"))
    blank, bad = parse.split_blank(_arr(t["start_time"]), failed)
    flag(blank, Reason.MISSING_START_TIME, None)
    flag(bad, Reason.BAD_START_TIME, "start_time")
    _explain_zones(t, bad & (reason == _CODES[Reason.BAD_START_TIME]), detail_col)
    out["start_time"] = start

    for col, missing_code, invalid_code in (
        ("caller", Reason.MISSING_CALLER, Reason.INVALID_CALLER),
        ("callee", Reason.MISSING_CALLEE, Reason.INVALID_CALLEE),
    ):
        raw = parse.map_values(_arr(t[col]), conv.get(col))
        norm = _safe_opaque(parse.opaque_ids(raw)) if opaque else normalize_array(raw, region)
        blank, bad = parse.split_blank(raw, ~parse.mask(pc.is_valid(norm)))
        flag(blank, missing_code, None)
        flag(bad, invalid_code, col)
        out[col] = norm

    duration, _ = parse.numbers(_arr(t["duration_s"]), conv.get("duration_s"))
    blank, bad = parse.split_blank(_arr(t["duration_s"]), ~parse.mask(pc.is_valid(duration)))
    flag(blank, Reason.MISSING_DURATION, None)
    flag(bad, Reason.BAD_DURATION, "duration_s")
    flag(parse.mask(pc.less(duration, 0)), Reason.NEGATIVE_DURATION, "duration_s")
    out["duration_s"] = duration

    nulled: dict[str, int] = {}
    _optional(t, out, conv, nulled, region, opaque)
    unsafe = _refuse_unsafe(out)
    if "answered" not in out:
        out["answered"] = pc.greater(duration, 0)
    else:
        out["answered"] = pc.coalesce(out["answered"], pc.greater(duration, 0))

    keep = reason == 0
    kept_rows = np.flatnonzero(keep)
    all_kept = len(kept_rows) == n
    sel = None if all_kept else pa.array(kept_rows)

    def take(a: pa.Array) -> pa.Array:
        return a if sel is None else a.take(sel)

    cols: dict[str, pa.Array] = {}
    for name, typ in CANONICAL_TYPES.items():
        if name == "call_id":
            continue
        cols[name] = take(out[name]).cast(typ) if name in out else pa.nulls(len(kept_rows), typ)
    ids, keys = parse.row_ids(
        cols["start_time"], cols["caller"], cols["callee"], cols["duration_s"]
    )
    derived = np.ones(len(kept_rows), bool)
    if "call_id" in out:
        given = take(out["call_id"])
        if given.null_count < len(given):
            ids = pc.coalesce(given, ids)
            keys = parse.id_keys(ids)
            derived = ~parse.mask(pc.is_valid(given))
    extras = {name: take(_arr(t[name])) for name in t.column_names if name not in CANONICAL_TYPES}
    canonical = pa.table({"call_id": ids, **cols, **extras})

    bad_rows = np.flatnonzero(~keep)
    quarantine = pa.table(
        {
            "row": pa.array(bad_rows, pa.int64()),
            "reason": pa.array(_NAMES[reason[bad_rows]], pa.string()),
            "detail": pa.array(detail_col[bad_rows], pa.string()),
        }
    )
    return Canonical(
        table=canonical,
        quarantine=quarantine,
        nulled=nulled,
        kept_rows=kept_rows,
        keys=keys,
        unsafe=unsafe,
        derived=derived,
    )


#: Free-text columns that reach the CSV files scan writes (spoofed_calls.csv and
#: bridged_calls.csv: call_id; campaigns.csv and bridged_calls.csv: ingress).
UNSAFE_CHECKED = ("call_id", "ingress")


def _refuse_unsafe(out: dict[str, pa.Array]) -> dict[str, int]:
    """Null each ``UNSAFE_CHECKED`` value that is unsafe text (``parse.UNSAFE_TEXT``: what a
    spreadsheet runs as a formula, or a control character); the counts per column. The call
    is kept, as for any unreadable optional value, and a refused call_id is derived as an
    absent one is: quarantining the row instead would let whoever picks a call's id (a SIP
    Call-ID is the calling side's) keep the call out of scan."""
    counts: dict[str, int] = {}
    for col in UNSAFE_CHECKED:
        if col in out:
            bad = parse.unsafe_text(out[col])
            if bad is not None:
                out[col] = pc.if_else(pa.array(bad), pa.scalar(None, out[col].type), out[col])
                counts[col] = int(bad.sum())
    return counts


def _safe_opaque(ids: pa.Array) -> pa.Array:
    """Pseudonymised numbers, with each one that is unsafe text (``parse.UNSAFE_TEXT``) made
    null: its row is quarantined as an invalid number (a number is required), the value in
    the detail; a number is written to verdicts.csv and campaigns.csv as it is stored."""
    bad = parse.unsafe_text(ids)
    if bad is None:
        return ids
    return pc.if_else(pa.array(bad), pa.scalar(None, ids.type), ids)


def _explain_zones(t: pa.Table, rows: np.ndarray, detail_col: np.ndarray) -> None:
    """A refused time-zone word (CST...) is named in the detail after the value."""
    col = _arr(t["start_time"])
    if not rows.any() or not pa.types.is_string(col.type):
        return
    idx = np.flatnonzero(rows)
    why = parse.zone_problem(col.take(pa.array(idx))).to_pylist()
    for i, w in zip(idx, why, strict=True):
        if w is not None:
            detail_col[i] = f"{detail_col[i]}: {w}"


def _optional(
    t: pa.Table,
    out: dict[str, pa.Array],
    conv: dict,
    nulled: dict[str, int],
    region: str,
    opaque: bool,
) -> None:
    """Optional columns: an unreadable value becomes null (counted), never loses the call;
    ``canonicalize`` then derives a null ``answered`` from ``duration_s > 0``."""

    def note(col: str, bad: np.ndarray) -> None:
        if bad.any():
            nulled[col] = nulled.get(col, 0) + int(bad.sum())

    names = set(t.column_names)
    if "call_id" in names:
        out["call_id"] = parse.text(_arr(t["call_id"]))
    if "answered" in names:
        vals, bad = parse.booleans(parse.map_values(_arr(t["answered"]), conv.get("answered")))
        out["answered"] = vals
        note("answered", bad)
    for col in ("ring_s", "release_cause"):
        if col in names:
            vals, bad = parse.numbers(_arr(t[col]), conv.get(col))
            if col == "release_cause":
                ok = pc.and_kleene(
                    pc.equal(pc.round(vals), vals),
                    pc.and_kleene(pc.greater_equal(vals, 0), pc.less_equal(vals, 127)),
                )
            else:
                ok = pc.greater_equal(vals, 0)
            out_of_range = ~parse.mask(ok) & parse.mask(pc.is_valid(vals))
            out[col] = pc.if_else(pa.array(out_of_range), pa.scalar(None, pa.float64()), vals)
            if col == "release_cause":
                out[col] = pc.cast(out[col], pa.int16(), safe=False)
            note(col, bad | out_of_range)
    if "asserted_caller" in names:
        raw = parse.map_values(_arr(t["asserted_caller"]), conv.get("asserted_caller"))
        vals = parse.opaque_ids(raw) if opaque else normalize_array(raw, region)
        note("asserted_caller", ~parse.is_blank(raw) & ~parse.mask(pc.is_valid(vals)))
        out["asserted_caller"] = vals
    if "attestation" in names:
        vals = pc.utf8_upper(
            parse.text(parse.map_values(_arr(t["attestation"]), conv.get("attestation")))
        )
        ok = pc.is_in(vals, value_set=pa.array(["A", "B", "C"]))
        bad = ~parse.mask(ok) & parse.mask(pc.is_valid(vals))
        out["attestation"] = pc.if_else(pa.array(bad), pa.scalar(None, pa.string()), vals)
        note("attestation", bad)
    for col in ("ingress", "caller_region", "callee_region", "imei"):
        if col in names:
            out[col] = parse.text(parse.map_values(_arr(t[col]), conv.get(col)))


def number_keys(numbers: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The integer key of each number (``schema.NUMBER_KEY_COLUMNS``): its E.164 digits where
    the value is ``+`` and 1-15 ASCII digits without a leading zero, else NULL."""
    arr = _arr(numbers)
    digits = pc.utf8_ltrim(arr, "+")  # (cheaper than a slice; "++1" fails the length check)
    length = pc.binary_length(digits)
    ok = pc.and_kleene(
        pc.and_kleene(
            pc.equal(pc.add(length, 1), pc.binary_length(arr)), pc.ascii_is_decimal(digits)
        ),
        pc.and_kleene(pc.less_equal(length, 15), pc.invert(pc.starts_with(digits, "0"))),
    )
    ok = pc.fill_null(ok, False)
    if pc.all(ok).as_py() is not True:  # canonical numbers all pass: no masked copy then
        digits = pc.if_else(ok, digits, pa.scalar(None, pa.string()))
    return pc.cast(digits, pa.int64())


def with_number_keys(table: pa.Table) -> pa.Table:
    """``table`` with ``caller_key`` and ``callee_key`` derived from its numbers, right after
    the canonical columns (replacing columns of those names): what canonical writers store."""
    keys = {key: number_keys(table[col]) for col, key in NUMBER_KEY_COLUMNS.items()}
    for key, derived in keys.items():
        if key in table.column_names:
            _check_given_keys(table[key], derived, key)
    rest = [c for c in table.column_names if c not in keys]
    at = sum(1 for c in rest if c in CANONICAL_TYPES)
    cols = [table[c] for c in rest[:at]] + list(keys.values()) + [table[c] for c in rest[at:]]
    return pa.table(cols, names=[*rest[:at], *keys, *rest[at:]])


def _check_given_keys(given: pa.ChunkedArray | pa.Array, derived: pa.Array, key: str) -> None:
    """A ``key`` column already in the input is replaced only when it holds these very keys
    (an export of canonical CDRs, the simulator's file); any other content would be lost
    under the derived values, so it is an error naming the column (docs/ingest.md)."""
    if pa.types.is_integer(given.type):
        agree = pc.or_kleene(pc.is_null(given), pc.equal(pc.cast(given, pa.int64()), derived))
        if pc.all(pc.fill_null(agree, True)).as_py():
            return
        example = pc.filter(given, pc.invert(pc.fill_null(agree, True)))[0].as_py()
    else:
        example = pc.drop_null(given)[0].as_py() if given.null_count < len(given) else None
        if example is None:
            return
    raise InputError(
        f"column {key!r} holds values that are not callwarden's number keys (e.g. {example!r}): "
        f"{RESERVED_COLUMNS[key]}; {reserved_hint(key)}"
    )

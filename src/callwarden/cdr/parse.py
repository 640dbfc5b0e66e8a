"""Vectorised column parsers: text (or typed) columns in, canonical Arrow columns out.

Each parser returns the parsed column and a boolean NumPy mask of values it could not read
(``times`` counts blanks among them: ``split_blank`` separates the two on the failed rows
only); the caller decides whether that quarantines the row or nulls the field.
"""

from __future__ import annotations

import functools
import hashlib
import zoneinfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .mapping import Convert

_NUMBER = r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$"
_EPOCH = r"^\s*\d{9,10}(?:\.\d*)?\s*$"  # epoch seconds, 1973..2286
_EPOCH_ANY = r"^\s*\d+(?:\.\d*)?\s*$"  # when a mapping names the unit
_OFFSET = r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:[zZ]|[+-]\d\d(?::?\d\d)?)$"
#: Blanks between a time of day and its numeric offset or Z (``01:00:00 +0800``), which
#: neither Arrow's cast nor DuckDB reads: dropped before parsing.
_SPACED_OFFSET = r"(\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?)\s+([zZ]|[+-]\d\d(?::?\d\d)?)$"
#: A local date-time with no zone at all (the per-value path reads these in ``tz``).
_NAIVE = r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?$"
#: A trailing alphabetic zone: ``Z``, ``UTC``, an IANA name, or an abbreviation such as ``CST``.
_ZONE_WORD = r"^.*\d\s*(?P<zone>[A-Za-z][A-Za-z_]*(?:/[A-Za-z0-9_+\-]+)*(?:[+-]\d\d?(?::?\d\d)?)?)$"
_TRUE = ("1", "true", "t", "yes", "y", "answered")
_FALSE = ("0", "false", "f", "no", "n", "")
_US = pa.timestamp("us", tz="UTC")
#: Times outside these years are unreadable, not calls (epoch milliseconds read as seconds...).
MIN_YEAR, MAX_YEAR = 1990, 2100
_LO = int(
    (np.datetime64(f"{MIN_YEAR}-01-01") - np.datetime64("1970-01-01")) / np.timedelta64(1, "us")
)
_HI = int(
    (np.datetime64(f"{MAX_YEAR}-01-01") - np.datetime64("1970-01-01")) / np.timedelta64(1, "us")
)


def mask(arr: pa.Array) -> np.ndarray:
    """A boolean Arrow array as a NumPy mask, null as False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def is_blank(arr: pa.Array) -> np.ndarray:
    """True where a value is null or only whitespace."""
    if not _is_text(arr.type):
        return ~mask(pc.is_valid(arr))
    empty = pc.or_kleene(pc.equal(pc.utf8_length(arr), 0), pc.utf8_is_space(arr))
    return ~mask(pc.invert(empty))  # null counts as blank


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def text(arr: pa.Array) -> pa.Array:
    """Trimmed text; blank as null."""
    if not _is_text(arr.type):
        arr = pc.cast(arr, pa.string())
    out = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


#: A text value no call id, trunk name or pseudonymised number holds, and that a spreadsheet
#: opening a CSV written from it (campaigns.csv's ingresses, spoofed_calls.csv's call_id,
#: verdicts.csv's number) would run as a formula, or that holds a control character: it
#: starts with ``=`` or ``@``; or it starts with ``+`` or ``-`` and holds one of ``( | ! & "``
#: or a space, which a formula needs to call a function (HYPERLINK, WEBSERVICE), reach
#: another program (DDE, ``cmd|' /C calc'!A0``) or join text (a base64 id may start with
#: ``+``, a signed numeric id with ``-``: neither holds those); or it holds a C0 or C1 control
#: character or DEL (tab, CR, LF included). Values are trimmed first (``text``).
UNSAFE_TEXT = r'^[=@]|^[-+].*[(|!&" ]|[\x00-\x1f\x7f\x{80}-\x{9f}]'


def unsafe_text(arr: pa.Array) -> np.ndarray | None:
    """The mask of ``UNSAFE_TEXT`` values of a text column, or None when it has none.

    A byte scan first (the first byte of each value; control bytes anywhere): a clean ASCII
    column, the normal case, costs a few milliseconds a million rows; the regular expression
    runs only on a batch that the scan does not clear."""
    if len(arr) == 0 or not _is_text(arr.type):
        return None
    _, offsets_buf, data_buf = arr.buffers()
    if data_buf is None:
        return None
    wide = pa.types.is_large_string(arr.type)
    offsets = np.frombuffer(offsets_buf, np.int64 if wide else np.int32)
    offsets = offsets[arr.offset : arr.offset + len(arr) + 1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    if hi <= lo:
        return None
    full = np.frombuffer(data_buf, np.uint8)
    data = full[lo:hi]
    # the byte at each value's start (an empty or null value's is the next value's: it can
    # only send the batch to the exact check below)
    starts = offsets[:-1] if int(offsets[-2]) < len(full) else np.minimum(offsets[:-1], hi - 1)
    first = full[starts]
    suspect = (
        bool(((first == 0x3D) | (first == 0x40) | (first == 0x2B) | (first == 0x2D)).any())
        or int(data.min()) < 0x20
    )
    if not suspect and int(data.max()) >= 0x7F:  # DEL, or UTF-8 (C1 controls are C2 80-9F)
        c2 = np.flatnonzero(data[:-1] == 0xC2) + 1
        suspect = bool((data == 0x7F).any()) or bool(((data[c2] & 0xE0) == 0x80).any())
    if not suspect:
        return None
    hit = mask(pc.match_substring_regex(arr, UNSAFE_TEXT))
    return hit if hit.any() else None


def map_values(arr: pa.Array, conv: Convert | None) -> pa.Array:
    if conv is None or not conv.values:
        return arr
    s = text(arr)
    keys = pa.array(list(conv.values), pa.string())
    idx = pc.index_in(s, value_set=keys)
    mapped = pc.take(pa.array(list(conv.values.values()), pa.string()), idx)
    return pc.coalesce(mapped, s)


def numbers(arr: pa.Array, conv: Convert | None = None) -> tuple[pa.Array, np.ndarray]:
    """Float64 values and the mask of present-but-unreadable ones."""
    arr = map_values(arr, conv)
    if (
        pa.types.is_integer(arr.type)
        or pa.types.is_floating(arr.type)
        or pa.types.is_decimal(arr.type)
    ):
        out = pc.cast(arr, pa.float64())
        bad = np.zeros(len(arr), bool)
    else:
        s = arr if _is_text(arr.type) else pc.cast(arr, pa.string())
        try:  # the common case: every value is a plain number
            out = pc.cast(s, pa.float64())
            bad = np.zeros(len(arr), bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ok = pc.fill_null(pc.match_substring_regex(s, _NUMBER), False)
            out = pc.if_else(
                ok,
                pc.cast(pc.if_else(ok, pc.utf8_trim_whitespace(s), "0"), pa.float64()),
                pa.scalar(None, pa.float64()),
            )
            bad = ~mask(ok) & ~is_blank(s)
    if conv is not None and conv.multiply is not None:
        out = pc.multiply(out, conv.multiply)
    # NaN, inf and overflow (1e400, or a multiply) are no talk time or ring time.
    nonfinite = mask(pc.invert(pc.is_finite(out)))  # (null stays null: not flagged)
    if nonfinite.any():
        out = pc.if_else(pa.array(nonfinite), None, out)
        bad = bad | nonfinite
    return out, bad


def booleans(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    if pa.types.is_boolean(arr.type):
        return arr, np.zeros(len(arr), bool)
    s = pc.utf8_lower(text(arr))
    is_true = pc.is_in(s, value_set=pa.array(_TRUE))
    is_false = pc.is_in(s, value_set=pa.array(_FALSE))
    out = pc.if_else(is_true, True, pc.if_else(is_false, False, None))
    bad = ~mask(is_true) & ~mask(is_false) & ~is_blank(s)
    return out, bad


def times(arr: pa.Array, tz: str, conv: Convert | None = None) -> tuple[pa.Array, np.ndarray]:
    """UTC timestamps from ISO 8601 (offset or local to ``tz``), epoch seconds or a format."""
    arr = map_values(arr, conv)
    t = arr.type
    if pa.types.is_timestamp(t) and t.unit == "ns":
        # pandas / Spark write nanoseconds: the sub-microsecond digits are dropped (times in
        # the readable years are positive, so truncation is the floor).
        arr = pc.cast(arr, pa.timestamp("us", t.tz), safe=False)
        t = arr.type
    if pa.types.is_timestamp(t):
        out = arr if t.tz else _local(arr, tz)
    elif pa.types.is_date(t):  # a day without a time of day is no call time
        out = pa.nulls(len(arr), _US)
    elif pa.types.is_integer(t) or pa.types.is_floating(t):
        out = _epoch(pc.cast(arr, pa.float64()), conv)
    else:
        s = arr if _is_text(t) else pc.cast(arr, pa.string())
        out = _parse_text_times(s, tz, conv)
        if not (conv is not None and conv.time_format):
            out = _no_date_only(s, out)
    out = pc.cast(out, _US)
    us = pc.cast(out, pa.int64())
    plausible = mask(pc.and_kleene(pc.greater_equal(us, _LO), pc.less(us, _HI)))
    if not plausible.all():
        out = pc.if_else(pa.array(plausible), out, pa.scalar(None, _US))
    return out, ~plausible  # blank or unreadable: the caller tells which (split_blank)


def split_blank(arr: pa.Array, failed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(blank, bad) among the ``failed`` rows, looking only at those rows."""
    blank = np.zeros(len(failed), bool)
    idx = np.flatnonzero(failed)
    if len(idx):
        blank[idx] = is_blank(arr.take(pa.array(idx)))
    return blank, failed & ~blank


def _epoch(values: pa.Array, conv: Convert | None) -> pa.Array:
    scale = {"s": 1e6, "ms": 1e3, "us": 1.0}[(conv.epoch_unit if conv else None) or "s"]
    us = pc.cast(pc.round(pc.multiply(values, scale)), pa.int64(), safe=False)
    return pc.cast(us, _US)


#: A date without a time of day (``2026-11-02``, ``2026/11/02``): read by the ISO 8601 and
#: lenient parsers as midnight, but no call time.
_DATE_ONLY = r"^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s*$"


def _no_date_only(s: pa.Array, out: pa.Array) -> pa.Array:
    """``out`` with the times read from date-only texts set to null (unreadable). Only short
    values are looked at, so a column of date-times costs one length pass."""
    short = mask(pc.less_equal(pc.binary_length(s), 16)) & mask(pc.is_valid(out))
    if not short.any():
        return out
    idx = pa.array(np.flatnonzero(short))
    date_only = np.zeros(len(s), bool)
    date_only[np.flatnonzero(short)] = mask(pc.match_substring_regex(s.take(idx), _DATE_ONLY))
    if not date_only.any():
        return out
    return pc.if_else(pa.array(date_only), pa.scalar(None, out.type), out)


#: strptime directives that read digits, and their full width. Two of them side by side
#: (``%Y%m%d%H%M%S``) only split right at full width: strptime reads ``2026110210000`` (a
#: digit short) as 10:00:00, so such values must have every digit.
_DIGIT_DIRECTIVES = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2, "y": 2, "j": 3, "I": 2}
_EXPANSIONS = {"%T": "%H:%M:%S", "%R": "%H:%M", "%F": "%Y-%m-%d", "%D": "%m/%d/%y"}


def format_pattern(fmt: str) -> str | None:
    """A regular expression that values of strptime format ``fmt`` must match when the
    format has digit directives side by side (each run of them: exactly its digits), else
    None (strptime alone decides)."""
    for short, full in _EXPANSIONS.items():
        fmt = fmt.replace(short, full)
    tokens: list[tuple[str, str | int]] = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            d = fmt[i + 1]
            if d in _DIGIT_DIRECTIVES:
                tokens.append(("digits", _DIGIT_DIRECTIVES[d]))
            elif d == "%":
                tokens.append(("text", "%"))
            else:
                tokens.append(("other", d))
            i += 2
        else:
            tokens.append(("text", fmt[i]))
            i += 1
    pieces: list[str] = []
    adjacent = False
    k = 0
    while k < len(tokens):
        kind, value = tokens[k]
        if kind == "digits":
            run = [value]
            while k + 1 < len(tokens) and tokens[k + 1][0] == "digits":
                k += 1
                run.append(tokens[k][1])
            if len(run) > 1:
                adjacent = True
                pieces.append(f"\\d{{{sum(int(w) for w in run)}}}")
            else:
                pieces.append(f"\\s*\\d{{1,{run[0]}}}")
        elif kind == "text":
            pieces.append("\\s*" if str(value).isspace() else _re_escape(str(value)))
        else:
            pieces.append(".*?")
        k += 1
    return "^\\s*" + "".join(pieces) + "\\s*$" if adjacent else None


def _re_escape(c: str) -> str:
    return c if c.isalnum() else "\\" + c if c.isascii() else c


def _parse_text_times(s: pa.Array, tz: str, conv: Convert | None) -> pa.Array:
    if conv is not None and conv.time_format:
        parsed = pc.strptime(pc.utf8_trim_whitespace(s), conv.time_format, "us", error_is_null=True)
        pattern = format_pattern(conv.time_format)
        if pattern is not None:  # a digit short, or over: strptime would still read it
            whole = pc.fill_null(pc.match_substring_regex(s, pattern), False)
            parsed = pc.if_else(whole, parsed, pa.scalar(None, parsed.type))
        if "%z" in conv.time_format:
            return parsed
        return _local(parsed, tz)
    sample = s.slice(0, 1000).drop_null()
    if len(sample) == 0 or pc.any(pc.match_substring_regex(sample, r"^\s|\s$")).as_py():
        s = pc.utf8_trim_whitespace(s)
    if len(sample) and pc.any(pc.match_substring_regex(sample, _SPACED_OFFSET)).as_py():
        s = _join_offsets(s)
    # Fast paths: a whole column in one ISO 8601 shape, the common case by far. A failed
    # cast costs as much as a good one, so a sample picks the likely shape first.
    sample = s.slice(0, 1000).drop_null()
    with_offset = len(sample) > 0 and bool(
        pc.all(pc.match_substring_regex(sample, _OFFSET)).as_py()
    )
    if (
        not with_offset
        and len(sample)
        and pc.any(pc.match_substring_regex(sample, _OFFSET)).as_py()
    ):
        return _mixed_times(s, tz, conv)
    if pc.any(pc.match_substring_regex(sample, _epoch_pattern(conv))).as_py():
        return _mixed_times(s, tz, conv)
    try:
        if with_offset:
            return pc.cast(s, _US)
        return _local(pc.cast(s, pa.timestamp("us")), tz)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return _mixed_times(s, tz, conv)


def _join_offsets(s: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(s, _SPACED_OFFSET, r"\1\2")


def _local(naive: pa.Array, tz: str) -> pa.Array:
    """Naive local times in ``tz`` as instants, by the one documented rule on every path: an
    ambiguous time (clocks set back) is the earlier instant, one in the spring-forward gap the
    first instant after the gap."""
    return pc.assume_timezone(naive, tz, ambiguous="earliest", nonexistent="latest")


@functools.cache
def _zone_names() -> pa.Array:
    """Zone words accepted after a time: Z, UTC, GMT and IANA ``Area/Location`` names."""
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n)
    return pa.array(["Z", "z", "UTC", "GMT", *names], pa.string())


def zone_problem(values: pa.Array) -> pa.Array:
    """For time texts: why a trailing zone word is refused (null where there is none or it
    is accepted). Abbreviations are ambiguous (CST is China, US Central or Cuba)."""
    s = pc.utf8_trim_whitespace(values)
    zone = pc.struct_field(pc.extract_regex(s, _ZONE_WORD), "zone")
    refused = pc.invert(pc.is_in(zone, value_set=_zone_names()))
    msg = pc.binary_join_element_wise(
        "time zone ",
        zone,
        " is not accepted, only a numeric offset (+08:00), Z, UTC or an IANA name"
        " (Asia/Shanghai): abbreviations are ambiguous (CST is China, US Central or Cuba);"
        " a mapping time_format can read such a column in --tz",
        "",
    )
    return pc.if_else(pc.fill_null(refused, False), msg, pa.scalar(None, pa.string()))


def _epoch_pattern(conv: Convert | None) -> str:
    return _EPOCH_ANY if conv is not None and conv.epoch_unit else _EPOCH


def _mixed_times(s: pa.Array, tz: str, conv: Convert | None) -> pa.Array:
    """Value by value: epoch seconds; local date-times without a zone, read in ``tz`` by the
    same rule as the fast path; the rest through DuckDB's lenient reader (offsets, Z, IANA
    names); a zone abbreviation (CST, EST...) is refused (null, see ``zone_problem``)."""
    import duckdb

    null = pa.scalar(None, pa.string())
    s = _join_offsets(pc.utf8_trim_whitespace(s))
    epoch_ok = pc.fill_null(pc.match_substring_regex(s, _epoch_pattern(conv)), False)
    epoch = _epoch(pc.cast(pc.if_else(epoch_ok, s, "0"), pa.float64()), conv)
    rest = pc.if_else(epoch_ok, null, s)
    naive_ok = pc.fill_null(pc.match_substring_regex(rest, _NAIVE), False)
    zoned = pc.if_else(naive_ok, null, rest)
    zoned = pc.if_else(pc.is_valid(zone_problem(zoned)), null, zoned)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = ?", [tz])
        con.register("tbl", pa.table({"z": zoned, "n": pc.if_else(naive_ok, rest, null)}))
        got = con.sql(
            "SELECT TRY_CAST(z AS TIMESTAMPTZ) AS z, TRY_CAST(n AS TIMESTAMP) AS n FROM tbl"
        ).to_arrow_table()
    finally:
        con.close()
    with_zone = pc.cast(got["z"].combine_chunks(), _US)
    local = pc.cast(_local(pc.cast(got["n"].combine_chunks(), pa.timestamp("us")), tz), _US)
    return pc.if_else(epoch_ok, epoch, pc.if_else(naive_ok, local, with_zone))


def opaque_ids(arr: pa.Array) -> pa.Array:
    """Pseudonymised numbers kept verbatim (trimmed); blank as null."""
    return text(arr)


# --- row identity -------------------------------------------------------------------------

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a fixed, version-independent 64-bit mix."""
    h = (h ^ (h >> np.uint64(30))) * _M1
    h = (h ^ (h >> np.uint64(27))) * _M2
    return h ^ (h >> np.uint64(31))


def _number_words(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit word per number: the E.164 digits as an integer, or a digest of other text.
    Integers only where EVERY value of the array is "+digits" (so a derived id depends on the
    batch it was made in; :func:`derived_id_mask` accepts either)."""
    s = _texts(arr)
    value, ok = _integer_words(s)
    if len(s) == 0 or ok.all():
        return value
    return _digest_words(s)


def _texts(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):  # a stored part's column (dictionary_encode below)
        arr = arr.combine_chunks()
    return pc.fill_null(arr, "")


def _integer_words(s: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Per value: the E.164 digits as an integer plus their count, and whether the value is
    one ("+" then digits that fit in 64 bits)."""
    plus = mask(pc.starts_with(s, "+"))
    digits = pc.utf8_slice_codeunits(s, 1)
    try:
        value = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False).astype(np.uint64)
        ok = plus
    except (pa.ArrowInvalid, OverflowError):
        ok = plus & mask(pc.match_substring_regex(s, r"^\+[0-9]{1,18}$"))
        clean = pc.if_else(pa.array(ok), digits, "0")
        value = pc.cast(clean, pa.int64()).to_numpy(zero_copy_only=False).astype(np.uint64)
    length = pc.utf8_length(digits).to_numpy(zero_copy_only=False).astype(np.uint64)
    with np.errstate(over="ignore"):
        return value + length * np.uint64(10**16), ok


def _digest_words(s: pa.Array) -> np.ndarray:
    enc = pc.dictionary_encode(s)
    words = np.array(
        [
            int.from_bytes(hashlib.blake2b(v.encode(), digest_size=8).digest(), "little")
            for v in enc.dictionary.to_pylist()
        ],
        dtype=np.uint64,
    )
    return words[enc.indices.to_numpy(zero_copy_only=False)]


def row_ids(
    start: pa.Array, caller: pa.Array, callee: pa.Array, duration: pa.Array
) -> tuple[pa.Array, np.ndarray]:
    """``call_id`` for rows without one: 16 hex digits of a hash of the call's identity.

    The hash covers the normalised values, so one call spelt two ways (``138...`` and
    ``+86 138...``, local time and UTC) gets the same id and is stored once.
    """
    h = row_hashes(start, caller, callee, duration)
    return _hex16(h), h


def row_hashes(
    start: pa.Array, caller: pa.Array, callee: pa.Array, duration: pa.Array
) -> np.ndarray:
    """The 64-bit value of the ``call_id`` :func:`row_ids` derives (its ``id_keys`` key)."""
    return _hash_words(start, _number_words(caller), _number_words(callee), duration)


def derived_id_mask(
    keys: np.ndarray,
    start: pa.Array | pa.ChunkedArray,
    caller: pa.Array | pa.ChunkedArray,
    callee: pa.Array | pa.ChunkedArray,
    duration: pa.Array | pa.ChunkedArray,
    hexa: np.ndarray | None = None,
) -> np.ndarray:
    """Per stored row: whether its call_id (``keys``, as :func:`id_keys`; ``hexa``: where it
    has a derived id's form, else everywhere) was derived, recomputed from the row. A number
    was hashed as an integer only if every number of its column in the batch that derived the
    id was "+digits", which a stored row cannot tell: an id counts as derived if it
    recomputes under either way of hashing each number column (not changed: that would
    re-key stored folders). Integers are tried first; the digests (a Python hash per
    distinct number) only for the rows that fail."""
    n = len(keys)
    hit = np.zeros(n, bool)
    rows = np.arange(n) if hexa is None else np.flatnonzero(hexa)
    if not len(rows):
        return hit
    sel = pa.array(rows)
    start, duration, caller, callee = (
        (c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c).take(sel)
        for c in (start, duration, caller, callee)
    )
    k = keys[rows]
    s1, s2 = _texts(caller), _texts(callee)
    (v1, ok1), (v2, ok2) = _integer_words(s1), _integer_words(s2)
    first = ok1 & ok2 & (k == _hash_words(start, v1, v2, duration))
    hit[rows[first]] = True
    rest = np.flatnonzero(~first)
    if not len(rest):
        return hit
    sub = pa.array(rest)
    st, du, k = start.take(sub), duration.take(sub), k[rest]
    ways = []
    for v, ok, s in ((v1, ok1, s1), (v2, ok2, s2)):
        d = _digest_words(s.take(sub))
        ok = ok[rest]
        ways.append([d] if not ok.any() else [d, np.where(ok, v[rest], d)])
    found = np.zeros(len(rest), bool)
    for w_caller in ways[0]:
        for w_callee in ways[1]:
            found |= k == _hash_words(st, w_caller, w_callee, du)
    hit[rows[rest[found]]] = True
    return hit


def _hash_words(
    start: pa.Array, caller: np.ndarray, callee: np.ndarray, duration: pa.Array
) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = np.full(len(start), _GOLD, dtype=np.uint64)
        words = (
            pc.fill_null(pc.cast(start, pa.int64()), 0)
            .to_numpy(zero_copy_only=False)
            .astype(np.uint64),
            caller,
            callee,
            pc.fill_null(duration, 0.0)
            .to_numpy(zero_copy_only=False)
            .astype(np.float64)
            .view(np.uint64),
        )
        for w in words:
            h = _mix(h ^ w) * _GOLD
        return _mix(h)


_NIBBLE = np.zeros(256, np.uint64)
_NIBBLE[np.frombuffer(b"0123456789", np.uint8)] = np.arange(10, dtype=np.uint64)
_NIBBLE[np.frombuffer(b"abcdef", np.uint8)] = np.arange(10, 16, dtype=np.uint64)


def id_keys(ids: pa.Array) -> np.ndarray:
    """A 64-bit key per ``call_id``: a derived id's own value, else a digest of the text.

    Dedupe compares these keys (NumPy, no string hashing) instead of the strings.
    """
    return id_keys_hex(ids)[0]


def id_keys_hex(ids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """:func:`id_keys` and where an id has a derived id's form (16 lowercase hex digits):
    elsewhere no id can be derived."""
    ids = pc.fill_null(ids, "")
    keys = np.zeros(len(ids), np.uint64)
    hexa = mask(pc.match_substring_regex(ids, r"^[0-9a-f]{16}$"))
    if hexa.any():
        sub = ids.filter(pa.array(hexa)) if not hexa.all() else ids
        sub = pa.concat_arrays([sub])  # contiguous data buffer starting at offset 0
        off = int(np.frombuffer(sub.buffers()[1], np.int32, count=1, offset=sub.offset * 4)[0])
        raw = np.frombuffer(sub.buffers()[2], np.uint8, count=16 * len(sub), offset=off).reshape(
            -1, 16
        )
        nib = _NIBBLE[raw]
        shifts = np.arange(60, -4, -4, dtype=np.uint64)
        keys[hexa] = np.bitwise_or.reduce(nib << shifts, axis=1)
    other = np.flatnonzero(~hexa)
    if len(other):
        keys[other] = _text_hash(ids.take(pa.array(other)))
    return keys, hexa


def _text_hash(values: pa.Array) -> np.ndarray:
    """DuckDB's vectorised 64-bit string hash. Keys only live within one process (stored
    ids are re-keyed on every run), so the hash need not be stable across versions."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("ids", pa.table({"s": values}))
        out = con.sql("SELECT hash(s) AS h FROM ids").to_arrow_table()["h"]
    finally:
        con.close()
    return np.asarray(out.to_numpy(), dtype=np.uint64)


_HEX_PAIRS = np.array(
    [int.from_bytes(f"{i:02x}".encode(), "little") for i in range(256)], dtype=np.uint16
)


def _hex16(h: np.ndarray) -> pa.Array:
    """16 lowercase hex digits per value, built as one Arrow buffer (no per-row strings)."""
    n = len(h)
    pairs = _HEX_PAIRS[h.astype(">u8").view(np.uint8)]  # two ASCII digits per byte
    offsets = np.arange(0, 16 * n + 1, 16, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(pairs))

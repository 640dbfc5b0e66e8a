"""Stage canonical CDRs into a compact DuckDB table that every campaign detector reads.

Numbers become BIGINTs (the E.164 digits) so joins and list-range arithmetic are integer work;
ingresses become small integers. A number that is not all digits after ``+`` gets a negative
surrogate id and is kept in ``cw_odd`` so it can be rendered back.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from callwarden.cdr.schema import NUMBER_KEY_COLUMNS
from callwarden.errors import InputError

#: Input accepted by the pure entry points: an Arrow table or dataset, or a DuckDB relation.
CdrInput = Any

_NEEDED = ("start_time", "caller", "callee", "duration_s")

#: Every CDR column ``stage`` reads (the others are optional): a caller loading CDRs for it
#: need not read the rest (IMEI, attestation, callee region).
READS = (
    *_NEEDED, "call_id", "answered", "ring_s", "release_cause", "ingress", "asserted_caller",
    "caller_region", *NUMBER_KEY_COLUMNS.values(),
)  # fmt: skip


#: A number whose staged id is its digits: '+' and 1-19 ASCII digits (below 2**63). Any other
#: text is an *odd* number with a negative surrogate id (``odd_id``).
DIGITS_PATTERN = r"\+[0-9]{1,19}"
_ODD_IDS = 562949953421311  # surrogates lie in -1 .. -_ODD_IDS


def _digits(col: str) -> str:
    # '+8613800138000' -> 8613800138000; NULL for anything else (handled as an odd number).
    return (
        f"CASE WHEN regexp_full_match({col}, '{DIGITS_PATTERN}') "
        f"THEN TRY_CAST(substr({col}, 2) AS BIGINT) END"
    )


def _num(col: str) -> str:
    # The staged id in SQL: ``number_id``'s twin (MD5, not hash(): the same in every process).
    return f"coalesce({_digits(col)}, -1 - (md5_number({col}) % {_ODD_IDS})::BIGINT)"


def number_id(number: str) -> int:
    """The staged id of a number (what ``stage`` gives it in SQL), for the per-call path: the
    digits of '+digits', else a negative surrogate from the text's MD5, the same in every
    process (Python's ``hash`` is salted per process)."""
    if re.fullmatch(DIGITS_PATTERN, number) and (n := int(number[1:])) < 2**63:
        return n
    return -1 - int.from_bytes(hashlib.md5(number.encode()).digest(), "little") % _ODD_IDS


def render_number(n: int, odd: dict[int, str] | None = None) -> str:
    """Back from the staged id to the E.164 text."""
    if n >= 0:
        return f"+{n}"
    return (odd or {}).get(n, f"?{n}")


def stage(
    cdrs: CdrInput, con: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyConnection:
    """Create ``cw_calls`` (one row per call) and ``cw_ingress``/``cw_odd`` in ``con``.

    ``cw_calls`` columns: rid (row order), call_id, ts (epoch seconds, DOUBLE), caller, callee
    (BIGINT), asserted (BIGINT or NULL), ing (INTEGER), answered, dur, cause, c_region.
    """
    con = con or duckdb.connect()
    if isinstance(cdrs, duckdb.DuckDBPyRelation):
        cdrs = cdrs.to_arrow_table()
    elif not isinstance(cdrs, pa.Table) and hasattr(cdrs, "to_table"):
        cdrs = cdrs.to_table()  # a pyarrow dataset
    if not isinstance(cdrs, pa.Table):
        raise InputError("CDRs must be an Arrow table, an Arrow dataset or a DuckDB relation")
    # A row id from Arrow (zero-copy): a window row_number() would buffer every column.
    cdrs = cdrs.append_column("cw_rid", pa.array(np.arange(cdrs.num_rows, dtype=np.int64)))
    con.register("cw_src", cdrs)
    cols = {
        c.lower() for c in (d[0] for d in con.execute("SELECT * FROM cw_src LIMIT 0").description)
    }
    missing = [c for c in _NEEDED if c not in cols]
    if missing:
        raise InputError(f"CDRs lack required column(s): {', '.join(missing)}")

    def opt(name: str, default: str) -> str:
        return name if name in cols else default

    call_id = opt("call_id", "CAST(cw_rid AS VARCHAR)")
    answered = opt("answered", "duration_s > 0")
    cause = opt("release_cause", "NULL::SMALLINT")
    ingress = opt("ingress", "''")
    asserted = opt("asserted_caller", "NULL::VARCHAR")
    region = opt("caller_region", "NULL::VARCHAR")
    ring = opt("ring_s", "0.0")
    # Writers store the digits as integer keys (``cdr.schema.NUMBER_KEY_COLUMNS``): read
    # them where present and parse the string only where a key is NULL (not '+digits').
    caller_n, callee_n = (
        f"coalesce({key}, {_digits(col)})" if key in cols else _digits(col)
        for col, key in NUMBER_KEY_COLUMNS.items()
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_ingress AS
        SELECT ing_name, (row_number() OVER (ORDER BY ing_name))::INTEGER AS ing
        FROM (SELECT DISTINCT coalesce({ingress}, '') AS ing_name FROM cw_src)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_calls AS
        SELECT rid, call_id, ts, caller_n AS caller, callee_n AS callee,
               asserted_n AS asserted, ing, answered, dur, cause, c_region, ring,
               CASE WHEN caller_n IS NULL THEN caller END AS caller_s,
               CASE WHEN callee_n IS NULL THEN callee END AS callee_s,
               CASE WHEN asserted_n IS NULL THEN asserted_raw END AS asserted_s
        FROM (
            SELECT cw_rid AS rid, {call_id}::VARCHAR AS call_id, epoch_us(start_time::TIMESTAMPTZ) / 1e6 AS ts,
                   caller, callee, nullif({asserted}, '') AS asserted_raw,
                   {caller_n} AS caller_n, {callee_n} AS callee_n,
                   {_digits(f"nullif({asserted}, '')")} AS asserted_n,
                   i.ing, coalesce({answered}, duration_s > 0) AS answered,
                   coalesce(duration_s, 0.0)::DOUBLE AS dur, {cause}::SMALLINT AS cause,
                   {region}::VARCHAR AS c_region, coalesce({ring}, 0.0)::DOUBLE AS ring
            FROM cw_src JOIN cw_ingress i ON i.ing_name = coalesce({ingress}, '')
            WHERE caller IS NOT NULL AND callee IS NOT NULL AND start_time IS NOT NULL
        )
        """
    )
    # The rare number that is not '+digits' gets a negative surrogate id, kept in cw_odd.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cw_odd AS
        SELECT DISTINCT {_num("s")} AS n, s FROM (
            SELECT caller_s AS s FROM cw_calls WHERE caller_s IS NOT NULL
            UNION ALL SELECT callee_s FROM cw_calls WHERE callee_s IS NOT NULL
            UNION ALL SELECT asserted_s FROM cw_calls WHERE asserted_s IS NOT NULL
        )
        """
    )
    if con.execute("SELECT count(*) FROM cw_odd").fetchall()[0][0]:
        for col in ("caller", "callee", "asserted"):
            con.execute(
                f"UPDATE cw_calls SET {col} = o.n FROM cw_odd o "
                f"WHERE cw_calls.{col}_s IS NOT NULL AND o.s = cw_calls.{col}_s"
            ).fetchall()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cw_stage_meta AS SELECT "
        + ("TRUE" if "ingress" in cols else "FALSE")
        + " AS has_ingress"
    )
    con.unregister("cw_src")
    return con


@dataclass(frozen=True, slots=True)
class IngressInfo:
    """Whether the staged calls' ingress can keep operations apart.

    Linking, bridging and the online index judge list evidence *within one ingress*: the
    trunk or interconnect a call entered through is the identity above the displayed number.
    The CDR schema makes ``ingress`` optional; without it (or with one value on every call,
    as a mapping that sets it to a constant gives) every call would share one "trunk" and a
    subscriber who calls two numbers of a purchased list would look like a rotated number of
    the operation dialling it. ``informative`` is False then, and ``note`` says why."""

    present: bool  # the CDRs carry an ingress column
    values: int  # distinct ingress values ('' and NULL count as one value)
    top_share: float  # share of the calls on the busiest value
    informative: bool
    note: str  # '' when informative


def ingress_info(con: duckdb.DuckDBPyConnection, max_top_share: float = 0.9) -> IngressInfo:
    """Judge the staged ``cw_calls``' ingress (see ``IngressInfo``): informative when the CDRs
    carry one, with two or more values, and the busiest carries under ``max_top_share`` of the
    calls."""
    present = bool(con.execute("SELECT has_ingress FROM cw_stage_meta").fetchall()[0][0])
    values, top, total = con.execute(
        "SELECT count(*), coalesce(max(n), 0), coalesce(sum(n), 0) "
        "FROM (SELECT ing, count(*) AS n FROM cw_calls GROUP BY ing)"
    ).fetchall()[0]
    share = float(top) / float(total) if total else 1.0
    note = ""
    if not present:
        note = "the CDRs have no ingress column"
    elif int(values) <= 1:
        note = "every call has one ingress value"
    elif share >= max_top_share:
        note = f"{share:.1%} of the calls have one ingress value (>= {max_top_share:.0%})"
    return IngressInfo(present, int(values), round(share, 4), note == "", note)


def odd_numbers(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    return {int(n): str(s) for n, s in con.execute("SELECT n, s FROM cw_odd").fetchall()}


def ingress_names(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    return {
        int(i): str(s) for s, i in con.execute("SELECT ing_name, ing FROM cw_ingress").fetchall()
    }


def as_arrow(rel: duckdb.DuckDBPyRelation) -> pa.Table:
    return rel.to_arrow_table()

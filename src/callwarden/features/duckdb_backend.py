"""Run the feature definitions on DuckDB, embedded.

``relation`` is any DuckDB FROM expression over canonical CDRs: ``read_parquet('x.parquet')``,
the name of a registered Arrow table, or what ``callwarden.cdr.cdr_relation_sql`` returns.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb
import numpy as np
import pyarrow as pa

from callwarden.errors import InputError
from callwarden.features.definitions import FEATURE_NAMES, FEATURES
from callwarden.features.dialect import DUCKDB
from callwarden.features.number_keys import CALLEE_KEY, CALLER_KEY, HOME_PREFIX, prefix_key_sql
from callwarden.features.sql import (
    CALLERS_TABLE,
    CALLS_TABLE,
    INPUT_COLUMNS,
    AsOf,
    _ts,
    build_query,
    day_calls_column,
    history_twins,
    window_calls_column,
)
from callwarden.features.staged import StagedQuery, build_staged

log = logging.getLogger(__name__)


@contextmanager
def connection(
    threads: int | None = None, memory_limit: str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection in UTC (hour() of a TIMESTAMPTZ follows the session)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        yield con
    finally:
        con.close()


def columns_of(con: duckdb.DuckDBPyConnection, relation: str, check: bool = True) -> set[str]:
    """The canonical CDR columns of a relation; an ``InputError`` if it cannot be read.

    ``check=False``: every column name of any relation, without the CDR checks."""
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise InputError(f"cannot read CDRs from {relation}: {exc}") from exc
    names = {r[0] for r in rows}
    if not check:
        return names
    missing = [c for c in ("start_time", "caller", "callee", "duration_s") if c not in names]
    if missing:
        raise InputError(f"CDRs lack required column(s) {', '.join(missing)} (canonical schema)")
    return names & set(INPUT_COLUMNS)


def local_days(con: duckdb.DuckDBPyConnection, relation: str, tz_hours: int = 8) -> list[str]:
    """The local calendar days the CDRs cover, ascending."""
    rows = con.execute(
        f"SELECT DISTINCT CAST(start_time + INTERVAL '{tz_hours}' HOUR AS DATE) AS d "
        f"FROM {relation} WHERE start_time IS NOT NULL ORDER BY d"
    ).fetchall()
    return [r[0].isoformat() for r in rows]


def last_local_day(con: duckdb.DuckDBPyConnection, relation: str, tz_hours: int = 8) -> str | None:
    """``local_days(...)[-1]`` (None without calls) from the latest start time alone, which
    Parquet's statistics give without reading the rows (1 s less on 10 M CDRs)."""
    ((latest,),) = con.execute(
        f"SELECT CAST(MAX(start_time) + INTERVAL '{tz_hours}' HOUR AS DATE) FROM {relation}"
    ).fetchall()
    return None if latest is None else latest.isoformat()


def local_days_in(con: duckdb.DuckDBPyConnection, relation: str, tz: str) -> list[str]:
    """``local_days`` in the zone ``tz`` (``local_time``; a zone's offset may change between
    days): the distinct UTC hours of the calls, each turned into its local day (offsets are
    whole hours, so an hour lies in one local day)."""
    from callwarden.features.local_time import local_day_of

    rows = con.execute(
        f"SELECT DISTINCT date_trunc('hour', start_time) FROM {relation} "
        "WHERE start_time IS NOT NULL"
    ).fetchall()
    return sorted({local_day_of(tz, r[0]) for r in rows})


def last_local_day_in(con: duckdb.DuckDBPyConnection, relation: str, tz: str) -> str | None:
    """``last_local_day`` in the zone ``tz``."""
    from callwarden.features.local_time import local_day_of

    ((latest,),) = con.execute(f"SELECT MAX(start_time) FROM {relation}").fetchall()
    return None if latest is None else local_day_of(tz, latest)


def register_caller_facts(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    is_unallocated: Callable[[pa.Array], np.ndarray],
    name: str = "cw_caller_facts",
) -> str:
    """Register ``(number, unallocated)`` for every distinct caller; returns the view name.

    ``is_unallocated`` answers for an Arrow array of E.164 numbers at once (e.g.
    ``AllocationRegistry.is_unallocated_array``), so each distinct number is looked up once.
    """
    callers = con.sql(f"SELECT DISTINCT caller AS number FROM {relation} WHERE caller IS NOT NULL")
    numbers = callers.to_arrow_table()["number"].combine_chunks()
    con.register(
        name, pa.table({"number": numbers, "unallocated": _unallocated(numbers, is_unallocated)})
    )
    return name


def _unallocated(
    numbers: pa.Array, is_unallocated: Callable[[pa.Array], np.ndarray] | None
) -> pa.Array:
    """1 where the registry judges the number unallocated, else 0; NULL without a registry.

    (The numbers may come in any order: the registry sorts the keys it searches.)"""
    if is_unallocated is None:
        return pa.nulls(len(numbers), pa.int32())
    return pa.array(np.asarray(is_unallocated(numbers), dtype=bool).astype(np.int32))


def register_home_regions(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    province_of: Callable[[pa.Array], pa.Array],
    name: str = "cw_home_regions",
) -> str:
    """Register ``(prefix, region)``: the home province of each displayed-number prefix.

    ``province_of`` maps E.164 numbers to provinces (e.g. from
    ``callwarden.numbers.describe_array``); it is asked once per distinct prefix, with one
    representative number each, not once per number.
    """
    reps = con.sql(
        f"SELECT SUBSTR(caller, 1, {HOME_PREFIX}) AS prefix, MIN(caller) AS number "
        f"FROM {relation} WHERE caller IS NOT NULL GROUP BY SUBSTR(caller, 1, {HOME_PREFIX})"
    ).to_arrow_table()
    regions = province_of(reps["number"].combine_chunks())
    con.register(name, pa.table({"prefix": reps["prefix"], "region": regions}))
    return name


def has_number_keys(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether every row carries both integer number keys (``caller_key``, ``callee_key``),
    so the feature query may read them instead of the number strings.

    Writers store a key wherever the number is ``+`` and digits, and canonical numbers always
    are, so a NULL key means files written before the keys or an odd number: then the
    strings are parsed as before. (Parquet's null counts answer this without reading rows.)
    """
    if {CALLER_KEY, CALLEE_KEY} - columns_of(con, relation, check=False):
        return False
    for key in (CALLER_KEY, CALLEE_KEY):
        ((nulls,),) = con.execute(f"SELECT COUNT(*) FROM {relation} WHERE {key} IS NULL").fetchall()
        if nulls:
            return False
    return True


def keyed_lookups(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    caller_facts: str | None,
    home_regions: str | None,
) -> bool:
    """Whether the feature query runs on the integer keys: the relation has them on every
    row and the look-ups are keyed (``register_number_facts`` on the same relation makes them
    so). String look-ups (``register_caller_facts``) keep the string path."""
    given = [
        (rel, col)
        for rel, col in ((caller_facts, "number_key"), (home_regions, "prefix_key"))
        if rel is not None
    ]
    keyed = [col in columns_of(con, rel, check=False) for rel, col in given]
    if any(keyed) and not all(keyed):
        raise ValueError("caller_facts and home_regions must both be keyed or both not")
    if any(keyed):
        if not has_number_keys(con, relation):
            raise ValueError("keyed look-ups need CDRs with number keys on every row")
        return True
    return not given and has_number_keys(con, relation)


def register_number_facts(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    is_unallocated: Callable[[pa.Array], np.ndarray] | None,
    province_of: Callable[[pa.Array], pa.Array],
    as_of: AsOf | None = None,
    name: str = "cw_caller_facts",
) -> tuple[str | None, str]:
    """Both look-ups over the distinct callers, collected in one pass over the CDRs.

    Returns ``(caller_facts, home_regions)`` for ``compute_features`` (``caller_facts`` is
    None without a registry). The CDRs are read once; the look-ups then see each distinct
    caller (registry) or prefix (归属地) once, not each call.

    With ``as_of`` (scan's one day) the same pass counts each caller's calls on that day and
    in its window, columns of ``caller_facts`` named by ``day_calls_column`` and
    ``window_calls_column`` (``unallocated`` is NULL there without a registry): the activity
    cascade then picks its callers' calls by a flag.

    When every row carries the integer number keys (``has_number_keys``) the pass groups
    those and both look-ups are keyed (``build_query(keyed=True)``): ``caller_facts`` is
    then always registered, ``(number_key, unallocated[, count])``.
    """
    counted = ""
    if as_of is not None:
        end = f"start_time < {_ts(DUCKDB, as_of.day_end)}"
        counted = (
            f", COUNT(*) FILTER (WHERE start_time >= {_ts(DUCKDB, as_of.day_start)} AND "
            f"{end}) AS {day_calls_column(as_of)}"
            f", COUNT(*) FILTER (WHERE start_time >= {_ts(DUCKDB, as_of.history_start)} AND "
            f"{end}) AS {window_calls_column(as_of)}"
        )
    if has_number_keys(con, relation):
        # Every row has both keys here, so the count is exact (the per-call table keeps
        # every row): the cascade reads the day's callers off it (``build_staged``).
        return _register_keyed_facts(con, relation, is_unallocated, province_of, counted, name)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE cw_callers AS SELECT caller{counted} "
        f"FROM {relation} WHERE caller IS NOT NULL GROUP BY caller"
    )
    facts = None
    if is_unallocated is not None or as_of is not None:
        callers = con.sql("SELECT * FROM cw_callers").to_arrow_table()
        numbers = callers["caller"].combine_chunks()
        cols = {"number": numbers, "unallocated": _unallocated(numbers, is_unallocated)}
        if as_of is not None:
            for col in (day_calls_column(as_of), window_calls_column(as_of)):
                cols[col] = callers[col].combine_chunks()
        con.register(name, pa.table(cols))
        facts = name
    return facts, register_home_regions(con, "cw_callers", province_of)


def _register_keyed_facts(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    is_unallocated: Callable[[pa.Array], np.ndarray] | None,
    province_of: Callable[[pa.Array], pa.Array],
    counted: str,
    name: str,
) -> tuple[str, str]:
    """``register_number_facts`` on the integer keys: one GROUP BY of integers, the registry
    asked with the keys themselves, and the home province per prefix (the lexicographically
    first number of each prefix represents it, as ``MIN(caller)`` does on strings)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE cw_callers AS SELECT {CALLER_KEY} AS number_key{counted} "
        f"FROM {relation} WHERE {CALLER_KEY} IS NOT NULL GROUP BY {CALLER_KEY}"
    )
    callers = con.sql("SELECT * FROM cw_callers").to_arrow_table()
    keys = callers["number_key"].combine_chunks()
    cols = {"number_key": keys, "unallocated": _unallocated(keys, is_unallocated)}
    for extra in callers.column_names[1:]:
        cols[extra] = callers[extra].combine_chunks()
    con.register(name, pa.table(cols))
    # (padded digits, digit count) orders keys as their strings sort: one BIGINT to minimise.
    lex = " ".join(
        f"WHEN number_key < {10**d} THEN number_key * {10 ** (15 - d) * 16} + {d}"
        for d in range(1, 16)
    )
    reps = con.sql(
        f"SELECT prefix_key, '+' || CAST(arg_min(number_key, lex) AS VARCHAR) AS number FROM ("
        f"SELECT number_key, {DUCKDB.expand(prefix_key_sql('number_key'))} AS prefix_key, "
        f"CASE {lex} END AS lex "
        "FROM cw_callers) GROUP BY prefix_key"
    ).to_arrow_table()
    regions = province_of(reps["number"].combine_chunks())
    con.register("cw_home_regions", pa.table({"prefix_key": reps["prefix_key"], "region": regions}))
    return name, "cw_home_regions"


def has_history(con: duckdb.DuckDBPyConnection, relation: str, as_of: AsOf) -> bool:
    """Whether the CDRs hold calls in the look-back days before the as-of day (else the
    7-day features are the 1-day ones)."""
    ((earliest,),) = con.execute(
        f"SELECT MIN(start_time) FROM {relation} WHERE start_time >= "
        f"CAST('{as_of.history_start:%Y-%m-%d %H:%M:%S}+00:00' AS TIMESTAMPTZ)"
    ).fetchall()
    return earliest is not None and earliest < as_of.day_start


def day_calls_in(
    con: duckdb.DuckDBPyConnection, caller_facts: str | None, as_of: AsOf
) -> str | None:
    """The column of ``caller_facts`` that counts the as-of day's calls, if it has one
    (``register_number_facts`` with ``as_of``); without it the cascade copies the scored
    callers' calls out instead of reading them through a flag."""
    return _facts_column(con, caller_facts, day_calls_column(as_of))


def window_calls_in(
    con: duckdb.DuckDBPyConnection, caller_facts: str | None, as_of: AsOf
) -> str | None:
    """The column of ``caller_facts`` that counts the as-of day's window, if it has one
    (``register_number_facts`` with ``as_of``)."""
    return _facts_column(con, caller_facts, window_calls_column(as_of))


def _facts_column(
    con: duckdb.DuckDBPyConnection, caller_facts: str | None, column: str
) -> str | None:
    if caller_facts is None or column not in columns_of(con, caller_facts, check=False):
        return None
    return column


def compute_features(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    as_of: AsOf,
    *,
    caller_facts: str | None = None,
    home_regions: str | None = None,
    min_attempts: int = 0,
    ordered: bool = True,
) -> pa.Table:
    """One row per number that placed calls on the as-of day, every feature a column.

    ``min_attempts`` > 0 is scan's activity cascade (see ``build_query``): a last column
    ``scored`` says which rows carry features; the others only what the hard rules read.
    Rows then come scored first, each part in number order (otherwise in number order).
    ``ordered=False`` (cascade only) leaves each part in the engine's order and keeps the
    ``number_key`` column (the number as an integer) last: for a caller that orders its own
    output (``detect.cascade.scan_table`` sorts the verdicts by that key), sorting the
    573 k-row, 83-column scored part first costs ~0.9 s of the 10 M-CDR day for nothing.
    """
    present = columns_of(con, relation)
    with_history = has_history(con, relation, as_of)
    keyed = keyed_lookups(con, relation, caller_facts, home_regions)
    # Without history 38 of the 80 features are 7-day twins of 1-day ones: the engine leaves
    # them out and they are put back here as the same arrays (0.4-1.4 s less on 10 M CDRs).
    twins = history_twins(FEATURES, with_history)
    if min_attempts > 0:
        staged = build_staged(
            relation,
            as_of,
            present_columns=present,
            min_attempts=min_attempts,
            caller_facts=caller_facts,
            home_regions=home_regions,
            with_history=with_history,
            dialect=DUCKDB,
            day_calls=day_calls_in(con, caller_facts, as_of),
            window_calls=window_calls_in(con, caller_facts, as_of),
            keyed=keyed,
            omit_twins=True,
        )
        table = _cascade(con, staged, ordered, twins)
    else:
        sql = build_query(
            relation,
            as_of,
            present_columns=present,
            caller_facts=caller_facts,
            home_regions=home_regions,
            with_history=with_history,
            dialect=DUCKDB,
            keyed=keyed,
            omit_twins=True,
        )
        log.debug("feature query for %s (history=%s):\n%s", as_of.day, with_history, sql)
        table = _by_number(with_twins(con.sql(sql).to_arrow_table(), twins))
    extra: tuple[str, ...] = ("scored",) if min_attempts > 0 else ()
    extra += () if ordered or min_attempts <= 0 else ("number_key",)
    assert tuple(table.column_names[1:]) == FEATURE_NAMES + extra
    return table


_FEATURE_SET = frozenset(FEATURE_NAMES)


def with_twins(table: pa.Table, twins: dict[str, str]) -> pa.Table:
    """``table`` with the columns ``twins`` names (7-day -> 1-day) put back in catalogue
    order, each the very array of its twin; columns after the features keep their place."""
    if not twins:
        return table
    tail = [c for c in table.column_names if c != "number" and c not in _FEATURE_SET]
    names = ["number", *FEATURE_NAMES, *tail]
    return pa.table([table[twins.get(n, n)] for n in names], names=names)


def _by_number(table: pa.Table) -> pa.Table:
    """Rows in number order (sorting the integer keys here is cheaper than in the query)."""
    order = np.argsort(table["number_key"].to_numpy(), kind="stable")
    return table.drop_columns(["number_key"]).take(pa.array(order))


def _cascade(
    con: duckdb.DuckDBPyConnection,
    q: StagedQuery,
    ordered: bool = True,
    twins: dict[str, str] | None = None,
) -> pa.Table:
    """Run the cascade's statements: scored rows first, then the others, each in number order.

    The unscored rows (most of them) come out of the engine narrow and get typed NULLs here
    for the features they lack.
    """
    log.debug("cascade statements:\n%s", "\n;\n".join(dataclasses.astuple(q)))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {CALLS_TABLE} AS {q.calls}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {CALLERS_TABLE} AS {q.callers}")
        sort = _by_number if ordered else (lambda t: t)
        scored = sort(with_twins(con.sql(q.features).to_arrow_table(), twins or {}))
        con.execute(f"DROP TABLE {CALLS_TABLE}")
        rest = sort(con.sql(q.unscored).to_arrow_table())
    finally:
        con.execute(f"DROP TABLE IF EXISTS {CALLS_TABLE}")
        con.execute(f"DROP TABLE IF EXISTS {CALLERS_TABLE}")
    # One all-NULL array per type, shared by the columns of that type (read-only).
    nulls = {f.type: pa.nulls(len(rest), f.type) for f in scored.schema}
    cols = [
        rest[f.name].cast(f.type) if f.name in rest.column_names else nulls[f.type]
        for f in scored.schema
    ]
    return pa.concat_tables([scored, pa.table(cols, schema=scored.schema)])


def feature_days(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    days: list[str] | None = None,
    *,
    tz_hours: int = 8,
    tz: str | None = None,
    caller_facts: str | None = None,
    home_regions: str | None = None,
) -> pa.Table:
    """Features for several as-of days stacked, with a ``day`` column after ``number``; a
    day given twice is built once (its rows twice would weigh double in training).

    ``tz`` (a zone name or UTC offset, ``local_time``) replaces ``tz_hours``: each day then
    has the offset the zone has that day."""
    from callwarden.features.local_time import offset_hours

    if days:
        days = sorted(set(days))
    else:
        days = (
            local_days(con, relation, tz_hours) if tz is None else local_days_in(con, relation, tz)
        )
    if not days:
        raise InputError("the CDRs hold no calls")
    parts = []
    for day in days:
        hours = tz_hours if tz is None else offset_hours(tz, day)
        t = compute_features(
            con, relation, AsOf(day, hours), caller_facts=caller_facts, home_regions=home_regions
        )
        parts.append(t.add_column(1, "day", pa.array([day] * t.num_rows, pa.string())))
    return pa.concat_tables(parts)

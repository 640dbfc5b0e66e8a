"""Compile the feature definitions into one SQL query for an as-of day.

The query reads a canonical CDR relation and returns one row per number that placed at least
one call on the as-of day, with every feature of ``FEATURES`` as a column, ordered by number.
Only the macros and keywords of a ``dialect.Dialect`` differ between engines; everything else
is ANSI-style SQL that DuckDB and Spark SQL both run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from callwarden.features.definitions import (
    CALL_COLUMNS,
    FEATURES,
    OTHER_PARTY,
    Entity,
    Feature,
    Source,
    Window,
)
from callwarden.features.dialect import DUCKDB, Dialect
from callwarden.features.number_keys import (
    CALLEE_KEY,
    CALLER_KEY,
    HOME_PREFIX,
    keyed_facts_sql,
    prefix_key_sql,
)


@dataclass(frozen=True)
class AsOf:
    """The as-of day in local time and the UTC instants that bound its windows."""

    day: str  # YYYY-MM-DD, local
    tz_hours: int = 8
    lookback_days: int = 6

    @property
    def day_start(self) -> datetime:
        local = datetime.strptime(self.day, "%Y-%m-%d").replace(tzinfo=UTC)
        return local - timedelta(hours=self.tz_hours)

    @property
    def day_end(self) -> datetime:
        return self.day_start + timedelta(days=1)

    @property
    def history_start(self) -> datetime:
        return self.day_start - timedelta(days=self.lookback_days)


#: Canonical columns the query reads; absent ones are supplied as typed NULLs.
INPUT_COLUMNS: dict[str, str] = {
    "start_time": "TIMESTAMP",
    "caller": "VARCHAR",
    "callee": "VARCHAR",
    "duration_s": "DOUBLE",
    "answered": "BOOLEAN",
    "ring_s": "DOUBLE",
    "release_cause": "INTEGER",
    "ingress": "VARCHAR",
    "asserted_caller": "VARCHAR",
    "attestation": "VARCHAR",
    "caller_region": "VARCHAR",
    "imei": "VARCHAR",
}

_WINDOWED = {"gap_s", "overlap"}

#: The cascade's filter on relations keyed by caller that hold every caller's rows.
_ACTIVE = "WHERE caller IN (SELECT k FROM active)"


def _ts(dialect: Dialect, when: datetime) -> str:
    return dialect.timestamp.format(when.strftime("%Y-%m-%d %H:%M:%S"))


def day_range_sql(as_of: AsOf, dialect: Dialect = DUCKDB) -> str:
    """A predicate on ``start_time`` that holds for the calls of the as-of (local) day."""
    return (
        f"start_time >= {_ts(dialect, as_of.day_start)} AND "
        f"start_time < {_ts(dialect, as_of.day_end)}"
    )


def _select(features: list[Feature]) -> str:
    return ",\n    ".join(f"{f.sql} AS {f.name}" for f in features)


def history_twins(features: tuple[Feature, ...], with_history: bool) -> dict[str, str]:
    """7-day features that equal a 1-day feature when the input holds no history: name ->
    the 1-day twin's name (empty with history).

    A twin has the same source, entity and definition but for the window (for derived
    features, their inputs' windows), so without history its values are the same.
    """
    if with_history:
        return {}
    by_name = {f.name: f for f in features}
    out = {}
    for f in features:
        twin = by_name.get(f.name.removesuffix("_7d") + "_1d")
        if (
            f.window is Window.D7
            and twin is not None
            and (twin.source, twin.entity) == (f.source, f.entity)
            and twin.sql == f.sql.replace("_7d", "_1d")
        ):
            out[f.name] = twin.name
    return out


_QUANTILE = re.compile(r"^QUANTILE\((\w+), ([0-9.]+)\)$")


def _aggregate_cte(
    name: str, key: str, fs: list[Feature], extra: str, source: str, dialect: Dialect
) -> str:
    """One GROUP BY of ``source`` computing ``fs`` (and ``extra``) per ``key`` as ``k``.

    Quantiles of the same column are asked for together (one array-valued aggregate), so
    each group's values are collected and sorted once rather than once per quantile; the
    values are the same exact quantiles.
    """
    by_col: dict[str, list[tuple[Feature, str]]] = {}
    for f in fs:
        if (m := _QUANTILE.match(f.sql)) is not None:
            by_col.setdefault(m.group(1), []).append((f, m.group(2)))
    shared = {col: qs for col, qs in by_col.items() if len(qs) > 1}
    if not shared:
        return (
            f"{name} AS (\n  SELECT {key} AS k,\n    {_select(fs)}{extra}\n"
            f"  FROM {source} GROUP BY {key}\n)"
        )
    inner = [f"{key} AS k"]
    outer = ["k"]
    merged = {f.name for qs in shared.values() for f, _ in qs}
    for f in fs:
        if f.name not in merged:
            inner.append(f"{f.sql} AS {f.name}")
            outer.append(f.name)
    for col, qs in shared.items():
        inner.append(dialect.quantiles.format(col, ", ".join(q for _, q in qs)) + f" AS q_{col}")
        for i, (f, _) in enumerate(qs, start=1):
            outer.append(dialect.element.format(f"q_{col}", i) + f" AS {f.name}")
    extras = [e.strip().split(" AS ")[-1] for e in extra.split(",") if e.strip()]
    outer.extend(extras)
    return (
        f"{name} AS (\n  SELECT {', '.join(outer)} FROM (\n  SELECT "
        + ",\n    ".join(inner)
        + f"{extra}\n  FROM {source} GROUP BY {key}\n  ) q\n)"
    )


def build_query(
    relation: str,
    as_of: AsOf,
    *,
    present_columns: set[str],
    caller_facts: str | None = None,
    home_regions: str | None = None,
    with_history: bool = True,
    dialect: Dialect = DUCKDB,
    features: tuple[Feature, ...] = FEATURES,
    min_attempts: int = 0,
    stage: bool = False,
    prefiltered: bool = False,
    keyed: bool = False,
    omit_twins: bool = False,
) -> str:
    """The feature query for one as-of day.

    Columns: ``number``, the features in catalogue order, then ``number_key`` (the number as
    an integer); rows come in no particular order: sort by ``number_key`` (cheap, narrow)
    rather than make the engine sort the wide result.

    ``relation`` is a FROM expression with canonical columns; ``caller_facts`` an optional
    FROM expression ``(number, unallocated)`` (1 when the displayed number is not in the
    allocation registry) covering the callers; ``home_regions`` an optional FROM expression
    ``(prefix, region)``: the home province (归属地) of displayed numbers by their first
    ``HOME_PREFIX`` characters (``+86`` and seven digits: a mobile block or an area code).
    Without history (``with_history=False``) the 7-day features repeat the 1-day values,
    which is what they are when the input holds one day. Rows whose numbers are not E.164
    digits are skipped (the canonical schema guarantees them).

    With ``min_attempts`` > 0 (scan's activity cascade) the result still has one row per
    caller of the day, plus a boolean ``scored`` column before ``number_key``; only the
    *scored* callers (at least ``min_attempts`` calls in the window the features read: the
    day and, with history, the look-back days; or an unallocated displayed number) get
    features, computed from their own calls (and the calls to them) only, with
    the same values as without the cascade. The other rows carry ``attempts_by_caller_1d``
    and ``unallocated_by_caller_1d`` (what the hard rules read) and NULL elsewhere. Ingress,
    route and handset aggregates still see every call: they describe shared resources.

    ``stage=True`` (with ``min_attempts`` > 0) gives the features statement of
    ``build_staged``: it reads the per-call relation and the day's callers from
    ``CALLS_TABLE`` and ``CALLERS_TABLE`` and returns the scored callers' rows only. With
    ``prefiltered=True`` the per-call table has a boolean ``act`` that holds for every call of
    a scored caller (and perhaps a few others): the scored callers' calls are then read
    through that flag rather than copied out by a semi-join.

    ``keyed=True``: every row of ``relation`` carries the integer keys ``caller_key`` and
    ``callee_key``, read instead of parsing the number strings (which are then not read at
    all), and the look-ups are keyed too: ``caller_facts`` has one row per number,
    ``(number_key, unallocated)`` (plus the day's count), and ``home_regions`` is
    ``(prefix_key, region)`` by ``prefix_key_sql``. Same rows as the string path.

    ``omit_twins=True`` leaves out the columns of ``history_twins`` (without history,
    38 of the 80 repeat a 1-day column): the engine then collects each value once, and the
    caller puts the twins back (``duckdb_backend`` does, sharing the arrays).
    """
    if stage and min_attempts <= 0:
        raise ValueError("stage=True is the cascade's features statement: min_attempts > 0")
    if prefiltered and not stage:
        raise ValueError("prefiltered=True needs stage=True (the per-call table's act flag)")
    day0 = dialect.epoch_s.format(_ts(dialect, as_of.day_start))
    day1 = dialect.epoch_s.format(_ts(dialect, as_of.day_end))
    windowed = ",\n    ".join(f"{c.sql} AS {c.name}" for c in CALL_COLUMNS if c.name in _WINDOWED)
    ctes = [] if stage else _call_ctes(
        relation, as_of, present_columns, caller_facts, home_regions, with_history, dialect,
        features, keyed=keyed,
    )  # fmt: skip
    ctes += [
        f"calls AS {dialect.inline} (SELECT * FROM {CALLS_TABLE})"
        if stage
        else f"calls AS {dialect.materialized} (SELECT * FROM plain)",
        f"calls_day AS (SELECT * FROM calls WHERE ts >= {day0})",
        # Only the columns the ordering needs travel through the sort.
        f"""sequence_all AS (
  SELECT caller, ts,
    {windowed}
  FROM (SELECT caller, ts, end_ts FROM calls) c
)""",
        f"sequence_day AS (SELECT * FROM sequence_all WHERE ts >= {day0})",
    ]
    cascade = min_attempts > 0
    if cascade:
        # One narrow GROUP BY finds the callers worth the costly per-caller work; the
        # caller-keyed sources below then read only their calls (semi-joins on an integer).
        ctes[-2:] = [
            f"callers_day AS {dialect.inline} (SELECT * FROM {CALLERS_TABLE})"
            if stage
            else f"callers_day AS {dialect.materialized} (\n  {_callers_day(min_attempts, day0)}\n)",
            "active AS (SELECT k FROM callers_day WHERE scored)",
            # Every call of a scored caller has act (a superset, exact per caller): the
            # caller-keyed sources filter the per-call table instead of copying 5.7 M rows.
            f"calls_act AS {dialect.inline} (SELECT * FROM calls WHERE act)"
            if prefiltered
            else "calls_act AS (SELECT * FROM calls WHERE caller IN (SELECT k FROM active))",
            f"calls_act_day AS (SELECT * FROM calls_act WHERE ts >= {day0})",
            "calls_in AS (SELECT * FROM calls WHERE callee IN (SELECT k FROM active))",
            f"""sequence_all AS (
  SELECT caller, ts,
    {windowed}
  FROM (SELECT caller, ts, end_ts FROM calls_act) c
)""",
            f"sequence_day AS (SELECT * FROM sequence_all WHERE ts >= {day0})",
        ]
    # Relations the caller-keyed sources read: every call, or the scored callers' only.
    out_all, out_day = ("calls_act", "calls_act_day") if cascade else ("calls", "calls_day")
    in_all = "calls_in" if cascade else "calls"
    # Without history the 7-day features are the 1-day ones: select those instead of
    # aggregating the same rows twice.
    windows = (Window.D1, Window.D7) if with_history else (Window.D1,)
    day_or_all = {Window.H1: "day", Window.D1: "day", Window.D7: "all"}
    if cascade:
        ctes.append(f"calls_in_day AS (SELECT * FROM calls_in WHERE ts >= {day0})")
    hourly = {e: any((f.source, f.entity) == (Source.HOURLY, e) for f in features) for e in Entity}
    for w in windows:
        rel = "calls_day" if w is Window.D1 else "calls"
        out_rel = out_day if w is Window.D1 else out_all
        span = day_or_all[w]
        # Clock hours per entity, only where a feature reads them (active_hours: callers; the
        # ingress's fed its busiest clock hour until session 24).
        if hourly[Entity.CALLER]:
            ctes.append(
                f"hourly_caller_{span} AS (SELECT caller AS k, INT_DIV(ts, 3600) AS hr, "
                f"COUNT(*) AS n FROM {out_rel} GROUP BY caller, INT_DIV(ts, 3600))"
            )
        if hourly[Entity.INGRESS]:
            ctes.append(
                f"hourly_ingress_{span} AS (SELECT ingress AS k, INT_DIV(ts, 3600) AS hr, "
                f"COUNT(*) AS n FROM {rel} WHERE ingress IS NOT NULL "
                "GROUP BY ingress, INT_DIV(ts, 3600))"
            )
        ctes.append(
            f"routes_{span} AS (SELECT caller, ingress, COUNT(*) AS n, MAX(unallocated) AS "
            f"unallocated FROM {rel} WHERE ingress IS NOT NULL GROUP BY caller, ingress)"
        )
        ctes.append(
            f"handsets_{span} AS (SELECT caller, imei FROM {rel} WHERE imei IS NOT NULL "
            "GROUP BY caller, imei)"
        )
        ctes.append(
            f"""devices_{span} AS (
  SELECT h.caller, n.numbers_on_imei FROM handsets_{span} h
  JOIN (SELECT imei, COUNT(*) AS numbers_on_imei FROM handsets_{span} GROUP BY imei) n
    ON n.imei = h.imei
)"""
        )
    # The busiest 60 minutes of the day: calls per (entity, minute), then each minute's
    # count over it and the 59 minutes before it (a RANGE frame over the integer minute:
    # ANSI, and Spark's). Only the day's calls, so no window reaches across midnight.
    for entity, rel, key, where in (
        (Entity.CALLER, out_day, "caller", ""),
        (Entity.INGRESS, "calls_day", "ingress", "WHERE ingress IS NOT NULL "),
    ):
        if any((f.source, f.entity) == (Source.MINUTES, entity) for f in features):
            ctes.append(
                f"""minutes_{entity.value}_day AS (
  SELECT k, CAST(SUM(n) OVER (PARTITION BY k ORDER BY m RANGE BETWEEN 59 PRECEDING AND
    CURRENT ROW) AS BIGINT) AS n_60m
  FROM (SELECT {key} AS k, INT_DIV(ts, 60) AS m, COUNT(*) AS n FROM {rel} {where}GROUP BY {key},
    INT_DIV(ts, 60)) g
)"""
            )
    # Distinct (caller, callee) pairs of two numbers (no self-calls, ``OTHER_PARTY``) with
    # the reverse direction's first and last call.
    ctes.append(
        f"""pair_dir AS (
  SELECT caller, callee, MIN(ts) AS first_ts, MAX(ts) AS last_ts,
    MIN(CASE WHEN ts >= {day0} THEN ts END) AS first_ts_day
  FROM {out_all} WHERE {OTHER_PARTY} GROUP BY caller, callee
)"""
    )
    # The reverse direction of a scored caller's pairs: calls *to* it (all pairs without
    # the cascade, where both directions come from the same relation). A self-pair never
    # joins a pair of two numbers, so the reverse side needs no filter.
    rev = "pair_dir"
    if cascade:
        rev = "pair_rev"
        ctes.append(
            "pair_rev AS (SELECT caller, callee, MIN(ts) AS first_ts, MAX(ts) AS last_ts "
            f"FROM {in_all} GROUP BY caller, callee)"
        )
    ctes.append(
        f"""pair_x AS (
  SELECT p.caller, p.callee, p.first_ts, p.first_ts_day, r.first_ts AS r_first,
    r.last_ts AS r_last
  FROM pair_dir p LEFT JOIN {rev} r ON r.caller = p.callee AND r.callee = p.caller
)"""
    )
    seq = (
        "CASE WHEN callee - LAG(callee) OVER (PARTITION BY caller ORDER BY callee)"
        " <= 10 THEN 1 ELSE 0 END"
    )
    for w in windows:
        first, where = (
            ("first_ts_day", "WHERE first_ts_day IS NOT NULL")
            if w is Window.D1
            else ("first_ts", "")
        )
        ctes.append(
            f"""pairs_{day_or_all[w]} AS (
  SELECT caller,
    CASE WHEN r_last >= {first} THEN 1 ELSE 0 END AS called_back,
    CASE WHEN r_first < {first} OR first_ts < {first} THEN 1 ELSE 0 END AS prior_contact,
    {seq} AS sequential
  FROM pair_x {where}
)"""
        )

    def source_rel(src: Source, entity: Entity, w: Window) -> tuple[str, str]:
        span = day_or_all[w]
        calls = "calls_day" if span == "day" else "calls"
        if entity is Entity.CALLER:
            calls = out_day if span == "day" else out_all
        inbound = (in_all + "_day" if cascade else "calls_day") if span == "day" else in_all
        key = "caller" if entity is Entity.CALLER else "ingress"
        return {
            Source.CALLS: (calls, key),
            Source.HOURLY: (f"hourly_{entity.value}_{span}", "k"),
            Source.MINUTES: (f"minutes_{entity.value}_day", "k"),
            Source.ROUTES: (f"routes_{span}", key),
            Source.PAIRS: (f"pairs_{span}", "caller"),
            Source.SEQUENCE: (f"sequence_{span}", "caller"),
            Source.DEVICES: (f"devices_{span}", "caller"),
            Source.INBOUND: (inbound, "callee"),
        }[src]

    grouped = (
        Source.CALLS,
        Source.SEQUENCE,
        Source.HOURLY,
        Source.MINUTES,
        Source.ROUTES,
        Source.DEVICES,
        Source.PAIRS,
        Source.INBOUND,
    )
    aggs: list[tuple[str, str, list[Feature], Entity]] = []
    for src in grouped:
        for entity in Entity:
            merged: set[Window] = set()
            for w in (*windows, Window.H1):
                if w in merged:
                    continue
                fs = [f for f in features if (f.source, f.entity, f.window) == (src, entity, w)]
                if not fs:
                    continue
                rel, key = source_rel(src, entity, w)
                if w is Window.D1 and source_rel(src, entity, Window.H1) == (rel, key):
                    # A 1h feature over the same rows as the day's shares their GROUP BY
                    # (none does today: the 1h window reads ``minutes``).
                    fs += [
                        f
                        for f in features
                        if (f.source, f.entity, f.window) == (src, entity, Window.H1)
                    ]
                    merged.add(Window.H1)
                name = f"{src.value}_{entity.value}_{w.value}"
                where = "WHERE ingress IS NOT NULL" if key == "ingress" else ""
                if src is Source.INBOUND:
                    where = f"WHERE {OTHER_PARTY}"  # a call to oneself is not received
                if cascade and entity is Entity.CALLER and src in (Source.ROUTES, Source.DEVICES):
                    where = _ACTIVE  # these relations hold every caller's rows
                # Facts about the number ride along with the widest window's aggregates
                # instead of grouping the calls once more.
                extra = ""
                if entity is Entity.CALLER and w is windows[-1]:
                    if src is Source.CALLS:
                        extra = (
                            ",\n    MIN(ts) AS first_out_ts, MAX(unallocated) AS unallocated_any"
                        )
                    elif src is Source.INBOUND:
                        extra = ",\n    MIN(ts) AS first_in_ts"
                ctes.append(_aggregate_cte(name, key, fs, extra, f"{rel} {where}", dialect))
                aggs.append((name, f"a{len(aggs)}", fs, entity))
    # The ingress a number mostly used on the day carries the ingress features to it.
    # (Most calls, then the lowest ingress id: a GROUP BY with min_by, no window sort.)
    ctes.append(
        "main_ingress AS (SELECT caller AS k, min_by(ingress, "
        + dialect.struct.format("-n, ingress")
        + f") AS ingress FROM routes_day {_ACTIVE if cascade else ''} GROUP BY caller)"
    )
    last = windows[-1].value
    # (The registry flag is per number, so the day's callers carry it in the cascade.)
    facts_from = (
        f"callers_day c LEFT JOIN calls_caller_{last} o ON o.k = c.k" if cascade
        else f"calls_caller_{last} o"
    )  # fmt: skip
    ctes.append(
        f"""facts AS (
  SELECT {"c" if cascade else "o"}.k, {"c" if cascade else "o"}.unallocated_any AS unallocated,
    {day1} AS day_end_ts,
    LEAST(o.first_out_ts, COALESCE(i.first_in_ts, o.first_out_ts)) AS first_seen_ts
  FROM {facts_from} LEFT JOIN inbound_caller_{last} i ON i.k = o.k
)"""
    )
    # Join everything onto the day's callers (every caller of the day has a calls_caller_1d
    # row; in the cascade every caller has a callers_day row, scored ones a calls_caller_1d).
    base = "c" if cascade else "d"
    select = [f"'+' || CAST({base}.k AS VARCHAR) AS number", f"{base}.k AS number_key"]
    joins_sql = [
        f"LEFT JOIN main_ingress mi ON mi.k = {base}.k",
        f"LEFT JOIN facts ON facts.k = {base}.k",
    ]
    if cascade:
        joins_sql.insert(0, "LEFT JOIN calls_caller_1d d ON d.k = c.k")
        select.append("c.scored")
    for name, alias, fs, entity in aggs:
        if name == "calls_caller_1d":
            alias = "d"
        else:
            on = f"{base}.k" if entity is Entity.CALLER else "mi.ingress"
            joins_sql.append(f"LEFT JOIN {name} {alias} ON {alias}.k = {on}")
        select.extend(
            "c.n AS attempts_by_caller_1d"
            if cascade and f.name == "attempts_by_caller_1d"
            else f"{alias}.{f.name}"
            for f in fs
        )
    if not with_history:
        select.extend(
            f"{f.name.removesuffix('_7d')}_1d AS {f.name}"
            for f in features
            if f.window is Window.D7 and f.source in grouped
        )
    select.extend(f"{f.sql} AS {f.name}" for f in features if f.source is Source.NUMBER)
    ctes.append(
        "joined AS (\n  SELECT "
        + ",\n    ".join(select)
        + ("\n  FROM callers_day c\n  " if cascade else "\n  FROM calls_caller_1d d\n  ")
        + "\n  ".join(joins_sql)
        + ("\n  WHERE c.scored" if stage else "")
        + "\n)"
    )
    # Stable column order (the catalogue's). A count over a source where a number may have no
    # row (no call received; only calls to itself, so no pair) is 0, not missing.
    final = []
    omitted = history_twins(features, with_history) if omit_twins else {}
    for f in features:
        if f.name in omitted:
            continue
        if f.source is Source.DERIVED:
            final.append(f"{f.sql} AS {f.name}")
        elif f.source in (Source.INBOUND, Source.PAIRS) and f.sql.startswith("COUNT("):
            final.append(f"COALESCE({f.name}, 0) AS {f.name}")
        else:
            final.append(f.name)
    sql = (
        "WITH "
        + ",\n".join(ctes)
        + "\nSELECT number,\n  "
        + ",\n  ".join(final)
        + (",\n  scored" if cascade else "")
        + ",\n  number_key\nFROM joined"
    )
    return dialect.expand(sql)


def _call_ctes(
    relation: str,
    as_of: AsOf,
    present_columns: set[str],
    caller_facts: str | None,
    home_regions: str | None,
    with_history: bool,
    dialect: Dialect,
    features: tuple[Feature, ...] = FEATURES,
    act: tuple[str, int] | None = None,
    keyed: bool = False,
) -> list[str]:
    """``src``, ``keyed``, ``base`` and ``plain``: one row per valid call, with the per-call
    columns of ``CALL_COLUMNS`` (``plain`` is what every source reads).

    ``act=(column, min_attempts)``: ``caller_facts`` also counts each number's calls in the
    as-of day's window in ``column`` (every call, an upper bound of what the cascade counts);
    the calls of numbers that count at least ``min_attempts`` (summed over spellings of the
    same digits) or are unallocated get ``act`` true: every scored caller's calls among them.

    ``keyed``: the relation's integer keys and keyed look-ups (see ``build_query``); the
    displayed number is then ``'+' || caller`` where a per-call column asks for the string.
    """
    lo = as_of.history_start if with_history else as_of.day_start
    cols = []
    for name, typ in INPUT_COLUMNS.items():
        value = name if name in present_columns else f"CAST(NULL AS {typ})"
        alias = {"caller": "caller_s", "callee": "callee_s"}.get(name, name)
        if keyed and name in ("caller", "callee"):
            value, alias = {"caller": CALLER_KEY, "callee": CALLEE_KEY}[name], name
        cols.append(f"{value} AS {alias}")
    unalloc = "reg.unallocated" if caller_facts else "CAST(NULL AS INTEGER)"
    joins = ""
    if act and not caller_facts:
        raise ValueError("act needs caller_facts (the window's calls are counted there)")
    if keyed:
        act_sql = scored_sql(f"f.{act[0]}", "f.unallocated", act[1]) if act else None
        reg, home = keyed_facts_sql(caller_facts, home_regions, act_sql)
        joins = f" LEFT JOIN ({reg}) reg ON reg.k = kd.caller" if reg else ""
        if home_regions and not caller_facts:
            joins += (
                f" LEFT JOIN {home_regions} hr ON hr.prefix_key = {prefix_key_sql('kd.caller')}"
            )
    else:
        flag = ""
        if act:
            flag = f", {scored_sql(f'SUM({act[0]})', 'MAX(unallocated)', act[1])} AS act"
        if caller_facts:
            joins += (
                " LEFT JOIN (SELECT E164_KEY(number) AS k, MAX(unallocated) AS "
                f"unallocated{flag} FROM {caller_facts} GROUP BY E164_KEY(number)) reg"
                " ON reg.k = kd.caller"
            )
        home = "hr.region" if home_regions else "CAST(NULL AS VARCHAR)"
        if home_regions:
            joins += (
                f" LEFT JOIN {home_regions} hr ON hr.prefix = SUBSTR(kd.caller_s, 1, {HOME_PREFIX})"
            )
    plain = ",\n    ".join(
        f"{c.sql.format(tz_hours=as_of.tz_hours)} AS {c.name}"
        for c in CALL_COLUMNS
        if c.name not in _WINDOWED
    )
    if keyed:  # the displayed number, built only where a column compares it (rare rows)
        plain = re.sub(r"\bcaller_s\b", "('+' || CAST(caller AS VARCHAR))", plain)
    # Raw measures travel on only when an aggregate reads them itself (today they only feed
    # the per-call columns): two fewer DOUBLE columns in the 10 M-row per-call table.
    raw = [
        c for c in ("duration_s", "ring_s") if any(re.search(rf"\b{c}\b", f.sql) for f in features)
    ]
    # A number missing from caller_facts keeps act (the flag may only over-select).
    act_col = ", COALESCE(reg.act, TRUE) AS act" if act else ""
    flags = ["act"] if act else []
    carried = ", ".join(["caller", "callee", "ingress", "imei", "ts", *raw, "unallocated", *flags])
    return [
        f"""src AS (
  SELECT {", ".join(cols)} FROM {relation}
  WHERE start_time >= {_ts(dialect, lo)} AND start_time < {_ts(dialect, as_of.day_end)}
)""",
        """keyed AS (
  SELECT *, EPOCH_S(start_time) AS ts
  FROM src
)"""
        if keyed
        else """keyed AS (
  SELECT *, E164_KEY(caller_s) AS caller, E164_KEY(callee_s) AS callee,
    EPOCH_S(start_time) AS ts
  FROM src
)""",
        f"""base AS (
  SELECT kd.*, {home} AS caller_home_region, {unalloc} AS unallocated{act_col}
  FROM keyed kd{joins}
  WHERE kd.caller IS NOT NULL AND kd.callee IS NOT NULL
)""",
        f"""plain AS (
  SELECT {carried},
    {plain}
  FROM base
)""",
    ]


def scored_sql(calls: str, unallocated: str, min_attempts: int) -> str:
    """The cascade's rule as SQL: a number is scored with at least ``min_attempts`` calls in
    the window the features read (the as-of day and, with history, the look-back days before
    it) or an unallocated displayed number (``calls``, ``unallocated``: expressions; ``calls``
    counts the window, which holds the day, so "on the day or in the window" is this)."""
    return f"CASE WHEN {calls} >= {int(min_attempts)} OR {unallocated} = 1 THEN TRUE ELSE FALSE END"


def _callers_day(min_attempts: int, day0: str) -> str:
    """Per caller of the day: its calls on the day (``n``), registry flag, whether it is
    scored (by its calls in the whole window ``calls`` holds; ``day0``: the day's first
    second, as SQL). One GROUP BY of ``calls``; callers without a call on the day are left
    out. Without history ``calls`` is the day, and the count is the day's."""
    on_day = f"COUNT(CASE WHEN ts >= {day0} THEN 1 END)"
    return f"""SELECT caller AS k, {on_day} AS n, MAX(unallocated) AS unallocated_any,
    {scored_sql("COUNT(*)", "MAX(unallocated)", min_attempts)} AS scored
  FROM calls GROUP BY caller HAVING {on_day} > 0"""


def _callers_day_from_facts(
    caller_facts: str, day_calls: str, window_calls: str, min_attempts: int
) -> str:
    """``_callers_day`` read off keyed ``caller_facts`` whose ``day_calls`` and
    ``window_calls`` counts are exact (the look-ups' pass already grouped the calls by
    caller: no second GROUP BY)."""
    return f"""SELECT number_key AS k, {day_calls} AS n, unallocated AS unallocated_any,
    {scored_sql(window_calls, "unallocated", min_attempts)} AS scored
  FROM {caller_facts} WHERE {day_calls} > 0"""


def day_calls_column(as_of: AsOf) -> str:
    """The ``caller_facts`` column counting each number's calls on the as-of day, named
    after the day it counts. On strings it is an upper bound of the attempts (the callee is
    not checked); on the integer keys it is exact (every row has both keys there)."""
    return "calls_" + as_of.day.replace("-", "")


def window_calls_column(as_of: AsOf) -> str:
    """The ``caller_facts`` column counting each number's calls in the as-of day's window
    (``history_start`` to ``day_end``: the look-back days and the day), as exact or as bounded
    as ``day_calls_column``. Without history in the CDRs it equals the day's count."""
    return f"calls_{as_of.lookback_days + 1}d_" + as_of.day.replace("-", "")


#: Where ``build_staged``'s first two statements are materialised (temporary tables).
CALLS_TABLE = "cw_calls"
CALLERS_TABLE = "cw_callers_day"

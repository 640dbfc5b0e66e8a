"""The activity cascade's feature query as separate statements (what DuckDB runs).

``build_query(min_attempts=N)`` is one statement (what Spark can run); here the same rows come
from four: the per-call relation and the day's callers are materialised first, the scored
callers get the wide feature rows, the others only the hard rules' inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from callwarden.features.definitions import FEATURES, Feature
from callwarden.features.dialect import DUCKDB, Dialect
from callwarden.features.sql import (
    CALLERS_TABLE,
    CALLS_TABLE,
    AsOf,
    _call_ctes,
    _callers_day,
    _callers_day_from_facts,
    _ts,
    build_query,
)


@dataclass(frozen=True)
class StagedQuery:
    """The cascade's feature query as four statements, each a SELECT.

    ``calls`` (the per-call relation) and ``callers`` (the day's callers, with ``scored``)
    are materialised as ``CALLS_TABLE`` and ``CALLERS_TABLE`` (DuckDB: temporary tables;
    Spark: cached views); ``features`` then gives the scored callers' rows and ``unscored``
    the other callers' narrow rows (``number``, the hard rules' two inputs, ``scored``,
    ``number_key``). Together they are ``build_query(min_attempts=...)``'s rows, but the
    unscored majority never passes through the wide joins and result (about 5 CPU-s of
    45 on a 10 M-CDR day).
    """

    calls: str
    callers: str
    features: str
    unscored: str


def build_staged(
    relation: str,
    as_of: AsOf,
    *,
    present_columns: set[str],
    min_attempts: int,
    caller_facts: str | None = None,
    home_regions: str | None = None,
    with_history: bool = True,
    dialect: Dialect = DUCKDB,
    features: tuple[Feature, ...] = FEATURES,
    day_calls: str | None = None,
    window_calls: str | None = None,
    keyed: bool = False,
    omit_twins: bool = False,
) -> StagedQuery:
    """``build_query(min_attempts=...)`` split into the statements of ``StagedQuery``.

    ``day_calls`` and ``window_calls``: columns of ``caller_facts`` that count each number's
    calls on the as-of day and in its window (``sql.day_calls_column``,
    ``sql.window_calls_column``; the look-ups' pass over the callers gives them almost free).
    Without history the window is the day, and ``day_calls`` alone will do. The per-call
    table then flags the calls of every number that may be scored (``act``), and the
    features statement reads the scored callers' calls through that flag instead of copying
    them (~2 CPU-s of the 10 M-CDR day's ~18 in that statement). With history and no
    ``window_calls`` neither shortcut is taken (the day's count cannot say who is scored).

    With ``keyed`` the counts are exact (``register_number_facts``), so the day's callers are
    read off ``caller_facts`` rather than grouped from the per-call table once more.

    ``keyed``: the relation's integer number keys and keyed look-ups (``build_query``);
    ``omit_twins``: the features statement leaves out ``history_twins`` (``build_query``).
    """
    if min_attempts <= 0:
        raise ValueError("build_staged is the activity cascade: min_attempts must be positive")
    if window_calls is None and not with_history:
        window_calls = day_calls  # the window is the day
    if not (day_calls and window_calls):
        day_calls = window_calls = None
    act = (window_calls, min_attempts) if window_calls else None
    call_ctes = _call_ctes(
        relation, as_of, present_columns, caller_facts, home_regions, with_history, dialect,
        features, act, keyed,
    )  # fmt: skip
    day0 = dialect.epoch_s.format(_ts(dialect, as_of.day_start))
    feats = build_query(
        relation,
        as_of,
        present_columns=present_columns,
        caller_facts=caller_facts,
        home_regions=home_regions,
        with_history=with_history,
        dialect=dialect,
        features=features,
        min_attempts=min_attempts,
        stage=True,
        prefiltered=act is not None,
        keyed=keyed,
        omit_twins=omit_twins,
    )
    return StagedQuery(
        calls=dialect.expand("WITH " + ",\n".join(call_ctes) + "\nSELECT * FROM plain"),
        callers=dialect.expand(
            _callers_day_from_facts(caller_facts, day_calls, window_calls, min_attempts)
            if keyed and caller_facts and day_calls and window_calls
            else f"WITH calls AS (SELECT * FROM {CALLS_TABLE})\n" + _callers_day(min_attempts, day0)
        ),
        features=feats,
        unscored=dialect.expand(
            "SELECT '+' || CAST(k AS VARCHAR) AS number, n AS attempts_by_caller_1d, "
            "unallocated_any AS unallocated_by_caller_1d, scored, k AS number_key "
            f"FROM {CALLERS_TABLE} WHERE NOT scored"
        ),
    )

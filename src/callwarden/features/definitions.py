"""Behavioural feature definitions, as data.

Every feature is one aggregate SQL expression evaluated over one *source* relation for one
*entity* (the caller number or the ingress it enters through) and one *window*. The name is
derived from the definition: ``{base}_by_{entity}_{window}`` (``answer_rate_by_caller_1d``).
The batch backend (``callwarden.features.sql``) compiles these definitions into SQL for
DuckDB (embedded) or Spark; the streaming engine can read the same records and keep the
same aggregates incrementally. Expressions use only ANSI-style SQL plus macros that the
dialect expands: ``QUANTILE(x, q)`` (exact quantile), ``STARTS_WITH(s, prefix)`` and nothing
engine-specific beyond them.

Windows are anchored at the end of an *as-of day* D (local time):

- ``1d``: the calls of day D;
- ``7d``: the calls of days D-6 .. D (all history the input holds, up to 7 days);
- ``1h``: the busiest 60 consecutive minutes inside day D (peak rate): a window that slides
  by one minute over the calls' start minutes, never crossing midnight (day D's calls only).
  A burst from 10:40 to 11:20 counts whole, where a clock hour split it in two. At minute
  resolution, so a window of exactly 3,600 s (any start second) holds at least as many calls
  as the busiest 60 minutes and at most as many as the busiest 61.

Sources (built by the compiler from the canonical CDR columns, see ``CALL_COLUMNS``):

- ``calls``: one row per call attempt placed by the entity;
- ``sequence``: the caller's calls in time order (``ts``, ``gap_s``, ``overlap``), kept
  narrow because ordering is the costliest step;
- ``hourly``: one row per (entity, clock hour) with ``n`` calls;
- ``minutes``: one row per (entity, minute of day D with a call) with ``n_60m``, the entity's
  calls in the 60 minutes ending with that minute (it and the 59 before it, on day D): the
  busiest 60 minutes end with a minute that has a call, so ``MAX(n_60m)`` is their count;
- ``routes``: one row per (caller, ingress) with ``n`` calls and the caller's ``unallocated``;
- ``devices``: one row per (caller, handset IMEI) with ``numbers_on_imei``, the distinct
  caller numbers seen on that handset in the window (SIM boxes hold many cards);
- ``pairs``: one row per distinct (caller, callee) pair of two numbers contacted in the
  window, with the reverse direction's first and last call times (for call-backs and
  earlier contact); no self-calls (below);
- ``inbound``: one row per call *received* by the number from another number;
- ``number``: one row per number with static facts (``unallocated``, ``first_seen_ts``,
  ``day_end_ts``); its expressions are scalar, not aggregates;
- ``derived``: scalar expressions over other features of the same window (``{w}``).

Self-calls. A call whose callee is the caller itself (the same number once canonical: the
same integer key; in real CDRs mostly voicemail access) is an attempt the number placed, so
``calls``, ``sequence``, ``hourly``, ``minutes``, ``routes`` and ``devices`` keep it; but it is
no contact between two numbers, so ``pairs`` and ``inbound`` leave it out (``OTHER_PARTY``): it
is not a distinct callee, a call-back, an earlier contact, a sequential-dialling neighbour or
a received call. A number that only called itself has 0 distinct callees and no call-back,
prior-contact or sequential share. The pandas reference and the streaming engine apply the
same rule.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum


class Entity(StrEnum):
    """What a feature is aggregated by."""

    CALLER = "caller"
    INGRESS = "ingress"


class Window(StrEnum):
    """How much history a feature covers, ending at the close of the as-of day."""

    H1 = "1h"
    D1 = "1d"
    D7 = "7d"


class Source(StrEnum):
    """The relation an aggregate runs over."""

    CALLS = "calls"
    SEQUENCE = "sequence"
    HOURLY = "hourly"
    MINUTES = "minutes"
    ROUTES = "routes"
    DEVICES = "devices"
    PAIRS = "pairs"
    INBOUND = "inbound"
    NUMBER = "number"
    DERIVED = "derived"


@dataclass(frozen=True)
class CallColumn:
    """A per-call column computed before aggregation (the vocabulary aggregates use)."""

    name: str
    sql: str
    description: str


@dataclass(frozen=True)
class Aggregate:
    """One feature family: an aggregate expression, for some entities and windows."""

    base: str
    sql: str
    source: Source
    description: str
    entities: tuple[Entity, ...] = (Entity.CALLER,)
    windows: tuple[Window, ...] = (Window.D1, Window.D7)


@dataclass(frozen=True)
class Feature:
    """One concrete feature column, as the model sees it."""

    name: str
    base: str
    entity: Entity
    window: Window
    source: Source
    sql: str
    description: str


def feature_name(base: str, entity: Entity, window: Window) -> str:
    """The column name a definition produces: ``{base}_by_{entity}_{window}``."""
    return f"{base}_by_{entity.value}_{window.value}"


#: Per-call columns, in terms of the canonical columns. The compiler supplies ``caller`` and
#: ``callee`` as integer keys (the E.164 digits; grouping on them is several times faster
#: than on strings), ``caller_s`` as the displayed string, ``ts`` (set-up time in whole
#: seconds since 1970, UTC), ``caller_home_region`` and
#: ``unallocated`` (NULL without a registry), and fills ``{tz_hours}``.
CALL_COLUMNS: tuple[CallColumn, ...] = (
    CallColumn(
        "ans",
        "CASE WHEN COALESCE(answered, duration_s > 0) THEN 1 ELSE 0 END",
        "1 when the call was answered (``answered``, else ``duration_s > 0``)",
    ),
    CallColumn(
        "talk_s",
        "CASE WHEN COALESCE(answered, duration_s > 0) THEN duration_s END",
        "talk time of answered calls; NULL when unanswered",
    ),
    CallColumn(
        "short",
        "CASE WHEN COALESCE(answered, duration_s > 0) THEN "
        "CASE WHEN duration_s < 10 THEN 1 ELSE 0 END END",
        "1 when an answered call lasted under 10 s (the callee hung up); NULL when unanswered",
    ),
    CallColumn(
        "end_ts",
        "ts + COALESCE(ring_s, 0) + duration_s",
        "when the call was released (set-up + ring + talk)",
    ),
    CallColumn(
        "dead",
        "CASE WHEN release_cause = 1 THEN 1 ELSE 0 END",
        "1 when the callee number does not exist (Q.850 cause 1, 空号)",
    ),
    CallColumn(
        "rejected",
        "CASE WHEN release_cause = 21 THEN 1 ELSE 0 END",
        "1 when the callee rejected the call (Q.850 cause 21)",
    ),
    CallColumn(
        "night",
        "CASE WHEN (ts + {tz_hours} * 3600) % 86400 >= 75600 "
        "OR (ts + {tz_hours} * 3600) % 86400 < 28800 THEN 1 ELSE 0 END",
        "1 when placed between 21:00 and 08:00 local time",
    ),
    CallColumn(
        "mismatch",
        "CASE WHEN asserted_caller IS NOT NULL AND asserted_caller <> '' "
        "AND asserted_caller <> caller_s THEN 1 ELSE 0 END",
        "1 when the network-asserted identity differs from the displayed number",
    ),
    CallColumn(
        "attest_a",
        "CASE WHEN attestation = 'A' THEN 1 ELSE 0 END",
        "1 for STIR/SHAKEN full attestation",
    ),
    CallColumn(
        "attest_c",
        "CASE WHEN attestation = 'C' THEN 1 ELSE 0 END",
        "1 for gateway (C) attestation",
    ),
    CallColumn(
        "region_mismatch",
        "CASE WHEN caller_region IS NOT NULL AND caller_home_region IS NOT NULL AND "
        "NOT STARTS_WITH(caller_region, caller_home_region) THEN 1 ELSE 0 END",
        "1 when the caller was served outside the home province (归属地) of the displayed number",
    ),
    CallColumn(
        "gap_s",
        "ts - LAG(ts) OVER (PARTITION BY caller ORDER BY ts, end_ts)",
        "seconds since the same caller's previous call (NULL for its first)",
    ),
    CallColumn(
        "overlap",
        "CASE WHEN ts < LAG(end_ts) OVER (PARTITION BY caller ORDER BY ts, end_ts) THEN 1 ELSE 0 END",
        "1 when the call started before the same caller's previous call was released",
    ),
)

#: The predicate a call must meet to count in ``pairs`` and ``inbound``: its callee is another
#: number than its caller (integer keys). A self-call is still an attempt placed.
OTHER_PARTY = "caller <> callee"

_CI = (Entity.CALLER, Entity.INGRESS)

AGGREGATES: tuple[Aggregate, ...] = (
    Aggregate(
        "attempts",
        "MAX(n_60m)",
        Source.MINUTES,
        "call attempts in the busiest 60 consecutive minutes of the day (sliding by a minute)",
        entities=_CI,
        windows=(Window.H1,),
    ),
    Aggregate("attempts", "COUNT(*)", Source.CALLS, "call attempts placed", entities=_CI),
    Aggregate(
        "distinct_callees",
        "COUNT(*)",
        Source.PAIRS,
        "distinct numbers called, other than the number itself",
    ),
    Aggregate(
        "answer_rate",
        "AVG(ans)",
        Source.CALLS,
        "share of attempts that were answered",
        entities=_CI,
    ),
    Aggregate(
        "talk_p50", "QUANTILE(talk_s, 0.5)", Source.CALLS, "median talk time of answered calls (s)"
    ),
    Aggregate("talk_p90", "QUANTILE(talk_s, 0.9)", Source.CALLS, "90th percentile talk time (s)"),
    Aggregate(
        "short_call_share",
        "AVG(short)",
        Source.CALLS,
        "share of answered calls that lasted under 10 s",
        entities=_CI,
    ),
    Aggregate(
        "dead_callee_share",
        "AVG(dead)",
        Source.CALLS,
        "share of attempts to numbers that do not exist (cause 1, 空号)",
        entities=_CI,
    ),
    Aggregate(
        "rejected_share",
        "AVG(rejected)",
        Source.CALLS,
        "share of attempts rejected (cause 21)",
        entities=_CI,
    ),
    Aggregate(
        "interval_cv",
        "SQRT(GREATEST(AVG(gap_s * gap_s) - AVG(gap_s) * AVG(gap_s), 0)) / NULLIF(AVG(gap_s), 0)",
        Source.SEQUENCE,
        "coefficient of variation of the gaps between consecutive calls (low = machine pacing)",
    ),
    Aggregate(
        "interval_p50", "QUANTILE(gap_s, 0.5)", Source.SEQUENCE, "median gap between calls (s)"
    ),
    Aggregate(
        "concurrent_share",
        "AVG(overlap)",
        Source.SEQUENCE,
        "share of calls started before the number's previous call (in time order) was "
        "released; a call that outlasts the next one is not compared with the calls after it",
    ),
    Aggregate("active_hours", "COUNT(*)", Source.HOURLY, "clock hours with at least one call"),
    Aggregate("night_share", "AVG(night)", Source.CALLS, "share of calls placed 21:00-08:00"),
    Aggregate(
        "asserted_mismatch_share",
        "AVG(mismatch)",
        Source.CALLS,
        "share of calls whose asserted identity differs from the displayed number",
        entities=_CI,
    ),
    Aggregate(
        "attest_a_share", "AVG(attest_a)", Source.CALLS, "share of A-attested calls", entities=_CI
    ),
    Aggregate(
        "attest_c_share", "AVG(attest_c)", Source.CALLS, "share of C-attested calls", entities=_CI
    ),
    Aggregate(
        "region_mismatch_share",
        "AVG(region_mismatch)",
        Source.CALLS,
        "share of calls served outside the displayed number's home region (归属地)",
        entities=_CI,
    ),
    Aggregate(
        "distinct_callers",
        "COUNT(*)",
        Source.ROUTES,
        "distinct displayed numbers seen on the ingress (caller-ID rotation)",
        entities=(Entity.INGRESS,),
    ),
    Aggregate(
        "unallocated_caller_share",
        "SUM(n * unallocated) * 1.0 / SUM(n)",
        Source.ROUTES,
        "share of the ingress's calls that display an unallocated number",
        entities=(Entity.INGRESS,),
    ),
    Aggregate(
        "callback_rate",
        "AVG(called_back)",
        Source.PAIRS,
        "share of callees who called the number back after its first call (within the data, ≤ 7 d); "
        "a call to itself is no callee and no call-back",
    ),
    Aggregate(
        "prior_contact_share",
        "AVG(prior_contact)",
        Source.PAIRS,
        "share of callees that had been in contact with the number before its first call "
        "in the window (calls to itself are no contact)",
    ),
    Aggregate(
        "sequential_dialing_share",
        "AVG(sequential)",
        Source.PAIRS,
        "share of callees whose number is within 10 of the next-lower callee's "
        "(purchased, number-sequential lists)",
    ),
    Aggregate(
        "inbound_calls",
        "COUNT(*)",
        Source.INBOUND,
        "calls received by the number from other numbers (a call to itself is not received)",
    ),
    Aggregate(
        "distinct_inbound_callers",
        "COUNT(DISTINCT caller)",
        Source.INBOUND,
        "distinct other numbers that called the number",
    ),
    Aggregate(
        "in_out_ratio",
        "inbound_calls_by_caller_{w} * 1.0 / NULLIF(attempts_by_caller_{w}, 0)",
        Source.DERIVED,
        "calls received per call placed; missing when the number received none in the window "
        "(the inbound count is joined after: the trees see 'never called' apart from a low "
        "ratio, and the stream does the same)",
    ),
    Aggregate(
        "calls_per_callee",
        "attempts_by_caller_{w} * 1.0 / NULLIF(distinct_callees_by_caller_{w}, 0)",
        Source.DERIVED,
        "attempts per distinct callee (repeat dialling)",
    ),
    Aggregate(
        "calls_per_caller",
        "attempts_by_ingress_{w} * 1.0 / NULLIF(distinct_callers_by_ingress_{w}, 0)",
        Source.DERIVED,
        "attempts per displayed number on the ingress (low = numbers rotated fast)",
        entities=(Entity.INGRESS,),
    ),
    Aggregate(
        "unallocated",
        "unallocated",
        Source.NUMBER,
        "1 when the displayed number is not in the allocation registry (NULL without one)",
        windows=(Window.D1,),
    ),
    Aggregate(
        "maturity_days",
        "(day_end_ts - first_seen_ts) / 86400e0",
        Source.NUMBER,
        "days since the number was first seen, as caller or callee (capped by the history given)",
        windows=(Window.D7,),
    ),
    Aggregate(
        "device_numbers",
        "MAX(numbers_on_imei)",
        Source.DEVICES,
        "most distinct caller numbers seen on one handset (IMEI) the number used (SIM box)",
    ),
    Aggregate(
        "ingresses",
        "COUNT(*)",
        Source.ROUTES,
        "distinct ingresses the number's calls entered through",
    ),
)


def catalogue(aggregates: tuple[Aggregate, ...] = AGGREGATES) -> tuple[Feature, ...]:
    """Every concrete feature, in a stable order (the model's column order)."""
    out: list[Feature] = []
    for agg in aggregates:
        for entity in agg.entities:
            for window in agg.windows:
                sql = agg.sql.replace("{w}", window.value)
                name = feature_name(agg.base, entity, window)
                out.append(
                    Feature(name, agg.base, entity, window, agg.source, sql, agg.description)
                )
    names = [f.name for f in out]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"duplicate feature names: {sorted(dupes)}")
    return tuple(out)


FEATURES: tuple[Feature, ...] = catalogue()
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


#: What each source relation computes, as the batch compiler builds it (``features.sql``).
#: Part of every feature's definition digest: the compiled CTEs live in ``sql.py``, so a
#: change of their meaning (the minutes frame, a filter, a key) must be written here too,
#: or old models would load silently. ``tests/features/test_definition_digests.py`` pins
#: the compiled text of each source's CTEs and fails until this text (a change of meaning)
#: or the pin (a refactor) is updated. Per-call columns it names count too (``CALL_COLUMNS``).
SOURCE_DEFINITIONS: dict[Source, str] = {
    Source.CALLS: "one row per call the entity placed in the window (ingress: calls with an "
    "ingress), with the per-call columns",
    Source.SEQUENCE: "the caller's calls in the window in (ts, end_ts) order, with gap_s and "
    "overlap",
    Source.HOURLY: "per (entity, INT_DIV(ts, 3600)) of the window's calls (ingress: with an "
    "ingress): n = COUNT(*)",
    Source.MINUTES: "per (entity, m = INT_DIV(ts, 60)) of day D's calls only (ingress: with an "
    "ingress): n = COUNT(*); n_60m = SUM(n) OVER (PARTITION BY entity ORDER BY m RANGE BETWEEN "
    "59 PRECEDING AND CURRENT ROW)",
    Source.ROUTES: "per (caller, ingress) of the window's calls with an ingress: n = COUNT(*), "
    "unallocated = MAX(unallocated)",
    Source.DEVICES: "per (caller, imei) of the window's calls with an imei: numbers_on_imei = "
    "distinct callers with a call on that imei in the window",
    Source.PAIRS: f"per distinct (caller, callee) of the window's calls with {OTHER_PARTY}: "
    "first = first call (1d: first on day D, pairs without one dropped); called_back = the "
    "reverse direction's last call >= first; prior_contact = the reverse direction's first "
    "call < first OR the pair's first call in the window < first; sequential = callee - "
    "LAG(callee) OVER (PARTITION BY caller ORDER BY callee) <= 10",
    Source.INBOUND: f"one row per call received by the number in the window with {OTHER_PARTY}",
    Source.NUMBER: "unallocated = MAX(unallocated) of the caller's calls in the widest window; "
    "first_seen_ts = the earliest call placed or received in it; day_end_ts = the end of day D",
    Source.DERIVED: "scalar expressions over the features named, of the same window",
}

#: How an ingress feature reaches a caller's row (part of every ingress feature's digest).
INGRESS_OF_CALLER = (
    "the caller's main ingress: the ingress of most of its calls on day D (calls with an "
    "ingress), the lowest ingress on a tie"
)

#: Digests of records written before the scheme below (session 24, before the audit's M1).
_SCHEME_1 = 1
#: The digest scheme a model directory records beside its digests.
DIGEST_SCHEME = 2

_QUOTED = re.compile(r"('[^']*')")


def normalise_sql(sql: str) -> str:
    """``sql`` with layout removed: runs of whitespace become one space and none is kept next
    to punctuation (outside quoted strings), so an edit of spacing or line breaks alone does
    not change a digest."""
    parts = _QUOTED.split(sql)
    for i in range(0, len(parts), 2):
        text = re.sub(r"\s+", " ", parts[i])
        parts[i] = re.sub(r" ?([^\w\s']) ?", r"\1", text)
    return "".join(parts).strip()


_COLUMNS_BY_NAME = {c.name: c for c in CALL_COLUMNS}


def _words(sql: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_]\w*", _QUOTED.sub("", sql)))


def _call_columns_read(texts: list[str]) -> list[CallColumn]:
    """The per-call columns ``texts`` name, and those they are computed from, by name."""
    seen: set[str] = set()
    todo = [w for t in texts for w in _words(t) if w in _COLUMNS_BY_NAME]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(w for w in _words(_COLUMNS_BY_NAME[name].sql) if w in _COLUMNS_BY_NAME)
    return [_COLUMNS_BY_NAME[n] for n in sorted(seen)]


def definition_digest(feature: Feature, features: tuple[Feature, ...] = FEATURES) -> str:
    """12 hex naming what a feature computes: its source (``SOURCE_DEFINITIONS``), entity,
    window and SQL, the per-call columns they read (``CALL_COLUMNS``' SQL), and for a derived
    feature the digests of the features it reads (from ``features``). SQL is hashed through
    ``normalise_sql``. A model directory records them (``detect.io``), so a model trained on
    other definitions of the same names is told apart (its trees split on values the query
    no longer gives). Deterministic across processes (no ``hash()``)."""
    source = SOURCE_DEFINITIONS[feature.source]
    inputs: list[list[str]] = []
    if feature.source is Source.DERIVED:
        by_name = {f.name: f for f in features}
        inputs = [
            [n, definition_digest(by_name[n], features)]
            for n in sorted(_words(feature.sql))
            if n in by_name
        ]
    text = json.dumps(
        [
            DIGEST_SCHEME,
            feature.source.value,
            feature.entity.value,
            feature.window.value,
            normalise_sql(feature.sql),
            normalise_sql(source),
            INGRESS_OF_CALLER if feature.entity is Entity.INGRESS else "",
            [[c.name, normalise_sql(c.sql)] for c in _call_columns_read([feature.sql, source])],
            inputs,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _digest_scheme_1(feature: Feature) -> str:
    """The digest models recorded before ``DIGEST_SCHEME`` 2 (source, entity, window, raw
    SQL): read only to compare those records with today's features."""
    text = json.dumps(
        [feature.source.value, feature.entity.value, feature.window.value, feature.sql]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


DEFINITION_DIGESTS: dict[str, str] = {f.name: definition_digest(f) for f in FEATURES}

#: Definitions that changed since models began to record them (session 24), as a model
#: directory without the record was trained on them: name -> (digest, what it was).
LEGACY_DEFINITIONS: dict[str, tuple[str, str]] = {
    feature_name("attempts", e, Window.H1): (
        definition_digest(
            Feature(feature_name("attempts", e, Window.H1), "attempts", e, Window.H1,
                    Source.HOURLY, "MAX(n)", "")
        ),
        "the busiest clock hour, now the busiest 60 minutes",
    )
    for e in _CI
}  # fmt: skip


def changed_definitions(
    names: list[str] | tuple[str, ...], recorded: object, scheme: object = DIGEST_SCHEME
) -> list[str]:
    """The features among ``names`` (catalogue features; others are not checked) whose
    definition differs from ``recorded`` (name -> digest, as a model directory keeps it;
    None: a model from before the record, trained on ``LEGACY_DEFINITIONS``). A name the
    record lacks counts as changed (nothing vouches for it). ``scheme``: the digest scheme
    the record was written with (1: session 24's first records, compared with today's
    features digested the same way; they hashed less, so they vouch for less)."""
    if recorded is None:
        recorded = {n: LEGACY_DEFINITIONS.get(n, (d, ""))[0] for n, d in DEFINITION_DIGESTS.items()}
        scheme = DIGEST_SCHEME
    if not isinstance(recorded, dict) or scheme not in (_SCHEME_1, DIGEST_SCHEME):
        return [n for n in names if n in DEFINITION_DIGESTS]
    today = (
        DEFINITION_DIGESTS
        if scheme == DIGEST_SCHEME
        else {f.name: _digest_scheme_1(f) for f in FEATURES}
    )
    return [n for n in names if n in today and recorded.get(n) != today[n]]

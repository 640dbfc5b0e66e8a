"""What the store says about the numbers two scans disagree on (``callwarden compare --db``):
registrations (exact or prefix) and accepted appeals of the newly flagged numbers, reports
and community labels of the cleared ones; and every screener's live label with the score
bands in force (``CLEARED_SCREENED``: such a label came from screening, not from a scan, so
its number need not be a changed one; the labels are few, the new scan's numbers millions,
so the store is asked for its labels and the core intersects, not the other way round: by
the partial index ``ix_verdicts_screening_labels`` of revision 0014, 1.6 ms on SQLite and
5.7 ms on PostgreSQL at 2.6 M verdicts, 129 and 178 ms without it,
``bench/compare_screened_facts.py``).

Every query is restricted to the numbers in question, in chunks of bound parameters (SQLite
allows 32,766 a statement; a chunk stays far below), and aggregates with GROUP BY, on SQLite
and PostgreSQL alike. A registration is found by its pattern: the number itself or one of
its prefixes followed by ``*`` (the primary key), so no query compares every number with
every registration; every usable one that covers a number is listed, the most specific
first (``policy.Registry.matches``, the order a call is matched in): a narrow-scope
registration must not hide a nationwide one from the person reading the evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from callwarden.evaluate.compare import StoreFacts
from callwarden.policy import (
    SCREENING_SOURCE,
    DecisionCode,
    Registration,
    Registry,
    Thresholds,
)
from callwarden.store.db import read_connection
from callwarden.store.io import PatternUse, usable
from callwarden.store.operator_settings import read_thresholds
from callwarden.store.schema import appeals, registrations, reports, verdicts
from callwarden.store.verdict_rows import reasons_from_json

CHUNK = 2000


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield list(values[i : i + CHUNK])


def _patterns(number: str) -> list[str]:
    """The registration patterns that can match ``number``: itself and each prefix + ``*``."""
    return [number, *(number[:k] + "*" for k in range(1, len(number) + 1))]


def read_compare_facts(
    engine: sa.Engine, newly_flagged: Sequence[str], cleared: Sequence[str]
) -> StoreFacts:
    """The store's facts on the changed numbers (see the module's docstring)."""
    g, a, r, v = registrations.c, appeals.c, reports.c, verdicts.c
    wanted = sorted({p for n in newly_flagged for p in _patterns(n)})
    with read_connection(engine) as conn:
        regs = [
            row
            for chunk in _chunks(wanted)
            for row in conn.execute(sa.select(registrations).where(g.pattern.in_(chunk)))
        ]
        appealed: dict[str, int] = {}
        for chunk in _chunks(newly_flagged):
            for number, n in conn.execute(
                sa.select(a.number, sa.func.count())
                .where(a.status == "accepted", a.number.in_(chunk))
                .group_by(a.number)
            ):
                appealed[number] = int(n)
        reported: dict[str, dict[str, Any]] = {}
        community: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(cleared):
            for number, n, who, weight in conn.execute(
                sa.select(
                    r.number,
                    sa.func.count(),
                    sa.func.count(sa.distinct(r.reporter)),
                    sa.func.sum(r.weight),
                )
                .where(r.number.in_(chunk))
                .group_by(r.number)
            ):
                reported[number] = {
                    "reports": int(n),
                    "reporters": int(who),
                    "weight": round(float(weight or 0.0), 4),
                }
            for number, label, category in conn.execute(
                sa.select(v.number, v.label, v.category).where(
                    v.source == "reports", v.label != "benign", v.number.in_(chunk)
                )
            ):
                community[number] = {"label": label, "category": category}
        labels = conn.execute(
            sa.select(v.number, v.label, v.category, v.score, v.reasons, v.updated_at).where(
                v.source == SCREENING_SOURCE
            )
        ).all()
        screened = {row.number: _screened_label(row) for row in labels}
        screened_at = {row.number: float(row.updated_at) for row in labels}
        bands = read_thresholds(conn)
    keep = set(usable([row.pattern for row in regs], PatternUse.REGISTRATION))
    registry = Registry.of(
        [
            Registration(
                row.pattern, row.name, row.category, tuple(json.loads(row.callee_prefixes))
            )
            for row in regs
            if row.pattern in keep
        ]
    )
    registered: dict[str, list[dict[str, Any]]] = {}
    for number in newly_flagged:
        found = [
            {
                "pattern": r.pattern,
                "name": r.name,
                "category": r.category,
                "callee_prefixes": list(r.callee_prefixes),
            }
            for r in registry.matches(number)
        ]
        if found:
            registered[number] = found
    return StoreFacts(
        registered=registered,
        appealed=appealed,
        reported=reported,
        community=community,
        screened=screened,
        thresholds=bands.thresholds if bands is not None else Thresholds(),
        screened_at=screened_at,
    )


#: the screened-bot evidence a screener's label carries (``policy.screened_verdict``)
SCREENED_EVIDENCE = ("bot_callees", "judged_callees", "share", "window_days")


def _screened_label(row: Any) -> dict[str, Any]:
    """A screener's label as ``CLEARED_SCREENED`` shows it: the stored label, category and
    score, when it was written (UTC), and its screened-bot reason's evidence (its first
    reason; absent keys, as in a damaged cell, read None)."""
    code = DecisionCode.SCREENED_BOT_CALLEES.value
    said = next((r.evidence for r in reasons_from_json(row.reasons) if r.code == code), {})
    return {
        "label": row.label,
        "category": row.category,
        "score": float(row.score),
        "labelled_at": datetime.fromtimestamp(float(row.updated_at), UTC).isoformat(
            timespec="seconds"
        ),
        **{k: said.get(k) for k in SCREENED_EVIDENCE},
    }

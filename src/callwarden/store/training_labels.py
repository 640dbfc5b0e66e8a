"""Read what people told the store over a window, for training labels
(``detect.feedback_labels`` decides them; ``callwarden labels`` writes them).

Windowed (``since`` <= time < ``until``): reports by their ``created_at``, a community label
by its verdict's ``updated_at``, recipients by the calls they received (``received_calls``
rows whose first..last call overlaps the window). Not windowed: what stands now, accepted
appeals, registrations, detector verdicts and campaign membership (a clearance stands until
withdrawn; the store keeps no history of verdicts but the audit log).

Aggregated in SQL (GROUP BY), on SQLite and PostgreSQL alike; only the verdicts that matter
are read (cleared, community, flagged, reported, or members of a reported campaign).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from callwarden.detect.feedback_labels import (
    CampaignReports,
    Feedback,
    NumberReports,
    StoredVerdict,
)
from callwarden.policy import Registration, Registry
from callwarden.store.db import read_connection
from callwarden.store.io import PatternUse, usable
from callwarden.store.schema import received_calls, registrations, reports, verdicts


def _window(column: Any, since: float | None, until: float | None) -> Any:
    conds = []
    if since is not None:
        conds.append(column >= since)
    if until is not None:
        conds.append(column < until)
    return sa.and_(sa.true(), *conds)


def read_feedback(engine: sa.Engine, since: float | None, until: float | None) -> Feedback:
    """The store's feedback for the window (epoch seconds; None: open on that side)."""
    r, v, rc = reports.c, verdicts.c, received_calls.c
    in_window = _window(r.created_at, since, until)
    reported = sa.select(r.number).where(in_window).distinct()
    with read_connection(engine) as conn:
        per_number: dict[str, list[Any]] = {}  # number -> [reporters, weighted, {cat: w}]
        for number, category, n, w in conn.execute(
            sa.select(r.number, r.category, sa.func.count(), sa.func.sum(r.weight))
            .where(in_window)
            .group_by(r.number, r.category)
        ):
            acc = per_number.setdefault(number, [0, 0.0, {}])
            acc[0] += int(n)
            acc[1] += float(w)
            if category:
                acc[2][category] = acc[2].get(category, 0.0) + float(w)
        overlap = sa.and_(
            sa.true(),
            *([rc.last_at >= since] if since is not None else []),
            *([rc.first_at < until] if until is not None else []),
        )
        recipients: dict[str, int] = {
            caller: int(k)
            for caller, k in conn.execute(
                sa.select(rc.caller, sa.func.count())
                .where(rc.caller.in_(reported), overlap)
                .group_by(rc.caller)
            )
        }
        joined = reports.join(verdicts, v.number == r.number)
        # (a member registered as a business is cleared: its reports are not the campaign's)
        member_reports = sa.and_(
            in_window, v.campaign != "", r.number.not_in(sa.select(registrations.c.pattern))
        )
        campaign_rows = conn.execute(
            sa.select(
                v.campaign,
                sa.func.count(sa.distinct(r.reporter)),
                sa.func.count(sa.distinct(r.number)),
                sa.func.sum(r.weight),
            )
            .select_from(joined)
            .where(member_reports)
            .group_by(v.campaign)
        ).all()
        campaign_cats: dict[str, dict[str, float]] = {}
        for cid, category, w in conn.execute(
            sa.select(v.campaign, r.category, sa.func.sum(r.weight))
            .select_from(joined)
            .where(member_reports, r.category != "")
            .group_by(v.campaign, r.category)
        ):
            campaign_cats.setdefault(cid, {})[category] = float(w)
        reported_campaigns = sa.select(v.campaign).select_from(joined).where(member_reports)
        wanted = sa.or_(
            v.protected,
            v.source.in_(("appeal", "reports")),
            v.label != "benign",
            v.number.in_(reported),
            v.campaign.in_(reported_campaigns),
        )
        stored = {
            row.number: StoredVerdict(
                label=row.label,
                score=float(row.score),
                source=row.source,
                protected=bool(row.protected),
                campaign=row.campaign,
                category=row.category,
                updated_at=float(row.updated_at),
            )
            for row in conn.execute(
                sa.select(
                    v.number, v.label, v.score, v.source, v.protected, v.campaign, v.category,
                    v.updated_at,
                ).where(wanted)
            )
        }  # fmt: skip
        regs = conn.execute(sa.select(registrations)).all()
    keep = set(usable([g.pattern for g in regs], PatternUse.REGISTRATION))
    registry = Registry.of(
        [
            Registration(g.pattern, g.name, g.category, tuple(json.loads(g.callee_prefixes)))
            for g in regs
            if g.pattern in keep
        ]
    )
    return Feedback(
        reports={
            n: NumberReports(int(a[0]), a[1], int(recipients.get(n, 0)), a[2])
            for n, a in per_number.items()
        },
        campaigns={
            cid: CampaignReports(int(k), int(m), float(w), campaign_cats.get(cid, {}))
            for cid, k, m, w in campaign_rows
        },
        verdicts=stored,
        registry=registry,
        since=since,
        until=until,
    )

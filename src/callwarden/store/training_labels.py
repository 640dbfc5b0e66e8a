"""Read what people told the store over a window, for training labels
(``detect.feedback_labels`` decides them; ``callwarden labels`` writes them).

Windowed (``since`` <= time < ``until``): reports by their ``created_at``, a community label
by its verdict's ``updated_at``, screened calls by their ``at`` (the call's start). Recipients (distinct subscribers called, as ``Tally``) by
the ``received_calls`` rows whose first..last call overlaps [since - report window, until):
a report in the window may rest on a call up to the report window (7 days) before it.
Not windowed: what stands now, accepted appeals, registrations, detector verdicts and
campaign membership (a clearance stands until withdrawn; the store keeps no history of
verdicts but the audit log).

A number's reports and recipients are aggregated in SQL (GROUP BY), on SQLite and
PostgreSQL alike; only the verdicts that matter are read (cleared, community, flagged,
reported, or members of a reported campaign). A campaign's pooled reports are summed in
Python over its members' report rows (one pass, linear), because they leave out members a
registration covers (exact or prefix), matched in Python against the registry: no query
compares numbers with the registrations table (a ``NOT IN`` subquery there was quadratic on
PostgreSQL).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from callwarden.detect.feedback_labels import (
    CampaignReports,
    Feedback,
    NumberReports,
    ScreenedCalls,
    StoredVerdict,
)
from callwarden.policy import DEFAULT_REPUTATION, Registration, Registry
from callwarden.policy.model import ASSERTED_MISMATCH, FROM_ABROAD
from callwarden.store.db import read_connection
from callwarden.store.io import PatternUse, usable
from callwarden.store.schema import (
    block_log,
    received_calls,
    registrations,
    reports,
    screenings,
    verdicts,
)
from callwarden.store.screenings import bot_call, screened_tallies

DAY = 86400.0
#: Per-call reasons of a call shown by someone else than the number's subscriber (a screen
#: decision carrying one is no evidence about the number: ``screened_calls``)
SHOWN_BY_OTHERS = (ASSERTED_MISMATCH, FROM_ABROAD)


def _window(column: Any, since: float | None, until: float | None) -> Any:
    conds = []
    if since is not None:
        conds.append(column >= since)
    if until is not None:
        conds.append(column < until)
    return sa.and_(sa.true(), *conds)


def read_feedback(
    engine: sa.Engine,
    since: float | None,
    until: float | None,
    report_window_days: int = DEFAULT_REPUTATION.recent_call_days,
) -> Feedback:
    """The store's feedback for the window (epoch seconds; None: open on that side)."""
    r, v, rc = reports.c, verdicts.c, received_calls.c
    in_window = _window(r.created_at, since, until)
    reported = sa.select(r.number).where(in_window).distinct()
    joined = reports.join(verdicts, v.number == r.number)
    member_reports = sa.and_(in_window, v.campaign != "")
    reported_campaigns = sa.select(v.campaign).select_from(joined).where(member_reports).distinct()
    members_of_reported = sa.select(v.number).where(v.campaign.in_(reported_campaigns))
    calls_since = since - report_window_days * DAY if since is not None else None
    overlap = sa.and_(
        sa.true(),
        *([rc.last_at >= calls_since] if calls_since is not None else []),
        *([rc.first_at < until] if until is not None else []),
    )
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
        # (one report per reporter and number: these rows are the members' reports)
        member_rows = conn.execute(
            sa.select(v.campaign, r.number, r.reporter, r.weight, r.category)
            .select_from(joined)
            .where(member_reports)
        ).all()
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
        # A member a registration covers (exact or prefix) feeds no campaign count.
        covered = sorted(
            n for n, sv in stored.items() if sv.campaign and registry.lookup(n) is not None
        )
        recipients: dict[str, int] = {
            caller: int(k)
            for caller, k in conn.execute(
                sa.select(rc.caller, sa.func.count())
                .where(sa.or_(rc.caller.in_(reported), rc.caller.in_(members_of_reported)), overlap)
                .group_by(rc.caller)
            )
        }
        pooled_from = received_calls.join(verdicts, v.number == rc.caller)
        pooled: dict[str, int] = {
            cid: int(k)
            for cid, k in conn.execute(
                sa.select(v.campaign, sa.func.count(sa.distinct(rc.subscriber)))
                .select_from(pooled_from)
                .where(
                    v.campaign.in_(reported_campaigns),
                    overlap,
                    *([v.number.not_in(covered)] if covered else []),
                )
                .group_by(v.campaign)
            )
        }
        screened = _screened(conn, since, until)
    skip = set(covered)
    acc_c: dict[str, tuple[set[str], set[str], list[float], dict[str, float], list[int]]] = {}
    for cid, number, reporter, weight, category in member_rows:
        if number in skip:
            continue
        who, nums, w, cats, k = acc_c.setdefault(cid, (set(), set(), [0.0], {}, [0]))
        who.add(reporter)
        nums.add(number)
        w[0] += float(weight)
        k[0] += 1  # one row per reporter and number: a report
        if category:
            cats[category] = cats.get(category, 0.0) + float(weight)
    return Feedback(
        reports={
            n: NumberReports(int(a[0]), a[1], int(recipients.get(n, 0)), a[2])
            for n, a in per_number.items()
        },
        campaigns={
            cid: CampaignReports(len(who), len(nums), w[0], cats, pooled.get(cid, 0), k[0])
            for cid, (who, nums, w, cats, k) in acc_c.items()
        },
        verdicts=stored,
        registry=registry,
        recipients={n: recipients.get(n, 0) for n, sv in stored.items() if sv.campaign},
        screenings=screened,
        since=since,
        until=until,
    )


def _screened(
    conn: sa.Connection, since: float | None, until: float | None
) -> dict[str, ScreenedCalls]:
    """Each calling number's screened calls in the window (by the call's start): as
    :func:`screened_calls` counts them."""
    return screened_calls(conn, _window(screenings.c.at, since, until))


def screened_calls(
    conn: sa.Connection, where: sa.ColumnElement[bool], one_caller: bool = False
) -> dict[str, ScreenedCalls]:
    """Each calling number's screened calls among the rows ``where`` selects, those whose
    block-log entry the callee rescued left out: counts by kind and distinct callees
    (``store.screenings.screened_tallies``), its bot calls by category (SQL GROUP BY, as the
    reports). The one count of ``labels``' screening rule and the live label
    (``store.screened_label``, which counts ``one_caller``'s few calls by index)."""
    s = screenings.c
    b = block_log.c
    # a screened call whose block-log entry the callee rescued (a wrongly judged call, by
    # the one who heard it) counts for nothing; nor one decide screened because someone else
    # showed the number (its screen entry's reasons: the network asserted another identity,
    # or it came from abroad), which says nothing about the number's own subscriber
    shown = sa.or_(*(b.reasons.contains(f'"{c}"', autoescape=True) for c in SHOWN_BY_OTHERS))
    dropped = sa.or_(b.rescued_at.is_not(None), shown)
    if one_caller:  # by the link, through the callee's block-log index (the call's screen
        # entry is the callee's, store/screenings.py): the NOT IN below reads the whole block
        # log, 1 s at 1 M rows on each live label; over every caller it is the faster (1.3 s
        # against 4.4 s for 100,000 screenings among 1 M rows)
        left_out = sa.exists().where(b.subscriber == s.callee, b.screening == s.call_id, dropped)
        in_window = sa.and_(where, ~left_out)
    elif conn.dialect.name == "postgresql":  # NOT EXISTS is planned as a hash anti join;
        # NOT IN over a subquery that outgrows work_mem is a scan of it for every screening
        # (100,000 screenings among 1 M block-log rows: not done in 38 min, bench/
        # screened_label_cost.py --labels)
        left_out = sa.exists().where(b.screening == s.call_id, dropped)
        in_window = sa.and_(where, ~left_out)
    else:  # SQLite: NOT IN builds the linked set once (NOT EXISTS, with no index on the
        # link, scans the block log for every screening: not done in 10 min at 1 M rows)
        linked = sa.select(b.screening).where(b.screening.is_not(None), dropped)
        in_window = sa.and_(where, s.call_id.not_in(linked))
    tallies = screened_tallies(conn, in_window)  # (what a bot call is: store/screenings.py)
    categories: dict[str, dict[str, float]] = {}
    for caller, category, n in conn.execute(
        sa.select(s.caller, s.category, sa.func.count())
        .where(in_window, bot_call(), s.category != "")
        .group_by(s.caller, s.category)
    ):
        categories.setdefault(caller, {})[category] = float(n)
    return {
        caller: ScreenedCalls(
            bot_callees=t.bot_callees,
            bot=t.bot,
            human=t.human,
            unsure=t.unsure,
            bot_categories=categories.get(caller, {}),
            judged_callees=t.judged_callees,
            service=t.service,
        )
        for caller, t in tallies.items()
    }

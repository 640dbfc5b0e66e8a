"""Retention: empty old screened calls' turns and delete old received calls (``callwarden
prune``), for a carrier whose rules limit how long a caller's words or call records are kept.

A screened call older than the turns cutoff keeps its verdict, score, reasons, category,
action, sha256 and counts; only ``turns`` becomes ``[]`` (``callwarden labels``' screening
rule reads no turn, and the sha256 still proves which transcript was judged). A received
call (subscriber, caller) pair whose last call is older than the received-calls cutoff is
deleted; the cutoff may not be shorter than :data:`MIN_RECEIVED_CALLS_DAYS`, the window the
live report tally counts a number's recipients over. The block log is never touched: it is
the subscribers' own record of blocked calls (拦截记录) and what a rescue reads.

Without ``apply`` nothing is written (the counts are what would change); an applied run
writes one audit-log entry (action ``prune``, target ``retention``) in the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from callwarden.errors import InputError
from callwarden.policy import DEFAULT_REPUTATION
from callwarden.store.schema import audit_log, received_calls, screenings

DAY = 86400.0
EMPTY_TURNS = "[]"
#: a report needs a call received within ``recent_call_days`` (7); the live tally counts a
#: number's recipients over four times that (28 days, ``Store.tally``)
REPORT_WINDOW_DAYS = DEFAULT_REPUTATION.recent_call_days
TALLY_WINDOW_DAYS = DEFAULT_REPUTATION.tally_days
MIN_RECEIVED_CALLS_DAYS = TALLY_WINDOW_DAYS


@dataclass(frozen=True, slots=True)
class PruneCounts:
    """Rows changed (or, on a dry run, that would change); None: that table not chosen."""

    screening_turns_emptied: int | None
    received_calls_deleted: int | None
    applied: bool


def check_windows(
    screening_turns_days: int | None,
    received_calls_days: int | None,
    screened_labels_days: int | None = None,
    *,
    community_labels: bool = False,
) -> None:
    """Refuse windows that are not whole days the store can do without."""
    if (
        screening_turns_days is None
        and received_calls_days is None
        and screened_labels_days is None
        and not community_labels
    ):
        raise InputError(
            "prune: choose what to prune: --screening-turns-days N (empty the turns of "
            "screened calls older than N days), --received-calls-days M (delete "
            f"received calls whose last call is older than M days, M >= "
            f"{MIN_RECEIVED_CALLS_DAYS}), --screened-labels-days L (lapse the "
            "screener's labels given more than L days ago; 0: all of them) and/or "
            "--community-labels (lapse the community labels whose reports are under the bar)"
        )
    if screened_labels_days is not None and screened_labels_days < 0:
        raise InputError(f"--screened-labels-days must be 0 or more, not {screened_labels_days}")
    if screening_turns_days is not None and screening_turns_days < 0:
        raise InputError(f"--screening-turns-days must be 0 or more, not {screening_turns_days}")
    if received_calls_days is not None and received_calls_days < MIN_RECEIVED_CALLS_DAYS:
        raise InputError(
            f"--received-calls-days {received_calls_days} is too short: the store needs "
            f"received calls for {MIN_RECEIVED_CALLS_DAYS} days (the live report tally counts "
            f"a number's recipients over {TALLY_WINDOW_DAYS} days, 4 x the "
            f"{REPORT_WINDOW_DAYS}-day report window in which a report needs a received "
            f"call; callwarden labels counts recipients from {REPORT_WINDOW_DAYS} days "
            f"before its --since); use {MIN_RECEIVED_CALLS_DAYS} or more"
        )


def prune(
    engine: sa.Engine,
    *,
    now: float,
    screening_turns_days: int | None = None,
    received_calls_days: int | None = None,
    apply: bool = False,
    actor: str = "cli:prune",
) -> PruneCounts:
    """Count (and with ``apply``, make) the changes for the chosen cutoffs, in one
    transaction; an applied run is written to the audit log."""
    check_windows(screening_turns_days, received_calls_days)
    s, rc = screenings.c, received_calls.c
    detail: dict[str, object] = {}
    emptied: int | None = None
    deleted: int | None = None
    with engine.begin() as conn:
        if screening_turns_days is not None:
            before = now - screening_turns_days * DAY
            old = sa.and_(s.at < before, s.turns != EMPTY_TURNS)
            if apply:
                emptied = conn.execute(
                    screenings.update().where(old).values(turns=EMPTY_TURNS)
                ).rowcount
            else:
                emptied = conn.execute(sa.select(sa.func.count()).where(old)).scalar_one()
            detail |= {
                "screening_turns_days": screening_turns_days,
                "screening_turns_before": before,
                "screening_turns_emptied": int(emptied),
            }
        if received_calls_days is not None:
            before = now - received_calls_days * DAY
            old = rc.last_at < before
            if apply:
                deleted = conn.execute(received_calls.delete().where(old)).rowcount
            else:
                deleted = conn.execute(
                    sa.select(sa.func.count()).select_from(received_calls).where(old)
                ).scalar_one()
            detail |= {
                "received_calls_days": received_calls_days,
                "received_calls_before": before,
                "received_calls_deleted": int(deleted),
            }
        if apply:
            conn.execute(
                audit_log.insert().values(
                    at=now,
                    actor=actor,
                    action="prune",
                    target="retention",
                    detail=json.dumps(detail, sort_keys=True),
                )
            )
    return PruneCounts(
        None if emptied is None else int(emptied),
        None if deleted is None else int(deleted),
        apply,
    )

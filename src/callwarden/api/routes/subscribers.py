"""Per-subscriber settings, allow/block lists, block log (拦截记录) and rescue.

Every route here takes the subscriber from the path and checks it against the key: an
operator reaches every subscriber, a subscriber app only its own, the network none.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from callwarden.api.deps import (
    IdPath,
    IdQuery,
    PeopleKey,
    StateDep,
    SubscriberScope,
    pattern_param,
    saved_pattern_param,
)
from callwarden.api.errors import ERROR_RESPONSES
from callwarden.api.models import (
    BlockedOut,
    ListOut,
    PatternIn,
    PatternOut,
    ReportRow,
    RescueOut,
    ScreenedEntry,
    SettingsIn,
    SettingsOut,
    Text,
)
from callwarden.api.present import reason_out, reasons_out
from callwarden.policy import (
    REFUSABLE_CATEGORIES,
    ListKind,
    list_warnings,
    outcome_text,
    screened_tag,
    stored_decision,
)
from callwarden.store.io import PatternUse
from callwarden.store.verdict_rows import reasons_list_from_json

router = APIRouter(
    prefix="/v1/subscribers/{subscriber}", tags=["subscribers"], responses=ERROR_RESPONSES
)


@router.get("/settings", response_model=SettingsOut, summary="A subscriber's protection settings")
def get_settings(subscriber: SubscriberScope, state: StateDep) -> SettingsOut:
    protection, refused = state.store.get_settings(subscriber)
    return SettingsOut(
        subscriber=subscriber,
        protection=protection,
        refused_categories=refused,
        refusable_categories=list(REFUSABLE_CATEGORIES),
    )


@router.put(
    "/settings", response_model=SettingsOut, summary="Change protection and refused categories"
)
def put_settings(
    subscriber: SubscriberScope, body: SettingsIn, state: StateDep, key: PeopleKey
) -> SettingsOut:
    """``refused_categories`` works like MIIT's 来电免打扰: calls judged to be of these
    categories are rejected (608) instead of labelled."""
    state.store.put_settings(subscriber, body.protection, body.refused_categories, key.actor)
    state.policies.invalidate(subscriber)
    return get_settings(subscriber, state)


@router.get(
    "/lists/{kind}", response_model=ListOut, summary="A subscriber's allow list or block list"
)
def get_list(subscriber: SubscriberScope, kind: ListKind, state: StateDep) -> ListOut:
    entries = [PatternOut(**e) for e in state.store.list_patterns(subscriber, kind)]
    return ListOut(subscriber=subscriber, kind=kind, entries=entries)


@router.post(
    "/lists/{kind}",
    response_model=ListOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a number or prefix",
)
def add_to_list(
    subscriber: SubscriberScope, kind: ListKind, body: PatternIn, state: StateDep, key: PeopleKey
) -> ListOut:
    """A pattern is a number (any common format) or a prefix ending in ``*`` (``400*``) of 4
    to 15 digits; a block list also takes a country calling code alone (``+44*``, ``0044*``:
    拦截境外来电). ``warnings`` says when the new entry blocks the subscriber's own country."""
    normal = pattern_param(body.pattern, _use(kind))
    state.store.add_pattern(subscriber, kind, normal, body.note, key.actor)
    state.policies.invalidate(subscriber)
    out = get_list(subscriber, kind, state)
    out.warnings = [reason_out(r) for r in list_warnings(subscriber, kind, normal)]
    return out


@router.delete(
    "/lists/{kind}/{pattern}", response_model=ListOut, summary="Remove a number or prefix"
)
def remove_from_list(
    subscriber: SubscriberScope, kind: ListKind, pattern: str, state: StateDep, key: PeopleKey
) -> ListOut:
    normal = saved_pattern_param(
        pattern,
        lambda: (e["pattern"] for e in state.store.list_patterns(subscriber, kind)),
        _use(kind),
    )
    state.store.remove_pattern(subscriber, kind, normal, key.actor)
    state.policies.invalidate(subscriber)
    return get_list(subscriber, kind, state)


def _use(kind: ListKind) -> PatternUse:
    return PatternUse.BLOCK if kind is ListKind.BLOCK else PatternUse.ALLOW


@router.get("/blocked", response_model=list[BlockedOut], summary="Block log (拦截记录)")
def blocked(
    subscriber: SubscriberScope,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: IdQuery = None,
) -> list[BlockedOut]:
    """Rejected and screened calls, newest first, each with its reasons and the tag the
    subscriber was shown; page with ``before_id``. The first page also lists the calls of the
    last moment not yet written (``id`` null): a read never waits for the store's write
    lock (a verdict import holds it)."""
    # memory first, then the store: a row committed in between is in both (dropped below),
    # never in neither
    if before_id is None:  # ids for the last moment's calls, unless the lock is held
        state.writes.flush_within(FLUSH_WAIT_S)
    pending = state.writes.pending_blocks(subscriber) if before_id is None else []
    rows = state.store.block_log(subscriber, limit, before_id)
    stored = {_same(r) for r in rows}
    fresh = [
        {**r, "id": None, "rescued_at": None, "reasons": reasons_list_from_json(r["reasons"])}
        for r in reversed(pending)
        if _same(r) not in stored
    ]
    return [_blocked_out(r) for r in (fresh + rows)[:limit]]


#: How long a block-log read waits for the write-behind's flush before it shows the calls of
#: the last moment from memory, without ids.
FLUSH_WAIT_S = 0.25


def _same(r: dict[str, Any]) -> tuple[object, ...]:
    return (r["caller"], r["at"], r["action"], r["sip_code"])


def _blocked_out(r: dict[str, Any]) -> BlockedOut:
    tag: Text | None = None
    if r.get("tag"):
        try:
            shown = json.loads(r["tag"])
            tag = Text(zh=shown["zh"], en=shown["en"])
        except (ValueError, TypeError, KeyError):  # a damaged cell: no tag, not a 500
            tag = None
    return BlockedOut(
        id=r["id"],
        caller=r["caller"],
        at=r["at"],
        action=r["action"],
        sip_code=r["sip_code"],
        category=r["category"],
        reasons=reasons_out(r["reasons"]),
        rescued_at=r["rescued_at"],
        tag=tag,
        screening=_screened(r),
    )


def _screened(r: dict[str, Any]) -> ScreenedEntry | None:
    """The screener's outcome on a `screen` entry it answered (None for any other)."""
    verdict = r.get("screened_verdict")
    if verdict is None:
        return None
    category = r["screened_category"] or ""
    decision = stored_decision(
        r["caller"], verdict, category, r["screened_score"], r["screened_action"]
    )
    shown = screened_tag(decision)
    zh, en = outcome_text(verdict, decision)
    return ScreenedEntry(
        verdict=verdict,
        action=decision.action,
        sip_code=decision.sip_code,
        category=category or None,
        tag=Text(zh=shown[0], en=shown[1]) if shown else None,
        text=Text(zh=zh, en=en),
    )


@router.post(
    "/blocked/{entry_id}/rescue", response_model=RescueOut, summary="Rescue a wrongly blocked call"
)
def rescue(
    subscriber: SubscriberScope, entry_id: IdPath, state: StateDep, key: PeopleKey
) -> RescueOut:
    """Marks the entry rescued and puts its caller on the subscriber's allow list, so the
    courier's next call rings."""
    state.writes.flush()
    caller = state.store.rescue(subscriber, entry_id, key.actor)
    state.policies.invalidate(subscriber)
    return RescueOut(id=entry_id, caller=caller)


@router.get("/reports", response_model=list[ReportRow], summary="Reports this subscriber has made")
def my_reports(subscriber: SubscriberScope, state: StateDep) -> list[ReportRow]:
    return [ReportRow(**r) for r in state.store.reports_by(subscriber)]

"""POST /v1/reports (a subscriber marks a number; the network relays SIP 607 feedback) and
POST /v1/calls (the network's received-call feed that makes reports eligible)."""

from __future__ import annotations

from fastapi import APIRouter, status

from callwarden.api.deps import GeneralKey, NetworkKey, StateDep, call_time, number_param
from callwarden.api.errors import ERROR_RESPONSES, ApiError
from callwarden.api.models import CallsIn, CountOut, ReportIn, ReportOut
from callwarden.errors import CallwardenError
from callwarden.store import Role

router = APIRouter(prefix="/v1", tags=["reports"], responses=ERROR_RESPONSES)


@router.post(
    "/reports",
    response_model=ReportOut,
    status_code=status.HTTP_201_CREATED,
    summary="Report a number",
)
def report(body: ReportIn, state: StateDep, key: GeneralKey) -> ReportOut:
    """Counts only if the reporter received a call from the number in the last days; one
    vote per reporter and number (409 on a repeat); rate-limited per reporter (429); weighted
    by the reporter's history. A subscriber key reports as itself (``app``); a network key
    relays SIP 607 feedback only (``sip607``): it could otherwise file app reports as any
    subscriber and use up that subscriber's day of reports."""
    source = body.source or ("sip607" if key.role is Role.NETWORK else "app")
    if key.role is Role.SUBSCRIBER:
        reporter = key.subscriber or ""
        if body.reporter is not None and number_param(body.reporter) != reporter:
            raise ApiError(403, "forbidden", "a subscriber key reports only as its own subscriber")
        if source != "app":
            raise ApiError(403, "forbidden", "only the network relays SIP 607 feedback")
    else:
        if key.role is Role.NETWORK and source != "sip607":
            raise ApiError(
                403, "forbidden", "a network key relays SIP 607 feedback only (source sip607)"
            )
        if body.reporter is None:
            raise ApiError(
                422, "validation_error", "reporter is required for operator and network keys"
            )
        reporter = number_param(body.reporter)
    number = number_param(body.number)
    state.writes.flush()  # calls decided a moment ago make the report eligible
    try:
        outcome = state.store.add_report(reporter, number, body.category, source, key.actor)
    except CallwardenError as exc:
        state.metrics.reports[exc.code] += 1
        raise
    state.metrics.reports["counted"] += 1
    if outcome.verdict is not None:
        state.set_verdict(outcome.verdict)
    return ReportOut(
        id=outcome.report_id,
        number=number,
        weight=round(outcome.weight, 4),
        reports=outcome.tally.reporters,
        weighted=round(outcome.tally.weighted, 4),
        labelled=outcome.verdict is not None,
    )


@router.post("/calls", response_model=CountOut, summary="Feed received calls (from CDRs)")
def received_calls(body: CallsIn, state: StateDep, _key: NetworkKey) -> CountOut:
    """Batches of (caller, callee, at) from the switch's CDRs; written before the answer."""
    now = state.store.clock()
    rows = [
        (number_param(c.callee), number_param(c.caller), call_time(c.at, now)) for c in body.calls
    ]
    return CountOut(count=state.store.record_calls(rows))

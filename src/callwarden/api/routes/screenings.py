"""POST /v1/screenings: the screening assistant sends back a screened call's transcript;
callwarden judges it with ``callwarden screen``'s bot test, stores the outcome (linked to
decide's ``screen`` entry in the callee's block log) before it answers, and tells the
screener what to do."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response, status

from callwarden.api.deps import CLOCK_SKEW_S, EARLIEST_CALL, ScreenerKey, StateDep, number_param
from callwarden.api.errors import (
    ERROR_RESPONSES,
    STORE_DOWN,
    ApiError,
    ErrorBody,
    StoreUnavailable,
)
from callwarden.api.models import ScreeningIn, ScreeningOut, Text
from callwarden.api.present import reason_out, reasons_out
from callwarden.api.state import AppState
from callwarden.errors import CallwardenError, InputError
from callwarden.features.local_time import naive_instant, zone
from callwarden.policy import (
    Decision,
    after_screening,
    call_info,
    screened_tag,
    stored_decision,
)
from callwarden.screening.outcome import kept_turns, screen_calls, transcript_sha256
from callwarden.screening.transcript import Transcript, transcript_from_dict
from callwarden.store.base import ConflictError
from callwarden.store.screenings import NoScreenDecisionError
from callwarden.store.verdict_rows import reasons_json, reasons_list_from_json

router = APIRouter(prefix="/v1", tags=["screenings"], responses=ERROR_RESPONSES)

#: A screened call answers decide's `screen` for it: a `screen` row of that caller to that
#: callee decided at most this long before the call's start (its start_time, else when the
#: transcript arrives: a screener that sends no start_time sends the call when it ends) ...
SCREEN_DECIDED_BEFORE_S = 600.0
#: ... or at most this long after it: decide's own allowance for a clock ahead (its row is
#: at the body's `at`, up to CLOCK_SKEW_S past the server's clock; a screener without a
#: start_time is matched at the server's clock, one with a start_time on its own clock)
SCREEN_DECIDED_AFTER_S = CLOCK_SKEW_S

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": ScreeningOut, "description": "the call was stored before: its outcome"},
    409: {
        "model": ErrorBody,
        "description": "another transcript under a stored call_id (conflict: `details[0]` is"
        " the stored call's outcome, `stored` true), or no `screen` decision for this call to"
        " answer (no_screen_decision: `details[0]` is this transcript's outcome, `stored`"
        " false)",
    },
}


@router.post(
    "/screenings",
    response_model=ScreeningOut,
    status_code=status.HTTP_201_CREATED,
    summary="Send back a screened call",
    responses=_RESPONSES,
)
def screened_call(
    body: ScreeningIn, state: StateDep, key: ScreenerKey, response: Response
) -> ScreeningOut:
    """Posted with a screener key (``callwarden apikey --role screener``) or an operator's;
    any other key, a network key included, gets 403 ``forbidden``."""
    try:
        return _screened_call(body, state, key, response)
    except Exception as exc:  # counted by status and code, then answered as every error
        state.metrics.screening_errors[_status_code(exc)] += 1
        raise


def _status_code(exc: Exception) -> tuple[int, str]:
    """The status and error code api/errors.py answers ``exc`` with."""
    if isinstance(exc, CallwardenError):
        return exc.status_hint, exc.code
    if isinstance(exc, STORE_DOWN):
        return 503, "unavailable"
    return 500, "internal_error"


def _screened_call(
    body: ScreeningIn, state: StateDep, key: ScreenerKey, response: Response
) -> ScreeningOut:
    """Judges the call bot / human / unsure as `callwarden screen` does (the same function),
    stores the outcome and answers with the action: reject a bot (608), connect a legitimate
    service's bot (a courier's delivery IVR) with its tag, connect a person, connect an
    unsure caller with a tag; reject a call whose words are a category the callee refuses
    (docs/policy.md, "After screening"). The call must be one decide
    sent to the screener: the callee's block log holds decide's `screen` row for it (same
    caller and callee, decided from 10 minutes before the call's start to an hour after,
    decide's allowance for a clock ahead),
    which the outcome is linked to (one entry per call); without one, a 409
    `no_screen_decision`. Written before the answer: 201. The same call again answers its
    stored outcome (200, nothing written twice); another transcript under a stored call_id is
    a 409 `conflict`."""
    tr = _transcript(body, state.settings.tz)
    _check_turns(body)
    if tr.caller == tr.callee:
        raise ApiError(
            422, "validation_error", f"caller and callee are the same number ({tr.caller})"
        )
    now = state.store.clock()
    at = tr.start_time.timestamp() if tr.start_time is not None else now
    if not EARLIEST_CALL <= at <= now + CLOCK_SKEW_S:
        raise ApiError(
            422,
            "validation_error",
            f"start_time {body.start_time!r} is not the start of a call made by now: from"
            f" 2000-01-01 UTC to {CLOCK_SKEW_S:,.0f} s after the server's clock",
        )
    # with the recent screenings as batch evidence (serve --screening-window), else alone
    recent = state.recent
    out = recent.judge(tr) if recent is not None else screen_calls([tr], use_batch_scripts=False)[0]
    res = out.result
    category = "" if out.category.category.value == "unknown" else out.category.category.value
    policy = state.policies.get(tr.callee)  # the callee's refused categories (来电免打扰)
    decision = after_screening(
        tr.caller,
        res.verdict.value,
        category,
        res.bot_score,
        state.settings.redress_base,
        policy.refused_categories if policy is not None else (),
    )
    row = {
        "call_id": tr.call_id,
        "caller": tr.caller,
        "callee": tr.callee,
        "at": at,
        "received_at": now,
        "verdict": res.verdict.value,
        "bot_score": res.bot_score,
        "challenges": res.challenges,
        "category": category,
        "reasons": reasons_json(res.reasons),
        "action": decision.action.value,
        "transcript_sha256": transcript_sha256(tr),
        "turns": json.dumps(kept_turns(tr), ensure_ascii=False),  # (not the callee's words)
        "actor": key.actor,
    }
    # decide's `screen` row for this call may still be in memory: written first (the flusher
    # asked, waited for at most SCREEN_FLUSH_WAIT_S, and only when such a row is pending),
    # then the screened call is linked to it (no second block-log row: one entry per call)
    _screen_row_written(state, tr.caller, tr.callee)
    try:
        stored, created, labelled = state.store.record_screening(
            row, (at - SCREEN_DECIDED_BEFORE_S, at + SCREEN_DECIDED_AFTER_S)
        )
    except NoScreenDecisionError as exc:  # the outcome all the same: the screener may act on it
        now_out = _out(row, state.settings.redress_base).model_dump(mode="json")
        raise ApiError(409, exc.code, exc.message, [{"stored": False, **now_out}]) from exc
    except ConflictError as exc:  # the stored call's outcome, which the screener acts on
        if (kept := state.store.get_screening(tr.call_id)) is None:
            raise
        kept_out = _out(kept, state.settings.redress_base).model_dump(mode="json")
        raise ApiError(409, exc.code, exc.message, [{"stored": True, **kept_out}]) from exc
    if created:
        state.metrics.screenings[(res.verdict.value, decision.action.value)] += 1
        if recent is not None:  # the next call's window holds it: its features kept now
            recent.remember(tr)
    else:
        response.status_code = status.HTTP_200_OK
    if labelled is not None:  # the screener's live label: decide's next call sees it
        state.set_verdict(labelled)
    flipped = labelled is not None or (
        not created and state.store.labelled_by_call(tr.caller, tr.call_id)
    )
    return _out(stored, state.settings.redress_base, flipped)


#: The longest the route waits for the flusher to write a pending `screen` row of decide's
#: for the call (a verdict import may hold the write lock; the screener's budget is 1-2 s)
SCREEN_FLUSH_WAIT_S = 1.0


def _screen_row_written(state: AppState, caller: str, callee: str) -> None:
    """Decide's `screen` rows of ``caller`` to ``callee`` still in the write-behind buffer are
    written before the route looks for one: the flusher is asked for a flush and waited for
    at most SCREEN_FLUSH_WAIT_S; nothing is flushed when none is pending (the other rows stay
    for the flusher's next round). Still pending after the wait: a 503 (Retry-After), not a
    409 for a call decide did screen."""

    def pending() -> bool:
        rows = state.writes.pending_blocks(callee)
        return any(r["caller"] == caller and r["action"] == "screen" for r in rows)

    if pending() and not (state.writes.flush_within(SCREEN_FLUSH_WAIT_S) and not pending()):
        raise StoreUnavailable(
            f"decide's screen decision for this call is not written yet (the store did not"
            f" take it within {SCREEN_FLUSH_WAIT_S:g} s); nothing was stored, send the same"
            " call again"
        )


#: The latest a turn may start or end, in seconds from the call's start (a day: a call held
#: longer is a wrong clock or a unit mix-up, not a screened call)
MAX_TURN_S = 86_400.0
#: An epoch start_time this large is milliseconds (seconds put it past the year 5000)
EPOCH_MS_FROM = 1e11


def _check_turns(body: ScreeningIn) -> None:
    """What screen's reader lets through but no screened call holds (a 422 naming the turn):
    no words at all (nothing was heard: no verdict to store), a time before the call's start
    or past a day, an end before its start. Run once the reader took the body, so every time
    here is a finite number or absent."""
    if not any(isinstance(t.get("text"), str) and t["text"].strip() for t in body.turns):
        raise ApiError(
            422,
            "validation_error",
            "turns hold no words (no turn, or every text empty): a screened call is sent back"
            " with what the screener heard",
        )
    for j, t in enumerate(body.turns):
        start, end = _turn_time(t.get("start_s")), _turn_time(t.get("end_s"))
        for name, v in (("start_s", start), ("end_s", end)):
            if v is not None and not 0.0 <= v <= MAX_TURN_S:
                raise ApiError(
                    422,
                    "validation_error",
                    f"turn {j}: {name} {v:g} is not seconds from the call's start (0 to"
                    f" {MAX_TURN_S:,.0f})",
                )
        if start is not None and end is not None and end < start:
            raise ApiError(
                422, "validation_error", f"turn {j}: end_s {end:g} is before start_s {start:g}"
            )


def _turn_time(value: Any) -> float | None:
    """A turn's start_s or end_s as the reader took it: seconds from the call's start, or
    None where it is absent."""
    return None if value is None or value == "" else float(value)


def _start_time(value: str | float | None, tz: str) -> str | float | None:
    """start_time with its zone: an ISO 8601 time without an offset is local to ``tz``
    (``serve --tz``, as CDR CSV times and roaming.csv are read; an ambiguous local time is
    the earlier instant, one in a spring-forward gap the first after it); an offset, a Z
    and epoch seconds are instants already."""
    if isinstance(value, int | float) and abs(value) >= EPOCH_MS_FROM:
        raise ApiError(
            422,
            "validation_error",
            f"start_time {value!r} is epoch milliseconds, or no time: send epoch seconds"
            f" ({value / 1000:.3f}) or ISO 8601",
        )
    if not isinstance(value, str) or not value.strip():
        return value
    try:
        return datetime.fromtimestamp(naive_instant(value, zone(tz)), UTC).isoformat()
    except (ValueError, OverflowError, OSError):
        return value  # the reader's own error names it


def _transcript(body: ScreeningIn, tz: str) -> Transcript:
    """The body read as ``screen`` reads a record (numbers normalised first, a start_time
    without an offset read in ``tz``); what that reader refuses is a 422 naming the turn."""
    record = body.model_dump()
    record["caller"] = number_param(body.caller)
    record["callee"] = number_param(body.callee)
    record["start_time"] = _start_time(body.start_time, tz)
    try:
        return transcript_from_dict(record)
    except InputError as exc:
        message = exc.message.removeprefix("record 0, ").removeprefix("record 0: ")
        raise ApiError(422, "validation_error", message) from exc


def _tag(decision: Decision) -> dict[str, str] | None:
    shown = screened_tag(decision)
    return None if shown is None else {"zh": shown[0], "en": shown[1]}


def _out(stored: dict[str, Any], redress_base: str, labelled: bool = False) -> ScreeningOut:
    """The answer from a stored row (a first post and a repeat answer alike); the action is
    the pure function's of the stored verdict."""
    decision = stored_decision(
        stored["caller"],
        stored["verdict"],
        stored["category"],
        stored["bot_score"],
        stored["action"],
        redress_base,
    )
    shown = _tag(decision)
    return ScreeningOut(
        call_id=stored["call_id"],
        caller=stored["caller"],
        callee=stored["callee"],
        at=stored["at"],
        verdict=stored["verdict"],
        bot_score=stored["bot_score"],
        challenges=stored["challenges"],
        reasons=reasons_out(reasons_list_from_json(stored["reasons"])),
        category=stored["category"] or None,
        action=decision.action,
        sip_code=decision.sip_code,
        tag=Text(**shown) if shown else None,
        action_reason=reason_out(decision.reasons[0]),
        redress_uri=decision.redress_uri,
        call_info=call_info(decision.redress_uri),
        transcript_sha256=stored["transcript_sha256"],
        caller_labelled=labelled,
    )

"""POST /v1/decide: one call, before it rings. The hot path: in-memory lookups, the pure
policy, and write-behind bookkeeping only.

``answer`` is the whole decision; the FastAPI route below documents and serves it, and
``api.fastpath`` serves the same function without the framework's per-request machinery.
"""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Response

from callwarden.api.deps import NetworkKey, StateDep, call_time, number_param
from callwarden.api.errors import ERROR_RESPONSES
from callwarden.api.models import DecideRequest, DecideResponse
from callwarden.api.state import AppState
from callwarden.policy import (
    Action,
    Call,
    Decision,
    Reason,
    call_info,
    decide,
    reason_text,
    tag,
    with_abroad,
    with_allocation,
    with_asserted_identity,
    without_policy,
)
from callwarden.policy.model import ASSERTED_MISMATCH, FROM_ABROAD
from callwarden.store.verdict_rows import reasons_json

router = APIRouter(prefix="/v1", tags=["decide"], responses=ERROR_RESPONSES)


@router.post("/decide", response_model=DecideResponse, summary="Decide one call before it rings")
async def decide_call(body: DecideRequest, state: StateDep, _key: NetworkKey) -> Response:
    """Allow, label, screen or reject (608 with a redress URI, or 603 for a personal block).

    Rejected and screened calls go to the subscriber's block log (拦截记录), and every call is
    remembered as received, which is what makes the callee's later report eligible.
    """
    return Response(answer(state, body), media_type="application/json")


def answer(state: AppState, body: DecideRequest) -> bytes:
    """The JSON of a DecideResponse for one call (a test validates it against the model)."""
    caller = number_param(body.caller)
    callee = number_param(body.callee)
    at = time.time() if body.at is None else call_time(body.at, state.store.clock())
    asserted = number_param(body.asserted) if body.asserted else None
    verdict = state.verdicts.get(caller)
    abroad = 0
    if state.abroad is not None and body.ingress:  # a domestic number shown from abroad
        abroad = int(state.abroad.judge_one(caller, body.ingress, at))
        verdict = with_abroad(verdict, caller, abroad, body.ingress, state.thresholds)
    if state.allocation is not None:  # the hard signal, for numbers scan never saw too
        verdict = with_allocation(verdict, caller, not state.allocation.is_unallocated(caller))
    verdict = with_asserted_identity(verdict, caller, asserted, state.thresholds)
    policy, known = state.policies.lookup(callee)
    decision = decide(
        Call(caller, callee, body.ingress),
        verdict,
        policy,
        state.registry,
        state.thresholds,
        state.settings.redress_base,
    )
    if not known:
        decision = without_policy(decision)
    state.writes.add_call(callee, caller, at)
    state.metrics.decisions[decision.action.value] += 1
    shown: dict[str, str] | None = None
    if decision.action in (Action.LABEL, Action.SCREEN) or (
        decision.action is Action.REJECT and decision.sip_code != 603
    ):
        zh, en = tag(verdict.label if verdict is not None else "", decision.category)
        shown = {"zh": zh, "en": en}
    if decision.logged:
        state.writes.add_block(
            {
                "subscriber": callee,
                "caller": caller,
                "at": at,
                "action": decision.action.value,
                "sip_code": decision.sip_code,
                "category": decision.category,
                "reasons": reasons_json(
                    decision.reasons + _shown_by_others(decision, caller, asserted, abroad, body)
                ),
                # what the subscriber was shown, kept as it was (the verdict may change)
                "tag": json.dumps(shown, ensure_ascii=False) if shown else None,
            }
        )
    out = {
        "action": decision.action.value,
        "sip_code": decision.sip_code,
        "category": decision.category,
        "tag": shown,
        "reasons": [_reason(r) for r in decision.reasons],
        "redress_uri": decision.redress_uri,
        "call_info": call_info(decision.redress_uri),
    }
    return json.dumps(out, ensure_ascii=False).encode()


def _shown_by_others(
    decision: Decision, caller: str, asserted: str | None, abroad: int, body: DecideRequest
) -> tuple[Reason, ...]:
    """The per-call facts that someone else may show the number (the network asserted
    another identity; it came from abroad, no roaming list to say), added to a ``screen``
    entry where a stored verdict that flags the number spoke instead (decide's reasons then
    lack them): the screener's label leaves such calls out of its count
    (``store.training_labels.screened_calls``), whatever the stored verdict. The answer is
    unchanged; only the block log's row carries them."""
    if decision.action is not Action.SCREEN:
        return ()
    have = {r.code for r in decision.reasons}
    out: list[Reason] = []
    if asserted and asserted != caller and ASSERTED_MISMATCH not in have:
        out.append(Reason(ASSERTED_MISMATCH, {"asserted": asserted}))
    if abroad == 1 and FROM_ABROAD not in have:
        out.append(Reason(FROM_ABROAD, {"ingress": body.ingress, "number": caller}))
    return tuple(out)


def _reason(r: Reason) -> dict[str, Any]:
    zh, en = reason_text(r)
    return {"code": r.code, "evidence": r.evidence, "text": {"zh": zh, "en": en}}

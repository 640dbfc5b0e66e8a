"""Unauthenticated routes: health, Prometheus metrics, and the RFC 8688 redress page."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from callwarden.api.deps import StateDep, authenticate, number_param
from callwarden.api.errors import ERROR_RESPONSES, retry_headers
from callwarden.api.models import Health
from callwarden.api.routes.appeals import may_appeal
from callwarden.policy import redress_jcard
from callwarden.policy.render import APPEAL_HOW
from callwarden.store import ApiKey
from callwarden.store.db import current_revision

log = logging.getLogger(__name__)

router = APIRouter(tags=["service"])


@router.get(
    "/healthz",
    response_model=Health,
    summary="Liveness and store health",
    responses={503: {"model": Health, "description": "the store cannot be read"}},
)
def health(state: StateDep) -> JSONResponse:
    """200 when the store answers; 503, with ``store: down``, when it does not (``decide``
    still answers from memory then: see docs/api.md, "When the store is down")."""
    try:
        revision = current_revision(state.store.engine)
        store_up = True
    except Exception as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        log.warning("healthz: the store cannot be read: %s", cause[0] if cause else exc)
        revision, store_up = None, False
    body = Health(
        status="ok" if store_up else "degraded",
        store="up" if store_up else "down",
        database=state.store.dialect,
        schema_revision=revision,
        verdicts=len(state.verdicts),
        write_behind_pending=state.writes.pending,
        write_behind_rejected=state.writes.rejected_total,
        write_behind_dropped=state.writes.dropped,
    )
    return JSONResponse(
        body.model_dump(),
        status_code=200 if store_up else 503,
        headers=None if store_up else retry_headers(503),
    )


@router.get(
    "/metrics", response_class=PlainTextResponse, summary="Prometheus metrics (text format)"
)
def metrics(state: StateDep) -> PlainTextResponse:
    return PlainTextResponse(
        state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
    )


@router.get(
    "/v1/redress/{number}",
    summary="Redress for a rejected caller (RFC 8688)",
    responses=ERROR_RESPONSES,
)
def redress(number: str, state: StateDep, request: Request) -> JSONResponse:
    """Where a 608's Call-Info points: a jCard naming the operator and how to appeal. Public:
    the rejected caller has no API key. The answer is the same for every number, labelled or
    not (it said ``labelled`` until 30 Nov: anyone could sweep an operation's numbers for the
    burned ones). ``labelled`` is added only for a key that may appeal the number's label: an
    operator's, or the number's own subscriber's (any other key gets the public answer; a key
    that is sent but unknown or revoked gets 401, as on every route)."""
    n = number_param(number)
    body: dict[str, Any] = {
        "jcard": redress_jcard(
            state.settings.operator_name,
            f"{state.settings.redress_base}{n}",
            state.settings.operator_email,
            state.settings.operator_tel,
        ),
        "number": n,
        "appeal": {
            # the route needs the number's own subscriber key or an operator's: a caller from
            # elsewhere goes through the operator's desk (the jCard's e-mail and hotline)
            "how": APPEAL_HOW,
            "method": "POST",
            "path": "/v1/appeals",
            "filed_by": ["operator", "the number's own subscriber"],
            "fields": ["number", "owner", "contact", "statement"],
        },
    }
    key = _optional_key(state, request)
    if key is not None and may_appeal(key, n):
        v = state.verdicts.get(n)
        body["labelled"] = v is not None and v.label != "benign" and not v.protected
    return JSONResponse(body)


def _optional_key(state: StateDep, request: Request) -> ApiKey | None:
    """The request's key when it sends one (401 when that key is unknown, 429 when it is over
    its lookup rate limit: it may read its own number's standing), else None."""
    auth, xkey = request.headers.get("authorization"), request.headers.get("x-api-key")
    if not (auth or xkey):
        return None
    key = authenticate(state, auth, xkey)
    state.rate_limits.admit(key, request.scope)
    return key

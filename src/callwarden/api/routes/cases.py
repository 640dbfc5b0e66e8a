"""Case files for regulators (operator role): one number or one campaign, as JSON or as a
printable page (``?format=html``), assembled from the scan folder and CDRs the server was
started with (``serve --verdicts SCAN/verdicts.csv --cdrs CDRS``) and the store; a number
whose verdict in force an earlier day's import wrote is read from that import's scan folder
when it is still there (``evidence.sources.scan_of_verdict_in_force``), with a note.

The key is checked here rather than by a dependency so that a browser following the
results page's link is asked for it: a 401 also offers HTTP Basic (any user name, the API
key as the password), which every other route accepts but does not offer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from callwarden.api.deps import authenticate, bearer, number_param, require_role
from callwarden.api.errors import ERROR_RESPONSES, ApiError, error_response
from callwarden.api.state import AppState
from callwarden.evidence import PAGE_POLICY, campaign_case, number_case, render_html
from callwarden.evidence.assemble import now_iso
from callwarden.evidence.sources import CaseSources, gather, scan_campaign_id
from callwarden.store import Role

router = APIRouter(prefix="/v1/case-files", tags=["case files"], responses=ERROR_RESPONSES)

#: Where ``app.state`` keeps the case files' sources (set by :func:`attach`).
STATE_KEY = "case_sources"
FormatQuery = Annotated[
    Literal["json", "html"],
    Query(description="json (the case file) or html (its printable page, zh/en)"),
]
_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/html": {}}}
}


def attach(app: Any, scan_dir: Any, cdrs: Any) -> None:
    """Give the app the scan folder and CDRs its case files are made from (None: none)."""
    setattr(app.state, STATE_KEY, CaseSources(scan_dir, cdrs))


def _sources(request: Request) -> CaseSources:
    found = getattr(request.app.state, STATE_KEY, None)
    return found if isinstance(found, CaseSources) else CaseSources(None, None)


def _operator(request: Request) -> Response | None:
    """None when the request carries an operator key, else the error response to send."""
    state: AppState = request.app.state.cw
    try:
        require_role(
            authenticate(
                state, request.headers.get("authorization"), request.headers.get("x-api-key")
            ),
            frozenset({Role.OPERATOR}),
        )
    except ApiError as exc:
        response = error_response(exc.status_hint, exc.code, exc.message)
        if exc.status_hint == 401:
            response.headers.append("WWW-Authenticate", "Bearer")
            response.headers.append(
                "WWW-Authenticate", 'Basic realm="callwarden operator", charset="UTF-8"'
            )
        return response
    return None


def _answer(case: dict[str, Any], fmt: str) -> Response:
    if fmt == "html":
        return HTMLResponse(render_html(case), headers={"Content-Security-Policy": PAGE_POLICY})
    return JSONResponse(case)


@router.get("/numbers/{number}", summary="Case file of a number", responses=_DOC)
async def number_file(
    number: str,
    request: Request,
    _doc: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    format: FormatQuery = "json",
) -> Response:
    """Who the number is (class, 归属地, carrier), the scan's verdict with every reason (code,
    evidence, zh and en), the verdict in force, its campaign, its calls on the scan's day
    (counts by hour, ingress, answered; a sample of CDR rows with call_id), community reports,
    appeals and their outcomes, block-log counts, screened calls by verdict, the audit trail,
    the scan's model, day and inputs (sha256), and the case's own sha256 fingerprint
    (docs/evidence.md)."""
    if (denied := _operator(request)) is not None:
        return denied
    n = number_param(number)
    src = _sources(request)
    state: AppState = request.app.state.cw
    sources = await run_in_threadpool(
        gather, [n], src.scan_dir, src.cdrs, state.store, strict=False
    )
    return _answer(number_case(n, sources, now_iso()), format)


@router.get("/campaigns/{campaign}", summary="Case file of a campaign", responses=_DOC)
async def campaign_file(
    campaign: str,
    request: Request,
    _doc: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    format: FormatQuery = "json",
) -> Response:
    """The campaign's reasons (zh/en) and figures, every member with its verdict, the
        members' calls on the scan's day, spoofed and bridged calls, and the members' reports,
        appeals, block-log counts and audit trail, with the case's sha256 fingerprint. An id
        that is not in the scan's campaigns.csv is read under the id the scan gave it when the
    store recorded that id as an alias of it (an import continued the campaign), else from the
    scan folder of the import that wrote it when that folder is still there, else from the
    store alone (another day's campaign), else a 404. A server started without the scan's
        folder answers from the store: the campaign's members and their verdicts, reports and
        appeals, and a note saying what it lacks."""
    if (denied := _operator(request)) is not None:
        return denied
    src = _sources(request)
    state: AppState = request.app.state.cw
    cid, note = await run_in_threadpool(scan_campaign_id, state.store, src.scan_dir, campaign)
    sources = await run_in_threadpool(
        gather, [], src.scan_dir, src.cdrs, state.store, campaign=cid, strict=False
    )
    if note:
        sources = replace(sources, missing=[*sources.missing, note])
    return _answer(campaign_case(cid, sources, now_iso()), format)

"""GET /v1/numbers/{number}: what callwarden knows about a calling number."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from callwarden.api.deps import GeneralKey, StateDep, number_param
from callwarden.api.errors import ERROR_RESPONSES
from callwarden.api.models import (
    AppealBrief,
    NumberOut,
    ProvenanceOut,
    ReportSummary,
    ScreeningCounts,
    VerdictOut,
)
from callwarden.api.present import registration_out, verdict_out
from callwarden.policy import SCREENING_SOURCE
from callwarden.store import Role

DAY = 86400.0

router = APIRouter(prefix="/v1", tags=["numbers"], responses=ERROR_RESPONSES)


@router.get("/numbers/{number}", response_model=NumberOut, summary="Look up a number")
def lookup(number: str, state: StateDep, key: GeneralKey) -> NumberOut:
    """Verdict with its reasons (zh/en), registration, report counts, appeal status and its
    screened calls by verdict (``POST /v1/screenings``); a screener's live label says when
    it lapses (``lapses_at``).

    Report counts never name the reporters. The provenance's ``source_file`` (a path on the
    server, as often as not) is shown to operator keys only: null for any other key; so are
    the human and unsure screened-call counts (a private number's call volume).
    """
    n = number_param(number)
    v = state.verdicts.get(n)
    reg = state.registry.lookup(n)
    out = None
    if v is not None:
        out = _with_provenance(
            verdict_out(v), state.store.verdict_provenance(n), key.role is Role.OPERATOR
        )
        days = state.settings.screened_label_days
        if v.source == SCREENING_SOURCE and days > 0:
            given = state.store.label_given_at(n)
            out.lapses_at = None if given is None else given + days * DAY
    return NumberOut(
        number=n,
        verdict=out,
        registration=None if reg is None else registration_out(reg),
        reports=ReportSummary(**state.store.report_summary(n)),
        appeals=[
            AppealBrief(
                id=a["id"],
                status=a["status"],
                created_at=a["created_at"],
                reviewed_at=a["reviewed_at"],
            )
            for a in state.store.list_appeals(number=n)
        ],
        screenings=_screenings(state.store.screening_counts(n), key.role is Role.OPERATOR),
    )


def _screenings(counts: dict[str, int], operator: bool) -> ScreeningCounts:
    """Every count for an operator; for any other key the bot counts only: a private
    number's human and unsure screened calls are its call volume, which is none of another
    subscriber's business (audit 27 L12)."""
    if operator:
        return ScreeningCounts(**counts)
    seen = {k: n for k, n in counts.items() if k not in ("human", "unsure")}
    return ScreeningCounts(**seen)


def _with_provenance(
    out: VerdictOut, provenance: dict[str, Any] | None, operator: bool
) -> VerdictOut:
    if provenance is not None:
        shown = provenance if operator else {**provenance, "source_file": None}
        out.provenance = ProvenanceOut(**shown)
    return out

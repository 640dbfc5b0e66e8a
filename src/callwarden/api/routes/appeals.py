"""Appeals from a number's owner, and the operator's review queue."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from callwarden.api.deps import GeneralKey, IdPath, OperatorKey, StateDep, number_param
from callwarden.api.errors import ERROR_RESPONSES, ApiError
from callwarden.api.models import AppealIn, AppealOut, ReviewIn
from callwarden.store import ApiKey, Role, appeal_not_found

router = APIRouter(prefix="/v1", tags=["appeals"], responses=ERROR_RESPONSES)


def may_appeal(key: ApiKey, number: str) -> bool:
    """An operator reaches every number's appeals, a subscriber key only its own number's."""
    return key.role is Role.OPERATOR or (key.role is Role.SUBSCRIBER and key.subscriber == number)


@router.post(
    "/appeals",
    response_model=AppealOut,
    status_code=status.HTTP_201_CREATED,
    summary="Appeal a label",
)
def file_appeal(body: AppealIn, state: StateDep, key: GeneralKey) -> AppealOut:
    """The owner of a labelled or blocked number asks for review. A subscriber key appeals
    for its own number; an operator files for a business that called the hotline."""
    number = number_param(body.number)
    if not may_appeal(key, number):
        raise ApiError(403, "forbidden", "only the number's owner or an operator can appeal")
    aid = state.store.create_appeal(number, body.owner, body.contact, body.statement, key.actor)
    return AppealOut(**state.store.get_appeal(aid))


@router.get("/appeals/{appeal_id}", response_model=AppealOut, summary="An appeal and its status")
def get_appeal(appeal_id: IdPath, state: StateDep, key: GeneralKey) -> AppealOut:
    """An appeal the key may not see answers exactly as a missing one (404), so its ids
    cannot be enumerated: a 403 told any key which appeal ids exist."""
    appeal = state.store.get_appeal(appeal_id)
    if not may_appeal(key, appeal["number"]):
        raise appeal_not_found(appeal_id)
    return AppealOut(**appeal)


@router.get("/review/appeals", response_model=list[AppealOut], summary="Operator review queue")
def review_queue(
    state: StateDep,
    _key: OperatorKey,
    status_: Annotated[
        Literal["pending", "accepted", "rejected"], Query(alias="status")
    ] = "pending",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AppealOut]:
    """Oldest first, so the queue is worked in order."""
    return [AppealOut(**a) for a in state.store.list_appeals(status_, limit=limit)]


@router.post(
    "/review/appeals/{appeal_id}", response_model=AppealOut, summary="Accept or reject an appeal"
)
def review(appeal_id: IdPath, body: ReviewIn, state: StateDep, key: OperatorKey) -> AppealOut:
    """Accepting clears the label at once (the decision cache too) and protects the number
    from later model verdicts; the verdict it replaced is kept in the audit log."""
    cleared = state.store.review_appeal(appeal_id, body.decision == "accept", key.actor, body.note)
    if cleared is not None:
        state.set_verdict(cleared)
    return AppealOut(**state.store.get_appeal(appeal_id))

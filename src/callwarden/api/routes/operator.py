"""Operator routes: campaigns, verdict import, score bands, registered business numbers, API
keys, live labels to review, audit."""

from __future__ import annotations

import base64
import math
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import Field

from callwarden.api.deps import (
    IdPath,
    NetworkKey,
    OffsetQuery,
    OperatorKey,
    StateDep,
    number_param,
    pattern_param,
    saved_pattern_param,
)
from callwarden.api.errors import ERROR_RESPONSES, ApiError
from callwarden.api.models import (
    AuditOut,
    CampaignOut,
    CountOut,
    KeyIn,
    KeyOut,
    LiveLabelOut,
    RegistrationIn,
    RegistrationOut,
    ThresholdsIn,
    ThresholdsOut,
    VerdictsIn,
)
from callwarden.api.present import registration_out, verdict_out
from callwarden.policy import Reason, Registration, Thresholds, Verdict
from callwarden.store import Role
from callwarden.store.campaign_traits import CampaignTraits
from callwarden.store.io import PatternUse
from callwarden.store.verdict_import import Provenance

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)
DAY = 86400.0


class ImportOut(CountOut):
    """An import's answer: ``count`` the rows read (as before), and what it did with them."""

    written: int = Field(description="verdicts written")
    held: int = Field(description="rows held back by the verdict precedence (all rules)")
    held_newer_scan: int = Field(
        description="of those, rows whose verdict in force was imported from a later scan day"
    )
    newer_scan_day: str | None = Field(description="the latest such day (null when none)")
    held_screened_label: int = Field(
        0,
        description="of those, rows whose number holds a screener's live label given after "
        "the end of scan_day (rule 4)",
    )
    import_id: int
    traits_unused: str | None = Field(
        None,
        description="why the import's campaigns (traits) were neither compared nor recorded: "
        "'no scan day' (scan_day absent or not YYYY-MM-DD); null when used or none given",
    )


@router.get("/campaigns", response_model=list[CampaignOut], tags=["campaigns"], summary="Campaigns")
def campaigns(
    state: StateDep,
    _key: NetworkKey,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> list[CampaignOut]:
    """Operations that use many numbers, largest first."""
    return [CampaignOut(**c) for c in state.store.list_campaigns(limit, offset)]


@router.get(
    "/campaigns/{campaign}", response_model=CampaignOut, tags=["campaigns"], summary="One campaign"
)
def campaign(campaign: str, state: StateDep, _key: NetworkKey) -> CampaignOut:
    return CampaignOut(**state.store.get_campaign(campaign))


@router.post("/verdicts", response_model=ImportOut, tags=["operator"], summary="Import verdicts")
def import_verdicts(
    body: VerdictsIn,
    state: StateDep,
    key: OperatorKey,
    override_appeals: Annotated[
        bool,
        Query(description="also replace verdicts set by accepted appeals (a person's decision)"),
    ] = False,
    override_newer_scans: Annotated[
        bool,
        Query(
            description="also replace verdicts imported from a later scan day than this "
            "import's scan_day (importing an older day on purpose)"
        ),
    ] = False,
) -> ImportOut:
    """The same rows as ``scan``'s verdicts.csv. A number cleared on appeal keeps the
    appeal's verdict (unless ``override_appeals``); a community label is not undone by a
    ``benign`` row; a verdict imported from a later scan day than ``scan_day`` is kept
    (unless ``override_newer_scans``), and so is a screener's live label given after the end
    of ``scan_day`` in ``tz`` (whatever the overrides). Rows held back are counted in the answer and
    recorded in the audit log. ``campaigns`` (campaigns.csv's ``ingresses`` and ``asserted``
    per campaign id) lets a campaign that renewed most of its numbers keep its stored id."""
    items = [
        Verdict(
            number=number_param(v.number),
            label=v.label,
            score=v.score,
            category=v.category,
            reasons=tuple(Reason(r.code, r.evidence, r.weight, r.source) for r in v.reasons),
            campaign=v.campaign,
        )
        for v in body.verdicts
    ]
    provenance = Provenance(body.source_file, body.model_version, body.scan_day, body.tz)
    traits = {
        c.campaign: CampaignTraits(frozenset(c.ingresses), frozenset(c.asserted))
        for c in body.campaigns
    }
    result = state.import_verdicts(
        items, key.actor, override_appeals, provenance, override_newer_scans, traits
    )
    return ImportOut(
        count=result.rows,
        written=len(result.written),
        held=result.held,
        held_newer_scan=result.held_newer_scan,
        newer_scan_day=result.newer_scan_day or None,
        held_screened_label=result.held_screened_label,
        import_id=result.import_id,
        traits_unused=result.traits_unused or None,
    )


def _thresholds_out(state: StateDep) -> ThresholdsOut:
    return ThresholdsOut(**state.thresholds.as_dict(), source=state.thresholds_source)


@router.get(
    "/thresholds", response_model=ThresholdsOut, tags=["operator"], summary="Score bands in force"
)
def thresholds(state: StateDep, _key: NetworkKey) -> ThresholdsOut:
    """The bands ``decide`` applies to a verdict's score, and where they came from: a
    model (``callwarden serve --model``), an operator, or the policy defaults."""
    return _thresholds_out(state)


@router.put(
    "/thresholds", response_model=ThresholdsOut, tags=["operator"], summary="Set the score bands"
)
def set_thresholds(body: ThresholdsIn, state: StateDep, key: OperatorKey) -> ThresholdsOut:
    """Saved in the store (a restarted server keeps them) and in force for the next call."""
    th = Thresholds(body.label_at, body.reject_fraud_at, body.reject_harassment_at)
    source = f"operator {key.actor}" + (f": {body.note}" if body.note else "")
    state.store.save_thresholds(th, source, key.actor)
    state.set_thresholds(th, source)
    return _thresholds_out(state)


@router.get(
    "/registry",
    response_model=list[RegistrationOut],
    tags=["operator"],
    summary="Registered businesses",
)
def registry(state: StateDep, _key: OperatorKey) -> list[RegistrationOut]:
    return [registration_out(r) for r in state.store.list_registrations()]


@router.post(
    "/registry",
    response_model=RegistrationOut,
    status_code=status.HTTP_201_CREATED,
    tags=["operator"],
    summary="Register a business number",
)
def register_business(body: RegistrationIn, state: StateDep, key: OperatorKey) -> RegistrationOut:
    """A courier station, bank call-back line or clinic; ``callee_prefixes`` limits the scope
    (``+8610`` = Beijing landlines); empty means nationwide."""
    reg = Registration(
        pattern_param(body.pattern, PatternUse.REGISTRATION),
        body.name,
        body.category,
        tuple(pattern_param(p.rstrip("*") + "*")[:-1] for p in body.callee_prefixes),
    )
    state.store.put_registration(reg, key.actor)
    state.reload_registry()
    return registration_out(reg)


@router.delete(
    "/registry/{pattern}", response_model=CountOut, tags=["operator"], summary="Unregister"
)
def unregister(pattern: str, state: StateDep, key: OperatorKey) -> CountOut:
    normal = saved_pattern_param(
        pattern,
        lambda: (r.pattern for r in state.store.list_registrations()),
        PatternUse.REGISTRATION,
    )
    state.store.delete_registration(normal, key.actor)
    state.reload_registry()
    return CountOut(count=1)


@router.get("/keys", response_model=list[KeyOut], tags=["operator"], summary="Active API keys")
def keys(state: StateDep, _key: OperatorKey) -> list[KeyOut]:
    return [
        KeyOut(id=k.id, role=k.role.value, subscriber=k.subscriber, name=k.name, secret=None)
        for k in state.store.list_keys()
    ]


@router.post(
    "/keys",
    response_model=KeyOut,
    status_code=status.HTTP_201_CREATED,
    tags=["operator"],
    summary="Create an API key",
)
def create_key(body: KeyIn, state: StateDep, key: OperatorKey) -> KeyOut:
    sub = number_param(body.subscriber) if body.subscriber else None
    new, secret = state.store.create_key(Role(body.role), sub, body.name, key.actor)
    return KeyOut(
        id=new.id, role=new.role.value, subscriber=new.subscriber, name=new.name, secret=secret
    )


@router.delete(
    "/keys/{key_id}", response_model=CountOut, tags=["operator"], summary="Revoke an API key"
)
def revoke_key(key_id: IdPath, state: StateDep, key: OperatorKey) -> CountOut:
    state.store.revoke_key(key_id, key.actor)
    state.forget_keys()
    return CountOut(count=1)


@router.get(
    "/review/labels",
    response_model=list[LiveLabelOut],
    tags=["operator"],
    summary="Live labels to review",
)
def live_labels(
    state: StateDep,
    _key: OperatorKey,
    source: Literal["screening", "reports"] = "screening",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
    after: Annotated[
        str | None,
        Query(
            max_length=200,
            description="the last cursor of the page before: the page starts after that "
            "label (offset then counts from there)",
        ),
    ] = None,
) -> list[LiveLabelOut]:
    """The labels the automatic labellers gave, oldest first (by ``live_since``), with their
    evidence (the reasons) and when each lapses: the screener's (``source=screening``) or the
    community's (``reports``). Page with ``after`` (the page's last ``cursor``): the sweeps
    remove the oldest labels every minute, so an ``offset`` page can skip labels that still
    stand. A wrong label stands until it lapses or an appeal filed for the owner is accepted
    (which clears and protects the number); registering the business allows its calls in the
    registration's scope but leaves the label. The audit trail
    (``/v1/audit?target=NUMBER``) has its history."""
    days = state.settings.screened_label_days
    out = []
    for lab in state.store.live_labels(source, limit, offset, _after(after)):
        given = lab.labelled_at
        lapses = given + days * DAY if source == "screening" and days > 0 else None
        verdict = verdict_out(lab.verdict)
        verdict.lapses_at = lapses
        out.append(
            LiveLabelOut(
                number=lab.verdict.number,
                labelled_at=given,
                live_since=lab.live_since,
                lapses_at=lapses,
                cursor=_cursor(lab.live_since, lab.verdict.number),
                verdict=verdict,
            )
        )
    return out


def _cursor(live_since: float, number: str) -> str:
    """A live label's place in the list, opaque and URL-safe (a number's ``+`` in a query
    string reads as a space): its time, exact (``repr``), and number."""
    raw = f"{live_since!r},{number}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[float, str] | None:
    """``_cursor`` read back; anything else is a validation error."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, number = raw.split(",", 1)
        live_since = float(at)
    except ValueError as exc:  # (binascii.Error and UnicodeDecodeError are ValueErrors)
        raise ApiError(422, "validation_error", "after: not a cursor this list gave") from exc
    if not math.isfinite(live_since) or not number:
        raise ApiError(422, "validation_error", "after: not a cursor this list gave")
    return live_since, number


@router.get("/audit", response_model=list[AuditOut], tags=["operator"], summary="Audit trail")
def audit(
    state: StateDep,
    _key: OperatorKey,
    target: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    """Newest first; ``target`` is a number, a subscriber, a registered pattern (``400*``),
    ``key:ID``, ``verdicts`` (imports) or ``thresholds`` (the score bands)."""
    return [AuditOut(**a) for a in state.store.audit_trail(_audit_target(target), limit)]


#: Audit targets that are names, not numbers: verdict imports and the score bands.
NAMED_TARGETS = frozenset({"verdicts", "thresholds"})


def _audit_target(target: str | None) -> str | None:
    """The target as the audit log writes it: names and ``key:ID`` as they are, numbers and
    registered prefixes normalised (a prefix registration's entries were out of reach)."""
    if not target or target in NAMED_TARGETS or target.startswith("key:"):
        return target
    return pattern_param(target) if target.rstrip().endswith(("*", "＊")) else number_param(target)

"""Domain values to response models: reasons and tags rendered in Chinese and English."""

from __future__ import annotations

from typing import Any

from callwarden.api.models import ReasonOut, RegistrationOut, Text, VerdictOut
from callwarden.policy import Reason, Registration, Verdict, reason_text, tag


def reason_out(reason: Reason) -> ReasonOut:
    zh, en = reason_text(reason)
    return ReasonOut(code=str(reason.code), evidence=dict(reason.evidence), text=Text(zh=zh, en=en))


def reasons_out(items: list[dict[str, Any]]) -> list[ReasonOut]:
    return [reason_out(Reason.from_dict(r)) for r in items]


def registration_out(r: Registration) -> RegistrationOut:
    return RegistrationOut(
        pattern=r.pattern, name=r.name, category=r.category, callee_prefixes=list(r.callee_prefixes)
    )


def tag_out(label: str, category: str) -> Text | None:
    if label == "benign":
        return None
    zh, en = tag(label, category)
    return Text(zh=zh, en=en)


def verdict_out(v: Verdict) -> VerdictOut:
    return VerdictOut(
        label=v.label,
        score=v.score,
        category=v.category,
        campaign=v.campaign,
        source=v.source,
        protected=v.protected,
        tag=tag_out(v.label, v.category),
        reasons=[reason_out(r) for r in v.reasons],
        provenance=None,
        lapses_at=None,
    )

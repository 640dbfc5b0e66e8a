"""Subscriber policy: (call, verdict, subscriber settings and lists, registry) to a decision.

Pure: no files, sockets or databases. The HTTP API, the streaming engine and ``replay`` all
call :func:`decide`.
"""

from callwarden.policy.decide import (
    EMPTY_REGISTRY,
    Registry,
    decide,
    shown_by_someone_else,
    unallocated_caller,
    with_allocation,
    with_asserted_identity,
)
from callwarden.policy.model import (
    REFUSABLE_CATEGORIES,
    REJECT_ODDS_FACTOR,
    SIP_DECLINE,
    SIP_GLOBAL_DECLINE,
    Action,
    Call,
    Decision,
    DecisionCode,
    ListKind,
    PatternSet,
    Protection,
    Reason,
    Registration,
    SubscriberPolicy,
    Thresholds,
    Verdict,
    list_warnings,
)
from callwarden.policy.render import (
    REPORTABLE_CATEGORIES,
    call_info,
    decision_tag,
    reason_text,
    redress_jcard,
    tag,
)
from callwarden.policy.reputation import (
    DEFAULT_REPUTATION,
    ReporterHistory,
    ReputationConfig,
    Tally,
    community_verdict,
    reporter_weight,
)

__all__ = [
    "DEFAULT_REPUTATION",
    "EMPTY_REGISTRY",
    "REFUSABLE_CATEGORIES",
    "REJECT_ODDS_FACTOR",
    "REPORTABLE_CATEGORIES",
    "SIP_DECLINE",
    "SIP_GLOBAL_DECLINE",
    "Action",
    "Call",
    "Decision",
    "DecisionCode",
    "ListKind",
    "PatternSet",
    "Protection",
    "Reason",
    "Registration",
    "Registry",
    "ReporterHistory",
    "ReputationConfig",
    "SubscriberPolicy",
    "Tally",
    "Thresholds",
    "Verdict",
    "call_info",
    "community_verdict",
    "decide",
    "shown_by_someone_else",
    "unallocated_caller",
    "with_allocation",
    "with_asserted_identity",
    "decision_tag",
    "list_warnings",
    "reason_text",
    "redress_jcard",
    "reporter_weight",
    "tag",
]

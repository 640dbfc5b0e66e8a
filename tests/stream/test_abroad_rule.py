"""Calls from abroad showing a domestic number (issue 4): the stream engine and the policy
reject them as spoofed (608 ``spoofed_caller``, reason ``spoof_international_domestic``) when
a roaming list says the owner is not abroad, label them without one, allow roamers and
numbers cleared on appeal, and leave every call alone without the rule."""

from __future__ import annotations

from typing import Any

from callwarden.numbers import AllocationRegistry
from callwarden.numbers.abroad import AbroadRule
from callwarden.numbers.ingresses import IngressKinds
from callwarden.numbers.roaming import Roaming
from callwarden.policy import (
    Action,
    Call,
    Protection,
    SubscriberPolicy,
    Verdict,
    decide,
    reason_text,
    with_abroad,
)
from callwarden.stream import ACTIONS, Source, StreamEngine

from .test_audit_fixes import ALICE, T0, table

IGW, MSC = "IGW-GZ-1", "MSC-HN00-1"
SHOWN = "+8613700000005"  # allocated: a real person's number, displayed from abroad
ROAMER = "+8613700000006"
FOREIGN = "+14155550123"
KINDS = IngressKinds({IGW: "international", MSC: "own"})
REGISTRY = AllocationRegistry.from_numbers([SHOWN, ROAMER, ALICE])
START = T0.timestamp()
TRIP = Roaming.of([(ROAMER, START, START + 3600)])


def _engine(roaming: Roaming | None, protected: set[str] | None = None, rule: bool = True) -> Any:
    abroad = AbroadRule.of(KINDS, REGISTRY.scope, roaming) if rule else None
    return StreamEngine(None, allocated=REGISTRY, abroad=abroad, protected=protected)


ROWS = [
    dict(caller=SHOWN, callee=ALICE, t=100, ingress=IGW),
    dict(caller=ROAMER, callee=ALICE, t=101, ingress=IGW),
    dict(caller=FOREIGN, callee=ALICE, t=102, ingress=IGW),
    dict(caller=SHOWN, callee=ALICE, t=103, ingress=MSC),
    dict(caller=ROAMER, callee=ALICE, t=3700, ingress=IGW),  # back home: the trip is over
]


def _batch(eng: StreamEngine) -> tuple[list[str], list[int]]:
    calls = eng.encode(table(ROWS))
    d = eng.decide_batch(calls, now=float(calls.ts[0]))
    return [ACTIONS[a].value for a in d.action], d.source.tolist()


def test_with_a_roaming_list_the_non_roamer_is_rejected_and_the_roamer_rings() -> None:
    actions, sources = _batch(_engine(TRIP))
    assert actions == ["reject", "allow", "allow", "allow", "reject"]
    assert sources[0] == sources[4] == Source.ABROAD_SPOOFED
    eng = _engine(TRIP)
    d = eng.decide(SHOWN, ALICE, IGW, t=START + 100)
    assert (d.action, d.sip_code, d.reasons[0].code) == (Action.REJECT, 608, "spoofed_caller")
    assert d.reasons[1].code == "spoof_international_domestic"
    assert d.reasons[1].evidence == {"ingress": IGW, "number": SHOWN}
    assert "abroad" in reason_text(d.reasons[0])[1] and "境外" in reason_text(d.reasons[1])[0]
    assert eng.decide(ROAMER, ALICE, IGW, t=START + 100).action is Action.ALLOW
    assert eng.decide(ROAMER, ALICE, IGW, t=START + 3600).action is Action.REJECT
    assert eng.decide(SHOWN, ALICE, MSC, t=START + 100).action is Action.ALLOW


def test_without_a_roaming_list_such_calls_are_only_labelled() -> None:
    actions, sources = _batch(_engine(None))
    assert actions == ["label", "label", "allow", "allow", "label"]
    assert sources[0] == Source.FROM_ABROAD
    d = _engine(None).decide(ROAMER, ALICE, IGW, t=START + 100)
    assert d.action is Action.LABEL
    assert [r.code for r in d.reasons][1] == "from_abroad_domestic_number"
    strict = SubscriberPolicy(ALICE, protection=Protection.STRICT)
    assert decide(Call(ROAMER, ALICE, IGW), with_abroad(None, ROAMER, 1, IGW), strict).action is (
        Action.SCREEN
    )


def test_a_number_cleared_on_appeal_shown_from_abroad_is_labelled() -> None:
    """Audit 25b M1: neither allowed unmarked (the acquaintance scam) nor rejected (the roaming
    list may lag a trip); it was allowed as the unallocated rule allows it."""
    actions, sources = _batch(_engine(TRIP, protected={SHOWN}))
    assert actions[0] == "label" and sources[0] == Source.ABROAD_SPOOFED
    d = _engine(TRIP, protected={SHOWN}).decide(SHOWN, ALICE, IGW, t=START + 100)
    assert (d.action, d.category) == (Action.LABEL, "from_abroad")
    assert [r.code for r in d.reasons] == ["appeal_protected", "spoof_international_domestic"]
    protected = Verdict(SHOWN, "benign", 0.0, protected=True)
    v = with_abroad(protected, SHOWN, 2, IGW)
    assert decide(Call(SHOWN, ALICE, IGW), v).action is Action.LABEL


def test_without_the_rule_nothing_changes() -> None:
    actions, sources = _batch(_engine(TRIP, rule=False))
    assert actions == ["allow"] * 5 and sources == [Source.NONE] * 5
    assert with_abroad(None, SHOWN, 0, IGW) is None
    model = Verdict(SHOWN, "harassment", 0.95)
    assert with_abroad(model, SHOWN, 1, IGW) is model  # a flagging verdict stands

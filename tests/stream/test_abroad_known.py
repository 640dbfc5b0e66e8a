"""Audit 25b H3 and M1: a registered business number shown from abroad is rejected when the
roaming list does not have it abroad (the rule comes before the registered-business allow);
a contact on the callee's allow list or a number cleared on appeal shown from abroad is
labelled 境外来电, with a roaming list and without one; the same in the stream's batch, its
online path and /v1/decide's policy."""

from __future__ import annotations

from typing import Any

import pytest

from callwarden.numbers import AllocationRegistry
from callwarden.numbers.abroad import AbroadRule
from callwarden.numbers.ingresses import IngressKinds
from callwarden.numbers.roaming import Roaming
from callwarden.policy import (
    Action,
    Call,
    PatternSet,
    SubscriberPolicy,
    Verdict,
    decide,
    with_abroad,
    with_allocation,
)
from callwarden.policy.decide import Registry
from callwarden.policy.model import Registration
from callwarden.policy.render import tag
from callwarden.stream import ACTIONS, StreamEngine

from .test_audit_fixes import ALICE, T0, table

IGW = "IGW-1"
BANK = "+8695588"
SON = "+8613800000002"
FRIEND = "+8613800000003"  # cleared on appeal
UNALLOCATED_BANK = "+8695599"
KINDS = IngressKinds({IGW: "international"})
REG = AllocationRegistry.from_numbers([BANK, SON, FRIEND, ALICE])
BUSINESSES = Registry.of(
    [Registration(BANK, "ICBC", "bank"), Registration(UNALLOCATED_BANK, "X", "bank")]
)
START = T0.timestamp()
CONTACTS = SubscriberPolicy(ALICE, allow=PatternSet.of([SON]))


def _engine(roaming: Roaming | None, policy: SubscriberPolicy | None = None) -> Any:
    rule = AbroadRule.of(KINDS, REG.scope, roaming)
    return StreamEngine(
        None, allocated=REG, abroad=rule, protected={FRIEND}, registry=BUSINESSES, policy=policy
    )


@pytest.mark.parametrize("roaming", [Roaming.of([]), None], ids=["roaming list", "none"])
def test_known_numbers_from_abroad_are_labelled(roaming: Roaming | None) -> None:
    eng = _engine(roaming, CONTACTS)
    rows = [
        dict(caller=n, callee=ALICE, t=100 + i, ingress=IGW) for i, n in enumerate([SON, FRIEND])
    ]
    calls = eng.encode(table(rows))
    got = [ACTIONS[a].value for a in eng.decide_batch(calls, now=float(calls.ts[0])).action]
    assert got == ["label", "label"]
    for n in (SON, FRIEND):
        d = _engine(roaming, CONTACTS).decide(n, ALICE, IGW, t=START + 100)
        assert (d.action, d.category) == (Action.LABEL, "from_abroad"), (n, d)
        assert d.reasons[0].code == ("personal_allow" if n == SON else "appeal_protected")
        assert "境外来电" in tag("fraud", d.category)[0]
    # the API's path: with_abroad on the stored verdict, then decide
    code = 2 if roaming is not None else 1
    v = with_abroad(Verdict(FRIEND, "benign", 0.0, protected=True), FRIEND, code, IGW)
    assert decide(Call(FRIEND, ALICE, IGW), v).action is Action.LABEL
    v = with_abroad(None, SON, code, IGW)
    assert decide(Call(SON, ALICE, IGW), v, CONTACTS).action is Action.LABEL
    # at home, the contact and the protected number ring as before
    assert _engine(roaming, CONTACTS).decide(SON, ALICE, "MSC-1", t=START).action is Action.ALLOW
    assert _engine(roaming, CONTACTS).decide(FRIEND, ALICE, "MSC-1", t=START).action is Action.ALLOW


def test_a_registered_business_number_from_abroad_is_rejected() -> None:
    eng = _engine(Roaming.of([]))
    calls = eng.encode(table([dict(caller=BANK, callee=ALICE, t=100, ingress=IGW)]))
    assert ACTIONS[eng.decide_batch(calls, now=float(calls.ts[0])).action[0]].value == "reject"
    d = _engine(Roaming.of([])).decide(BANK, ALICE, IGW, t=START + 100)
    assert (d.action, d.sip_code) == (Action.REJECT, 608)
    assert [r.code for r in d.reasons] == ["spoofed_caller", "spoof_international_domestic"]
    v = with_abroad(None, BANK, 2, IGW)
    assert decide(Call(BANK, ALICE, IGW), v, registry=BUSINESSES).action is Action.REJECT
    # at home the bank rings; the unallocated rule keeps its place after the registered allow
    assert _engine(Roaming.of([])).decide(BANK, ALICE, "MSC-1", t=START).action is Action.ALLOW
    v = with_allocation(None, UNALLOCATED_BANK, False)
    assert decide(Call(UNALLOCATED_BANK, ALICE, "MSC-1"), v, registry=BUSINESSES).action is (
        Action.ALLOW
    )


def test_from_abroad_replaces_an_asserted_mismatch_except_on_a_protected_number() -> None:
    """Audit 25b L8: what docs/streaming.md says of ``from_abroad`` and ``ASSERTED_MISMATCH``
    (a documentation fix: this pins the behaviour, it passes on bdd6ac2 too)."""
    from callwarden.policy import with_asserted_identity
    from callwarden.stream import Source

    other = "+8613800000009"
    eng = _engine(None)
    rows = [dict(caller=n, callee=ALICE, t=100 + i, ingress=IGW, asserted=other)
            for i, n in enumerate([SON, FRIEND])]  # fmt: skip
    calls = eng.encode(table(rows))
    d = eng.decide_batch(calls, now=float(calls.ts[0]))
    assert d.source.tolist() == [Source.FROM_ABROAD, Source.ASSERTED_MISMATCH]
    for n, code in ((SON, "from_abroad_domestic_number"), (FRIEND, "spoof_asserted_mismatch")):
        one = _engine(None).decide(n, ALICE, IGW, asserted=other, t=START + 100)
        assert one.action is Action.LABEL and code in [r.code for r in one.reasons], one
        stored = Verdict(n, "benign", 0.0, protected=n == FRIEND)
        v = with_asserted_identity(with_abroad(stored, n, 1, IGW), n, other)
        assert v is not None and code in [r.code for r in v.reasons]


def test_a_registered_business_number_from_abroad_without_a_roaming_list_is_labelled() -> None:
    """Without a roaming list nothing says the business is not abroad, so it is not rejected,
    but it does not ring unmarked either (it was allowed as a registered business)."""
    d = _engine(None).decide(BANK, ALICE, IGW, t=START + 100)
    assert (d.action, d.category) == (Action.LABEL, "from_abroad"), d
    assert d.reasons[0].code == "registered_business"
    eng = _engine(None)
    calls = eng.encode(table([dict(caller=BANK, callee=ALICE, t=100, ingress=IGW)]))
    assert ACTIONS[eng.decide_batch(calls, now=float(calls.ts[0])).action[0]].value == "label"
    v = with_abroad(None, BANK, 1, IGW)
    assert decide(Call(BANK, ALICE, IGW), v, registry=BUSINESSES).action is Action.LABEL
    assert _engine(None).decide(BANK, ALICE, "MSC-1", t=START).action is Action.ALLOW

"""A verdict that carries the hard signal "the displayed number is not allocated" (空号) is
rejected by the HTTP path as the stream engine rejects the call. Before, scan's verdict for such
a number (the model's likelier class at score 0.999, reason UNALLOCATED_CALLER) was only
labelled when that class was harassment (the demo's /v1/decide labelled +862120327160, which
the replay of the same day rejected)."""

from __future__ import annotations

from callwarden.policy import (
    Action,
    Call,
    PatternSet,
    Protection,
    Reason,
    Registration,
    Registry,
    SubscriberPolicy,
    Thresholds,
    Verdict,
    decide,
    reason_text,
)
from callwarden.policy.model import DEFAULT_POLICY, UNALLOCATED_REASON_CODES

SPOOF = "+862120327160"
CALL = Call(SPOOF, "+8613800138000")
BANDS = Thresholds.for_model(0.96786)  # the demo model's bands: reject at 0.996786
RULE = Reason("UNALLOCATED_CALLER", {"unallocated_by_caller_1d": 1, "attempts_by_caller_1d": 59})
MODEL = Reason("LOW_INGRESS_ANSWER_RATE", {"answer_rate_by_ingress_1d": 0.24})


def _verdict(label: str, score: float = 0.999, **kw: object) -> Verdict:
    return Verdict(SPOOF, label, score, "education", (RULE, MODEL), **kw)  # type: ignore[arg-type]


def test_an_unallocated_number_is_rejected_whatever_its_class_and_the_protection() -> None:
    for label in ("harassment", "fraud"):
        for protection in (Protection.STANDARD, Protection.STRICT):
            d = decide(
                CALL,
                _verdict(label),
                SubscriberPolicy("+8613800138000", protection),
                thresholds=BANDS,
            )
            assert (d.action, d.sip_code) == (Action.REJECT, 608), (label, protection)
            assert [r.code for r in d.reasons][:2] == ["spoofed_caller", "UNALLOCATED_CALLER"]
            assert d.logged


def test_the_same_model_verdict_without_the_rule_is_still_labelled() -> None:
    v = Verdict(SPOOF, "harassment", 0.9998, "education", (MODEL,))
    assert decide(CALL, v, DEFAULT_POLICY, thresholds=BANDS).action is Action.LABEL


def test_what_comes_before_the_verdict_still_decides_first() -> None:
    contacts = SubscriberPolicy("+8613800138000", allow=PatternSet.of([SPOOF]))
    assert decide(CALL, _verdict("harassment"), contacts, thresholds=BANDS).action is Action.ALLOW
    off = SubscriberPolicy("+8613800138000", Protection.OFF)
    assert decide(CALL, _verdict("fraud"), off, thresholds=BANDS).action is Action.ALLOW
    business = Registry.of([Registration(SPOOF, "a clinic", "medical")])
    d = decide(CALL, _verdict("fraud"), DEFAULT_POLICY, business, thresholds=BANDS)
    assert d.action is Action.ALLOW
    # cleared on appeal: the operator reviewed who holds the number
    d = decide(CALL, _verdict("harassment", protected=True), DEFAULT_POLICY, thresholds=BANDS)
    assert d.action is Action.ALLOW


def test_the_stream_engines_per_call_verdict_decides_the_same() -> None:
    stream = Verdict(SPOOF, "fraud", 1.0, "spoofed", (Reason("spoof_unallocated"),), source="rule")
    d = decide(CALL, stream, DEFAULT_POLICY, thresholds=BANDS)
    assert (d.action, d.sip_code, d.reasons[0].code) == (Action.REJECT, 608, "spoofed_caller")
    assert {"UNALLOCATED_CALLER", "spoof_unallocated"} == UNALLOCATED_REASON_CODES


def test_the_decision_reason_reads_in_both_languages() -> None:
    zh, en = reason_text(Reason("spoofed_caller", {"score": 0.999}))
    assert "空号" in zh and "spoofed" in en


def test_a_benign_verdict_with_the_unallocated_reason_is_rejected_too() -> None:
    """An operator's import may say benign and still carry the rule's reason (audit)."""
    d = decide(CALL, _verdict("benign", 0.01), DEFAULT_POLICY, thresholds=BANDS)
    assert (d.action, d.sip_code) == (Action.REJECT, 608)


def test_with_allocation_makes_any_verdict_spoofed_but_keeps_an_appeal() -> None:
    from callwarden.policy import with_allocation

    assert with_allocation(None, SPOOF, None) is None  # no registry: nothing changes
    assert with_allocation(None, SPOOF, True) is None  # allocated
    v = with_allocation(None, SPOOF, False)
    assert v is not None and (v.label, v.score, v.category) == ("fraud", 1.0, "spoofed")
    assert decide(CALL, v, DEFAULT_POLICY).sip_code == 608
    cleared = with_allocation(_verdict("benign", 0.0, protected=True), SPOOF, False)
    assert cleared is not None and cleared.protected
    assert decide(CALL, cleared, DEFAULT_POLICY).action is Action.ALLOW

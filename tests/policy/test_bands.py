"""Score bands: derived from a model's flag threshold, validated, and community reports
label whatever the model's bands are (their score is the reputation rule's, not the model's)."""

from __future__ import annotations

import math

import pytest

from callwarden.policy import Action, Call, DecisionCode, Thresholds, Verdict, decide

CALL = Call("+8617012345678", "+8613800138000")


def test_bands_for_a_model_label_at_its_threshold_and_reject_at_a_tenth_of_its_odds() -> None:
    t = Thresholds.for_model(0.98)
    assert t.label_at == 0.98
    # benign odds 10x lower than at the flag threshold: 1 - 0.02 / 10
    assert t.reject_fraud_at == pytest.approx(0.998)
    assert t.reject_harassment_at == pytest.approx(0.998)
    low = Thresholds.for_model(0.2)  # 1 - 0.8 / 10 = 0.92
    assert (low.label_at, low.reject_fraud_at, low.reject_harassment_at) == pytest.approx(
        (0.2, 0.92, 0.92)
    )
    lowest = Thresholds.for_model(0.0)  # never below the default reject bands
    assert (lowest.reject_fraud_at, lowest.reject_harassment_at) == (0.9, 0.9)


@pytest.mark.parametrize("bad", [1.5, -0.1, math.nan, math.inf, True, "0.5"])
def test_bands_outside_0_to_1_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="from 0 to 1"):
        Thresholds(label_at=bad)  # type: ignore[arg-type]
    if not isinstance(bad, str | bool):
        with pytest.raises(ValueError, match="from 0 to 1"):
            Thresholds.for_model(bad)  # type: ignore[arg-type]


def test_a_community_label_holds_under_a_models_high_label_band() -> None:
    """A reports verdict scores 0.5 + the reported share; a model's label band of 0.98 must not
    turn it into 'below threshold' (before the fix it was allowed)."""
    v = Verdict(CALL.caller, "harassment", 0.62, "insurance", source="reports")
    d = decide(CALL, v, thresholds=Thresholds.for_model(0.98))
    assert d.action is Action.LABEL
    assert d.reasons[0].code == DecisionCode.COMMUNITY_REPORTS.value


def test_a_model_verdict_between_the_bands_is_labelled_not_rejected() -> None:
    bands = Thresholds.for_model(0.95)  # reject fraud at 0.995
    v = Verdict(CALL.caller, "fraud", 0.97)
    assert decide(CALL, v, thresholds=bands).action is Action.LABEL
    assert decide(CALL, v).action is Action.REJECT  # the defaults reject at 0.9
    assert decide(CALL, Verdict(CALL.caller, "fraud", 0.996), thresholds=bands).action is (
        Action.REJECT
    )
    below = decide(CALL, Verdict(CALL.caller, "harassment", 0.94), thresholds=bands)
    assert below.action is Action.ALLOW
    assert below.reasons[0].code == DecisionCode.BELOW_THRESHOLD.value


@pytest.mark.parametrize("t", [0.5, 0.98, 0.995, 0.9999, 1.0])
def test_a_hard_rules_verdict_is_rejected_whatever_the_models_threshold(t: float) -> None:
    """scan raises a number a hard rule flags (an unallocated displayed number) to the rule's
    score floor, 0.999; a model flagging at 0.995 would put the odds-based reject band at
    0.9995 and the API would only label it, so the bands are capped at the floor."""
    from callwarden.detect.rules import RuleConfig

    floor = RuleConfig().score_floor
    v = Verdict(CALL.caller, "fraud", floor, "spoofed")
    assert decide(CALL, v, thresholds=Thresholds.for_model(t)).action is Action.REJECT

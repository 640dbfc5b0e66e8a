"""Decision and metric edge cases an audit reproduced: a narrow business registration must
not hide a nationwide one; the score shown beside a decision must not read as the other side
of its threshold; macro-F1 counts a class that is only predicted; an empty population has no
flag rate."""

from __future__ import annotations

import numpy as np

from callwarden.evaluate.metrics import classification_report, flag_rate
from callwarden.policy import Action, Call, Registration, Registry, Verdict, decide
from callwarden.reasons import render

BAD = Verdict("+8640012345678", "fraud", 0.95, "loans")


def test_a_narrow_registration_does_not_hide_a_nationwide_one() -> None:
    reg = Registry.of(
        [
            Registration("+86400*", "Courier nationwide", "courier"),
            Registration("+864001234*", "Courier Beijing", "courier", ("+8610",)),
        ]
    )
    # a Shanghai callee: outside the Beijing scope, inside the nationwide one
    d = decide(Call("+8640012345678", "+8613800138000"), BAD, None, reg)
    assert d.action is Action.ALLOW and d.reasons[0].evidence["name"] == "Courier nationwide"
    d = decide(Call("+8640012345678", "+861012345678"), BAD, None, reg)
    assert d.reasons[0].evidence["name"] == "Courier Beijing"  # the most specific that covers
    exact = Registry.of(
        [Registration("+8640012345678", "Branch", "bank", ("+8610",)),
         Registration("+86400*", "Bank", "bank")]
    )  # fmt: skip
    d = decide(Call("+8640012345678", "+8613800138000"), BAD, None, exact)
    assert d.action is Action.ALLOW and d.reasons[0].evidence["name"] == "Bank"
    assert reg.lookup("+8640012345678").name == "Courier Beijing"  # type: ignore[union-attr]


def test_the_score_shown_stays_on_its_side_of_the_threshold() -> None:
    call = Call("+8617012345678", "+8613800138000")
    d = decide(call, Verdict("+8617012345678", "fraud", 0.89996, "loans"))
    assert d.action is Action.LABEL and d.reasons[0].evidence["score"] == 0.89996
    assert render(d.reasons[0], "en") == "suspected fraud (score 0.89996)"
    d = decide(call, Verdict("+8617012345678", "harassment", 0.49996, "loans"))
    assert d.action is Action.ALLOW and d.reasons[0].evidence["score"] == 0.49996


def test_macro_f1_counts_a_class_that_is_only_predicted() -> None:
    rep = classification_report(
        np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1]), ("benign", "harassment", "fraud")
    )
    assert rep["per_class"]["fraud"]["f1"] == 0.0
    assert abs(rep["macro_f1"] - (2 / 3 + 1.0 + 0.0) / 3) < 1e-12  # sklearn: 0.5556


def test_an_empty_population_has_no_flag_rate() -> None:
    assert flag_rate(np.array([], dtype=bool)) == {"population": 0, "flagged": 0, "rate": None}
    assert flag_rate(np.array([True, False]))["rate"] == 0.5

"""policy.screened_verdict and what decide does with it (pure): the bar labels' screening rule
reads too, what it never overrides, label at standard and reject at strict."""

from __future__ import annotations

from callwarden.detect.feedback_labels import LabelConfig
from callwarden.policy import (
    DEFAULT_SCREENED_BAR,
    REFUSABLE_CATEGORIES,
    Action,
    Call,
    Protection,
    Reason,
    ScreenedBotConfig,
    ScreenedBots,
    SubscriberPolicy,
    Thresholds,
    Verdict,
    decide,
    decision_tag,
    meets_screened_bar,
    reason_text,
    screened_verdict,
    unallocated_caller,
)

N = "+8617000010001"
ALICE = "+8613800138000"


def test_labels_reads_the_one_bar() -> None:
    cfg = LabelConfig()
    assert (cfg.min_screened_bots, cfg.min_screened_bot_share) == (
        DEFAULT_SCREENED_BAR.min_bot_callees,
        DEFAULT_SCREENED_BAR.min_bot_share,
    )
    assert not meets_screened_bar(1, 1) and meets_screened_bar(2, 4)
    assert not meets_screened_bar(2, 5) and meets_screened_bar(2, 0)  # base never below bots


def test_the_bar_and_what_it_never_overrides() -> None:
    two = ScreenedBots(N, 2, 3, "insurance")
    v = screened_verdict(two, None)
    assert v is not None and (v.label, v.category, v.source, v.score) == (
        "harassment", "insurance", "screening", 0.8333,
    )  # fmt: skip
    assert screened_verdict(ScreenedBots(N, 1, 1), None) is None
    assert screened_verdict(ScreenedBots(N, 2, 5), None) is None
    assert screened_verdict(two, None, registered=True) is None
    assert screened_verdict(two, None, cfg=ScreenedBotConfig(live=False)) is None
    cleared = Verdict(N, "benign", 0.0, source="appeal", protected=True)
    assert screened_verdict(two, cleared) is None
    assert screened_verdict(two, v) is None  # labelled already
    assert screened_verdict(two, unallocated_caller(N)) is None
    assert screened_verdict(two, Verdict(N, "fraud", 0.9)) is None
    assert screened_verdict(two, Verdict(N, "harassment", 0.8)) is None
    for weaker in (
        Verdict(N, "fraud", 0.89),  # screened at strict
        Verdict(N, "harassment", 0.79),
        Verdict(N, "benign", 0.1),
        Verdict(N, "harassment", 0.7, source="reports"),  # labels at strict too
    ):
        assert screened_verdict(two, weaker) is not None, weaker
    # the bands in force: a model's higher reject band makes its 0.95 fraud a weaker verdict
    assert screened_verdict(two, Verdict(N, "fraud", 0.95), thresholds=Thresholds(0.9, 0.99, 0.99))
    f = screened_verdict(ScreenedBots(N, 3, 3, "other_fraud"), None)
    assert f is not None and (f.label, f.category) == ("fraud", "")


def test_decide_labels_at_standard_rejects_at_strict() -> None:
    v = screened_verdict(ScreenedBots(N, 2, 3, "insurance"), None)
    assert v is not None
    call = Call(N, ALICE)
    std = decide(call, v, SubscriberPolicy(ALICE), redress_base="https://op/r/")
    assert (std.action, std.sip_code, std.category) == (Action.LABEL, None, "insurance")
    assert std.reasons[0].code == "screened_bot_callees"
    assert std.reasons[0].evidence["bot_callees"] == 2
    assert len(std.reasons) == 1
    strict = decide(
        call, v, SubscriberPolicy(ALICE, Protection.STRICT), redress_base="https://op/r/"
    )
    assert (strict.action, strict.sip_code, strict.logged) == (Action.REJECT, 608, True)
    assert strict.redress_uri == f"https://op/r/{N}"
    refuses = SubscriberPolicy(ALICE, refused_categories=frozenset({"insurance"}))
    r = decide(call, v, refuses)
    assert (r.action, [x.code for x in r.reasons]) == (
        Action.REJECT, ["refused_category", "screened_bot_callees"],
    )  # fmt: skip
    off = decide(call, v, SubscriberPolicy(ALICE, Protection.OFF))
    assert off.action is Action.ALLOW
    zh, en = reason_text(std.reasons[0])
    assert "3 位用户中，有 2 位判定为机器人外呼" in zh and "28" in zh
    assert en.startswith("the screening assistant judged it a bot on calls to 2 of the 3")


HARDNESS = {Action.ALLOW: 0, Action.LABEL: 1, Action.SCREEN: 2, Action.REJECT: 3}


def test_the_label_never_acts_less_hard_nor_drops_a_class_or_category() -> None:
    """For every verdict it may replace, every screener's category and every subscriber
    (standard, strict, each refused category at both): the decision after the label is at
    least as hard as before, and a verdict that acted keeps its class and category (audit
    a1: a refused `loans` rang, a suspected loan fraud was tagged as an estate agent)."""
    call = Call(N, ALICE)
    policies = [SubscriberPolicy(ALICE), SubscriberPolicy(ALICE, Protection.STRICT)] + [
        SubscriberPolicy(ALICE, p, frozenset({c}))
        for p in (Protection.STANDARD, Protection.STRICT)
        for c in REFUSABLE_CATEGORIES
    ]
    currents = [None] + [
        Verdict(N, label, score, category, (Reason("model_flag", {}),), source=source)
        for label in ("fraud", "harassment", "benign")
        for score in (0.3, 0.5, 0.6, 0.7, 0.79, 0.85, 0.89)
        for category in ("", "loans", "insurance", "loan_fraud", "impersonation_police")
        for source in ("model", "reports")
    ]
    checked = 0
    for current in currents:
        for top in ("", "insurance", "loans", "real_estate", "loan_fraud", "other_fraud"):
            after = screened_verdict(ScreenedBots(N, 2, 2, top), current)
            if after is None:
                continue
            if (
                current is not None
                and current.label != "benign"
                and (current.source == "reports" or current.score >= 0.5)
            ):
                assert after.label == current.label, (current, top)
                assert after.category == (current.category or after.category), (current, top)
                assert after.reasons[1:] == current.reasons
            for pol in policies:
                was, now = decide(call, current, pol), decide(call, after, pol)
                assert HARDNESS[now.action] >= HARDNESS[was.action], (current, top, pol)
                checked += 1
    assert checked > 10_000


def test_the_audits_two_cases() -> None:
    """/tmp/a1/downgrade.py: a refused `loans` still gets 608 at standard; a suspected loan
    fraud keeps its tag when the screener's words read as an estate agent's."""
    call = Call(N, ALICE)
    loans = Verdict(N, "harassment", 0.6, "loans", (Reason("model_flag", {}),))
    after = screened_verdict(ScreenedBots(N, 2, 2, ""), loans)
    assert after is not None
    refuses = SubscriberPolicy(ALICE, refused_categories=frozenset({"loans"}))
    d = decide(call, after, refuses)
    assert (d.action, d.sip_code, d.reasons[0].code) == (Action.REJECT, 608, "refused_category")
    fraud = Verdict(N, "fraud", 0.7, "loan_fraud", (Reason("model_flag", {}),))
    after = screened_verdict(ScreenedBots(N, 2, 3, "real_estate"), fraud)
    assert after is not None and (after.label, after.category, after.score) == (
        "fraud", "loan_fraud", 0.8333,
    )  # fmt: skip
    d = decide(call, after, SubscriberPolicy(ALICE))
    assert decision_tag(d, after.label) == ("疑似诈骗（贷款诈骗）", "Suspected fraud (loan fraud)")

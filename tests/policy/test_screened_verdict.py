"""policy.screened_verdict and what decide does with it (pure): the bar labels' screening rule
reads too, what it never overrides, label at standard and reject at strict."""

from __future__ import annotations

from callwarden.detect.feedback_labels import LabelConfig
from callwarden.policy import (
    DEFAULT_SCREENED_BAR,
    Action,
    Call,
    Protection,
    ScreenedBotConfig,
    ScreenedBots,
    SubscriberPolicy,
    Thresholds,
    Verdict,
    decide,
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

"""zh/en text and the weighing of reports."""

from __future__ import annotations

from callwarden.policy import (
    DEFAULT_REPUTATION,
    Reason,
    ReporterHistory,
    Tally,
    Verdict,
    call_info,
    community_verdict,
    reason_text,
    redress_jcard,
    reporter_weight,
    tag,
)


def test_tags_in_both_languages() -> None:
    assert tag("harassment", "insurance") == ("疑似保险推销", "Suspected insurance telemarketing")
    assert tag("harassment", "real_estate") == (
        "疑似房产中介",
        "Suspected real estate telemarketing",
    )
    assert tag("fraud", "") == ("疑似诈骗电话", "Suspected fraud call")
    assert tag("fraud", "impersonation_police")[0] == "疑似诈骗（冒充公检法诈骗）"
    assert tag("harassment", "pet_food") == ("疑似pet_food", "Suspected pet food")


def test_reason_text_formats_evidence_and_names_categories() -> None:
    zh, en = reason_text(Reason("refused_category", {"score": 0.8512, "category": "loans"}))
    assert (
        zh == "您已拒接此类来电：贷款推销" and en == "you refuse this category: loan telemarketing"
    )
    zh, en = reason_text(Reason("fraud_confident", {"score": 0.97}))
    assert "0.97" in zh and en == "very likely fraud (score 0.97)"
    # every detector's codes have words (callwarden.reasons); an unknown one shows its evidence
    assert reason_text(Reason("low_answer_rate", {"answer_rate": 0.11}))[1] == (
        "low answer rate: 0.11"
    )
    assert reason_text(Reason("not_a_known_code", {"answer_rate_by_caller_1d": 0.11}))[1] == (
        "not_a_known_code (answer_rate_by_caller_1d=0.11)"
    )


def test_redress_jcard_and_call_info() -> None:
    card = redress_jcard("某运营商", "https://op.example/redress/+8617012345678")
    assert card[0] == "vcard"
    props = {p[0]: p for p in card[1]}
    assert props["url"][1] == {"type": "redress"} and props["url"][3].endswith("+8617012345678")
    assert call_info("https://x/r") == "<https://x/r>;purpose=jcard"
    assert call_info("") == ""


def test_reporter_weight_grows_with_confirmed_and_collapses_with_refuted() -> None:
    new = reporter_weight(ReporterHistory())
    good = reporter_weight(ReporterHistory(confirmed=10))
    bad = reporter_weight(ReporterHistory(confirmed=1, refuted=3))
    assert new == DEFAULT_REPUTATION.new_reporter_weight
    assert good > 0.9 and bad < new / 2
    assert 0 < bad <= good <= 1


def test_community_verdict_needs_weight_reporters_and_share() -> None:
    n = "+8617012345678"
    assert community_verdict(Tally(n, 10.0, 20, 100, "loans"), None) is not None
    assert community_verdict(Tally(n, 2.0, 20, 10, "loans"), None) is None  # too little weight
    assert community_verdict(Tally(n, 10.0, 2, 10, "loans"), None) is None  # too few reporters
    assert community_verdict(Tally(n, 10.0, 20, 2000, "loans"), None) is None  # tiny share
    flipped = community_verdict(Tally(n, 10.0, 20, 100, "loans"), Verdict(n, "benign", 0.1))
    assert flipped is not None and flipped.source == "reports" and flipped.category == "loans"
    assert flipped.reasons[0].evidence["reporters"] == 20


def test_community_never_overrides_protection_or_the_model() -> None:
    n = "+8617012345678"
    t = Tally(n, 50.0, 60, 100)
    assert community_verdict(t, Verdict(n, "benign", 0.0, protected=True)) is None
    assert community_verdict(t, Verdict(n, "fraud", 0.9)) is None


def test_ten_new_reporters_reach_the_weight_they_add_up_to() -> None:
    """Ten reports of 0.3 sum to 2.9999999999999996 in floating point: that is the 3.0 the
    rule asks for (audit: the tenth new reporter did not label the number, the eleventh did)."""
    n = "+8613047289323"
    weighted = sum([DEFAULT_REPUTATION.new_reporter_weight] * 10)
    assert weighted < DEFAULT_REPUTATION.min_weighted_reports  # the rounding itself
    assert community_verdict(Tally(n, weighted, 10, 10), None) is not None
    assert community_verdict(Tally(n, weighted - 0.3, 9, 9), None) is None


def test_a_community_label_names_the_reports_once() -> None:
    from callwarden.policy import Call, decide

    n = "+8617012345678"
    v = community_verdict(Tally(n, 10.0, 20, 100, "loans"), None)
    assert v is not None
    d = decide(Call(n, "+8613800138000"), v)
    codes = [r.code for r in d.reasons]
    assert codes.count("community_reports") == 1, codes
    assert {"score", "reporters", "recipients", "weighted_reports"} <= set(d.reasons[0].evidence)

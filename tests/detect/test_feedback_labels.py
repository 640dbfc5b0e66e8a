"""Training labels from the store's feedback (``detect.feedback_labels``): each rule, and
their precedence (docs/detection.md, "Labels from the store")."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from callwarden.detect.feedback_labels import (
    FRAUD_CATEGORIES,
    CampaignReports,
    Feedback,
    LabelConfig,
    NumberReports,
    StoredVerdict,
    TrainingLabel,
    label_counts,
    top_category,
    training_labels,
)
from callwarden.policy import REPORTABLE_CATEGORIES, Registration, Registry, Tally, Verdict
from callwarden.policy.reputation import DEFAULT_REPUTATION, community_verdict

A, B, C, D, E = (f"+861700000000{i}" for i in range(1, 6))


def _one(fb: Feedback, number: str, cfg: LabelConfig = LabelConfig()) -> TrainingLabel | None:
    return {t.number: t for t in training_labels(fb, cfg)}.get(number)


def _reports(n: int, w: float = 1.0, recipients: int = 40, **cats: float) -> NumberReports:
    """``n`` reporters of weight ``w`` each (1.0: trusted; 0.3: new)."""
    return NumberReports(reporters=n, weighted=w * n, recipients=recipients, categories=cats)


def test_fraud_kinds_are_the_categories_whose_tag_says_fraud() -> None:
    assert {"impersonation_police", "investment_fraud", "loan_fraud"} <= FRAUD_CATEGORIES
    assert not {"insurance", "loans", "spoofed", "courier"} & FRAUD_CATEGORIES
    assert FRAUD_CATEGORIES.issubset(REPORTABLE_CATEGORIES)
    assert top_category({"b": 1.0, "a": 1.0, "c": 0.5}) == "a"  # ties by name, as tally
    # a tie between a fraud kind and another: the milder, as the campaign verdicts
    assert top_category({"investment_fraud": 0.6, "loans": 0.6}) == "loans"
    assert top_category({"investment_fraud": 0.7, "loans": 0.6}) == "investment_fraud"


def test_own_reports_at_the_community_bar_label_the_number() -> None:
    fb = Feedback(
        reports={A: _reports(3, insurance=3.0), B: _reports(3, loan_fraud=2.0, loans=1.0)}
    )
    a, b = _one(fb, A), _one(fb, B)
    assert a == TrainingLabel(
        A, "harassment", "reports", "insurance",
        {"reporters": 3, "weighted": 3.0, "recipients": 40, "top_category": "insurance"},
    )  # fmt: skip
    assert b is not None and (b.label, b.category) == ("fraud", "loan_fraud")
    assert _one(fb, A, LabelConfig(min_reporters=4)).label == "unknown"  # type: ignore[union-attr]
    # ten new reporters at 0.3 add up to 2.9999999999999996: the bar, as live
    ten = _one(Feedback(reports={A: _reports(10, 0.3, insurance=3.0)}), A)
    assert ten is not None and ten.label == "harassment"
    # --min-reporters 2 lowers the distinct-reporter bar only, not the weight
    two = Feedback(reports={A: _reports(2, 1.5), B: _reports(2, 0.3)})
    assert _one(two, A, LabelConfig(min_reporters=2)).label == "harassment"  # type: ignore[union-attr]
    assert _one(two, B, LabelConfig(min_reporters=2)).label == "unknown"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "reports",
    [
        _reports(2, 0.3, 400),  # audit: two colluding new accounts against a courier
        _reports(2, 1.0),  # two trusted reporters: one reporter short of the bar
        _reports(9, 0.3),  # 2.7 weighted: short of 3.0
        _reports(20, 0.01),  # reporters with refuted history, at their weight
        _reports(10, 0.3, 61),  # 3.0 weighted over 61 recipients: share under 0.05
    ],
)
def test_own_reports_below_the_community_bar_are_unknown(reports: NumberReports) -> None:
    t = _one(Feedback(reports={A: reports}), A)
    assert t is not None and (t.label, t.source) == ("unknown", "reports_below_threshold")


def test_the_labels_bar_is_the_live_community_bar() -> None:
    """One definition: over a grid of tallies, a number's own reports label it exactly when
    the live community would have labelled it."""
    for reporters in (1, 2, 3, 5, 12):
        for w in (0.01, 0.3, 0.5, 1.0):
            for recipients in (0, 3, 40, 60, 61, 100, 2000):
                weighted = w * reporters
                live = community_verdict(
                    Tally(A, weighted, reporters, recipients), None, DEFAULT_REPUTATION
                )
                t = _one(Feedback(reports={A: NumberReports(reporters, weighted, recipients)}), A)
                assert t is not None
                assert (t.label != "unknown") == isinstance(live, Verdict), (
                    reporters, w, recipients
                )  # fmt: skip


def test_a_category_callwarden_cannot_name_is_dropped() -> None:
    fb = Feedback(reports={A: _reports(3, **{"my own words": 1.0})})
    assert (_one(fb, A).label, _one(fb, A).category) == ("harassment", "")  # type: ignore[union-attr]


def test_one_reporter_is_unknown() -> None:
    t = _one(Feedback(reports={A: _reports(1, insurance=0.3)}), A)
    assert t is not None and (t.label, t.source) == ("unknown", "reports_below_threshold")
    assert t.evidence["reporters"] == 1


def test_a_community_label_counts_in_its_window_and_is_unknown_before_it() -> None:
    v = StoredVerdict("harassment", 0.6, "reports", category="insurance", updated_at=100.0)
    inside = Feedback(verdicts={A: v}, since=50.0, until=150.0)
    t = _one(inside, A)
    assert t is not None and (t.label, t.source, t.category) == (
        "harassment",
        "reports",
        "insurance",
    )
    assert t.evidence["community_label"] == 1
    before = Feedback(verdicts={A: v}, since=120.0)
    t = _one(before, A)
    assert t is not None and (t.label, t.source) == ("unknown", "reports_before_window")
    # set after the window: the window's own reports are judged, the label is not theirs
    assert _one(Feedback(verdicts={A: v}, until=90.0), A) is None
    after = Feedback(reports={A: _reports(1)}, verdicts={A: v}, since=0.0, until=90.0)
    assert _one(after, A).source == "reports_below_threshold"  # type: ignore[union-attr]


def test_people_cleared_it_beats_its_reports() -> None:
    cleared = StoredVerdict("benign", 0.0, "appeal", protected=True, category="insurance")
    reg = Registry.of(
        [Registration(B, "Courier", "courier"), Registration("+86170000001*", "X", "bank")]
    )
    fb = Feedback(
        reports={A: _reports(5, insurance=1.5), B: _reports(4, insurance=1.2),
                 "+8617000000199": _reports(4, insurance=1.2)},
        verdicts={A: cleared}, registry=reg,
    )  # fmt: skip
    a, b, p = _one(fb, A), _one(fb, B), _one(fb, "+8617000000199")
    assert a == TrainingLabel(A, "benign", "appeal", "", {"reporters": 5})
    assert b == TrainingLabel(B, "benign", "registered", "courier", {"reporters": 4})
    # a registered prefix vouches for a block, not this line: neither bad nor benign
    assert p is not None and (p.label, p.source) == ("unknown", "registered_prefix")
    # an exact registration is listed even without a report; a prefix is no row
    assert _one(Feedback(registry=reg), B) is not None
    assert [t.number for t in training_labels(Feedback(registry=reg))] == [B]


def _campaign(**over: object) -> Feedback:
    members = {
        A: StoredVerdict("benign", 0.0, "model", campaign="c1"),  # not scored (0.0)
        B: StoredVerdict("benign", 0.0, "model", campaign="c1"),
        C: StoredVerdict("benign", 0.03, "model", campaign="c1"),  # scored clearly benign
        D: StoredVerdict("harassment", 0.97, "model", campaign="c1"),
        E: StoredVerdict("benign", 0.4, "model", campaign="c1"),
    }
    args: dict[str, object] = {
        "reports": {A: _reports(1, impersonation_police=0.3), B: _reports(1, insurance=0.3),
                    D: _reports(1, impersonation_police=0.3)},
        "campaigns": {"c1": CampaignReports(
            10, 3, 3.0, {"impersonation_police": 2.0, "insurance": 1.0}, recipients=150
        )},
        "verdicts": members,
    }  # fmt: skip
    args.update(over)
    return Feedback(**args)  # type: ignore[arg-type]


def test_a_campaigns_reports_label_its_members() -> None:
    rows = {t.number: t for t in training_labels(_campaign())}
    for n in (A, B, D, E):  # one report each or none: the campaign collects them
        assert (rows[n].label, rows[n].source, rows[n].category) == (
            "fraud", "campaign_reports", "impersonation_police"
        )  # fmt: skip
    assert rows[E].evidence == {
        "campaign": "c1", "members": 5, "reported_members": 3, "reporters": 10, "reports": 10,
        "weighted": 3.0, "recipients": 150, "top_category": "impersonation_police",
    }  # fmt: skip
    assert rows[A].evidence["own_reporters"] == 1
    # a member the detectors scored clearly benign on its own calls is spared
    assert (rows[C].label, rows[C].source, rows[C].evidence["own_score"]) == (
        "unknown", "campaign_reports", 0.03
    )  # fmt: skip


def test_a_busy_member_the_reports_never_touched_is_unknown() -> None:
    """The school on a robocall trunk: no report of its own where the other members' rate (10
    reports over 150 - 50 recipients) predicts 50 x 10 / 100 = 5, at least 3."""
    rows = {t.number: t for t in training_labels(_campaign(recipients={E: 50, A: 20}))}
    assert (rows[E].label, rows[E].source, rows[E].evidence["member_recipients"]) == (
        "unknown", "campaign_reports", 50
    )  # fmt: skip
    assert rows[E].evidence["member_expected_reports"] == 5.0
    assert rows[A].label == "fraud"  # one report on 20 recipients: the campaign's rate
    rows = {t.number: t for t in training_labels(_campaign(recipients={E: 34}))}  # 2.93
    assert rows[E].label == "fraud"


def test_a_busy_member_does_not_dilute_the_rate_it_is_tested_against() -> None:
    """Re-audit B: four robocall numbers x 250 recipients drew 10 reports; a school with 400
    recipients and none. Pooled with the school the rate predicted 400 x 10 / 1,400 = 2.86
    (labelled); at the others' rate it is 400 x 10 / 1,000 = 4 (fails on fb46ad3)."""
    camp = CampaignReports(10, 3, 3.0, {"impersonation_police": 3.0}, recipients=1400)
    rows = {
        t.number: t for t in training_labels(_campaign(campaigns={"c1": camp}, recipients={E: 400}))
    }
    assert (rows[E].label, rows[E].evidence["member_expected_reports"]) == ("unknown", 4.0)


def test_one_report_of_its_own_does_not_skip_the_busy_member_test() -> None:
    """Re-audit A: one report (a parent's, a mistaken one) skipped the test. Now a member is
    set aside when a member reported at the others' rate would draw that few with Poisson
    probability at most e^-3. Its own report leaves the others' 9 over 150 - called: one
    where 60 x 9 / 90 = 6 are expected (P 0.017) is too few, where 40 x 9 / 110 = 3.3 are
    (P 0.16) it is not (fails on fb46ad3)."""
    one = {A: _reports(1, impersonation_police=0.3), E: _reports(1, impersonation_police=0.3)}
    for called, label in ((60, "unknown"), (40, "fraud")):
        fb = _campaign(reports=one, recipients={E: called})
        assert {t.number: t for t in training_labels(fb)}[E].label == label, called


def test_one_categorised_report_does_not_decide_a_campaigns_label() -> None:
    """Re-audit D: 3.0 weighted reports, 0.3 of them naming a fraud kind (the rest SIP 607,
    no category): harassment without a category, not fraud (fails on fb46ad3)."""
    camp = CampaignReports(10, 3, 3.0, {"investment_fraud": 0.3}, recipients=150)
    rows = {t.number: t for t in training_labels(_campaign(campaigns={"c1": camp}))}
    assert (rows[B].label, rows[B].category) == ("harassment", "")


def test_a_robocall_member_the_campaigns_rate_cannot_reach_takes_its_label() -> None:
    """60 recipients on a campaign drawing 10 reports over 1,000 recipients: 0.6 expected,
    no report is what a member of it usually draws (c2684f1 set it aside at 50 recipients)."""
    wide = CampaignReports(10, 3, 3.0, {"impersonation_police": 3.0}, recipients=1000)
    fb = _campaign(campaigns={"c1": wide}, recipients={E: 60})
    rows = {t.number: t for t in training_labels(fb)}
    assert (rows[E].label, rows[E].source) == ("fraud", "campaign_reports")
    assert "member_recipients" not in rows[E].evidence
    # reports, not reporters: 40 reports (reporters reporting several members) over the
    # same recipients predict 2.4 for 60 recipients and 4.0 for 100
    many = replace(wide, reports=40)
    for called, label in ((60, "fraud"), (100, "unknown")):
        fb = _campaign(campaigns={"c1": many}, recipients={E: called})
        assert {t.number: t for t in training_labels(fb)}[E].label == label


@pytest.mark.parametrize(
    "campaign",
    [
        CampaignReports(2, 2, 6.0, recipients=10),  # too few reporters
        CampaignReports(10, 1, 3.0, recipients=10),  # one member
        CampaignReports(3, 3, 0.9, recipients=10),  # audit: 3 new accounts, 0.9 weighted
        CampaignReports(9, 3, 2.7, recipients=10),  # under the community's 3.0
        CampaignReports(10, 3, 3.0, recipients=1501),  # 3.0 / 1501 under 0.002 per recipient
    ],
)
def test_a_campaign_below_the_bar_labels_nobody(campaign: CampaignReports) -> None:
    rows = {t.number: t for t in training_labels(_campaign(campaigns={"c1": campaign}))}
    assert (rows[A].label, rows[A].source) == ("unknown", "reports_below_threshold")
    assert (rows[D].label, rows[D].source) == ("unknown", "reports_below_threshold")
    assert E not in rows and C not in rows  # benign, no report: not listed


def test_registration_beats_the_campaign_and_own_reports_beat_it() -> None:
    fb = _campaign(
        registry=Registry.of([Registration(A, "Bank", "bank")]),
        reports={A: _reports(1), B: _reports(3, insurance=3.0), D: _reports(1)},
    )
    rows = {t.number: t for t in training_labels(fb)}
    assert (rows[A].label, rows[A].source) == ("benign", "registered")
    assert (rows[B].label, rows[B].source) == ("harassment", "reports")


def test_detector_verdicts_only_with_the_flag() -> None:
    fb = Feedback(
        verdicts={
            A: StoredVerdict("fraud", 0.97, "model", category="loan_fraud"),
            B: StoredVerdict("fraud", 1.0, "rule", category="spoofed"),
            C: StoredVerdict("benign", 0.2, "model"),
        }
    )
    off = training_labels(fb)
    assert [(t.number, t.label, t.source, t.category) for t in off] == [
        (A, "unknown", "model", ""), (B, "unknown", "rule", "")
    ]  # fmt: skip
    on = training_labels(fb, LabelConfig(with_detector_verdicts=True))
    assert [(t.number, t.label, t.source, t.category) for t in on] == [
        (A, "fraud", "model", "loan_fraud"), (B, "fraud", "rule", "spoofed")
    ]  # fmt: skip
    assert label_counts(on) == {("fraud", "model"): 1, ("fraud", "rule"): 1}


def test_rows_are_sorted_and_evidence_is_stable_json() -> None:
    fb = Feedback(reports={B: _reports(3), A: _reports(3)})
    rows = training_labels(fb)
    assert [t.number for t in rows] == [A, B]
    number, label, source, category, evidence = rows[0].row()
    assert json.loads(evidence) == dict(rows[0].evidence)
    assert evidence == json.dumps(json.loads(evidence), sort_keys=True, separators=(",", ":"))

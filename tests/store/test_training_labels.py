"""The store's feedback read for training labels (``store.training_labels.read_feedback``),
on SQLite and PostgreSQL: reports, appeals, registrations and campaigns as the API writes
them, over a window, decided by ``detect.feedback_labels``."""

from __future__ import annotations

from callwarden.detect.feedback_labels import LabelConfig, TrainingLabel, training_labels
from callwarden.policy import Registration, Verdict
from callwarden.store import Store
from callwarden.store.training_labels import read_feedback

from .conftest import Clock

DAY = 86400.0
SUBS = [f"+8613800{i:06d}" for i in range(24)]
LONE, PAIR, CLEARED, BANK, M1, M2, M3, M4, FLAGGED, N1 = (f"+861700000{i:04d}" for i in range(10))
SHOP = "+8617100000001"  # a line of a registered prefix, in campaign c2


def _labels(
    store: Store, since: float | None = None, until: float | None = None, **cfg: object
) -> dict[str, TrainingLabel]:
    fb = read_feedback(store.engine, since, until)
    return {t.number: t for t in training_labels(fb, LabelConfig(**cfg))}  # type: ignore[arg-type]


def _world(store: Store, clock: Clock) -> None:
    store.import_verdicts(
        [
            Verdict(CLEARED, "fraud", 0.97, "loan_fraud"),
            Verdict(M1, "benign", 0.0, "", (), "c1"),
            Verdict(M2, "benign", 0.0, "", (), "c1"),
            Verdict(M3, "benign", 0.02, "", (), "c1"),
            Verdict(M4, "benign", 0.3, "", (), "c1"),
            Verdict(BANK, "benign", 0.0, "", (), "c1"),
            Verdict(FLAGGED, "harassment", 0.96, "insurance"),
            Verdict(N1, "benign", 0.0, "", (), "c2"),
            Verdict(SHOP, "benign", 0.3, "", (), "c2"),
        ]
    )
    store.put_registration(Registration(BANK, "Bank call-back", "bank"), "op")
    store.put_registration(Registration("+861710000*", "Shop", "retail"), "op")
    numbers = [LONE, PAIR, CLEARED, BANK, M1, M2, M3, FLAGGED, N1, SHOP]
    store.record_calls([(s, n, clock() - 60) for s in SUBS for n in numbers])
    # M4, unreported: 5 of c1's 24 recipients, which drew 10 reports: 2.1 expected, under 3
    store.record_calls([(s, M4, clock() - 60) for s in SUBS[:5]])
    store.add_report(SUBS[0], LONE, "insurance", "app", "t")
    for i, s in enumerate(SUBS[:10]):  # ten new reporters: 3.0 weighted, the live bar
        store.add_report(s, PAIR, "investment_fraud" if i < 6 else "", "app", "t")
    # c1 (before CLEARED refutes SUBS[:3]): ten reporters over M1, M2 (3.0 pooled); BANK's
    # report is a registered business's
    for i, s in enumerate(SUBS[:10]):
        store.add_report(
            s, M1 if i < 5 else M2, "impersonation_police" if i < 6 else "", "app", "t"
        )
    store.add_report(SUBS[10], BANK, "impersonation_police", "app", "t")
    for s in SUBS[:3]:
        store.add_report(s, CLEARED, "loan_fraud", "app", "t")
    aid = store.create_appeal(CLEARED, "Owner", "", "my shop", "owner")
    store.review_appeal(aid, True, "op", "checked")
    # c2: nine new reporters on N1 (2.7) and two on SHOP, a registered prefix's line: not
    # pooled (with them, 3.3 from 11 reporters would label N1)
    for s in SUBS[12:21]:
        store.add_report(s, N1, "insurance", "app", "t")
    for s in SUBS[21:23]:
        store.add_report(s, SHOP, "insurance", "app", "t")


def test_each_rule_from_what_the_api_wrote(store: Store, clock: Clock) -> None:
    _world(store, clock)
    got = _labels(store)
    said = {n: (t.label, t.source, t.category) for n, t in got.items()}
    assert said == {
        LONE: ("unknown", "reports_below_threshold", ""),
        PAIR: ("fraud", "reports", "investment_fraud"),  # the weighted top category
        CLEARED: ("benign", "appeal", ""),  # an accepted appeal beats three reports
        BANK: ("benign", "registered", "bank"),  # a registration beats its campaign
        M1: ("fraud", "campaign_reports", "impersonation_police"),
        M2: ("fraud", "campaign_reports", "impersonation_police"),
        M3: ("unknown", "campaign_reports", ""),  # scored 0.02 on its own calls
        M4: ("fraud", "campaign_reports", "impersonation_police"),
        FLAGGED: ("unknown", "model", ""),  # the detectors alone: not taught either way
        N1: ("unknown", "reports_below_threshold", ""),  # c2 short of 3.0 without SHOP's
        SHOP: ("unknown", "registered_prefix", ""),
    }
    assert got[PAIR].evidence == {
        "reporters": 10, "weighted": 3.0, "recipients": len(SUBS),
        "top_category": "investment_fraud", "community_label": 1,
    }  # fmt: skip
    # c1's reports: M1, M2 (ten); not BANK's, a registered business's (cleared)
    ev = got[M4].evidence
    keys = ("members", "reported_members", "reporters", "reports", "recipients")
    assert {k: ev[k] for k in keys} == {
        "members": 5, "reported_members": 2, "reporters": 10, "reports": 10,
        "recipients": len(SUBS),
    }  # fmt: skip
    # M4 calling all 24 with no report of its own: 24 x 10 / 24 = 10 expected, set aside
    store.record_calls([(s, M4, clock() - 60) for s in SUBS[5:]])
    m4 = _labels(store)[M4]
    assert (m4.label, m4.evidence["member_expected_reports"]) == ("unknown", 10.0)
    flagged = _labels(store, with_detector_verdicts=True)[FLAGGED]
    assert (flagged.label, flagged.source, flagged.category) == ("harassment", "model", "insurance")


def test_the_window_counts_reports_by_when_they_were_made(store: Store, clock: Clock) -> None:
    store.record_calls([(s, PAIR, clock() - 60) for s in SUBS])
    t0 = clock()
    store.add_report(SUBS[0], PAIR, "insurance", "app", "t")
    clock.t += 2 * DAY
    store.add_report(SUBS[1], PAIR, "insurance", "app", "t")
    assert _labels(store, min_reporters=2)[PAIR].evidence["reporters"] == 2
    assert _labels(store, since=t0 + DAY)[PAIR].evidence["reporters"] == 1
    assert _labels(store, until=t0 + DAY)[PAIR].evidence["reporters"] == 1
    assert _labels(store, since=clock() + 1) == {}


def test_recipients_count_calls_up_to_the_report_window_before_since(
    store: Store, clock: Clock
) -> None:
    """A report in the window rests on a call up to 7 days before it: those callees are the
    number's recipients too (the share of recipients, as live)."""
    store.record_calls([(s, PAIR, clock() - 60) for s in SUBS])
    t0 = clock()
    clock.t += 3 * DAY
    for s in SUBS[:10]:
        store.add_report(s, PAIR, "insurance", "app", "t")
    got = _labels(store, since=t0 + 2 * DAY)[PAIR]
    assert (got.label, got.evidence["recipients"]) == ("harassment", len(SUBS))
    # calls that ended more than the report window before since are not counted
    fb = read_feedback(store.engine, t0 + 2 * DAY, None, report_window_days=1)
    assert fb.reports[PAIR].recipients == 0


def test_a_campaign_bar_counts_its_members_recipients_pooled(store: Store, clock: Clock) -> None:
    """Pooled weight per distinct recipient of the members: 3.0 over 1,501 is under 0.002."""
    many = [f"+8613900{i:06d}" for i in range(1491)]
    store.import_verdicts(
        [Verdict(M1, "benign", 0.0, "", (), "c1"), Verdict(M2, "benign", 0.0, "", (), "c1")]
    )
    store.record_calls([(s, n, clock() - 60) for s in SUBS[:10] for n in (M1, M2)])
    for i, s in enumerate(SUBS[:10]):
        store.add_report(s, M1 if i < 5 else M2, "insurance", "app", "t")
    assert _labels(store)[M1].source == "campaign_reports"
    store.record_calls([(s, M2, clock() - 60) for s in many[:1490]])  # 1,500 recipients
    assert _labels(store)[M1].source == "campaign_reports"
    store.record_calls([(many[1490], M1, clock() - 60)])  # 1,501
    assert _labels(store)[M1].source == "reports_below_threshold"


def test_a_community_label_before_the_window_is_unknown(store: Store, clock: Clock) -> None:
    store.record_calls([(s, LONE, clock() - 60) for s in SUBS])
    for s in SUBS[:10]:  # ten new reporters at 0.3: weighted 3.0, the community's bar
        store.add_report(s, LONE, "insurance", "app", "t")
    v = store.get_verdict(LONE)
    assert v is not None and v.source == "reports"
    flipped_at = clock()
    clock.t += 3 * DAY
    assert (_labels(store)[LONE].label, _labels(store)[LONE].source) == ("harassment", "reports")
    later = _labels(store, since=flipped_at + DAY)[LONE]
    assert (later.label, later.source) == ("unknown", "reports_before_window")

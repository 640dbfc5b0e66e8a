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
SUBS = [f"+8613800{i:06d}" for i in range(12)]
LONE, PAIR, CLEARED, BANK, M1, M2, M3, M4, FLAGGED = (f"+861700000{i:04d}" for i in range(9))


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
        ]
    )
    store.put_registration(Registration(BANK, "Bank call-back", "bank"), "op")
    numbers = [LONE, PAIR, CLEARED, BANK, M1, M2, M3, M4, FLAGGED]
    store.record_calls([(s, n, clock() - 60) for s in SUBS for n in numbers])
    store.add_report(SUBS[0], LONE, "insurance", "app", "t")
    store.add_report(SUBS[0], PAIR, "investment_fraud", "app", "t")
    store.add_report(SUBS[1], PAIR, "", "sip607", "t")
    for s in SUBS[:3]:
        store.add_report(s, CLEARED, "loan_fraud", "app", "t")
    aid = store.create_appeal(CLEARED, "Owner", "", "my shop", "owner")
    store.review_appeal(aid, True, "op", "checked")
    store.add_report(SUBS[3], M1, "impersonation_police", "app", "t")
    store.add_report(SUBS[4], M2, "impersonation_police", "app", "t")
    store.add_report(SUBS[5], M2, "insurance", "app", "t")
    store.add_report(SUBS[6], BANK, "impersonation_police", "app", "t")


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
        M2: ("harassment", "reports", "insurance"),  # a tie: the milder
        M3: ("unknown", "campaign_reports", ""),  # scored 0.02 on its own calls
        M4: ("fraud", "campaign_reports", "impersonation_police"),
        FLAGGED: ("unknown", "model", ""),  # the detectors alone: not taught either way
    }
    assert got[PAIR].evidence == {
        "reporters": 2, "weighted": 0.6, "recipients": len(SUBS), "top_category": "investment_fraud"
    }  # fmt: skip
    # c1's reports: M1, M2 (two); not BANK's, a registered business's (cleared)
    assert {k: got[M4].evidence[k] for k in ("members", "reported_members", "reporters")} == {
        "members": 5, "reported_members": 2, "reporters": 3
    }  # fmt: skip
    flagged = _labels(store, with_detector_verdicts=True)[FLAGGED]
    assert (flagged.label, flagged.source, flagged.category) == ("harassment", "model", "insurance")


def test_the_window_counts_reports_by_when_they_were_made(store: Store, clock: Clock) -> None:
    store.record_calls([(s, PAIR, clock() - 60) for s in SUBS])
    t0 = clock()
    store.add_report(SUBS[0], PAIR, "insurance", "app", "t")
    clock.t += 2 * DAY
    store.add_report(SUBS[1], PAIR, "insurance", "app", "t")
    assert _labels(store)[PAIR].label == "harassment"
    assert _labels(store, since=t0 + DAY)[PAIR].source == "reports_below_threshold"
    assert _labels(store, until=t0 + DAY)[PAIR].evidence["reporters"] == 1
    assert _labels(store, since=clock() + 1) == {}


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

"""Which verdict wins when model verdicts are imported over numbers people have decided on
(SQLite and PostgreSQL): an accepted appeal is kept whole unless an operator overrides; a
community label is not undone by a benign model row; everything else is replaced."""

from __future__ import annotations

from callwarden.policy import Reason, Verdict
from callwarden.store import Store

N = "+8617012345600"


def _model(number: str, label: str = "fraud", score: float = 0.95) -> Verdict:
    return Verdict(number, label, score, "impersonation", (Reason("low_answer_rate", {}),), "c1")


def _cleared_on_appeal(store: Store) -> Verdict:
    store.import_verdicts([_model(N)])
    appeal = store.create_appeal(N, "shop", "", "", "op")
    cleared = store.review_appeal(appeal, True, "op", "")
    assert cleared is not None
    return cleared


def test_an_import_keeps_the_whole_verdict_of_an_accepted_appeal(store: Store) -> None:
    cleared = _cleared_on_appeal(store)
    store.import_verdicts([_model(N), _model("+8617012345601")])
    kept = store.get_verdict(N)
    assert kept == cleared
    assert (kept.label, kept.source, kept.protected) == ("benign", "appeal", True)
    assert [r.code for r in kept.reasons] == ["appeal_accepted"]
    other = store.get_verdict("+8617012345601")
    assert other is not None and other.label == "fraud"
    held = store.audit_trail(N, 10)
    assert held[0]["action"] == "model_verdict_held"
    assert held[0]["detail"]["label"] == "fraud" and held[0]["detail"]["kept"] == "appeal"
    assert store.load_verdicts()[N] == cleared
    assert [c["campaign"] for c in store.list_campaigns()] == ["c1"]  # the other member only
    assert store.get_campaign("c1")["numbers"] == 1


def test_an_operator_override_replaces_an_appeal(store: Store) -> None:
    _cleared_on_appeal(store)
    store.import_verdicts([_model(N, score=0.97)], override_appeals=True)
    now = store.get_verdict(N)
    assert now is not None
    assert (now.label, now.score, now.source, now.protected) == ("fraud", 0.97, "model", False)


def test_a_community_label_is_not_undone_by_a_benign_model_row(store: Store) -> None:
    reasons = (Reason("community_reports", {}),)
    community = Verdict(N, "harassment", 0.8, "loans", reasons, source="reports")
    with store.engine.begin() as conn:
        store.put_verdict(conn, community)
    store.import_verdicts([_model(N, label="benign", score=0.1)])
    kept = store.get_verdict(N)
    assert kept is not None and (kept.label, kept.source) == ("harassment", "reports")
    assert store.audit_trail(N, 10)[0]["detail"]["kept"] == "reports"
    store.import_verdicts([_model(N, label="fraud", score=0.9)])  # the model's own label wins
    now = store.get_verdict(N)
    assert now is not None and (now.label, now.source, now.score) == ("fraud", "model", 0.9)


def test_model_verdicts_replace_model_verdicts(store: Store) -> None:
    store.import_verdicts([_model(N)])
    store.import_verdicts([_model(N, label="benign", score=0.2)])
    now = store.get_verdict(N)
    assert now is not None and (now.label, now.score, now.protected) == ("benign", 0.2, False)
    assert store.audit_trail(N, 10) == []  # nothing held back

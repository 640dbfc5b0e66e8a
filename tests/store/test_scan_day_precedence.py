"""An import of an older scan day does not replace verdicts a later day's import wrote (SQLite
and PostgreSQL): the rows are held back, counted and audited, unless the operator asks; a
rescan of the same day, an import without a day and verdicts set by people are unaffected."""

from __future__ import annotations

from callwarden.policy import Reason, Verdict
from callwarden.store import Store
from callwarden.store.verdict_import import Provenance, scan_day_of

N = "+8615580588750"
M = "+8615580588751"


def _v(number: str, label: str, score: float) -> Verdict:
    return Verdict(number, label, score, "loans", (Reason("LOW_ANSWER_RATE", {}),), "")


def _day(day: str) -> Provenance:
    return Provenance(f"scan-{day[-2:]}/verdicts.csv", "m1", day)


def test_an_older_day_is_held_back_counted_and_audited(store: Store) -> None:
    store.import_verdicts(
        [_v(N, "harassment", 0.9986), _v(M, "fraud", 0.95)], provenance=_day("2026-11-03")
    )
    store.import_verdicts([_v(N, "benign", 0.079)], provenance=_day("2026-11-05"))
    again = store.import_verdicts_result(
        [_v(N, "harassment", 0.9986), _v(M, "fraud", 0.96)], provenance=_day("2026-11-03")
    )
    kept = store.get_verdict(N)
    assert kept is not None and (kept.label, kept.score) == ("benign", 0.079)
    assert store.verdict_provenance(N)["scan_day"] == "2026-11-05"  # type: ignore[index]
    moved = store.get_verdict(M)  # its verdict in force is of 11-03 itself: a rescan replaces
    assert moved is not None and moved.score == 0.96
    assert (again.rows, again.held, again.held_newer_scan) == (2, 1, 1)
    assert again.newer_scan_day == "2026-11-05"
    assert [v.number for v in again.written] == [M]
    entry = store.audit_trail(N, 10)[0]
    assert entry["action"] == "model_verdict_held"
    assert entry["detail"]["kept"] == "model"
    assert entry["detail"]["scan_day"] == "2026-11-03"
    assert entry["detail"]["kept_scan_day"] == "2026-11-05"
    imp = store.audit_trail("verdicts", 1)[0]["detail"]
    assert (imp["held"], imp["held_newer_scan"], imp["override_newer_scans"]) == (1, 1, False)
    # the same mistake again (a restart with the same --verdicts) adds no audit entry
    store.import_verdicts([_v(N, "harassment", 0.9986)], provenance=_day("2026-11-03"))
    assert len([e for e in store.audit_trail(N, 10) if e["action"] == "model_verdict_held"]) == 1


def test_the_operator_can_import_an_older_day_on_purpose(store: Store) -> None:
    store.import_verdicts([_v(N, "benign", 0.079)], provenance=_day("2026-11-05"))
    result = store.import_verdicts_result(
        [_v(N, "harassment", 0.9986)], provenance=_day("2026-11-03"), override_newer_scans=True
    )
    now = store.get_verdict(N)
    assert now is not None and (now.label, result.held, result.held_newer_scan) == (
        "harassment",
        0,
        0,
    )
    assert store.audit_trail("verdicts", 1)[0]["detail"]["override_newer_scans"] is True


def test_same_day_later_day_and_undated_imports_replace(store: Store) -> None:
    store.import_verdicts([_v(N, "harassment", 0.9)], provenance=_day("2026-11-04"))
    store.import_verdicts([_v(N, "harassment", 0.8)], provenance=_day("2026-11-04"))
    assert store.get_verdict(N).score == 0.8  # type: ignore[union-attr]
    store.import_verdicts([_v(N, "benign", 0.1)], provenance=_day("2026-11-05"))
    assert store.get_verdict(N).label == "benign"  # type: ignore[union-attr]
    store.import_verdicts([_v(N, "fraud", 0.99)], provenance=Provenance("api", "m1", ""))
    assert store.get_verdict(N).label == "fraud"  # type: ignore[union-attr]
    # the verdict in force now has no day: nothing to compare an older day with
    store.import_verdicts([_v(N, "harassment", 0.7)], provenance=_day("2026-11-01"))
    assert store.get_verdict(N).label == "harassment"  # type: ignore[union-attr]


def test_people_s_verdicts_follow_their_own_rules(store: Store) -> None:
    store.import_verdicts([_v(N, "fraud", 0.95)], provenance=_day("2026-11-05"))
    appeal = store.create_appeal(N, "shop", "", "", "op")
    assert store.review_appeal(appeal, True, "op", "") is not None
    # an older day with override_appeals: the appeal rule decides, not the day
    store.import_verdicts(
        [_v(N, "fraud", 0.9)], provenance=_day("2026-11-03"), override_appeals=True
    )
    now = store.get_verdict(N)
    assert now is not None and (now.label, now.protected) == ("fraud", False)


def test_a_day_is_compared_only_when_written_yyyy_mm_dd() -> None:
    assert scan_day_of("2026-11-05") == "2026-11-05"
    assert scan_day_of("") == scan_day_of("20261105") == scan_day_of("2026-13-01") == ""
    assert scan_day_of("2026-11-05..2026-11-06") == ""

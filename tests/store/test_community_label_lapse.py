"""A community label lapses once its reports no longer meet the bar over the live 28 days
(store/reports.py ``lapse_community_labels``), on SQLite and PostgreSQL: reports aged out, or
the number called many more people since; the verdict it replaced (a benign model verdict,
with its import) comes back, or the row goes; audited with today's tally; a label whose
reports still meet the bar stands; a dry run writes nothing."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from callwarden.policy import Verdict
from callwarden.store import Store
from callwarden.store.schema import audit_log
from callwarden.store.verdict_import import Provenance

from .conftest import Clock, index_condition, reported, sqlite_plan

DAY = 86400.0
SPAM = "+8617000030001"
REPORTERS = [f"+8613900{i:06d}" for i in range(10)]


def _labelled(store: Store, clock: Clock) -> Verdict:
    """Ten new reporters (0.3 each: 3.0 weighted) who received a call report SPAM."""
    reported(store, SPAM, clock() - 60, REPORTERS)
    v = store.get_verdict(SPAM)
    assert v is not None and (v.source, v.label) == ("reports", "harassment")
    return v


def test_a_label_whose_reports_aged_out_lapses(store: Store, clock: Clock) -> None:
    label = _labelled(store, clock)
    clock.t += 27 * DAY  # the reports still count
    assert store.lapse_community_labels() == []
    clock.t += 1 * DAY + 1  # 28 days and a second: out of the tally
    (lapsed,) = store.lapse_community_labels()
    assert (lapsed.label, lapsed.restored) == (label, None)
    assert store.get_verdict(SPAM) is None
    entry = store.audit_trail(SPAM, 1)[0]
    assert (entry["actor"], entry["action"]) == ("serve", "community_label_lapsed")
    assert entry["detail"] == {
        "weighted_reports": 0.0, "reporters": 0, "recipients": 0, "window_days": 28,
        "labelled_at": lapsed.labelled_at, "label": "harassment", "category": "loans",
        "score": label.score, "verdict_after": None,
    }  # fmt: skip
    assert store.lapse_community_labels() == []


def test_the_benign_verdict_it_replaced_comes_back_with_its_import(
    store: Store, clock: Clock
) -> None:
    model = Verdict(SPAM, "benign", 0.12)
    store.import_verdicts_result(
        [model], provenance=Provenance("scan/verdicts.csv", "m1", "2027-01-14", "Asia/Shanghai")
    )
    provenance = store.verdict_provenance(SPAM)
    _labelled(store, clock)
    clock.t += 29 * DAY
    (lapsed,) = store.lapse_community_labels(actor="cli:prune")
    assert lapsed.restored == model
    assert store.get_verdict(SPAM) == model
    assert store.verdict_provenance(SPAM) == provenance


def test_a_number_calling_many_more_people_outgrows_its_reports(store: Store, clock: Clock) -> None:
    """3.0 weighted reports need 60 recipients or fewer (5 %): at 100 the label lapses."""
    _labelled(store, clock)
    store.record_calls([(f"+8613700{i:06d}", SPAM, clock() - 30) for i in range(50)])
    assert store.lapse_community_labels() == []  # 60 recipients: 5 %
    store.record_calls([(f"+8613600{i:06d}", SPAM, clock() - 30) for i in range(40)])
    (lapsed,) = store.lapse_community_labels()
    assert lapsed.evidence["recipients"] == 100
    assert store.get_verdict(SPAM) is None


def test_a_dry_run_lists_and_writes_nothing(store: Store, clock: Clock) -> None:
    label = _labelled(store, clock)
    clock.t += 29 * DAY
    assert len(store.lapse_community_labels(apply=False)) == 1
    assert store.get_verdict(SPAM) == label


def test_an_entry_from_before_the_verdict_was_recorded_drops_the_row(
    store: Store, clock: Clock
) -> None:
    """Community labels given before 2 Dec recorded no verdict before them: they replaced
    none or a benign one, which acts as none; the row goes and the next import writes it."""
    store.import_verdicts([Verdict(SPAM, "benign", 0.12)])
    _labelled(store, clock)
    a = audit_log.c
    with store.engine.begin() as conn:  # the entry as the old code wrote it
        row = conn.execute(
            sa.select(a.id, a.detail).where(a.target == SPAM, a.action == "community_label")
        ).one()
        detail = json.loads(row.detail)
        del detail["verdict_before"]
        conn.execute(audit_log.update().where(a.id == row.id).values(detail=json.dumps(detail)))
    clock.t += 29 * DAY
    (lapsed,) = store.lapse_community_labels()
    assert lapsed.restored is None and store.get_verdict(SPAM) is None


def test_the_sweeps_read_walks_only_the_community_labels(store: Store) -> None:
    """The index of revision 0015, its stored condition checked (alembic's comparison does
    not read it), and on SQLite the plan of the sweep's own statement."""
    definition = index_condition(store, "ix_verdicts_community_labels")
    assert re.search(r"WHERE \(?\(?source\)?(::text)? = 'reports'", definition), definition
    if store.dialect != "sqlite":
        return
    plan = sqlite_plan(store, store.lapse_community_labels, "verdicts")
    assert any("ix_verdicts_community_labels" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_the_batch_tally_agrees_with_the_labels_own(store: Store, clock: Clock) -> None:
    """The sweep finds candidates by two GROUP BY reads over all labels; each must agree with
    ``tally``, the function a label is given on (reports in and out of the window, weights
    other than a new reporter's, recipients on both sides of 5 %)."""
    numbers = [f"+86170000400{i:02d}" for i in range(8)]
    for i, n in enumerate(numbers):
        reporters = [f"+8613{i:01d}00{k:06d}" for k in range(10 + i)]
        reported(store, n, clock() - 60, reporters)
        # reporters with history weigh more; some numbers call more people
        store.record_calls([(f"+8613{i:01d}10{k:06d}", n, clock() - 30) for k in range(12 * i)])
        clock.t += 2 * DAY  # so the numbers' reports age out one after the other
    clock.t += 14 * DAY
    with store.read() as conn:
        own = {n for n in numbers if store._community_lapse(conn, n) is not None}
        batch = store._under_the_bar(conn, numbers)
    assert batch == own
    assert 0 < len(own) < len(numbers)  # (both sides of the bar are exercised)

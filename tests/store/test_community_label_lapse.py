"""A community label lapses once its reports no longer meet the bar over the live 28 days
(store/reports.py ``lapse_community_labels``), on SQLite and PostgreSQL: reports aged out, or
the number called many more people since; the verdict it replaced (a benign model verdict,
with its import) comes back, or the row goes; audited with today's tally; a label whose
reports still meet the bar stands; a dry run writes nothing."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import sqlalchemy as sa

from callwarden.policy import DEFAULT_REPUTATION, Verdict
from callwarden.store import Store, label_lapse
from callwarden.store import reports as reports_module
from callwarden.store.schema import audit_log, reports
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


def _reports(store: Store, number: str, weights: list[float], at: list[float]) -> None:
    """Reports on ``number`` written as they are stored, one a weight (a reporter's weight
    comes from their history: the whole range (0, 1] is written here directly)."""
    rows = [
        {"reporter": f"+8613500{i:06d}", "number": number, "category": "loans", "source": "app",
         "weight": w, "created_at": t}
        for i, (w, t) in enumerate(zip(weights, at, strict=True))
    ]  # fmt: skip
    if rows:
        with store.engine.begin() as conn:
            conn.execute(reports.insert(), rows)


def _recipients(store: Store, number: str, at: list[float], tag: int = 0) -> None:
    store.record_calls([(f"+86134{tag:02d}{i:06d}", number, t) for i, t in enumerate(at)])


def _batch_and_own(store: Store, numbers: list[str]) -> tuple[set[str], set[str]]:
    with store.read() as conn:
        own = {n for n in numbers if store._community_lapse(conn, n) is not None}
        return store._under_the_bar(conn, numbers), own


def test_the_batch_tally_agrees_with_the_labels_own(store: Store, clock: Clock) -> None:
    """The sweep finds candidates by two GROUP BY reads over all labels; each must agree with
    ``tally``, the function a label is given on, and with the bar: weights other than a new
    reporter's (0.1, 0.5, 1.0), a report and a recipient exactly at the window's edge (both
    count), recipients before it (they do not), a number under the bar only by its share of
    recipients (5 %). The numbers under the bar are not all first (a read of the first few
    numbers of a chunk only would pass otherwise)."""
    now = clock()
    edge = now - 28 * DAY  # the window's first instant: still in it
    inside = now - DAY
    cases = {
        # number: (weights, their times, recipients' last calls, under the bar)
        "+8617000040000": ([1.0, 1.0, 0.5, 0.5], [inside] * 4, [inside] * 10, False),
        "+8617000040001": ([0.1] * 10, [inside] * 10, [inside] * 10, True),  # 1.0 weighted
        "+8617000040002": ([1.0] * 3, [inside, inside, edge], [inside] * 10, False),
        "+8617000040003": ([1.0] * 3, [edge - 1, inside, inside], [inside] * 10, True),
        "+8617000040004": ([1.0] * 3, [inside] * 3, [inside] * 61, True),  # 3/61 < 5 %
        "+8617000040005": ([1.0] * 3, [inside] * 3, [inside] * 60 + [edge], True),
        "+8617000040006": ([1.0] * 3, [inside] * 3, [inside] * 60 + [edge - 1], False),
        "+8617000040007": ([1.0] * 3, [inside] * 3, [inside] * 10 + [edge - 1] * 100, False),
        "+8617000040008": ([0.3] * 10, [edge - 1] * 10, [inside] * 10, True),  # aged out
        "+8617000040009": ([], [], [inside] * 10, True),  # no reports at all
    }
    for tag, (n, (weights, at, calls, _)) in enumerate(cases.items()):
        _reports(store, n, weights, at)
        _recipients(store, n, calls, tag)
    numbers = list(cases)
    batch, own = _batch_and_own(store, numbers)
    assert own == {n for n, case in cases.items() if case[3]}
    assert batch == own


def test_the_batch_tally_reads_the_reporters_bar(store: Store, clock: Clock) -> None:
    """With weights up to 1.0 the default bars (3.0 weighted, 3 reporters) cannot differ on
    the reporters; a config asking for 5 reporters can: 4 reports of 1.0 no longer label."""
    store.reputation = replace(DEFAULT_REPUTATION, min_distinct_reporters=5)
    inside = clock() - DAY
    four, five = "+8617000041000", "+8617000041001"
    for tag, (n, k) in enumerate(((four, 4), (five, 5))):
        _reports(store, n, [1.0] * k, [inside] * k)
        _recipients(store, n, [inside] * 10, tag)
    batch, own = _batch_and_own(store, [four, five])
    assert batch == own == {four}


def test_a_sweep_past_one_chunk_lapses_every_label_due(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve labels, tallied 4 at a time and lapsed 4 to a transaction: the six under the bar
    (every other number, the last of each chunk among them) lapse, the six others stand."""
    monkeypatch.setattr(reports_module, "TALLY_CHUNK", 4)
    monkeypatch.setattr(label_lapse, "LAPSE_CHUNK", 4)
    numbers = [f"+86170000420{i:02d}" for i in range(12)]
    for n in numbers:
        reported(store, n, clock() - 60, REPORTERS)
    due = numbers[1::2]
    for tag, n in enumerate(due):  # 70 recipients: 3.0 weighted is under 5 % of them
        _recipients(store, n, [clock() - 30] * 60, tag)
    lapsed = store.lapse_community_labels()
    assert [x.number for x in lapsed] == due
    assert [n for n in numbers if store.get_verdict(n) is not None] == numbers[0::2]
    assert store.lapse_community_labels() == []

"""A screener's live label lapses (store/screened_label.py ``lapse_screened_labels``,
policy ``verdict_after_lapse``), on SQLite and PostgreSQL: a label given before the cutoff
gives way to the verdict it replaced, exactly as it was (its import too), or the number's row
goes when it replaced none; audited; a label an appeal or an import replaced meanwhile is
left alone; a dry run writes nothing; two sweeps at once lapse a label once."""

from __future__ import annotations

import json
import re
import threading

import sqlalchemy as sa

from callwarden.policy import Reason, Thresholds, Verdict, verdict_after_lapse
from callwarden.store import Store
from callwarden.store.schema import audit_log
from callwarden.store.verdict_import import Provenance

from .conftest import Clock, index_condition, record_screened, sqlite_plan

DAY = 86400.0
SUBS = [f"+8613800{i:06d}" for i in range(8)]
BOT = "+8617000010001"


def _label(store: Store, clock: Clock) -> Verdict:
    """Two callees hear BOT judged a bot at the store's clock: the screener labels it."""
    for k in range(2):
        record_screened(store, k, BOT, SUBS[k], "bot", clock() - 60, "loans")
    v = store.get_verdict(BOT)
    assert v is not None and v.source == "screening"
    return v


def _actions(store: Store) -> list[str]:
    return [a["action"] for a in reversed(store.audit_trail(BOT))]


def test_a_label_that_replaced_nothing_goes_when_due_not_before(store: Store, clock: Clock) -> None:
    label = _label(store, clock)
    given = clock()
    assert store.lapse_screened_labels(given) == []  # given at the cutoff: not before it
    clock.t += 28 * DAY
    (lapsed,) = store.lapse_screened_labels(clock() - 28 * DAY + 1)
    assert (lapsed.number, lapsed.labelled_at, lapsed.label, lapsed.restored) == (
        BOT, given, label, None,
    )  # fmt: skip
    assert store.get_verdict(BOT) is None
    entry = store.audit_trail(BOT, 1)[0]
    assert (entry["actor"], entry["action"]) == ("serve", "screened_label_lapsed")
    assert entry["detail"] == {
        "labelled_at": given, "label": "harassment", "category": "loans",
        "score": label.score, "verdict_after": None,
    }  # fmt: skip
    assert store.lapse_screened_labels(clock()) == []  # nothing left to lapse


def test_the_verdict_it_merged_over_comes_back_whole(store: Store, clock: Clock) -> None:
    """A suspected verdict from a scan (class, category, reasons, campaign, its import): the
    label kept them and added its reason; the lapse puts that verdict back as it was, its
    provenance (the scan day rule 3 compares) included."""
    model = Verdict(BOT, "harassment", 0.6, "estate", (Reason("answer_rate", {"v": 0.1}),), "c1")
    store.import_verdicts_result(
        [model], provenance=Provenance("scan/verdicts.csv", "m1", "2027-01-14", "Asia/Shanghai")
    )
    provenance = store.verdict_provenance(BOT)
    assert provenance is not None
    label = _label(store, clock)
    assert (label.label, label.category, label.campaign) == ("harassment", "estate", "c1")
    assert [r.code for r in label.reasons] == ["screened_bot_callees", "answer_rate"]
    assert store.verdict_provenance(BOT) is None  # the label is no import's
    clock.t += 29 * DAY
    (lapsed,) = store.lapse_screened_labels(clock() - 28 * DAY, actor="cli:prune")
    assert lapsed.restored == model
    assert store.get_verdict(BOT) == model
    assert store.verdict_provenance(BOT) == provenance
    campaign = {c["campaign"]: c for c in store.list_campaigns()}["c1"]
    assert campaign["numbers"] == 1
    detail = store.audit_trail(BOT, 1)[0]["detail"]
    assert detail["verdict_after"] == {
        "label": "harassment", "score": 0.6, "source": "model", "category": "estate",
    }  # fmt: skip


def test_an_appeal_or_an_import_since_the_label_stands(store: Store, clock: Clock) -> None:
    _label(store, clock)
    aid = store.create_appeal(BOT, "Owner", "", "my shop", "owner")
    assert store.review_appeal(aid, True, "op", "checked") is not None
    other = "+8617000010002"
    for k in range(2):
        record_screened(store, 10 + k, other, SUBS[k], "bot", clock() - 60, "loans")
    assert store.get_verdict(other).source == "screening"  # type: ignore[union-attr]
    store.import_verdicts([Verdict(other, "fraud", 0.97, "loans")])  # no scan day: replaces it
    clock.t += 60 * DAY
    assert store.lapse_screened_labels(clock()) == []
    v = store.get_verdict(BOT)
    assert v is not None and (v.source, v.protected) == ("appeal", True)
    assert store.get_verdict(other) == Verdict(other, "fraud", 0.97, "loans")


def test_a_dry_run_lists_and_writes_nothing(store: Store, clock: Clock) -> None:
    label = _label(store, clock)
    clock.t += 30 * DAY
    (lapsed,) = store.lapse_screened_labels(clock(), apply=False)
    assert lapsed.restored is None
    assert store.get_verdict(BOT) == label
    assert _actions(store)[-1] == "screened_label"


def test_labelled_again_in_a_fresh_month_then_lapsing_again(store: Store, clock: Clock) -> None:
    """After the lapse the old screenings are out of the 28-day count: one more bot callee does
    not label it; two fresh ones do, and that label's own entry says what it replaced."""
    _label(store, clock)
    clock.t += 28 * DAY + 1
    assert len(store.lapse_screened_labels(clock() - 28 * DAY)) == 1
    record_screened(store, 2, BOT, SUBS[2], "bot", clock() - 60, "loans")
    assert store.get_verdict(BOT) is None
    record_screened(store, 3, BOT, SUBS[3], "bot", clock() - 60, "loans")
    again = store.get_verdict(BOT)
    assert again is not None and again.reasons[0].evidence["bot_callees"] == 2
    entry = store.audit_trail(BOT, 1)[0]
    assert (entry["action"], entry["detail"]["call_id"]) == ("screened_label", f"{BOT}-3")
    assert entry["detail"]["verdict_before"] is None
    clock.t += 28 * DAY + 1
    assert len(store.lapse_screened_labels(clock() - 28 * DAY)) == 1
    assert store.get_verdict(BOT) is None
    assert _actions(store) == [
        "screened_label", "screened_label_lapsed", "screened_label", "screened_label_lapsed",
    ]  # fmt: skip


def test_an_entry_from_before_the_whole_verdict_was_recorded(store: Store, clock: Clock) -> None:
    """Labels given before 2 Dec recorded the replaced verdict's label, score and source only:
    a merged label loses its own reason and keeps the rest; the source and score come back."""
    model = Verdict(BOT, "harassment", 0.6, "estate", (Reason("answer_rate", {"v": 0.1}),), "c1")
    store.import_verdicts([model])
    _label(store, clock)
    a = audit_log.c
    with store.engine.begin() as conn:  # the entry as the old code wrote it
        row = conn.execute(
            sa.select(a.id, a.detail).where(a.target == BOT, a.action == "screened_label")
        ).one()
        detail = json.loads(row.detail)
        detail["verdict_before"] = {"label": "harassment", "score": 0.6, "source": "model"}
        conn.execute(audit_log.update().where(a.id == row.id).values(detail=json.dumps(detail)))
    clock.t += 29 * DAY
    (lapsed,) = store.lapse_screened_labels(clock() - 28 * DAY)
    assert lapsed.restored == model
    assert store.get_verdict(BOT) == model


def test_two_sweeps_at_once_lapse_a_label_once(store: Store, clock: Clock) -> None:
    """Two serve workers look at the same moment: one lapses each label, one entry each."""
    numbers = [f"+86170000200{i:02d}" for i in range(6)]
    suspected = [Verdict(n, "harassment", 0.6) for n in numbers[::2]]  # put back, not deleted
    store.import_verdicts(suspected)
    for n, number in enumerate(numbers):
        for k in range(2):
            record_screened(store, 100 * n + k, number, SUBS[k], "bot", clock() - 60, "loans")
    clock.t += 29 * DAY
    start = threading.Barrier(4)
    got: list[int] = []

    def sweep() -> None:
        start.wait()
        got.append(len(store.lapse_screened_labels(clock() - 28 * DAY)))

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(got) == len(numbers)
    back = {v.number: v for v in suspected}
    for number in numbers:
        assert store.get_verdict(number) == back.get(number)
        lapses = [e for e in store.audit_trail(number) if e["action"] == "screened_label_lapsed"]
        assert len(lapses) == 1


def test_verdict_after_lapse_is_the_recorded_verdict() -> None:
    label = Verdict(
        BOT, "fraud", 0.9, "loans", (Reason("screened_bot_callees", {}),), "", "screening"
    )
    assert verdict_after_lapse(label, None) is None
    before = {
        "label": "benign", "score": 0.1, "source": "model", "category": "", "campaign": "",
        "reasons": [], "import_id": 3,
    }  # fmt: skip
    assert verdict_after_lapse(label, before) == Verdict(BOT, "benign", 0.1)
    # an old entry whose verdict the label replaced (another class): it comes back bare
    old = {"label": "benign", "score": 0.1, "source": "model"}
    assert verdict_after_lapse(label, old) == Verdict(BOT, "benign", 0.1)


def test_the_sweeps_read_walks_only_the_labels(store: Store) -> None:
    """Each serve worker looks every minute: the labels are read by the partial index of
    revision 0014 (its stored condition checked, which alembic's comparison does not read),
    on SQLite by the plan of the statement itself."""
    definition = index_condition(store, "ix_verdicts_screening_labels")
    assert re.search(r"WHERE \(?\(?source\)?(::text)? = 'screening'", definition), definition
    if store.dialect != "sqlite":
        return
    plan = sqlite_plan(store, lambda: store.lapse_screened_labels(1e12), "verdicts")
    assert any("ix_verdicts_screening_labels" in step for step in plan), plan


def test_an_old_entry_tells_a_merge_by_whether_the_replaced_verdict_acted() -> None:
    """Audit 30a L4: a harassment verdict below the label band did nothing, so the label
    replaced it (its own class and the screener's category); it comes back bare, not with
    the screener's category. One at the band acted: the label merged and kept it."""
    label = Verdict(
        BOT, "harassment", 0.9, "loans",
        (Reason("screened_bot_callees", {}), Reason("answer_rate", {})), "", "screening",
    )  # fmt: skip
    quiet = {"label": "harassment", "score": 0.3, "source": "model"}
    assert verdict_after_lapse(label, quiet) == Verdict(BOT, "harassment", 0.3)
    acting = {"label": "harassment", "score": 0.6, "source": "model"}
    assert verdict_after_lapse(label, acting) == Verdict(
        BOT, "harassment", 0.6, "loans", (Reason("answer_rate", {}),)
    )
    bands = Thresholds(label_at=0.7)  # the bands in force decide what acted
    assert verdict_after_lapse(label, acting, bands) == Verdict(BOT, "harassment", 0.6)

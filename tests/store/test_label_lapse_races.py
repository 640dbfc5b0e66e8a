"""Live labels' lapse against what else writes the store (audit 30a), on SQLite and
PostgreSQL: a stale sweep never lapses a label given since it read; each chunk is heard once
committed, so a failure later in the sweep leaves no lapsed label acting in a cache; the
process's waiting writers go first before each chunk; a report given while a community lapse
runs keeps the label; on PostgreSQL a lapse waits for a verdict import to end; a screener's
label that gave back a community label has it tallied at once (prune)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

import callwarden.store.label_lapse as label_lapse
from callwarden.cli.main import app as cli
from callwarden.store import Store
from callwarden.store.db import import_lock
from callwarden.store.schema import verdicts

from .conftest import Clock, record_screened, reported

DAY = 86400.0
SUBS = [f"+8613800{i:06d}" for i in range(8)]
BOT = "+8617000010001"
SPAM = "+8617000030001"
REPORTERS = [f"+8613900{i:06d}" for i in range(11)]

WAITING_ON_A_LOCK = sa.text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def _label(store: Store, clock: Clock, caller: str = BOT, first: int = 0) -> None:
    for k in range(2):
        record_screened(store, first + k, caller, SUBS[k], "bot", clock() - 60, "loans")
    assert store.get_verdict(caller).source == "screening"  # type: ignore[union-attr]


def _wait_for_a_lock_wait(url: str) -> None:
    """Until a session of this database waits on a lock (a bound on a hang, not a timing)."""
    watch = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with watch.connect() as c:
                if c.execute(WAITING_ON_A_LOCK).scalar_one():
                    return
            time.sleep(0.05)
        raise AssertionError("nothing waited on a lock within 60 s")
    finally:
        watch.dispose()


def test_a_stale_sweep_never_lapses_a_label_given_since(store: Store, clock: Clock) -> None:
    """A sweep read label 1; meanwhile another lapsed it and the screener labelled the number
    again: the first sweep's write finds another label's time and leaves it."""
    _label(store, clock)
    clock.t += 29 * DAY
    with store.read() as conn:
        stale = conn.execute(sa.select(verdicts).where(verdicts.c.number == BOT)).all()
    assert len(store.lapse_screened_labels(clock() - 28 * DAY)) == 1
    _label(store, clock, first=10)
    again = store.get_verdict(BOT)
    done = store._lapse_labels(
        stale, label_action="screened_label", lapse_action="screened_label_lapsed",
        apply=True, actor="stale",
    )  # fmt: skip
    assert done == []
    assert store.get_verdict(BOT) == again


def test_each_chunk_is_heard_once_committed_and_a_later_failure_keeps_them(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [f"+86170000500{i:02d}" for i in range(label_lapse.LAPSE_CHUNK // 50 + 3)]
    monkeypatch.setattr(label_lapse, "LAPSE_CHUNK", 2)
    for n, number in enumerate(numbers):
        _label(store, clock, number, first=10 * n)
    clock.t += 29 * DAY
    heard: list[list[str]] = []
    real = store._put_back
    calls = [0]

    def failing(*args: Any, **kwargs: Any) -> bool:
        calls[0] += 1
        if calls[0] == 5:  # the third chunk's first label
            raise sa.exc.OperationalError("stmt", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "_put_back", failing)
    with pytest.raises(sa.exc.OperationalError):
        store.lapse_screened_labels(
            clock() - 28 * DAY, on_lapsed=lambda done: heard.append([x.number for x in done])
        )
    assert heard == [numbers[0:2], numbers[2:4]]  # what committed was heard
    assert [store.get_verdict(n) for n in numbers[:4]] == [None] * 4
    assert all(store.get_verdict(n) is not None for n in numbers[4:])


def test_waiting_writers_go_first_and_a_stopping_sweep_ends_between_chunks(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = [f"+86170000600{i:02d}" for i in range(5)]
    for n, number in enumerate(numbers):
        _label(store, clock, number, first=10 * n)
    clock.t += 29 * DAY
    monkeypatch.setattr(label_lapse, "LAPSE_CHUNK", 2)
    events: list[str] = []
    monkeypatch.setattr(label_lapse, "yield_to_writers", lambda engine: events.append("yield"))

    def began(conn: Any) -> None:
        events.append("begin")

    sa.event.listen(store.engine, "begin", began)
    chunks = iter([True, True, False])
    done = store.lapse_screened_labels(clock() - 28 * DAY, keep_going=lambda: next(chunks))
    assert [x.number for x in done] == numbers[:4]  # two chunks, then it stopped
    # the waiting writers go first before each chunk's transaction begins, not inside it,
    # where they could not (audit 30b L3: a yield inside passed the first version of this)
    assert events.count("yield") == 2
    assert all(events[i + 1] == "begin" for i, e in enumerate(events) if e == "yield"), events
    del events[:]
    assert store.lapse_screened_labels(clock() - 28 * DAY, apply=False)[0].number == numbers[4]
    assert "yield" not in events  # a dry run writes nothing and lets nobody first
    sa.event.remove(store.engine, "begin", began)


def test_a_report_given_while_a_community_lapse_runs_keeps_the_label(
    store: Store, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """The label's first report ages out (2.7 weighted: due); an eleventh report's transaction
    is open (its label read, not committed) when the sweep runs. On PostgreSQL the sweep waits
    for the number's lock, then tallies 3.0 and leaves the label (before the fix it lapsed
    it, and the number met the bar with no label); SQLite's BEGIN IMMEDIATE orders them."""
    t0 = clock()
    store.record_calls([(REPORTERS[0], SPAM, t0 - 60)])
    store.add_report(REPORTERS[0], SPAM, "loans", "app", "t")
    clock.t = t0 + 2 * DAY
    store.record_calls([(r, SPAM, clock() - 60) for r in REPORTERS[1:10]])
    for r in REPORTERS[1:10]:
        store.add_report(r, SPAM, "loans", "app", "t")
    assert store.get_verdict(SPAM).source == "reports"  # type: ignore[union-attr]
    clock.t = t0 + 28 * DAY + 1  # the first report is out: 9 x 0.3 = 2.7, due
    store.record_calls([(REPORTERS[10], SPAM, clock() - 60)])
    paused, go = threading.Event(), threading.Event()
    reporter: list[threading.Thread] = []
    audit = store.audit

    def hooked(conn: Any, actor: str, action: str, target: str, detail: Any) -> None:
        if action == "report" and threading.current_thread() in reporter:
            paused.set()
            assert go.wait(60)
        audit(conn, actor, action, target, detail)

    store.audit = hooked  # type: ignore[method-assign]
    a = threading.Thread(target=store.add_report, args=(REPORTERS[10], SPAM, "loans", "app", "t"))
    reporter.append(a)
    a.start()
    try:
        assert paused.wait(60)
        b = threading.Thread(target=store.lapse_community_labels)
        b.start()
        if store.dialect == "postgresql":
            _wait_for_a_lock_wait(request.getfixturevalue("pg_database"))
    finally:
        go.set()
        a.join(60)
    b.join(60)
    store.audit = audit  # type: ignore[method-assign]
    v = store.get_verdict(SPAM)
    assert v is not None and v.source == "reports"
    actions = [e["action"] for e in store.audit_trail(SPAM, 5)]
    assert "community_label_lapsed" not in actions


@pytest.mark.service
def test_a_lapse_waits_for_a_verdict_import_to_end(pg_database: str) -> None:
    """PostgreSQL: a lapse chunk takes the import's lock as a transaction lock, so it never
    writes the rows and campaigns an import is writing (a campaign's count was left wrong,
    and the two could deadlock: audit 30a L2, L3)."""
    clock = Clock()
    store = Store.open(pg_database, clock=clock)
    try:
        _label(store, clock)
        clock.t += 29 * DAY
        done: list[int] = []
        with import_lock(store.engine):  # an import in progress (in another thread or worker)
            t = threading.Thread(
                target=lambda: done.append(len(store.lapse_screened_labels(clock() - 28 * DAY)))
            )
            t.start()
            _wait_for_a_lock_wait(pg_database)
            assert done == [] and store.get_verdict(BOT).source == "screening"  # type: ignore[union-attr]
        t.join(60)
        assert done == [1] and store.get_verdict(BOT) is None
    finally:
        store.close()


def test_prune_tallies_a_community_label_a_screeners_label_gave_back(tmp_path: Path) -> None:
    """A screener's label merged over a community label; 29 days later both are stale: the
    lapse gives the community label back, and prune tallies it at once (audit 30a L1)."""
    db = tmp_path / "store.db"
    now = time.time()
    s = Store.open(str(db), clock=lambda: now - 30 * DAY)
    try:
        reported(s, SPAM, now - 30 * DAY - 60, REPORTERS[:10])
        s.clock = lambda: now - 29 * DAY
        for k in range(2):
            record_screened(s, k, SPAM, SUBS[k], "bot", now - 29 * DAY - 60, "loans")
        assert s.get_verdict(SPAM).source == "screening"  # type: ignore[union-attr]
    finally:
        s.close()
    out = CliRunner().invoke(
        cli, ["prune", "--db", str(db), "--screened-labels-days", "28", "--apply"]
    )
    assert out.exit_code == 0, out.output
    assert f"{SPAM}  harassment -> harassment (reports)" in out.output
    assert "community labels        1 lapsed" in out.output
    s = Store.open(str(db))
    try:
        assert s.get_verdict(SPAM) is None
    finally:
        s.close()


def test_a_given_back_community_label_is_tallied_with_its_chunk(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """serve's sweep: each screener label that merged over a community label gives it back,
    and that label is tallied as soon as its chunk commits, so a later chunk that fails does
    not leave it labelling on stale reports (audit 30b L2: it was tallied after the sweep)."""
    from callwarden.api import ApiSettings, create_app

    spams = ["+8617000030001", "+8617000030002"]
    for n, spam in enumerate(spams):
        reporters = [f"+861390{n}{i:05d}" for i in range(10)]
        reported(store, spam, clock() - 60, reporters)
        for k in range(2):
            record_screened(store, 10 * n + k, spam, SUBS[k], "bot", clock() - 30, "loans")
        assert store.get_verdict(spam).source == "screening"  # type: ignore[union-attr]
    clock.t += 29 * DAY
    state = create_app(ApiSettings(db=str(tmp_path / "unused.db")), store).state.cw
    monkeypatch.setattr(label_lapse, "LAPSE_CHUNK", 1)
    real = store._put_back
    calls = [0]

    def failing(*args: Any, **kwargs: Any) -> bool:
        if args[3] == "screened_label_lapsed":  # (conn, lapsed, before, action, actor)
            calls[0] += 1
            if calls[0] == 2:  # the second screener label's chunk
                raise sa.exc.OperationalError("stmt", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "_put_back", failing)
    with pytest.raises(sa.exc.OperationalError):
        state.label_lapse.sweep()
    assert store.get_verdict(spams[0]) is None  # its community label was tallied and went
    assert state.verdicts.get(spams[0]) is None
    assert state.label_lapse.community_lapsed == 1

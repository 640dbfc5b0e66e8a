"""Retention (``callwarden prune``, store.retention), on SQLite and PostgreSQL: old screened
calls lose their turns only (verdict, sha256 and labels' screening rule stay), old received
calls are deleted, a window shorter than the live tally's recipients window is refused, a dry
run writes nothing, an applied run is in the audit log, and the block log is kept."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from callwarden.cli.main import app as cli
from callwarden.detect.feedback_labels import LabelConfig, training_labels
from callwarden.errors import InputError
from callwarden.store import Store
from callwarden.store.retention import MIN_RECEIVED_CALLS_DAYS, prune
from callwarden.store.schema import block_log, received_calls, screenings
from callwarden.store.training_labels import read_feedback

from .conftest import Clock, record_screened, reported

DAY = 86400.0
SUBS = [f"+8613800{i:06d}" for i in range(4)]
BOT, OTHER = "+8617000010000", "+8617000010001"
TURNS = json.dumps(
    [{"speaker": "caller", "text": "您好，这里是贷款中心", "start_s": 0, "end_s": 2}]
)


def _screen(store: Store, n: int, caller: str, callee: str, verdict: str, at: float) -> None:
    record_screened(
        store, n, caller, callee, verdict, at, category="loans", reasons='["scripted"]', turns=TURNS
    )


def _world(store: Store, now: float) -> None:
    """Bot screened by three callees 40 days ago (old) and one a day ago (recent); received
    calls: two pairs last called 40 days ago, two 10 days ago."""
    for i, callee in enumerate(SUBS[:3]):
        _screen(store, i, BOT, callee, "bot", now - 40 * DAY)
    _screen(store, 3, BOT, SUBS[3], "bot", now - DAY)
    store.record_calls([(SUBS[0], OTHER, now - 41 * DAY), (SUBS[0], OTHER, now - 40 * DAY)])
    store.record_calls([(SUBS[1], OTHER, now - 40 * DAY)])
    store.record_calls([(SUBS[2], OTHER, now - 10 * DAY), (SUBS[3], OTHER, now - 10 * DAY)])


def _rows(store: Store) -> tuple[list[dict[str, Any]], list[Any], int]:
    with store.engine.connect() as conn:
        scr = [
            dict(r)
            for r in conn.execute(sa.select(screenings).order_by(screenings.c.call_id)).mappings()
        ]
        rc = conn.execute(sa.select(received_calls).order_by(received_calls.c.subscriber)).all()
        blocks = conn.execute(sa.select(sa.func.count()).select_from(block_log)).scalar_one()
    return scr, rc, int(blocks)


def _labels(store: Store) -> list[Any]:
    fb = read_feedback(store.engine, None, None)
    return sorted(training_labels(fb, LabelConfig()), key=lambda t: t.number)


def test_dry_run_counts_and_changes_nothing(store: Store, clock: Clock) -> None:
    _world(store, clock())
    before = _rows(store)
    trail = len(store.audit_trail(limit=1000))
    counts = prune(store.engine, now=clock(), screening_turns_days=30, received_calls_days=30)
    assert (counts.screening_turns_emptied, counts.received_calls_deleted) == (3, 2)
    assert not counts.applied
    assert _rows(store) == before
    assert len(store.audit_trail(limit=1000)) == trail


def test_apply_empties_old_turns_keeps_verdicts_and_labels(store: Store, clock: Clock) -> None:
    _world(store, clock())
    labels_before = _labels(store)
    assert any(t.number == BOT for t in labels_before)  # the screening rule labels it
    old_scr, old_rc, old_blocks = _rows(store)
    counts = prune(store.engine, now=clock(), screening_turns_days=30, apply=True)
    assert counts.screening_turns_emptied == 3 and counts.received_calls_deleted is None
    scr, rc, blocks = _rows(store)
    for was, now in zip(old_scr, scr, strict=True):
        old = was["at"] < clock() - 30 * DAY
        assert now["turns"] == ("[]" if old else TURNS)
        assert {k: v for k, v in now.items() if k != "turns"} == {
            k: v for k, v in was.items() if k != "turns"
        }  # verdict, reasons, sha256, category, action kept
    assert rc == old_rc and blocks == old_blocks  # received calls, block log untouched
    assert _labels(store) == labels_before
    again = prune(store.engine, now=clock(), screening_turns_days=30, apply=True)
    assert again.screening_turns_emptied == 0  # already empty: not counted twice


def test_apply_deletes_old_received_calls_and_audits(store: Store, clock: Clock) -> None:
    _world(store, clock())
    _, _, blocks_before = _rows(store)
    counts = prune(
        store.engine, now=clock(), screening_turns_days=7, received_calls_days=30, apply=True
    )
    assert (counts.screening_turns_emptied, counts.received_calls_deleted) == (3, 2)
    _, rc, blocks = _rows(store)
    assert sorted(r.subscriber for r in rc) == SUBS[2:4]
    assert blocks == blocks_before  # the block log is never pruned
    entry = store.audit_trail("retention")[0]
    assert (entry["actor"], entry["action"]) == ("cli:prune", "prune")
    assert entry["detail"] == {
        "screening_turns_days": 7,
        "screening_turns_before": clock() - 7 * DAY,
        "screening_turns_emptied": 3,
        "received_calls_days": 30,
        "received_calls_before": clock() - 30 * DAY,
        "received_calls_deleted": 2,
    }


def test_refuses_received_calls_window_the_store_needs(store: Store, clock: Clock) -> None:
    _world(store, clock())
    before = _rows(store)
    with pytest.raises(InputError, match=r"too short.*28 days.*7-day report window"):
        prune(
            store.engine, now=clock(), received_calls_days=MIN_RECEIVED_CALLS_DAYS - 1, apply=True
        )
    with pytest.raises(InputError, match="--screening-turns-days.*--received-calls-days"):
        prune(store.engine, now=clock(), apply=True)
    assert _rows(store) == before
    prune(store.engine, now=clock(), received_calls_days=MIN_RECEIVED_CALLS_DAYS, apply=True)


def test_cli_prune(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    s = Store.open(str(db))
    try:
        _world(s, time.time())
    finally:
        s.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["prune", "--db", str(db)])
    assert out.exit_code != 0 and "--received-calls-days" in out.output
    assert "Traceback" not in out.output
    args = ["prune", "--db", str(db), "--screening-turns-days", "30", "--received-calls-days"]
    out = runner.invoke(cli, [*args, "7"])
    assert out.exit_code != 0 and "too short" in out.output
    out = runner.invoke(cli, [*args, "30"])
    assert out.exit_code == 0, out.output
    assert "dry run" in out.output
    assert "3 would be emptied" in out.output and "2 would be deleted" in out.output
    out = runner.invoke(cli, [*args, "30", "--apply"])
    assert out.exit_code == 0, out.output
    assert "3 emptied" in out.output and "2 deleted" in out.output
    s = Store.open(str(db))
    try:
        assert s.audit_trail("retention")[0]["actor"] == "cli:prune"
        _, rc, _ = _rows(s)
        assert len(rc) == 2
    finally:
        s.close()


def test_cli_prune_lapses_old_screener_labels(tmp_path: Path) -> None:
    """`--screened-labels-days L` lapses the screener's labels given over L days ago (a dry
    run lists them; 0: every label, to withdraw them), alone or with the other windows."""
    db = tmp_path / "store.db"
    now = time.time()
    s = Store.open(str(db), clock=lambda: now - 40 * DAY)
    try:
        for k in range(2):  # labelled 40 days ago
            record_screened(s, k, BOT, SUBS[k], "bot", now - 40 * DAY - 60, "loans")
        s.clock = lambda: now - 5 * DAY
        for k in range(2):  # labelled 5 days ago
            record_screened(s, 10 + k, OTHER, SUBS[k], "bot", now - 5 * DAY - 60, "loans")
        assert {s.get_verdict(n).source for n in (BOT, OTHER)} == {"screening"}  # type: ignore[union-attr]
    finally:
        s.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["prune", "--db", str(db), "--screened-labels-days", "-1"])
    assert out.exit_code != 0 and "Traceback" not in out.output
    out = runner.invoke(cli, ["prune", "--db", str(db), "--screened-labels-days", "28"])
    assert out.exit_code == 0, out.output
    assert "1 would be lapsed" in out.output and f"{BOT}  harassment -> none" in out.output
    out = runner.invoke(cli, ["prune", "--db", str(db), "--screened-labels-days", "28", "--apply"])
    assert out.exit_code == 0, out.output
    assert "1 lapsed" in out.output and "block_log" in out.output
    s = Store.open(str(db))
    try:
        assert s.get_verdict(BOT) is None
        assert s.get_verdict(OTHER).source == "screening"  # type: ignore[union-attr]
        assert s.audit_trail(BOT, 1)[0]["actor"] == "cli:prune"
    finally:
        s.close()
    args = ["prune", "--db", str(db), "--screened-labels-days", "0", "--apply"]
    out = runner.invoke(cli, [*args, "--screening-turns-days", "30"])
    assert out.exit_code == 0, out.output
    assert "1 lapsed" in out.output and "emptied of turns" in out.output
    s = Store.open(str(db))
    try:
        assert s.get_verdict(OTHER) is None
    finally:
        s.close()


def test_cli_prune_lapses_community_labels_under_the_bar(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    now = time.time()
    spam = "+8617000030001"
    s = Store.open(str(db), clock=lambda: now - 30 * DAY)
    try:  # ten reporters labelled it 30 days ago: their reports are out of the 28 days
        reporters = [f"+8613900{i:06d}" for i in range(10)]
        reported(s, spam, now - 30 * DAY - 60, reporters)
        assert s.get_verdict(spam).source == "reports"  # type: ignore[union-attr]
    finally:
        s.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["prune", "--db", str(db), "--community-labels"])
    assert out.exit_code == 0, out.output
    assert "1 would be lapsed" in out.output and f"{spam}  harassment -> none" in out.output
    out = runner.invoke(cli, ["prune", "--db", str(db), "--community-labels", "--apply"])
    assert out.exit_code == 0, out.output
    s = Store.open(str(db))
    try:
        assert s.get_verdict(spam) is None
        assert s.audit_trail(spam, 1)[0]["action"] == "community_label_lapsed"
    finally:
        s.close()

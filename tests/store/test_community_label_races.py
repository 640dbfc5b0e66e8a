"""A report that gives a community label, against an appeal accepted or a screener's label
given between its read of the verdict and its write (audit 30b M1), on SQLite and PostgreSQL:
the label is written only over no verdict or an unprotected benign one, by the upsert's own
condition, so the appeal and the screener's label stand. (On PostgreSQL the report's
unguarded write overwrote them; SQLite's BEGIN IMMEDIATE orders the two, so the report is let
finish first there.)"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import callwarden.store.reports as reports_mod
from callwarden.store import Store

from .conftest import Clock, record_screened

SPAM = "+8617000030001"
REPORTERS = [f"+8613900{i:06d}" for i in range(10)]
SUBS = [f"+8613800{i:06d}" for i in range(4)]


def _paused_tenth_report(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> tuple[threading.Thread, threading.Event]:
    """Nine reports (under the bar), then the tenth's transaction, paused once it has read
    the verdict and decided to label; returns it and the event that lets it go on."""
    store.record_calls([(r, SPAM, clock() - 60) for r in REPORTERS])
    for r in REPORTERS[:9]:
        store.add_report(r, SPAM, "loans", "app", "t")
    assert store.get_verdict(SPAM) is None
    paused, go = threading.Event(), threading.Event()
    real = reports_mod.community_verdict

    def slow(*args: Any) -> Any:
        out = real(*args)
        if threading.current_thread().name == "reporter":
            paused.set()
            assert go.wait(60)
        return out

    monkeypatch.setattr(reports_mod, "community_verdict", slow)
    a = threading.Thread(
        target=store.add_report, args=(REPORTERS[9], SPAM, "loans", "app", "t"), name="reporter"
    )
    a.start()
    assert paused.wait(60)
    if store.dialect == "sqlite":
        go.set()
        a.join(60)
    return a, go


def test_an_appeal_accepted_meanwhile_stands(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    aid = store.create_appeal(SPAM, "owner", "", "my number", "t")
    a, go = _paused_tenth_report(store, clock, monkeypatch)
    store.review_appeal(aid, True, "op", "cleared")
    go.set()
    a.join(60)
    v = store.get_verdict(SPAM)
    assert v is not None and (v.source, v.label, v.protected) == ("appeal", "benign", True)


def test_a_screeners_label_given_meanwhile_stands(
    store: Store, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, go = _paused_tenth_report(store, clock, monkeypatch)
    for k in range(2):
        record_screened(store, k, SPAM, SUBS[k], "bot", clock() - 30, "loans")
    go.set()
    a.join(60)
    v = store.get_verdict(SPAM)
    assert v is not None and v.source == "screening"
    if store.dialect == "postgresql":  # the report's label was not written, nor audited
        actions = [e["action"] for e in store.audit_trail(SPAM, 20)]
        assert "community_label" not in actions

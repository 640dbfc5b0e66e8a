"""The write-behind buffer: a row the store refuses is set aside (logged, counted), the rest
is written and the queue keeps moving; a store that is down keeps every row queued."""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest
import sqlalchemy as sa

from callwarden.api.state import WriteBehind

from .conftest import ALICE, Api

SPAM = "+8617012345678"
OTHER = "+8617099998888"


class FakeStore:
    """``record_calls`` and ``log_blocks`` as the real store runs them: all or nothing, a
    NOT NULL error for a NaN time (SQLite stores NaN as NULL), an OperationalError while
    ``down``; ``fail_after`` writes, the store goes down."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, float]] = []
        self.blocks: list[dict[str, Any]] = []
        self.writes = 0
        self.down = False
        self.fail_after: int | None = None

    def _check(self, ats: list[float]) -> None:
        self.writes += 1
        if self.fail_after is not None and self.writes > self.fail_after:
            self.down = True
        if self.down:
            raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))
        if any(math.isnan(a) for a in ats):
            raise sa.exc.IntegrityError("INSERT", {}, Exception("NOT NULL constraint failed"))

    def record_calls(self, rows: list[tuple[str, str, float]]) -> int:
        self._check([at for _, _, at in rows])
        self.calls += rows
        return len(rows)

    def log_blocks(self, rows: list[dict[str, Any]]) -> None:
        self._check([r["at"] for r in rows])
        self.blocks += rows


def _calls(n: int, bad: set[int]) -> list[tuple[str, str, float]]:
    return [(ALICE, f"+86170{i:08d}", math.nan if i in bad else float(i)) for i in range(n)]


def _buffer(store: FakeStore) -> WriteBehind:
    return WriteBehind(store, interval_s=3600)  # type: ignore[arg-type]  # never started


def test_bad_rows_are_set_aside_and_the_rest_written_in_order(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FakeStore()
    wb = _buffer(store)
    rows = _calls(1000, {17, 700})
    for r in rows:
        wb.add_call(*r)
    wb.add_block({"subscriber": ALICE, "caller": SPAM, "at": math.nan, "action": "reject"})
    wb.add_block({"subscriber": ALICE, "caller": OTHER, "at": 5.0, "action": "reject"})
    with caplog.at_level(logging.ERROR, logger="callwarden.api.state"):
        wb.flush()  # does not raise
    assert wb.pending == 0
    assert store.calls == [r for i, r in enumerate(rows) if i not in {17, 700}]
    assert [b["caller"] for b in store.blocks] == [OTHER]
    assert wb.rejected_total == 3
    assert list(wb.rejected) == [
        ("received call", rows[17]),
        ("received call", rows[700]),
        (
            "block-log row",
            {"subscriber": ALICE, "caller": SPAM, "at": math.nan, "action": "reject"},
        ),
    ]
    assert store.writes < 50  # the batch is halved around the bad rows, not written row by row
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(logged) == 3 and rows[17][1] in logged[0].getMessage()
    assert "NOT NULL" in logged[0].getMessage()
    wb.add_call(ALICE, SPAM, 9.0)  # later rows are not held up by the bad ones
    wb.flush()
    assert store.calls[-1] == (ALICE, SPAM, 9.0) and wb.rejected_total == 3


def test_a_store_that_is_down_keeps_every_row_queued_and_sets_none_aside() -> None:
    store = FakeStore()
    wb = _buffer(store)
    rows = _calls(10, {3})
    for r in rows:
        wb.add_call(*r)
    wb.add_block({"subscriber": ALICE, "caller": SPAM, "at": 1.0, "action": "reject"})
    store.down = True
    with pytest.raises(sa.exc.OperationalError):
        wb.flush()
    assert wb.pending == 11 and wb.rejected_total == 0 and store.calls == []
    store.down = False
    wb.flush()
    assert store.calls == [r for i, r in enumerate(rows) if i != 3] and len(store.blocks) == 1
    assert wb.rejected_total == 1 and wb.pending == 0


def test_a_store_that_goes_down_while_bad_rows_are_split_off_writes_each_row_once() -> None:
    store = FakeStore()
    wb = _buffer(store)
    rows = _calls(64, {5, 40})
    for r in rows:
        wb.add_call(*r)
    store.fail_after = 6  # the batch fails on a bad row, a few halves go in, then it is down
    with pytest.raises(sa.exc.OperationalError):
        wb.flush()
    written, rejected = len(store.calls), wb.rejected_total
    assert 0 < written < 62 and wb.pending == 64 - written - rejected
    store.fail_after, store.down = None, False
    wb.flush()
    assert store.calls == [r for i, r in enumerate(rows) if i not in {5, 40}]  # none twice
    assert wb.rejected_total == 2 and wb.pending == 0


def test_a_poisoned_row_does_not_stop_the_api_storing_calls(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """The audit's case on the real (SQLite) store: a NaN time, queued as it could be before
    the edge refused it, used to fail every later flush, so every report got a 500."""
    caplog.set_level(logging.ERROR, logger="callwarden.api.state")
    state = api.client.app.state.cw  # type: ignore[attr-defined]
    state.writes.add_call(ALICE, SPAM, math.nan)
    state.writes.add_block(
        {
            "subscriber": ALICE,
            "caller": SPAM,
            "at": math.nan,
            "action": "reject",
            "sip_code": 608,
            "category": "",
            "reasons": "[]",
        }
    )
    for caller in (SPAM, OTHER):  # SPAM's good call merges with the bad one in a batch
        r = api.post("/v1/decide", "network", json={"caller": caller, "callee": ALICE})
        assert r.status_code == 200
    for caller in (SPAM, OTHER):
        r = api.post("/v1/reports", "alice", json={"number": caller})
        assert r.status_code == 201, r.text  # the flush before the report wrote the call
    assert api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").status_code == 200
    assert state.writes.pending == 0 and state.writes.rejected_total == 2
    with api.store.engine.connect() as conn:
        got = conn.exec_driver_sql("SELECT caller, calls FROM received_calls ORDER BY caller")
        assert sorted(got.all()) == [(SPAM, 1), (OTHER, 1)]
    assert api.get("/healthz").json()["write_behind_rejected"] == 2
    assert "callwarden_write_behind_rejected 2.0" in api.get("/metrics").text
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("received call" in m and SPAM in m for m in logged)
    assert any("block-log row" in m and SPAM in m for m in logged)
    r = api.post("/v1/decide", "network", json={"caller": "+8617055556666", "callee": ALICE})
    assert r.status_code == 200
    state.writes.flush()
    assert api.post("/v1/reports", "alice", json={"number": "+8617055556666"}).status_code == 201

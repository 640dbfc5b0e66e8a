"""While another write holds SQLite's write lock (a verdict import, another process), the
block log still reads at once, with the calls of the last moment from memory, and a write
that cannot get the lock answers one JSON 503 with Retry-After, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from callwarden.api.state import AppState

from .conftest import ALICE, Api

SPAM = "+8617012345600"


def _state(api: Api) -> AppState:
    state: AppState = api.client.app.state.cw  # type: ignore[attr-defined]
    return state


def test_the_block_log_reads_while_the_write_lock_is_held(api: Api) -> None:
    rows = [{"number": SPAM, "label": "fraud", "score": 0.99, "category": "impersonation"}]
    assert api.post("/v1/verdicts", "operator", json={"verdicts": rows}).status_code == 200
    first = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE}).json()
    assert api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").json()[0]["id"] is not None
    db = Path(str(api.store.engine.url.database))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as an import's transaction does
    try:
        api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE, "at": 1.7e9})
        # the lock is held until the read returns: a read that waited for it would end with
        # the busy timeout (a 503), so a 200 is the proof, not a stopwatch
        r = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.status_code == 200, r.text
    got = r.json()
    assert [e["at"] for e in got][0] == 1.7e9 and got[0]["id"] is None  # not written yet
    assert got[0]["tag"] == first["tag"] and got[0]["reasons"][0]["text"]["zh"]
    assert got[1]["id"] is not None  # the stored one
    _state(api).writes.flush()
    after = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").json()
    assert len(after) == 2 and all(e["id"] is not None for e in after)


def test_a_write_that_cannot_get_the_lock_is_a_503(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*_a: object, **_k: object) -> None:
        raise sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(api.store, "add_report", locked)
    r = api.post("/v1/reports", "alice", json={"number": SPAM})
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    err = r.json()["error"]
    assert err["code"] == "unavailable" and "busy" in err["message"]
    assert "Traceback" not in r.text

"""How a worker applies another worker's change (``AppState.refresh_verdicts``, what the
listener calls): the store has the last word, and a change this worker made while the store
was read is never overwritten by the older value read. No server needed (SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from callwarden.api.invalidation import Pending
from callwarden.api.state import ApiSettings, AppState
from callwarden.policy import Verdict
from callwarden.store import Store

N = "+8617012345678"
OLD = Verdict(N, "fraud", 0.97, "loans", (), "")
OTHER = Verdict(N, "harassment", 0.7, "", (), "")  # what another worker commits
CLEARED = Verdict(N, "benign", 0.0, "", (), "", "appeal", True)  # an appeal in this worker


@pytest.fixture
def state(tmp_path: Path) -> Any:
    store = Store.open(str(tmp_path / "s.db"))
    store.import_verdicts([OLD])
    st = AppState(ApiSettings(db=str(tmp_path / "s.db")), store)
    yield st
    store.close()


def test_a_refresh_reads_the_store(state: AppState) -> None:
    state.store.import_verdicts([OTHER])  # as if through another worker
    assert state.verdicts.get(N) == OLD
    state.refresh_verdicts([N, "+8617000000000"])
    assert state.verdicts.get(N) == OTHER
    assert "+8617000000000" not in state.verdicts


def test_a_write_of_this_worker_during_the_read_is_not_undone(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listener reads OTHER; before it puts it in the cache, an appeal accepted here
    commits CLEARED and sets it. The cache must end with CLEARED (the store's), not OTHER."""
    state.store.import_verdicts([OTHER])
    real = state.store.get_verdicts
    calls = []

    def racing(numbers: list[str]) -> dict[str, Verdict]:
        got = real(numbers)
        calls.append(numbers)
        if len(calls) == 1:  # the appeal lands between the read and the cache update
            with state.store.engine.begin() as conn:
                state.store.put_verdict(conn, CLEARED)
            state.set_verdict(CLEARED)
        return got

    monkeypatch.setattr(state.store, "get_verdicts", racing)
    state.refresh_verdicts([N])
    assert state.verdicts.get(N) == CLEARED
    assert len(calls) == 2  # the contested number was read again


def test_an_import_keeps_a_value_the_listener_already_applied(state: AppState) -> None:
    """The worker's own import chunks come back through the listener; a number it re-read
    with the very verdict the import wrote is not read a third time at the import's end."""
    mine = Verdict(N, "harassment", 0.8, "", (), "")
    real_import = state.store.import_verdicts_result

    def import_then_listener(*args: Any, **kw: Any) -> Any:
        result = real_import(*args, **kw)
        state.refresh_verdicts([N])  # the listener, between the commit and the import's end
        return result

    reads: list[list[str]] = []
    real_get = state.store.get_verdicts

    def counting(numbers: list[str]) -> dict[str, Verdict]:
        reads.append(numbers)
        return real_get(numbers)

    state.store.import_verdicts_result = import_then_listener  # type: ignore[method-assign]
    state.store.get_verdicts = counting  # type: ignore[method-assign]
    state.import_verdicts([mine], actor="t")
    assert state.verdicts.get(N) == mine
    assert reads == [[N]]  # the listener's read only


def test_pending_folds_payloads() -> None:
    p = Pending()
    for payload in ["verdict:+861,+862", "verdict:+862", "subscriber:+863", "setting:thresholds"]:
        p.add(payload)
    p.add("key:abc")
    assert p.numbers == {"+861", "+862"} and p.subscribers == {"+863"} and p.keys == {"abc"}
    assert p.thresholds and not p.registry and not p.all_verdicts and p.count == 5
    p.add("registry:*")
    p.add("verdict:*")
    assert p.registry and p.all_verdicts
    q = Pending()
    q.add("something-new:1")
    assert q.all_verdicts and q.all_subscribers and q.all_keys and q.registry and q.thresholds

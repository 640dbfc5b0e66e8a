"""``api.recent_window.RecentWindow``: the route's window follows the store's last K
screenings and judges as ``screen_with_recent`` over their kept turns."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence

import pytest

from callwarden.api.recent_window import RecentWindow, stored_transcript
from callwarden.screening.outcome import ScreenOutcome, kept_turns, screen_with_recent
from callwarden.screening.recent import _Buckets, call_features
from callwarden.screening.transcript import Speaker, Transcript, Turn, transcript_from_dict
from callwarden.sim.screening import simulate_screening


class _Rows:
    """Stored screenings in stored order: call_id -> kept turns (JSON)."""

    def __init__(self) -> None:
        self.rows: dict[str, str] = {}
        self.turns_read = 0

    def store(self, tr: Transcript, at: int | None = None) -> None:
        item = (tr.call_id, json.dumps(kept_turns(tr), ensure_ascii=False))
        order = list(self.rows.items())
        order.insert(len(order) if at is None else at, item)
        self.rows = dict(order)

    def ids(self, k: int) -> list[str]:
        return list(self.rows)[-k:] if k else []

    def turns(self, ids: Sequence[str]) -> dict[str, str]:
        self.turns_read += len(ids)
        return {i: self.rows[i] for i in ids}

    def window(self, k: int) -> list[Transcript]:
        return [stored_transcript(i, self.rows[i]) for i in self.ids(k)]


def _calls(n: int) -> list[Transcript]:
    recs = simulate_screening(n, seed=23, agent_share=0.5, n_campaigns=5)
    return [transcript_from_dict(r, index=i) for i, r in enumerate(recs)]


def test_follows_the_store_and_judges_as_screen_with_recent() -> None:
    rows, k = _Rows(), 25
    win = RecentWindow(k, rows.ids, rows.turns)
    trs = _calls(90)
    for i, tr in enumerate(trs):
        assert win.judge(tr) == screen_with_recent(tr, rows.window(k)), i
        # another worker stored one call in three: this worker computes its features on a miss
        rows.store(tr, at=max(0, len(rows.rows) - 2) if i % 7 == 3 else None)
        if i % 3:
            win.remember(tr)
    assert win.misses == rows.turns_read
    assert 0 < win.misses < len(trs)


def test_a_new_worker_reads_the_window_once() -> None:
    rows, k = _Rows(), 30
    trs = _calls(60)
    for tr in trs[:50]:
        rows.store(tr)
    win = RecentWindow(k, rows.ids, rows.turns)
    for tr in trs[50:]:
        assert win.judge(tr) == screen_with_recent(tr, rows.window(k))
        rows.store(tr)
        win.remember(tr)
    assert rows.turns_read == k  # the first call's window; then only its own calls


def test_window_zero_is_the_call_alone() -> None:
    rows = _Rows()
    win = RecentWindow(0, rows.ids, rows.turns)
    for tr in _calls(20):
        assert win.judge(tr) == screen_with_recent(tr, [])
        rows.store(tr)
    assert rows.turns_read == 0


def test_a_call_stored_after_a_later_one_is_placed_not_rebuilt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Calls are sent when they end, so one that started first is often stored after a later
    one: the window places it between its neighbours instead of building itself again (at
    K = 1,000 a build took 0.1-0.5 s a call)."""
    rows, k = _Rows(), 40
    win = RecentWindow(k, rows.ids, rows.turns)
    trs = _calls(60)
    for tr in trs[:50]:
        rows.store(tr)
    win.judge(trs[50])
    added: list[int] = []
    original = _Buckets.add
    monkeypatch.setattr(_Buckets, "add", lambda b, q, s: (added.append(q), original(b, q, s)))
    for j, tr in enumerate(trs[50:]):
        assert win.judge(tr) == screen_with_recent(tr, rows.window(k))
        rows.store(tr, at=len(rows.rows) - 1 if j % 2 else None)  # every other one behind
        win.remember(tr)
    assert len(added) <= 2 * 10  # a script and an opening signature a call, 10 calls


def test_threads_judging_at_once_each_judge_with_the_window_they_read() -> None:
    """The route runs in a threadpool: calls judged, stored and kept at once in one worker
    each get ``screen_with_recent`` over the stored calls they read (none lost or doubled in
    the shared window), the first ones all on a cold window."""
    rows, k = _Rows(), 30
    trs = _calls(100)
    for tr in trs[:40]:
        rows.store(tr)
    lock, seen = threading.Lock(), threading.local()

    def ids(n: int) -> list[str]:
        with lock:
            seen.ids = rows.ids(n)
        return list(seen.ids)

    def turns(call_ids: Sequence[str]) -> dict[str, str]:
        with lock:
            return rows.turns(call_ids)

    win = RecentWindow(k, ids, turns)
    start = threading.Barrier(6)
    done: list[tuple[Transcript, ScreenOutcome, list[str]]] = []

    def worker(mine: list[Transcript]) -> None:
        start.wait()
        for tr in mine:
            out = win.judge(tr)
            with lock:
                rows.store(tr, at=len(rows.rows) - 1 if len(done) % 3 == 0 else None)
            win.remember(tr)
            done.append((tr, out, seen.ids))

    threads = [threading.Thread(target=worker, args=(trs[40 + j :: 6],)) for j in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 60
    for tr, out, read in done:
        assert out == screen_with_recent(tr, [stored_transcript(i, rows.rows[i]) for i in read])


def test_calls_at_once_on_a_cold_worker_read_the_window_once() -> None:
    rows, k = _Rows(), 30
    trs = _calls(40)
    for tr in trs[:k]:
        rows.store(tr)
    win = RecentWindow(k, rows.ids, rows.turns)
    start = threading.Barrier(4)

    def worker(tr: Transcript) -> None:
        start.wait()
        win.judge(tr)

    threads = [threading.Thread(target=worker, args=(tr,)) for tr in trs[k : k + 4]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert win.misses == rows.turns_read == k  # not once a call


def test_a_call_with_callee_turns_is_kept_as_its_row_keeps_it() -> None:
    """The callee's words are not stored: a call kept after judging (``remember``) is the
    one the next worker reads from the store, without them."""
    rows, k = _Rows(), 20
    win = RecentWindow(k, rows.ids, rows.turns)
    trs = _calls(40)
    for j, tr in enumerate(trs):
        if j % 2:  # the callee cuts into each reply to the assistant: two caller turns
            turns: list[Turn] = []
            for t in tr.turns:
                if t.speaker is Speaker.CALLER and turns and turns[-1].speaker is Speaker.ASSISTANT:
                    half = len(t.text) // 2
                    mid = (t.start_s + t.end_s) / 2
                    turns += [
                        Turn(Speaker.CALLER, t.text[:half], t.start_s, mid),
                        Turn(Speaker.CALLEE, "嗯？", mid, mid),
                        Turn(Speaker.CALLER, t.text[half:], mid, t.end_s),
                    ]
                else:
                    turns.append(t)
            tr = Transcript(tr.call_id, tuple(turns))
        assert win.judge(tr) == screen_with_recent(tr, rows.window(k)), j
        rows.store(tr)
        win.remember(tr)
        kept = win._features[tr.call_id]
        read = call_features(stored_transcript(tr.call_id, rows.rows[tr.call_id]))
        assert kept.replies == read.replies, j
    assert win.misses == 0  # every call kept by remember, none read back

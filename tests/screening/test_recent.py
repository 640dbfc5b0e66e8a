"""``RecentScreenings``: a call judged with the recent calls' features kept gives what
``screen_with_recent`` gives over the same window (docs/screening.md, session 28)."""

from __future__ import annotations

import random

import pytest

from callwarden.screening.outcome import screen_calls, screen_with_recent
from callwarden.screening.reasons import ReasonCode
from callwarden.screening.recent import RecentScreenings, _Buckets, call_features
from callwarden.screening.transcript import Transcript, transcript_from_dict
from callwarden.sim.screening import simulate_screening

_WINDOW_CODES = {ReasonCode.SCRIPT_SHARED_ACROSS_CALLS, ReasonCode.TEMPLATED_REPLY}


def _calls(n: int, seed: int) -> list[Transcript]:
    # few campaigns, many agents: windows full of shared scripts and templated replies
    recs = simulate_screening(n, seed=seed, agent_share=0.5, n_campaigns=6)
    return [transcript_from_dict(r, index=i) for i, r in enumerate(recs)]


@pytest.mark.parametrize(("k", "every"), [(1, 1), (3, 1), (12, 1), (60, 2), (220, 6)])
def test_same_outcome_as_screen_with_recent(k: int, every: int) -> None:
    trs = _calls(220, seed=21)
    window = RecentScreenings(k)
    from_window = 0
    for i, tr in enumerate(trs):
        got = window.judge(tr)
        if i % every == 0:
            assert got == screen_with_recent(tr, trs[max(0, i - k) : i]), (k, i)
        from_window += any(r.code in _WINDOW_CODES for r in got.result.reasons)
        window.add(tr)
        assert len(window) == min(k, i + 1)
    if k >= 12:  # the windows did hold evidence across calls (else the test checks little)
        assert from_window >= 5


def test_empty_window_is_the_call_alone() -> None:
    window = RecentScreenings(0)
    for tr in _calls(40, seed=22):
        window.add(tr)
        assert len(window) == 0
        assert window.judge(tr) == screen_calls([tr], use_batch_scripts=False)[0]


@pytest.mark.parametrize("k", [5, 40])
def test_follow_places_calls_stored_out_of_order(k: int) -> None:
    """A window that follows a list of calls growing at random places (a call stored after a
    later one), losing calls at random too, judges as a window built from that list."""
    rng = random.Random(k)
    trs = _calls(160, seed=24)
    feats = {tr.call_id: call_features(tr) for tr in trs}
    window = RecentScreenings(k)
    order: list[Transcript] = []  # the store's calls, in its order
    between = 0
    for i, tr in enumerate(trs):
        got = window.judge(tr)
        if i % 3 == 0:
            assert got == screen_with_recent(tr, order[-k:]), (k, i)
        at = len(order) - min(len(order), rng.choice([0, 0, 1, 2, k // 2]))
        between += at < len(order)
        order.insert(at, tr)
        if i % 17 == 16:  # (prune, or a call deleted: it leaves from the middle)
            order.pop(rng.randrange(len(order)))
        window.follow([t.call_id for t in order[-k:]], feats.__getitem__)
        assert window.call_ids() == [t.call_id for t in order[-k:]]
    assert between > 40


def test_follow_places_a_late_call_without_building_the_window_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trs = _calls(60, seed=25)
    feats = {tr.call_id: call_features(tr) for tr in trs}
    window = RecentScreenings(50)
    window.follow([tr.call_id for tr in trs[:50]], feats.__getitem__)
    added: list[int] = []
    original = _Buckets.add
    monkeypatch.setattr(_Buckets, "add", lambda b, q, s: (added.append(q), original(b, q, s)))
    # the call that started before the last two is stored after them; then one more at the end
    ids = [tr.call_id for tr in trs[1:48]] + [trs[50].call_id, trs[48].call_id, trs[49].call_id]
    window.follow(ids, feats.__getitem__)
    window.follow([*ids[1:], trs[51].call_id], feats.__getitem__)
    assert len(added) <= 2 * 2  # two calls, at most a script and an opening signature each
    assert window.call_ids() == [*ids[1:], trs[51].call_id]
    assert window.judge(trs[52]) == screen_with_recent(trs[52], [trs[i] for i in
        [*range(2, 48), 50, 48, 49, 51]])  # fmt: skip

"""``RecentScreenings``: a call judged with the recent calls' features kept gives what
``screen_with_recent`` gives over the same window (docs/screening.md, session 28)."""

from __future__ import annotations

import pytest

from callwarden.screening.outcome import screen_calls, screen_with_recent
from callwarden.screening.reasons import ReasonCode
from callwarden.screening.recent import RecentScreenings
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

"""The demo serves a simulated day that lies weeks back; its received calls are dated as if
the day ended now, or no subscriber could report a caller (API audit: every report on a demo
call answered 422 report_not_eligible, the report window being 7 days)."""

from __future__ import annotations

from callwarden.cli.demo import as_if_today


def test_the_latest_call_is_moved_to_now_and_the_rest_keep_their_spacing() -> None:
    pairs = [("+861", "+862", 100.0, 200.0, 2), ("+863", "+864", 50.0, 300.0, 5)]
    moved, shift = as_if_today(pairs, 1_000.0)
    assert shift == 700.0
    assert moved == [("+861", "+862", 800.0, 900.0, 2), ("+863", "+864", 750.0, 1_000.0, 5)]


def test_calls_already_recent_or_none_are_left_alone() -> None:
    pairs = [("+861", "+862", 100.0, 200.0, 1)]
    assert as_if_today(pairs, 150.0) == (pairs, 0.0)
    assert as_if_today([], 1_000.0) == ([], 0.0)

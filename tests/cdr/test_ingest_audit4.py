"""Ingest, fourth audit (30 Nov): the same calls in another export (durations in ms times
0.001, or rounded to whole seconds; start times without their fraction) are duplicates, not
conflicting ids; a repeat of a conflicting row is conflicting however the batches fall
(audit items 1 and 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.cdr import ingest, load_cdrs, load_mapping

H = "call_id,start_time,caller,callee,duration_s"
CALLS = [  # (id, start, caller, callee, duration in seconds)
    ("s-1", "2026-11-03 09:00:00.534051", "+8613800138000", "+8613900139000", 4.6),
    ("s-2", "2026-11-03 09:01:24.527157", "+8613800138001", "+8613900139001", 118.5),
    ("s-3", "2026-11-03 09:02:10.999000", "+8613800138002", "+8613900139002", 0.5),
    ("s-4", "2026-11-03 09:03:00", "+8613800138003", "+8613900139003", 2.49),
    ("s-5", "2026-11-03 09:04:00", "+8613800138004", "+8613900139004", 0.7),
]


def _write(path: Path, rows: list[str], header: str = H) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _stored(tmp_path: Path) -> Path:
    out = tmp_path / "ds"
    rows = [f"{i},{t},{a},{b},{d}" for i, t, a, b, d in CALLS]
    s = ingest([_write(tmp_path / "calls.csv", rows)], out)
    assert s.rows_kept == len(CALLS)
    return out


def test_durations_in_milliseconds_times_0_001_are_the_same_calls(tmp_path: Path) -> None:
    """4600 * 0.001 is not bit-equal to 4.6, nor 700 * 0.001 to 0.7: the audit's 11,211 of
    129,332 conflicts."""
    out = _stored(tmp_path)
    rows = [f"{i},{t},{a},{b},{round(d * 1000)}" for i, t, a, b, d in CALLS]
    f = _write(tmp_path / "ms.csv", rows, "call_id,start_time,caller,callee,dur_ms")
    m = tmp_path / "ms.yaml"
    m.write_text("rename: {dur_ms: duration_s}\nconvert: {duration_s: {multiply: 0.001}}\n")
    s = ingest([f], out, mapping=load_mapping(m))
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (0, len(CALLS), 0)
    assert s.warnings == []


@pytest.mark.parametrize("rounding", ["nearest", "up", "minute"])
def test_a_billing_export_with_rounded_durations_is_the_same_calls(
    tmp_path: Path, rounding: str
) -> None:
    """Whole seconds (4.6 -> 5, 118.5 -> 118 or 119, 2.49 -> 2) or billed minutes: duplicates."""
    import math

    out = _stored(tmp_path)
    how = {"nearest": round, "up": math.ceil, "minute": lambda d: 60 * math.ceil(d / 60)}
    rows = [f"{i},{t},{a},{b},{how[rounding](d)}" for i, t, a, b, d in CALLS]
    s = ingest([_write(tmp_path / "secs.csv", rows)], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (0, len(CALLS), 0)
    assert load_cdrs(out).num_rows == len(CALLS)


def test_a_start_time_without_its_fraction_is_the_same_call(tmp_path: Path) -> None:
    out = _stored(tmp_path)
    rows = [f"{i},{t[:19]},{a},{b},{d}" for i, t, a, b, d in CALLS]
    s = ingest([_write(tmp_path / "trunc.csv", rows)], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (0, len(CALLS), 0)


def test_a_per_switch_serial_still_conflicts_and_gets_the_advice(tmp_path: Path) -> None:
    """Other callers or other seconds under one id are other calls: quarantined, with the
    advice to drop the column once they are common."""
    out = _stored(tmp_path)
    rows = [
        f"{i},2026-11-03 10:{n:02d}:00,+861380013{n:04d},{b},{d}"
        for n, (i, _, _, b, d) in enumerate(CALLS * 3)
    ]
    s = ingest([_write(tmp_path / "serial.csv", rows)], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (0, 0, 15)
    assert sum("per-switch" in w for w in s.warnings) == 1
    # one second later, or another callee, under a stored id: conflicting, no advice (1 row)
    i, t, a, b, d = CALLS[3]
    rows = [f"{i},2026-11-03 09:03:01,{a},{b},{d}"]
    s = ingest([_write(tmp_path / "later.csv", rows)], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (0, 0, 1)
    assert "reuse a call_id" in s.warnings[0]
    assert not any("per-switch" in w for w in s.warnings)


XAB = [
    "X,2026-11-03 09:00:00,+8613800138000,+8613900139000,12",  # X-A: kept
    "X,2026-11-03 09:05:00,+8613800138001,+8613900139000,30",  # X-B: another call under X
    "X,2026-11-03 09:05:00,+8613800138001,+8613900139000,30",  # X-B again
]


@pytest.mark.parametrize("batch_rows", [1, 2, 1000])
def test_a_repeat_of_a_conflicting_row_is_conflicting_in_any_batching(
    tmp_path: Path, batch_rows: int
) -> None:
    """X-A, X-B, X-B was 1 kept, 1 conflicting, 1 duplicate of a call never stored in one
    batch (and 1, 2, 0 in batches of one row)."""
    f = _write(tmp_path / "xab.csv", XAB)
    out = tmp_path / "out"
    s = ingest([f], out, batch_rows=batch_rows)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (1, 0, 2)
    assert s.quarantined_by_reason == {"conflicting_call_id": 2}
    again = ingest([f], out, batch_rows=batch_rows)
    assert (again.rows_kept, again.rows_duplicate, again.rows_conflicting) == (0, 1, 2)
    assert load_cdrs(out).num_rows == 1


@pytest.mark.parametrize("batch_rows", [1, 2, 1000])
def test_repeats_of_the_owning_call_stay_duplicates_in_any_batching(
    tmp_path: Path, batch_rows: int
) -> None:
    rows = [XAB[0], XAB[1], XAB[0], XAB[1], XAB[0]]
    s = ingest([_write(tmp_path / "r.csv", rows)], tmp_path / "out", batch_rows=batch_rows)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (1, 2, 2)

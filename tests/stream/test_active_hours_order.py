"""Active clock hours are exact whatever order a number's CDRs arrive in (issue 4): each day
cell keeps a mask of the local clock hours with a call (``ring.DayRing.mark_hours``), so a
late CDR in an hour without a call yet still adds that hour."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.features.conftest import cdrs
from tests.features.test_self_calls import batch_features, check
from tests.stream.test_self_calls import stream_features

F = "+8613800000301"
G = "+8613800000302"
H = 3600


def reversed_days() -> pa.Table:
    """F calls at 09:05, 10:10, 10:40, 11:20 and 12:30 of the day and at 21:15, 22:45 and
    23:50 of the day before; each call lasts until after every later one ends, so the CDRs
    are written in reverse start order, the day before's last of all. G: one call at 08:00
    (an in-order neighbour)."""
    day = [9 * H + 300, 10 * H + 600, 10 * H + 2400, 11 * H + 1200, 12 * H + 1800]
    before = [-3 * H + 900, -2 * H + 2700, -H + 3000]  # 21:15, 22:45, 23:50 the day before
    end = 16 * H  # every call of F ends after this, the earlier ones later
    rows = [
        dict(t=t, caller=F, callee=f"+86139000{i:05d}", duration_s=float(end + 60 * (20 - i) - t))
        for i, t in enumerate(sorted(before + day))
    ]
    rows.append(dict(t=8 * H, caller=G, callee="+8613900000099"))
    return cdrs(rows)


#: 1 d: hours 9, 10, 11 and 12; 7 d: those and 21, 22, 23 of the day before.
EXPECTED = {
    F: {"active_hours_by_caller_1d": 4, "active_hours_by_caller_7d": 7},
    G: {"active_hours_by_caller_1d": 1, "active_hours_by_caller_7d": 1},
}


def test_batch_counts_the_hours() -> None:
    check(batch_features(reversed_days(), "strings"), EXPECTED)


@pytest.mark.parametrize("batch", [1, 2, 100])
def test_stream_counts_hours_of_reversed_cdrs(batch: int) -> None:
    """One CDR at a time (each earlier than the last), two, and all at once: the batch
    values (before the masks, one at a time gave 1 hour for the day and 1 for the week)."""
    check(stream_features(reversed_days(), batch), EXPECTED)


def test_a_cell_reused_for_a_new_day_starts_with_no_hours() -> None:
    """The mask is reset with its day cell: the same clock hours 8 days later count again
    from zero, and a cell's hours never leak into another day's."""
    rows = [
        dict(t=d * 86400 + h * H, caller=F, callee=f"+86139000{h:05d}")
        for d in (-8, 0)
        for h in ((1, 2, 3) if d else (2, 5))
    ]
    got = stream_features(cdrs(rows), 1)
    check(got, {F: {"active_hours_by_caller_1d": 2, "active_hours_by_caller_7d": 2}})

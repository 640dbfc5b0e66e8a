"""Sequential dialling as the batch query defines it, kept up to date as callees arrive.

The batch feature ``sequential_dialing_share`` counts, over a caller's distinct callees of
the window, those whose number is within ``SPAN`` of the next-lower callee in the sorted
list: a callee ``c`` counts when any other callee lies in ``[c - SPAN, c - 1]``. It is a
property of the *set* of numbers dialled, not of the dialling order, so a purchased,
number-sequential list dialled in shuffled order still counts. (An earlier streaming version
compared each new callee with the previous one dialled, which gave 0 for a school calling
its parents' numbers in random order where the batch gave 0.52.)

Per (caller, day) the set of callees is held in a hash table keyed by ``h(caller, day) +
callee``, so the numbers near a callee are the keys near its key: adding callee ``x`` probes
``x - SPAN .. x + SPAN``; ``x`` counts if a lower neighbour is present, and a present callee
``y`` just above ``x`` starts counting if nothing else lay in ``[y - SPAN, y - 1]``. That is
exact for the day's set (up to 63-bit hash collisions); the 7 d value sums the days.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SPAN = 10
_GOLD = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads (caller, day) over 64 bits
_MASK = np.uint64((1 << 63) - 1)  # keys stay non-negative (the table marks free keys -1)
_OFF = np.arange(-SPAN, SPAN + 1, dtype=np.int64).view(np.uint64)  # wraps: x - 10 .. x + 10
_LOWER = _OFF[:SPAN]


def _keys(base: np.ndarray, off: np.ndarray) -> np.ndarray:
    return ((base[:, None] + off[None, :]) & _MASK).astype(np.int64)


class DaySequence:
    """The callees of each (caller row, local day), and the sequential count they give."""

    def __init__(self, table: Any) -> None:
        self.table = table  # an expiring int64 hash table (``state._Table``)
        self.row = np.zeros(0, np.int64)
        self.day = np.full(0, -1, np.int32)

    def add(
        self, rows: np.ndarray, days: np.ndarray, callees: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Add distinct (row, day, callee) entries not yet held.

        Returns (1 per entry that counts as sequential, rows and days of callees already
        held that count from now on): the caller's sequential count for the day grows by both.
        """
        n = len(rows)
        if not n:
            return np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, np.int32)
        h = ((rows.astype(np.uint64) << np.uint64(24)) ^ days.astype(np.uint64)) * _GOLD
        base = h + callees.astype(np.int64).view(np.uint64)
        near = _keys(base, _OFF)  # (n, 2 SPAN + 1): the entry itself in the middle
        own = near[:, SPAN].copy()
        in_new = np.isin(near, own)
        in_held = (self.table.lookup(near.ravel()) >= 0).reshape(near.shape)
        present = in_new | in_held
        counts = present[:, :SPAN].any(1)
        # held callees just above a new one: count from now on if nothing held was below them
        i, j = np.nonzero(in_held[:, SPAN + 1 :])
        woke_rows, woke_days = np.zeros(0, np.int64), np.zeros(0, np.int32)
        if len(i):
            yb = base[i] + (j + 1).astype(np.uint64)
            yk = (yb & _MASK).astype(np.int64)
            _, first = np.unique(yk, return_index=True)
            i, yb = i[first], yb[first]
            below = _keys(yb, _LOWER)
            held_below = (self.table.lookup(below.ravel()) >= 0).reshape(below.shape).any(1)
            woke = ~held_below & np.isin(below, own).any(1)
            woke_rows, woke_days = rows[i[woke]], days[i[woke]]
        idx = self.table.insert(own)
        size = self.table.size
        if size > len(self.row):
            grow = max(size, 2 * len(self.row))
            self.row = np.r_[self.row, np.zeros(grow - len(self.row), np.int64)]
            self.day = np.r_[self.day, np.full(grow - len(self.day), -1, np.int32)]
        self.row[idx] = rows
        self.day[idx] = days
        return counts, woke_rows, woke_days

    def expire(self, before_day: int, dead_row: np.ndarray) -> None:
        """Forget the days before ``before_day`` and every entry of a row marked dead."""
        n = self.table.size
        if not n:
            return
        used = self.day[:n] >= 0
        drop = used & ((self.day[:n] < before_day) | dead_row[self.row[:n]])
        i = np.flatnonzero(drop)
        if len(i):
            self.table.delete(self.table.keys[i], i)
            self.day[i] = -1

    def __len__(self) -> int:
        return len(self.table)

    def nbytes(self) -> float:
        return len(self.table) * (self.table.nbytes_per_key() + 8 + 4)

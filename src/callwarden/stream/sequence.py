"""Sequential dialling as the batch query defines it, kept up to date as callees arrive.

The batch feature ``sequential_dialing_share`` counts, over a caller's distinct callees of
the window, those whose number is within ``SPAN`` of the next-lower callee in the sorted
list: a callee ``c`` counts when any other callee lies in ``[c - SPAN, c - 1]``. It is a
property of the *set* of numbers dialled, not of the dialling order, so a purchased,
number-sequential list dialled in shuffled order still counts. (An earlier streaming version
compared each new callee with the previous one dialled, which gave 0 for a school calling
its parents' numbers in random order where the batch gave 0.52.)

Per (caller, day) the callees are held as bitmasks of ``SPAN``-wide blocks of numbers, in a
hash table keyed by ``h(caller, day) + block``, so neighbouring blocks have neighbouring
keys. Whether a callee counts depends only on its own block and the one below, so adding
callees changes the count of the blocks they land in and of the blocks just above: each is
recounted from the old and new masks (a 20-bit window, shifts and a popcount). Exact for the
day's set, up to 63-bit hash collisions; the 7 d value sums the days.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SPAN = 10
_GOLD = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads (caller, day) over 64 bits
_MASK = np.uint64((1 << 63) - 1)  # keys stay non-negative (the table marks free keys -1)
_NEAR = np.array([-1, 0, 1], np.int64).view(np.uint64)  # the block below, itself, above


def _key(base: np.ndarray) -> np.ndarray:
    return (base & _MASK).astype(np.int64)


def _counted(below: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """How many callees of a block count, given its mask and the mask of the block below."""
    w = below.astype(np.uint32) | (mask.astype(np.uint32) << np.uint32(SPAN))
    cover = np.zeros_like(w)
    for s in range(1, SPAN + 1):  # bit p is covered when a bit lies 1..SPAN below it
        cover |= w << np.uint32(s)
    return np.bitwise_count((mask.astype(np.uint32) << np.uint32(SPAN)) & cover).astype(np.int64)


class DaySequence:
    """The callees of each (caller row, local day), and the sequential count they give."""

    def __init__(self, table: Any) -> None:
        self.table = table  # an expiring int64 hash table (``keytable.KeyTable``)
        self.row = np.zeros(1024, np.int64)
        self.day = np.full(1024, -1, np.int32)
        self.mask = np.zeros(1024, np.uint16)

    def add(
        self, rows: np.ndarray, days: np.ndarray, callees: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Add (row, day, callee) entries not yet held (distinct).

        Returns (rows, days, change): how much each caller's sequential count for the day
        grows (one entry per block recounted, possibly repeated per (row, day)).
        """
        if not len(rows):
            return np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int64)
        h = ((rows.astype(np.uint64) << np.uint64(24)) ^ days.astype(np.uint64)) * _GOLD
        c = callees.astype(np.int64)
        base = h + (c // SPAN).view(np.uint64)
        bit = (np.int64(1) << (c % SPAN)).astype(np.uint16)
        touched, first, inv = np.unique(_key(base), return_index=True, return_inverse=True)
        added = np.zeros(len(touched), np.uint16)
        np.bitwise_or.at(added, inv.reshape(-1), bit)
        tb, trow, tday = base[first], rows[first], days[first]
        # masks of every touched block and its two neighbours, before and after
        near = tb[:, None] + _NEAR[None, :]
        nk = _key(near)
        keys, at = np.unique(nk.ravel(), return_inverse=True)
        at = at.reshape(nk.shape)
        idx = self.table.lookup(keys)
        old = np.where(idx >= 0, self.mask[np.maximum(idx, 0)], 0).astype(np.uint16)
        new = old.copy()
        new[at[:, 1]] |= added
        # recount the touched blocks and the blocks above them (each once)
        blocks = np.concatenate([at[:, 1], at[:, 2]])
        below = np.concatenate([at[:, 0], at[:, 1]])
        owner = np.tile(np.arange(len(tb)), 2)
        blocks, once = np.unique(blocks, return_index=True)
        below, owner = below[once], owner[once]
        m = len(blocks)  # new and old masks in one pass: half the NumPy calls
        both = _counted(
            np.concatenate([new[below], old[below]]), np.concatenate([new[blocks], old[blocks]])
        )
        change = both[:m] - both[m:]
        # store the touched blocks' masks
        held = idx[at[:, 1]]
        have = held >= 0
        self.mask[held[have]] = new[at[have, 1]]
        if (~have).any():
            fresh = self.table.insert(_key(tb[~have]))
            size = self.table.size
            if size > len(self.row):
                grow = max(size, 2 * len(self.row)) - len(self.row)
                self.row = np.r_[self.row, np.zeros(grow, np.int64)]
                self.day = np.r_[self.day, np.full(grow, -1, np.int32)]
                self.mask = np.r_[self.mask, np.zeros(grow, np.uint16)]
            self.row[fresh], self.day[fresh] = trow[~have], tday[~have]
            self.mask[fresh] = added[~have]
        moved = change != 0
        return trow[owner[moved]], tday[owner[moved]], change[moved]

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
            self.mask[i] = 0

    def __len__(self) -> int:
        return len(self.table)

    def nbytes(self) -> float:
        return len(self.table) * (self.table.nbytes_per_key() + 8 + 4 + 2)

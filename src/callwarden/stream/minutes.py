"""The busiest 60 minutes of a day per entity, kept incrementally in a ring of minute cells.

The batch definition (``callwarden.features.definitions``, window ``1h``): the most calls in
any 60 consecutive minutes of the local day, each call counted by its start minute, windows
ending at midnight at the latest and starting at midnight at the earliest. The busiest window
ends with a minute that has a call, so it is enough to count, whenever calls arrive, the
window ending at each minute that may have changed, and keep the largest count per day.

Each entity row holds its latest start minute ``last`` and ``cells`` counts: cell
``m % cells`` counts the calls that started in minute ``m``, for the minutes
``(last - cells, last]`` (the cells of older minutes are zeroed as ``last`` moves on).
An update groups the new calls by (row, minute). A row with one new minute and no held
minute in the 59 before it (most rows: a number calls a few times a day) has that minute's
count as its window; for the others the held and new counts of the minutes each new window
reaches back to are laid out in one flat buffer and every window is a difference of one
cumulative sum (a sorted sparse layout instead where calls lie hours apart in one update).
Then ``last`` moves on, zeroing the cells of the minutes it passes, and the new counts are
added. Vectorised over the update: no loop per call or per row.

Late CDRs. A CDR is written when its call ends, so calls reach the state out of start order.
With ``cells = 60 + late`` a CDR that started at most ``late`` minutes before the latest
start minute its entity's state held before the update counts exactly: every window holding
it is counted with all of that window's calls (the cells still hold them). A CDR that started
earlier than that adds to no peak (it still counts in the day's other features). CDRs in
start order (a number's calls one after another) give the batch values exactly.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Minutes of a window.
WINDOW = 60
_ROW = np.int64(1) << 32  # keys: row * 2**32 + minute (minutes since 1970 fit in 32 bits)


class Update(NamedTuple):
    """What an update changed: the count of each window that gained a call (ending at a
    minute with a call: ``rows``, ``minutes``, ``counts``), for the caller to keep per day with
    a maximum. (Active clock hours are kept apart, as hour masks: ``ring.DayRing``.)"""

    rows: np.ndarray
    minutes: np.ndarray
    counts: np.ndarray


class MinuteRing:
    """``cap`` rows x ``cells`` minute counts (``dtype``, saturating) and each row's latest
    start minute (-1: none yet)."""

    def __init__(self, cells: int, dtype: type, cap: int, tz_hours: int) -> None:
        if cells < WINDOW:
            raise ValueError(f"a minute ring needs at least {WINDOW} cells, not {cells}")
        self.cells = cells
        self.tz_min = tz_hours * 60
        self.n: np.ndarray = np.zeros((cap, cells), dtype)
        self.last = np.full(cap, -1, np.int32)
        self._top = np.iinfo(dtype).max
        c = np.arange(cells)
        self._after = ((c[None, :] - c[:, None]) % cells).astype(np.int16)  # [o, c]: c - o mod
        #: the dense window buffer is used while it is at most this many times the update's
        #: keys and held cells (faster for short refreshes; bounded for long ones)
        self.dense_factor = 4.0

    @property
    def late_minutes(self) -> int:
        """How many minutes before its row's latest start a call may start and still count."""
        return self.cells - WINDOW

    def grow(self, cap: int) -> None:
        if cap <= len(self.last):
            return
        n = np.zeros((cap, self.cells), self.n.dtype)
        n[: len(self.n)] = self.n
        last = np.full(cap, -1, np.int32)
        last[: len(self.last)] = self.last
        self.n, self.last = n, last

    def clear(self, rows: np.ndarray) -> None:
        self.n[rows] = 0
        self.last[rows] = -1

    def nbytes_per_row(self) -> int:
        return int(self.n[0].nbytes + self.last.itemsize)

    def day_start(self, minutes: np.ndarray) -> np.ndarray:
        """The first minute of each minute's local day (as ``StreamState.day_of``)."""
        return (minutes + self.tz_min) // 1440 * 1440 - self.tz_min

    def update(self, rows: np.ndarray, minutes: np.ndarray) -> Update:
        """Add calls (their rows and start minutes, since 1970). Calls that started more
        than ``late_minutes`` before their row's latest start (as held before this update)
        are left out: they add to no peak."""
        keys = rows.astype(np.int64) * _ROW + minutes.astype(np.int64)
        uk, cnt = np.unique(keys, return_counts=True)
        ur, um = uk >> 32, uk & (_ROW - 1)  # sorted by row, then minute
        held = self.last[ur].astype(np.int64)
        ok = um >= held - self.late_minutes
        if not ok.all():
            ur, um, cnt, held = ur[ok], um[ok], cnt[ok], held[ok]
        if not len(ur):
            e = np.zeros(0, np.int64)
            return Update(e, e, e)
        brk = ur[1:] != ur[:-1]
        first = np.ones(len(ur), bool)  # each row's first key, and its last
        first[1:] = brk
        final = np.ones(len(ur), bool)
        final[:-1] = brk
        # A row with one minute of calls and no held minute in the 59 before (most rows: a
        # number calls a few times a day) has that minute's count as its only new window.
        alone = first & final & (held < um - (WINDOW - 1))
        cnt = cnt.astype(np.int64)
        if alone.all():
            got = (ur, um, cnt)
        else:
            more = self._windows(ur[~alone], um[~alone], cnt[~alone], held[~alone], first[~alone])
            got = (
                np.concatenate([ur[alone], more[0]]),
                np.concatenate([um[alone], more[1]]),
                np.concatenate([cnt[alone], more[2]]),
            )
        self._write(ur, um, cnt, held, first, final)
        return Update(got[0], got[1], got[2])

    def _windows(
        self, ur: np.ndarray, um: np.ndarray, cnt: np.ndarray, held: np.ndarray, first: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The windows that gained a call, ending at minutes with a call: per row, the
        minutes from 59 before its first new call to the last window that holds a new call,
        laid out in one flat buffer (held counts plus this update's), one cumulative sum, a
        subtraction per window. Where that buffer would be much larger than the calls and
        held cells (calls hours apart in one update), ``_windows_sparse``."""
        rid = np.cumsum(first) - 1  # key -> its row
        tr, h, lo, hi = ur[first], held[first], um[first], um[_last_of(first)]
        start = lo - (WINDOW - 1)
        size = np.minimum(np.maximum(h, hi), hi + WINDOW - 1) - start + 1
        if size.sum() > self.dense_factor * (len(ur) + self.cells * len(tr)):
            return self._windows_sparse(ur, um, cnt, held, first)
        off = np.cumsum(size) - size
        of = np.repeat(np.arange(len(tr)), size)  # buffer slot -> its row
        i = np.arange(len(of)) - off[of]
        minute = start[of] + i
        hs = h[of]
        valid = (minute <= hs) & (minute > hs - self.cells)
        buf = np.zeros(len(of), np.int64)
        block = self.n[tr]  # (the rows' cells, gathered whole: contiguous)
        buf[valid] = block[of[valid], minute[valid] % self.cells]
        buf[off[rid] + um - start[rid]] += cnt
        cum = _cumsum0(buf)
        end = np.flatnonzero((i >= WINDOW - 1) & (buf > 0))
        m = minute[end]
        span = m - np.maximum(m - (WINDOW - 1), self.day_start(m))  # not before midnight
        return tr[of[end]], m, cum[end + 1] - cum[end - span]

    def _windows_sparse(
        self, ur: np.ndarray, um: np.ndarray, cnt: np.ndarray, held: np.ndarray, first: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_windows`` for updates whose calls span many minutes (a refresh of hours): the
        rows' held minutes from 59 before their first new call, with this update's, sorted
        by (row, minute); one cumulative sum, and a binary search for each window's first
        minute. Work and memory in proportion to the calls and held cells."""
        tr, h, lo, hi = ur[first], held[first], um[first], um[_last_of(first)]
        keys, weight = ur * _ROW + um, cnt
        near = h >= lo - (WINDOW - 1)  # rows holding minutes a new window reaches back to
        if near.any():
            r, hn, ln = tr[near], h[near][:, None], lo[near][:, None]
            cell = hn - (hn - np.arange(self.cells)) % self.cells  # each cell's minute
            n = self.n[r]
            ri, ci = np.nonzero((n > 0) & (cell >= ln - (WINDOW - 1)))
            keys = np.concatenate([keys, r[ri] * _ROW + cell[ri, ci]])
            weight = np.concatenate([weight, n[ri, ci].astype(np.int64)])
        uk, inv = np.unique(keys, return_inverse=True)
        total = np.bincount(inv.reshape(-1), weights=weight, minlength=len(uk)).astype(np.int64)
        kr, km = uk >> 32, uk & (_ROW - 1)
        cum = _cumsum0(total)
        start = np.maximum(km - (WINDOW - 1), self.day_start(km))  # not before midnight
        window = cum[1:] - cum[np.searchsorted(uk, kr * _ROW + start, "left")]
        row = np.searchsorted(tr, kr)
        gained = (km >= lo[row]) & (km <= hi[row] + WINDOW - 1)
        return kr[gained], km[gained], window[gained]

    def _write(
        self,
        ur: np.ndarray,
        um: np.ndarray,
        cnt: np.ndarray,
        held: np.ndarray,
        first: np.ndarray,
        final: np.ndarray,
    ) -> None:
        """Move each row's latest minute on (zeroing the cells of the minutes it passes) and
        add the update's calls that fall in the cells' span."""
        tr, h = ur[first], held[first]
        latest = np.maximum(h, um[final])
        step = latest - h
        full = (h < 0) | (step >= self.cells)
        if full.any():
            self.n[tr[full]] = 0  # (whole rows: most numbers call again hours later)
        flat = self.n.reshape(-1)
        part = ~full & (step > 0)
        if part.any():  # zero the cells of the minutes passed: (h, latest], as a row mask
            rows, since = tr[part], (h[part] + 1) % self.cells
            passed = self._after[since] < step[part][:, None]
            self.n[rows] = np.where(passed, 0, self.n[rows])
        keep = um > latest[np.cumsum(first) - 1] - self.cells
        idx = ur[keep] * self.cells + um[keep] % self.cells
        flat[idx] = np.minimum(flat[idx].astype(np.int64) + cnt[keep], self._top)
        self.last[tr] = latest


def _cumsum0(x: np.ndarray) -> np.ndarray:
    """0 followed by the running sums of ``x`` (int64)."""
    out = np.zeros(len(x) + 1, np.int64)
    np.cumsum(x, out=out[1:])
    return out


def _last_of(first: np.ndarray) -> np.ndarray:
    """The index of each group's last element, from the flags of each group's first."""
    last = np.flatnonzero(first)[1:] - 1
    return np.append(last, len(first) - 1)

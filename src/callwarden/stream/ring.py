"""Per-entity day buckets: additive counters for the 1 d and 7 d windows, with expiry.

Each entity (a number or an ingress) owns ``R`` cells; cell ``day % R`` holds the counters
of one local day and remembers which day it holds, so a cell is reset the first time a new
day lands on it. A window ``[lo, hi]`` (in days) is the sum of the cells whose day lies in
it: the 1 d window of day D is ``[D, D]``, the 7 d one ``[D - 6, D]``. Everything here is
vectorised over rows; repeated rows in one call are summed (``np.add.at``).

With ``hours`` a ring also keeps, per cell, a 24-bit mask of the local clock hours with a
call (reset with its cell), so a distinct-hours count is exact in any arrival order.
"""

from __future__ import annotations

import numpy as np

R = 8  # 7 days of window plus one: the next day never overwrites a day still in the window


class DayRing:
    """``cap`` entities x ``R`` day cells x ``width`` float32 counters."""

    def __init__(self, width: int, cap: int = 1024, hours: bool = False) -> None:
        self.width = width
        self.acc = np.zeros((cap, R, width), dtype=np.float32)
        self.day = np.full((cap, R), -1, dtype=np.int32)
        # bit h: a call in local clock hour h of the cell's day (shape (0, R) without ``hours``)
        self.hours = np.zeros((cap if hours else 0, R), dtype=np.uint32)

    @property
    def cap(self) -> int:
        return int(self.acc.shape[0])

    def grow(self, cap: int) -> None:
        if cap <= self.cap:
            return
        acc = np.zeros((cap, R, self.width), dtype=np.float32)
        acc[: self.cap] = self.acc
        day = np.full((cap, R), -1, dtype=np.int32)
        day[: self.cap] = self.day
        if len(self.hours):
            hours = np.zeros((cap, R), dtype=np.uint32)
            hours[: self.cap] = self.hours
            self.hours = hours
        self.acc, self.day = acc, day

    def clear(self, rows: np.ndarray) -> None:
        self.acc[rows] = 0.0
        self.day[rows] = -1
        if len(self.hours):
            self.hours[rows] = 0

    def live(self, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Make the cells of (row, day) current; False where the day is older than the cell's
        (a record that arrives after its cell was reused for a newer day is dropped)."""
        rc = rows.astype(np.int64) * R + days % R  # flat (row, cell): one gather, not two
        held = self.day.reshape(-1)[rc]
        stale = days < held
        fresh = days > held
        if fresh.any():
            f = rc[fresh]
            self.acc.reshape(-1, self.width)[f] = 0.0
            self.day.reshape(-1)[f] = days[fresh]
            if len(self.hours):
                self.hours.reshape(-1)[f] = 0
        return ~stale

    def _flat(self, rows: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """Offset of each (row, cell) in the flat counter array."""
        return (rows.astype(np.int64) * R + cell) * self.width

    def scatter(
        self, rows: np.ndarray, cell: np.ndarray, cols: np.ndarray | int, values: np.ndarray | float
    ) -> None:
        """``acc[rows, cell, cols] += values`` with repeats summed, through one flat index:
        ``np.add.at`` on a 1-D index, with values already float32, takes NumPy's fast path
        (about 2 ns a value; a 3-D index or a cast costs a hundred times that)."""
        v = np.asarray(values, np.float32) if isinstance(values, np.ndarray) else np.float32(values)
        np.add.at(self.acc.reshape(-1), self._flat(rows, cell) + cols, v)

    def add(self, rows: np.ndarray, days: np.ndarray, col: int, values: np.ndarray | float) -> None:
        """Add to column ``col`` of the (already live) cells; cells of other days are left alone."""
        cell = days % R
        ok = self.day.reshape(-1)[rows.astype(np.int64) * R + cell] == days
        if not ok.all():
            rows, cell = rows[ok], cell[ok]
            values = values[ok] if isinstance(values, np.ndarray) else values
        self.scatter(rows, cell, col, values)

    def add_many(
        self, rows: np.ndarray, days: np.ndarray, cols: list[int], values: np.ndarray
    ) -> None:
        """Add ``values`` (len(rows), len(cols)) to several columns in one scatter."""
        cell = days % R
        ok = self.day.reshape(-1)[rows.astype(np.int64) * R + cell] == days
        if not ok.all():
            rows, cell, values = rows[ok], cell[ok], values[ok]
        c = np.asarray(cols, dtype=np.int64)
        idx = (self._flat(rows, cell)[:, None] + c[None, :]).reshape(-1)
        np.add.at(self.acc.reshape(-1), idx, np.ascontiguousarray(values, np.float32).reshape(-1))

    def mark_hours(self, rows: np.ndarray, days: np.ndarray, hours: np.ndarray, col: int) -> None:
        """Set bit ``hours`` (local clock hour, 0-23) in the mask of each (already live) cell
        and keep column ``col`` equal to the popcount of the cell's mask: the hours a call
        opens are added, whatever the order the calls arrive in."""
        cell = days % R
        rc = rows.astype(np.int64) * R + cell
        ok = self.day.reshape(-1)[rc] == days
        rc, bit = rc[ok], np.left_shift(np.uint32(1), hours[ok].astype(np.uint32))
        if not len(rc):
            return
        flat = self.hours.reshape(-1)
        cells = np.unique(rc)
        before = np.bitwise_count(flat[cells])
        np.bitwise_or.at(flat, rc, bit)
        opened = (np.bitwise_count(flat[cells]) - before).astype(np.float32)
        np.add.at(self.acc.reshape(-1), cells * self.width + col, opened)

    def maximum(self, rows: np.ndarray, days: np.ndarray, col: int, values: np.ndarray) -> None:
        cell = days % R
        ok = self.day.reshape(-1)[rows.astype(np.int64) * R + cell] == days
        v = np.asarray(values[ok], np.float32)
        np.maximum.at(self.acc.reshape(-1), self._flat(rows[ok], cell[ok]) + col, v)

    def window(self, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Sums (len(rows), width) over the cells whose day lies in ``[lo, hi]`` per row."""
        d = self.day[rows]
        mask = (d >= lo[:, None]) & (d <= hi[:, None])
        return np.einsum("rcw,rc->rw", self.acc[rows], mask.astype(np.float32))

    def day_and_week(self, rows: np.ndarray, anchor: np.ndarray) -> np.ndarray:
        """The 1 d window ``[anchor, anchor]`` stacked over the 7 d one ``[anchor - 6,
        anchor]``: (2 * len(rows), width), float64, from one gather of the rows' cells."""
        d = self.day[rows]
        a = anchor[:, None]
        mask = np.stack([d == a, (d >= a - 6) & (d <= a)]).astype(np.float32)
        return (
            np.einsum("rcw,mrc->mrw", self.acc[rows], mask)
            .reshape(-1, self.width)
            .astype(np.float64)
        )

    def nbytes_per_row(self) -> int:
        extra = self.hours[0].nbytes if len(self.hours) else 0
        return int(self.acc[0].nbytes + self.day[0].nbytes + extra)

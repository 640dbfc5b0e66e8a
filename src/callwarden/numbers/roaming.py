"""Own subscribers roaming abroad: the carrier's export from its HLR (``roaming.csv``).

``number,from,until``: a subscriber's number and when it was registered abroad (ISO 8601;
a time without an offset is local to the zone the command reads its CDRs' naive times in,
``--tz``, as the CDR contract reads ``start_time``; it was read as UTC before 1 Dec, 8 hours
off for a carrier's export in Beijing time), ``until`` blank while the subscriber is still
abroad. A window holds from ``from`` (inclusive) to ``until`` (exclusive). Their calls home
legitimately enter through an international gateway showing their own number, so the
international-gateway rule (``numbers.abroad``) exempts them. Reading is the only I/O;
``Roaming.at`` answers for arrays of calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from callwarden.errors import InputError
from callwarden.features.local_time import naive_instant
from callwarden.numbers._carrier_csv import read_rows

COLUMNS = ("number", "from", "until")


@dataclass(frozen=True)
class Roaming:
    """Roaming windows, merged per number and sorted by (number index, start).

    The numbers are keyed once, when the list is built (``registry._keys``: sorted int64
    keys, as the allocation registry keys its numbers), so a batch of calls is one
    ``np.searchsorted`` and one call is one dict look-up: nothing is rebuilt per call
    (a hash of the whole list per call cost 125 ms a call at 1,000,000 roamers). A value
    that is no E.164 number (``+`` and 1-15 digits) could never match a call's: it is left
    out."""

    numbers: pa.StringArray  # the distinct E.164 numbers, in ``keys`` order
    index: np.ndarray  # int64 number index of each window
    start: np.ndarray  # float64 s since 1970 UTC
    end: np.ndarray  # float64, inf while still abroad
    most: int  # the most windows one number has
    #: ``registry._keys`` of ``numbers``, ascending
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64), repr=False)
    #: number -> the position of its first window: the one-call path (``at_one``)
    first: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, rows: Sequence[tuple[str, float, float]]) -> Roaming:
        """Windows ``(e164, from_s, until_s)``; overlapping windows of a number are merged.
        Vectorised (a list of 1,000,000 is read in seconds, and ``serve`` re-reads it)."""
        from callwarden.numbers.registry import _keys

        n = len(rows)
        nums = pa.array([r[0] for r in rows], pa.string())
        a = np.fromiter((r[1] for r in rows), np.float64, n)
        b = np.fromiter((r[2] for r in rows), np.float64, n)
        keys, ok = _keys(nums)
        keep = np.flatnonzero(ok)
        order = keep[np.lexsort((a[keep], keys[keep]))]
        keys, a, b = np.asarray(keys, np.int64)[order], a[order], b[order]
        m = len(keys)
        head = np.ones(m, bool)
        head[1:] = keys[1:] != keys[:-1]
        gid = np.cumsum(head) - 1
        # the running latest end within each number, up to each window (a segmented cumulative
        # max: ranks of the ends offset by the number's position, so no number sees another's)
        by_end = np.argsort(b, kind="stable")
        rank = np.empty(m, np.int64)
        rank[by_end] = np.arange(m)
        run = np.maximum.accumulate(gid * (m + 1) + rank) - gid * (m + 1) if m else rank
        latest = b[by_end][run]
        new = head.copy()
        new[1:] |= a[1:] > latest[:-1]  # a window after the number's latest end opens anew
        at = np.flatnonzero(new)
        index = gid[at]
        names = pa.array(nums.take(pa.array(order[head])).to_pylist(), pa.string())
        first = np.searchsorted(index, np.arange(len(names)))
        return cls(
            names,
            index,
            a[at].copy(),
            np.maximum.reduceat(b, at) if m else b.copy(),
            int(np.bincount(index).max()) if len(index) else 0,
            keys[head],
            dict(zip(names.to_pylist(), first.tolist(), strict=True)),
        )

    def __len__(self) -> int:
        return len(self.numbers)

    def at(self, numbers: Sequence[str] | np.ndarray | pa.Array, t: np.ndarray) -> np.ndarray:
        """True where ``numbers[i]`` (E.164) is roaming abroad at ``t[i]`` (s since 1970 UTC).

        Vectorised: the calls' numbers keyed and found by ``np.searchsorted`` in the list's
        keys (built once), then one pass per window a number may have (``most``, 1 or 2 in
        practice)."""
        from callwarden.numbers.registry import _keys

        arr = numbers if isinstance(numbers, pa.Array) else pa.array(list(numbers), pa.string())
        t = np.asarray(t, np.float64)
        out = np.zeros(len(t), bool)
        if not len(self.numbers) or not len(t):
            return out
        qk, ok = _keys(arr)
        pos = np.minimum(np.searchsorted(self.keys, qk), len(self.keys) - 1)
        idx = np.where(ok & (self.keys[pos] == qk), pos, -1)
        lo = np.searchsorted(self.index, idx, "left")
        hi = np.searchsorted(self.index, idx, "right")
        for j in range(self.most):
            w = lo + j
            hit = (idx >= 0) & (w < hi)
            wc = np.minimum(w, len(self.start) - 1)
            out |= hit & (self.start[wc] <= t) & (t < self.end[wc])
        return out

    def at_one(self, number: str, t: float) -> bool:
        """``at`` for one call: a dict look-up (the online path, ``/v1/decide``)."""
        i = self.first.get(number)
        if i is None:
            return False
        number_index = self.index[i]
        while i < len(self.index) and self.index[i] == number_index:
            if self.start[i] <= t < self.end[i]:
                return True
            i += 1
        return False


def read_roaming(path: str | Path, *, tz: str, region: str = "CN") -> Roaming:
    """``roaming.csv`` (``number,from,until``, any column order). Numbers are read as the
    registry reads them (national spellings of ``region`` made E.164); a time without an
    offset is local to ``tz`` (a zone name or UTC offset, as ``--tz``): the zone the command
    reads its CDRs' naive times in, passed by each command. A missing file, another header, a
    number that does not parse, a ``from`` that is blank or no time, an ``until`` that is no
    time or not after ``from``: an InputError naming the line."""
    from callwarden.features.local_time import zone
    from callwarden.numbers import normalize

    local = zone(tz)  # an unknown zone fails before the file is read
    p = Path(path)
    rows, at = read_rows(p, "roaming", COLUMNS)
    # how a time is read, in each error line: a naive time's zone is the command's, not UTC
    how = (
        f"ISO 8601, one without an offset read in {tz} as the CDRs' times are, "
        "e.g. 2026-11-30T08:00:00Z"
    )
    out: list[tuple[str, float, float]] = []
    for line, row in enumerate(rows, start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) != 3:
            raise InputError(f"roaming file {p} line {line}: {len(row)} fields, not 3: {row!r}")
        raw = row[at["number"]].strip()
        number = normalize(raw, region) if raw else None
        if number is None:
            raise InputError(f"roaming file {p} line {line}: {raw!r} is not a phone number")
        try:
            start = naive_instant(row[at["from"]], local)
        except ValueError:
            raise InputError(
                f"roaming file {p} line {line}: 'from' {row[at['from']]!r} is not a time ({how})"
            ) from None
        until = row[at["until"]].strip()
        try:
            end = naive_instant(until, local) if until else float("inf")
        except ValueError:
            raise InputError(
                f"roaming file {p} line {line}: 'until' {until!r} is not a time ({how}; blank "
                "while the subscriber is still abroad)"
            ) from None
        if end <= start:
            raise InputError(f"roaming file {p} line {line}: 'until' is not after 'from'")
        out.append((number, start, end))
    return Roaming.of(out)

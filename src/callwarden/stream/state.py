"""Bounded incremental state per number and per ingress, fed by CDRs as they are written.

A CDR is written when its call is released, so the engine ingests it at ``end_ts``; a call
still in progress teaches nothing. For every number (caller or callee) the state keeps day
buckets of additive counters (:mod:`callwarden.stream.ring`), the calls of its last two hours
by start minute (:mod:`callwarden.stream.minutes`: the busiest 60 minutes) and a few "last
call" facts; for every (caller, callee) *pair* and (caller, ingress) *route*
seen in the last 7 days a small record in an expiring hash table (the distinct-callee,
call-back and rotation sketches). ``sweep`` drops pairs and routes idle for 7 days and
evicts numbers idle that long, or the least recently seen beyond ``max_numbers``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callwarden.stream.calls import Calls
from callwarden.stream.keytable import KeyTable, grow
from callwarden.stream.minutes import WINDOW, MinuteRing, Update
from callwarden.stream.ring import DayRing, R
from callwarden.stream.sequence import DaySequence

# number counters (one day cell each)
(N, ANS, SHORT, DEAD, REJ, NIGHT, MISM, ATTA, ATTC, GAPN, GAPS, GAPSS, OVL, INB, HOURS, HMAX,
 DCALLEE, CB, PRIOR1, PRIOR7, SEQ, DINB, ROUTES, CB1, REGMIS) = range(25)  # fmt: skip
# Histogram edges for quantiles: geometric, so the relative error is alike at every scale.
TALK_EDGES = np.r_[0.0, np.geomspace(1.0, 7200.0, 20)]
GAP_EDGES = np.r_[0.0, np.geomspace(1.0, 7 * 86400.0, 20)]
TALK0 = 25
GAP0 = TALK0 + len(TALK_EDGES) - 1
NUMBER_WIDTH = GAP0 + len(GAP_EDGES) - 1
# ingress counters
(I_N, I_ANS, I_SHORT, I_DEAD, I_REJ, I_MISM, I_ATTA, I_ATTC, I_UNAL, I_DCALLERS, I_HMAX,
 I_REGMIS) = range(12)  # fmt: skip
INGRESS_WIDTH = 12

DAY_S = 86400
#: How late (in start minutes, after the latest call start held) a CDR may come and still count
#: in the busiest 60 minutes: a number's calls overlap only when it dials in parallel, an
#: ingress carries every call in progress (``stream.minutes``; docs/streaming.md).
NUMBER_LATE_MIN = 60
INGRESS_LATE_MIN = 180


@dataclass(frozen=True)
class StateConfig:
    tz_hours: int = 8
    window_days: int = 7
    idle_evict_s: float = 7 * DAY_S  # a number silent this long is forgotten
    max_numbers: int = 5_000_000  # beyond this the least recently seen are evicted
    sweep_every_s: float = 3600.0
    initial_numbers: int = 65536  # capacity allocated up front (doubles when full)


class StreamState:
    """State of every tracked number, pair, route and ingress."""

    def __init__(self, config: StateConfig | None = None) -> None:
        self.config = config or StateConfig()
        self.slots = KeyTable()
        cap = self.config.initial_numbers
        self.key = np.full(cap, -1, np.int64)
        self.first_seen = np.zeros(cap)
        self.last_seen = np.zeros(cap)
        self.out_day = np.full(cap, -1, np.int32)  # last local day the number placed a call
        tz = self.config.tz_hours
        self.minutes = MinuteRing(WINDOW + NUMBER_LATE_MIN, np.uint16, cap, tz)
        self.last_ts = np.full(cap, np.nan)
        self.last_end = np.full(cap, np.nan)
        self.last_callee = np.full(cap, -1, np.int64)
        self.unalloc = np.full(cap, -1, np.int8)  # -1 unknown (no registry)
        self.main_ing = np.full(cap, -1, np.int32)
        self.main_n = np.zeros(cap, np.float32)
        self.main_day = np.full(cap, -1, np.int32)
        self.changed = np.zeros(cap, bool)  # state moved since the verdict was computed
        self.ring = DayRing(NUMBER_WIDTH, cap, hours=True)
        self.pairs = KeyTable()
        self.p_key = np.zeros(0, np.int64)
        self.p_first = np.zeros(0)
        self.p_last = np.zeros(0)
        self.p_day = np.zeros(0, np.int32)
        self.p_flags = np.zeros(0, np.int8)  # bit 0 called back, 1 prior contact, 2 back today
        self.p_dayfirst = np.zeros(0)  # first call of the pair's current day
        self.seq = DaySequence(KeyTable())  # each (caller, day)'s callees: sequential dialling
        self.routes = KeyTable()
        self.r_key = np.zeros(0, np.int64)
        self.r_last = np.zeros(0)
        self.r_day = np.zeros(0, np.int32)
        self.r_n = np.zeros(0, np.float32)
        self.handsets = KeyTable()  # (handset row, number) records: SIM-box sharing
        self.imeis = KeyTable()  # IMEI key -> handset row; a row no record uses is freed
        self.h_key = np.zeros(0, np.int64)
        self.h_last = np.zeros(0)
        self.h_day = np.zeros(0, np.int32)
        self.imei_n7 = np.zeros(1024, np.float32)  # numbers seen on the handset (7 d)
        self.imei_n1 = np.zeros(1024, np.float32)  # ... on its latest day
        self.imei_day = np.full(1024, -1, np.int32)
        self.handset = np.full(cap, -1, np.int64)  # the number's latest handset (row)
        self.ingress = DayRing(INGRESS_WIDTH, 64)
        self.ingress_rank = np.zeros(64, np.int64)  # name order: ties of the main ingress
        self.i_minutes = MinuteRing(WINDOW + INGRESS_LATE_MIN, np.uint32, 64, tz)
        self.now = 0.0
        self._next_sweep = 0.0
        self.evicted = 0

    # -- slots -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.slots)

    def slot_of(self, keys: np.ndarray, create: bool = False, now: float = 0.0) -> np.ndarray:
        """Slot per number key; -1 where unknown (or, with ``create``, a new slot)."""
        slots = self.slots.lookup(keys)
        miss = slots < 0
        if create and miss.any():
            new_keys, inv = np.unique(keys[miss], return_inverse=True)
            idx = self.slots.insert(new_keys)
            self._ensure(self.slots.size)
            self.key[idx] = new_keys
            self.first_seen[idx] = np.inf
            self.last_seen[idx] = now
            slots[miss] = idx[inv]
        return slots

    def reserve(self, numbers: int) -> None:
        """Room for this many numbers now (capped at ``max_numbers``): a replay knows how many
        it will see, and growing the day cells later copies every counter held so far."""
        self._ensure(min(numbers, self.config.max_numbers))

    def _ensure(self, n: int) -> None:
        if n <= len(self.key):
            return
        for name, fill in (("key", -1), ("first_seen", 0), ("last_seen", 0), ("out_day", -1),
                           ("last_ts", np.nan), ("last_end", np.nan), ("last_callee", -1),
                           ("unalloc", -1), ("main_ing", -1), ("main_n", 0), ("main_day", -1),
                           ("changed", 0), ("handset", -1)):  # fmt: skip
            setattr(self, name, grow(getattr(self, name), n, fill))
        self.ring.grow(len(self.key))
        self.minutes.grow(len(self.key))

    def day_of(self, ts: np.ndarray) -> np.ndarray:
        return ((ts + self.config.tz_hours * 3600) // DAY_S).astype(np.int32)

    # -- ingesting CDRs --------------------------------------------------------------------
    def ingest(self, c: Calls, unallocated: np.ndarray | None = None) -> None:
        """Fold CDRs (sorted by ``end_ts``, all written by now) into the state."""
        ok = (c.caller_key >= 0) & (c.callee_key >= 0)
        if not ok.all():
            c = c.take(np.flatnonzero(ok))
            unallocated = unallocated[ok] if unallocated is not None else None
        if not len(c):
            return
        self.now = max(self.now, float(c.end_ts[-1]))
        ab = self.slot_of(
            np.concatenate([c.caller_key, c.callee_key]), create=True, now=float(c.ts[0])
        )
        a, b = ab[: len(c)], ab[len(c) :]  # both sides in one look-up
        if unallocated is not None:
            self.unalloc[a] = unallocated.astype(np.int8)
        day = self.day_of(c.ts)
        for s in (a, b):
            np.minimum.at(self.first_seen, s, c.ts)
            np.maximum.at(self.last_seen, s, c.end_ts)
        keep = self.ring.live(a, day)
        self.ring.live(b, day)
        if not keep.all():  # a record older than its cell's day: too late to count
            c, a, b, day = c.take(keep), a[keep], b[keep], day[keep]
        self._counters(c, a, day)
        self._hours(a, day, c.ts)
        self._gaps(c, a, day)
        self._routes(c, a, day)
        self._handsets(c, a, day)
        np.maximum.at(self.out_day, a, day)
        self.changed[a] = True
        self.changed[b] = True
        # A call to one's own number is an attempt (above) but no contact between two
        # numbers: no pair (call-back, prior contact, sequential dialling), not received.
        if (a == b).any():
            other = np.flatnonzero(a != b)
            c, a, b, day = c.take(other), a[other], b[other], day[other]
        if len(c):
            self._pairs(c, a, b, day)
            self.ring.add(b, day, INB, 1.0)

    def _counters(self, c: Calls, a: np.ndarray, day: np.ndarray) -> None:
        local = (c.ts + self.config.tz_hours * 3600) % DAY_S
        short = (c.ans == 1) & (c.talk < 10)
        night = (local >= 75600) | (local < 28800)
        vals = np.stack(
            [np.ones(len(a)), c.ans, short, c.dead, c.rejected, night, c.mismatch, c.attest_a,
             c.attest_c, c.region_mismatch], axis=1,
        ).astype(np.float32)  # fmt: skip
        cols = [N, ANS, SHORT, DEAD, REJ, NIGHT, MISM, ATTA, ATTC, REGMIS]
        self.ring.add_many(a, day, cols, vals)
        answered = c.ans == 1
        bins = np.clip(
            np.searchsorted(TALK_EDGES, c.talk[answered], "right") - 1, 0, len(TALK_EDGES) - 2
        )
        self.ring.scatter(a[answered], day[answered] % R, TALK0 + bins, 1.0)
        # ingress counters
        g = c.ingress >= 0
        if g.any():
            i, d = c.ingress[g], day[g]
            self._ensure_ingress(int(i.max()) + 1)
            self.ingress.live(i, d)
            ivals = np.concatenate(
                [vals[g][:, [0, 1, 2, 3, 4, 6, 7, 8, 9]], (self.unalloc[a[g]] == 1)[:, None]],
                axis=1,
            ).astype(np.float32)
            cols = [I_N, I_ANS, I_SHORT, I_DEAD, I_REJ, I_MISM, I_ATTA, I_ATTC, I_REGMIS, I_UNAL]
            self.ingress.add_many(i, d, cols, ivals)
            self._ingress_hours(i, d, c.ts[g])

    def _ensure_ingress(self, n: int) -> None:
        if n > self.ingress.cap:
            cap = max(n, 2 * self.ingress.cap)
            self.ingress.grow(cap)
            self.i_minutes.grow(cap)
            self.ingress_rank = grow(self.ingress_rank, cap, 0)

    def set_ingress_names(self, names: list[str]) -> None:
        """Name order of the ingress codes (the batch breaks main-ingress ties by name)."""
        self._ensure_ingress(len(names))
        order = np.argsort(np.array(names, dtype=object), kind="stable")
        self.ingress_rank[order] = np.arange(len(names))

    def _hours(self, a: np.ndarray, day: np.ndarray, ts: np.ndarray) -> None:
        """Active clock hours (a bit per local clock hour in the day cell's mask: exact for
        any arrival order within the ring's days) and the busiest 60 minutes."""
        hour = ((ts + self.config.tz_hours * 3600) % DAY_S) // 3600
        self.ring.mark_hours(a, day, hour.astype(np.int64), HOURS)
        self._peak(self.ring, self.minutes, a, ts, HMAX)

    def _peak(
        self, ring: DayRing, minutes: MinuteRing, rows: np.ndarray, ts: np.ndarray, col: int
    ) -> Update:
        """Raise each (row, day)'s busiest-60-minutes count to the windows the calls changed."""
        up = minutes.update(rows, (ts // 60).astype(np.int64))
        if len(up.rows):
            d = self.day_of(up.minutes * 60)
            ring.live(up.rows, d)
            ring.maximum(up.rows, d, col, up.counts.astype(np.float32))
        return up

    def _ingress_hours(self, i: np.ndarray, d: np.ndarray, ts: np.ndarray) -> None:
        """Ingresses carry steady traffic, so late CDRs are common: their minute ring holds
        ``INGRESS_LATE_MIN`` minutes more than the window."""
        self._peak(self.ingress, self.i_minutes, i, ts, I_HMAX)

    def _gaps(self, c: Calls, a: np.ndarray, day: np.ndarray) -> None:
        """Gaps between a number's consecutive calls, in arrival order (see docs/streaming.md)."""
        order = np.lexsort((c.ts, a))
        sa, sts, send, sday = a[order], c.ts[order], c.end_sec[order], day[order]
        first = np.concatenate([[True], sa[1:] != sa[:-1]])
        prev_ts = np.where(first, self.last_ts[sa], np.concatenate([[np.nan], sts[:-1]]))
        prev_end = np.where(first, self.last_end[sa], np.concatenate([[np.nan], send[:-1]]))
        gap = sts - prev_ts
        has = ~np.isnan(gap) & (gap >= 0)
        g = np.where(has, gap, 0.0)
        ovl = sts < np.nan_to_num(prev_end, nan=-1.0)
        vals = np.stack([has, g, g * g, ovl], axis=1).astype(np.float32)
        self.ring.add_many(sa, sday, [GAPN, GAPS, GAPSS, OVL], vals)
        bins = np.clip(np.searchsorted(GAP_EDGES, g[has], "right") - 1, 0, len(GAP_EDGES) - 2)
        self.ring.scatter(sa[has], sday[has] % R, GAP0 + bins, 1.0)
        last = np.append(sa[1:] != sa[:-1], True)
        later = sts[last] >= np.nan_to_num(self.last_ts[sa[last]], nan=-np.inf)
        self.last_ts[sa[last][later]] = sts[last][later]
        self.last_end[sa[last][later]] = send[last][later]

    def _move(
        self, rows: np.ndarray, old: np.ndarray, new: np.ndarray, col: int, w: np.ndarray
    ) -> None:
        """Move a distinct-count contribution from day ``old`` (if still held) to day ``new``."""
        had = old >= 0
        if had.any():
            self.ring.add(rows[had], old[had], col, -w[had])
        self.ring.add(rows, new, col, w)

    def _pairs(self, c: Calls, a: np.ndarray, b: np.ndarray, day: np.ndarray) -> None:
        keys = a.astype(np.int64) * (1 << 32) + b
        uk, first = np.unique(keys, return_index=True)
        last = len(keys) - 1 - np.unique(keys[::-1], return_index=True)[1]
        ua, ub, uday, ucallee = a[first], b[first], day[last], c.callee_key[first]
        uts = c.ts[first]
        idx = self.pairs.lookup(uk)
        new = idx < 0
        if new.any():
            fresh = self.pairs.insert(uk[new])
            n = self.pairs.size
            self.p_key, self.p_first, self.p_last, self.p_dayfirst = (
                grow(x, n) for x in (self.p_key, self.p_first, self.p_last, self.p_dayfirst)
            )
            self.p_day, self.p_flags = grow(self.p_day, n, -1), grow(self.p_flags, n)
            self.p_key[fresh] = uk[new]
            self.p_first[fresh] = uts[new]
            self.p_day[fresh] = -1
            self.p_flags[fresh] = 0
            idx[new] = fresh
        # the reverse direction (looked up after insertion: both may be new in one batch)
        rev = self.pairs.lookup(ub.astype(np.int64) * (1 << 32) + ua)
        rfirst = np.where(rev >= 0, self.p_first[np.maximum(rev, 0)], np.inf)
        if new.any():
            self.p_flags[idx[new]] = np.where(rfirst[new] < uts[new], 2, 0).astype(np.int8)
        old_day = self.p_day[idx]
        moved = old_day < uday
        if moved.any():
            r, o, d, i = ua[moved], old_day[moved], uday[moved], idx[moved]
            one = np.ones(len(r), np.float32)
            flags = self.p_flags[i]
            self._move(ub[moved], o, d, DINB, one)
            earlier = (o >= 0) | (rfirst[moved] < uts[moved])
            seq_rows, seq_days, seq = self.seq.add(r, d, ucallee[moved])
            if len(seq_rows):
                self.ring.add(seq_rows, seq_days, SEQ, seq.astype(np.float32))
            moving = np.stack([one, (flags & 2) > 0, (flags & 1) > 0], axis=1).astype(np.float32)
            had = o >= 0
            if had.any():
                self.ring.add_many(r[had], o[had], [DCALLEE, PRIOR7, CB], -moving[had])
            vals = np.concatenate([moving, earlier[:, None]], axis=1)
            self.ring.add_many(r, d, [DCALLEE, PRIOR7, CB, PRIOR1], vals.astype(np.float32))
            self.p_day[i] = d
            self.p_dayfirst[i] = uts[moved]
            self.p_flags[i] &= ~np.int8(4)
        self.p_last[idx] = np.maximum(self.p_last[idx], c.ts[last])
        self.last_callee[ua] = ucallee
        # call-backs: this call answers an earlier call of the callee to the caller
        back = rev >= 0
        if back.any():
            ri, when = rev[back], c.ts[last][back]
            ever = ((self.p_flags[ri] & 1) == 0) & (self.p_first[ri] <= when)
            today = ((self.p_flags[ri] & 4) == 0) & (self.p_dayfirst[ri] <= when)
            for bit, col, due in ((1, CB, ever), (4, CB1, today)):
                rows = np.unique(ri[due])
                if len(rows):
                    self.p_flags[rows] |= np.int8(bit)
                    self.ring.add(self.p_key[rows] >> 32, self.p_day[rows], col, 1.0)

    def _routes(self, c: Calls, a: np.ndarray, day: np.ndarray) -> None:
        g = c.ingress >= 0
        if not g.any():
            return
        a, day, ing, ts = a[g], day[g], c.ingress[g].astype(np.int64), c.ts[g]
        keys = a.astype(np.int64) * (1 << 20) + ing
        uk, first, inv = np.unique(keys, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        # A route is kept on the latest day it was used, with its calls that day: an update
        # spanning local midnight counts it on its latest day in the update (not the day of
        # its first CDR there, which left the new day without the route or main ingress).
        ud = np.full(len(uk), day.min(), day.dtype)
        np.maximum.at(ud, inv, day)
        on = day == ud[inv]
        cnt = np.bincount(inv[on], minlength=len(uk))
        last_ts = np.full(len(uk), ts.min(), ts.dtype)
        np.maximum.at(last_ts, inv, ts)
        ua, ui = a[first], ing[first]
        idx = self.routes.lookup(uk)
        new = idx < 0
        if new.any():
            fresh = self.routes.insert(uk[new])
            size = self.routes.size
            self.r_key, self.r_last = grow(self.r_key, size), grow(self.r_last, size)
            self.r_day, self.r_n = grow(self.r_day, size, -1), grow(self.r_n, size)
            self.r_key[fresh] = uk[new]
            self.r_day[fresh] = -1
            self.r_n[fresh] = 0
            idx[new] = fresh
        old = self.r_day[idx]
        moved = old < ud
        if moved.any():
            one = np.ones(int(moved.sum()), np.float32)
            self._move(ua[moved], old[moved], ud[moved], ROUTES, one)
            self.ingress.live(ui[moved], ud[moved])
            had = old[moved] >= 0
            if had.any():
                self.ingress.add(ui[moved][had], old[moved][had], I_DCALLERS, -one[had])
            self.ingress.add(ui[moved], ud[moved], I_DCALLERS, one)
        n = np.where(moved, 0.0, self.r_n[idx]) + cnt
        self.r_n[idx] = n
        self.r_day[idx] = np.maximum(old, ud)
        self.r_last[idx] = np.maximum(self.r_last[idx], last_ts)
        # the number's main ingress of the day: the route with most calls that day (ties: the
        # first name, as the batch query orders them); the best route per number in this
        # update first, then against the current one
        rank = self.ingress_rank
        o = np.lexsort((rank[ui], -n, -ud, ua))
        first = np.concatenate([[True], ua[o][1:] != ua[o][:-1]])
        b = o[first]
        ua, ui, ud, n = ua[b], ui[b], ud[b], n[b]
        cur = self.main_ing[ua]
        same_day = self.main_day[ua] == ud
        tie = (n == self.main_n[ua]) & (rank[ui] <= rank[np.maximum(cur, 0)])
        better = (self.main_day[ua] < ud) | (same_day & ((n > self.main_n[ua]) | tie))
        self.main_ing[ua[better]] = ui[better].astype(np.int32)
        self.main_n[ua[better]] = n[better]
        self.main_day[ua[better]] = ud[better]

    def _handsets(self, c: Calls, a: np.ndarray, day: np.ndarray) -> None:
        """Numbers per handset (IMEI): a SIM box shows many numbers on one device."""
        g = c.imei >= 0
        if not g.any():
            return
        a, day, ts = a[g], day[g], c.ts[g]
        imei = self.imeis.lookup(c.imei[g])  # handset rows (one C look-up per CDR)
        new = imei < 0
        if new.any():
            uk, inv = np.unique(c.imei[g][new], return_inverse=True)
            imei[new] = self.imeis.insert(uk)[inv.reshape(-1)]
            n = self.imeis.size
            if n > len(self.imei_n7):
                self.imei_n7, self.imei_n1 = grow(self.imei_n7, n), grow(self.imei_n1, n)
                self.imei_day = grow(self.imei_day, n, -1)
        keys = imei * (1 << 32) + a
        uk, last = np.unique(keys[::-1], return_index=True)
        last = len(keys) - 1 - last
        ua, ui, ud = a[last], imei[last], day[last]
        idx = self.handsets.lookup(uk)
        new = idx < 0
        if new.any():
            fresh = self.handsets.insert(uk[new])
            n = self.handsets.size
            self.h_key, self.h_last = grow(self.h_key, n), grow(self.h_last, n)
            self.h_day = grow(self.h_day, n, -1)
            self.h_key[fresh] = uk[new]
            self.h_day[fresh] = -1
            idx[new] = fresh
            np.add.at(self.imei_n7, ui[new], np.float32(1.0))  # no cast: NumPy's fast path
        later = ud > self.imei_day[ui]
        self.imei_n1[ui[later]] = 0.0
        np.maximum.at(self.imei_day, ui, ud)
        first_today = (self.h_day[idx] < ud) & (ud == self.imei_day[ui])
        np.add.at(self.imei_n1, ui[first_today], np.float32(1.0))
        self.h_day[idx] = np.maximum(self.h_day[idx], ud)
        self.h_last[idx] = np.maximum(self.h_last[idx], ts[last])
        self.handset[ua] = ui

    def attempts_7d(self, slots: np.ndarray) -> np.ndarray:
        """Calls placed in the 7 days up to each number's anchor day (one counter column)."""
        d = self.ring.day[slots]
        anchor = self.out_day[slots][:, None]
        live = (d <= anchor) & (d >= anchor - 6)
        return (self.ring.acc[slots, :, N] * live).sum(1)

    # -- expiry and eviction ---------------------------------------------------------------
    def sweep(self, now: float) -> np.ndarray:
        """Expire pairs and routes idle for the window, evict idle numbers; returns the slots
        it freed (a new number may get one at once: whoever keeps per-slot facts beside the
        state, as the engine's verdicts, must forget them for these slots)."""
        if now < self._next_sweep:
            return np.zeros(0, np.int64)
        self._next_sweep = now + self.config.sweep_every_s
        horizon = now - self.config.window_days * DAY_S
        n = self.slots.size
        live = self.key[:n] >= 0
        idle = live & (self.last_seen[:n] < now - self.config.idle_evict_s)
        extra = int(live.sum() - idle.sum()) - self.config.max_numbers
        if extra > 0:
            cand = np.flatnonzero(live & ~idle)
            oldest = cand[np.argpartition(self.last_seen[cand], extra)[:extra]]
            idle[oldest] = True
        gone = np.flatnonzero(idle)
        self._expire_pairs(horizon, gone)
        if len(gone):
            self.slots.delete(self.key[gone], gone)
            self.key[gone] = -1
            self.ring.clear(gone)
            self.minutes.clear(gone)
            for name, fill in (("out_day", -1), ("last_ts", np.nan), ("last_end", np.nan),
                               ("last_callee", -1), ("unalloc", -1), ("main_ing", -1),
                               ("main_n", 0), ("main_day", -1), ("changed", 0), ("first_seen", 0), ("last_seen", 0), ("handset", -1)):  # fmt: skip
                getattr(self, name)[gone] = fill
            self.evicted += len(gone)
        return gone

    def _expire_pairs(self, horizon: float, gone: np.ndarray) -> None:
        dead_slot = np.zeros(len(self.key), bool)
        dead_slot[gone] = True
        # a day's callee set is needed while its day can still gain callees (late CDRs)
        self.seq.expire(
            int(self.day_of(np.array([horizon]))[0]) + self.config.window_days - 1, dead_slot
        )
        n = self.pairs.size
        if n:
            used = self.p_day[:n] >= 0
            k = self.p_key[:n]
            drop = used & (
                (self.p_last[:n] < horizon) | dead_slot[k >> 32] | dead_slot[k & 0xFFFFFFFF]
            )
            i = np.flatnonzero(drop)
            self.pairs.delete(k[i], i)
            self.p_day[i] = -1
            self.p_flags[i] = 0
        n = self.handsets.size
        if n:
            used = self.h_day[:n] >= 0
            k = self.h_key[:n]
            drop = used & ((self.h_last[:n] < horizon) | dead_slot[k & 0xFFFFFFFF])
            i = np.flatnonzero(drop)
            self.handsets.delete(k[i], i)
            np.add.at(self.imei_n7, k[i] >> 32, np.float32(-1.0))
            self.h_day[i] = -1
            self._free_imeis(np.unique(k[i] >> 32))
        n = self.routes.size
        if n:
            used = self.r_day[:n] >= 0
            k = self.r_key[:n]
            drop = used & ((self.r_last[:n] < horizon) | dead_slot[k >> 20])
            i = np.flatnonzero(drop)
            self.routes.delete(k[i], i)
            self.r_day[i] = -1

    def _free_imeis(self, rows: np.ndarray) -> None:
        """Forget the handsets among ``rows`` that no (handset, number) record refers to any
        more: their rows go back to the free list, and numbers whose latest handset was one
        of them have none (a reused row is another handset)."""
        rows = rows[self.imei_n7[rows] < 0.5]
        if not len(rows):
            return
        self.imeis.delete(self.imeis.keys[rows], rows)
        self.imei_n7[rows] = 0.0
        self.imei_n1[rows] = 0.0
        self.imei_day[rows] = -1
        n = self.slots.size
        held = np.flatnonzero(np.isin(self.handset[:n], rows))
        self.handset[held] = -1

    def memory(self) -> dict[str, float | None]:
        """Bytes held, and per tracked number (arrays at capacity plus hash-table entries)."""
        per_slot = sum(getattr(self, f).itemsize for f in (
            "key", "first_seen", "last_seen", "out_day", "last_ts", "last_end", "last_callee",
            "unalloc", "main_ing", "main_n", "main_day", "changed", "handset",
        )) + self.ring.nbytes_per_row() + self.minutes.nbytes_per_row()  # fmt: skip
        dict_entry = self.slots.nbytes_per_key()
        numbers, pairs, routes = (
            len(self.slots),
            len(self.pairs),
            len(self.routes),
        )
        pair_bytes = pairs * (self.pairs.nbytes_per_key() + 8 * 3 + 4 + 1)
        route_bytes = routes * (self.routes.nbytes_per_key() + 8 * 2 + 4 + 4)
        handsets = len(self.handsets)
        imeis = len(self.imeis)
        handset_bytes = (
            handsets * (self.handsets.nbytes_per_key() + 8 * 2 + 4)
            + imeis * self.imeis.nbytes_per_key()
            + self.imei_n7.nbytes * 3
        )
        number_bytes = numbers * (per_slot + dict_entry)
        total = number_bytes + pair_bytes + route_bytes + handset_bytes + self.seq.nbytes()
        return {
            "numbers": numbers,
            "pairs": pairs,
            "routes": routes,
            "handsets": handsets,
            "imeis": imeis,
            "day_callees": len(self.seq),
            "bytes_per_number_slot": per_slot + dict_entry,
            "bytes_total": total,
            # none without numbers (the fixed arrays over max(numbers, 1) read as 12,288 B)
            "bytes_per_tracked_number": total / numbers if numbers else None,
        }

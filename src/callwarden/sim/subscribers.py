"""Ordinary subscribers: a social graph with heavy-tailed degrees, reciprocity and rhythm.

Model. Every subscriber has a lognormal activity (how many calls they start) and ``1 +
Poisson`` contacts scaled by it (heavy-tailed degrees). Contacts are implicit, so a
million-subscriber graph costs no edge list: subscribers are shuffled within their city,
and contact slot ``2m`` of a subscriber is the one ``d_m`` places ahead in that order, slot
``2m + 1`` the one ``d_m`` behind, so if A has B in slot ``2m`` then B has A in slot
``2m + 1``: ties are mutual (reciprocity) whenever both have that many contacts. A slot pair
is local (same city, ``local_share``), province-wide, or a number outside the province
(``remote_share``). A call goes to slot ``j`` with probability falling like ``1/j``: a few
strong ties take most calls (the tie-strength skew of mobile-call graphs). Each day a
subscriber starts ``Poisson(activity * calls_per_day)`` calls at the ``social`` hourly
profile, fewer at weekends; missed calls are often returned within the hour. Besides their
ties, subscribers call bank and insurer hotlines (the prior contact a bank's call-back
answers) and occasionally misdial, reaching an unallocated number (cause 1).
"""

from __future__ import annotations

import numpy as np

from callwarden.cdr.schema import CAUSE_NO_ANSWER, CAUSE_USER_BUSY
from callwarden.sim.calls import (
    CallBatch,
    Population,
    local_seconds,
    make_batch,
    outcomes,
    sorted_local_seconds,
    talk_times,
)
from callwarden.sim.world import SimContext

MAX_SLOTS = 128  # contacts per subscriber at most (64 mutual offset pairs)
GRAPH_PARTS = 2  # spans of a day drawn side by side (one per core of the reference machine)
LOCAL, PROVINCE, REMOTE = 0, 1, 2


class Subscribers:
    """The implicit social graph is set up once per run; :meth:`day` draws a day's calls."""

    stream = 1

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.subscriber
        rng = ctx.rng(self.stream, 0)
        n = len(ctx.subs)
        activity = rng.lognormal(0.0, p.activity_sigma, n)
        self.activity = (activity / activity.mean()).astype(np.float32)
        extra = np.maximum(p.contacts_mean - 1.0, 0.1) * self.activity
        self.degree = np.minimum(1 + rng.poisson(extra), MAX_SLOTS).astype(np.int32)
        # A random order within each city (and over the province) places the contacts.
        self.city = ctx.subs_city.astype(np.int32)
        self.lo = ctx.city_bounds[:-1].astype(np.int32)
        self.size = np.diff(ctx.city_bounds).astype(np.int32)
        self.perm = np.concatenate(
            [lo + rng.permutation(int(size)) for lo, size in zip(self.lo, self.size, strict=True)]
        ).astype(np.int32)  # city-local rank -> subscriber
        self.rank = np.empty(n, dtype=np.int32)
        self.rank[self.perm] = np.arange(n, dtype=np.int32) - np.repeat(self.lo, self.size)
        self.gperm = rng.permutation(n).astype(np.int32)  # province rank -> subscriber
        self.grank = np.empty(n, dtype=np.int32)
        self.grank[self.gperm] = np.arange(n, dtype=np.int32)
        pairs = MAX_SLOTS // 2
        u = rng.random(pairs)
        self.kind = np.where(
            u < p.local_share, LOCAL, np.where(u < 1.0 - p.remote_share, PROVINCE, REMOTE)
        )
        self.kind[0] = LOCAL  # the strongest tie is someone in town
        self.offset = rng.random(pairs)  # as a fraction of the city (or province) size
        self.remote_key = rng.integers(0, 2**31 - 1, size=pairs)
        self.subs = ctx.subs.astype(np.int32)
        self.remote = ctx.remote.astype(np.int32)

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        return self.side_calls(ctx, day) + self.graph_calls(ctx, day)

    def side_calls(self, ctx: SimContext, day: int) -> list[CallBatch]:
        """Calls to hotlines (which the banks' call-backs need first) and misdials."""
        p = ctx.scenario.subscriber
        rng = ctx.rng(self.stream, 10_000 + day)
        factor = p.weekend_factor if ctx.weekday(day) >= 5 else 1.0
        return [self._hotline_calls(ctx, rng, day, factor), self._misdials(ctx, rng, day, factor)]

    def graph_calls(self, ctx: SimContext, day: int) -> list[CallBatch]:
        """The day's calls along the social graph (in time order) and the returned ones."""
        return [b for part in self.graph_draws(ctx, day) for b in self.graph_part(ctx, *part)]

    def graph_draws(
        self, ctx: SimContext, day: int
    ) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
        """Who starts each of the day's calls and when, cut into :data:`GRAPH_PARTS` spans of
        the day that :meth:`graph_part` fills independently (the engine runs them side by side).

        The calls are exchangeable, so pairing them with sorted times gives calls in time order:
        the engine merges the other populations in without sorting millions of rows."""
        p = ctx.scenario.subscriber
        rng = ctx.rng(self.stream, day + 1)
        factor = p.weekend_factor if ctx.weekday(day) >= 5 else 1.0
        starts = rng.poisson(self.activity * np.float32(p.calls_per_day * factor))
        who = rng.permutation(np.repeat(np.arange(len(starts), dtype=np.int32), starts))
        seconds = sorted_local_seconds(rng, len(who), "social")
        cut = np.linspace(0, len(who), GRAPH_PARTS + 1).astype(np.int64)
        return [
            (day, k, who[cut[k] : cut[k + 1]], seconds[cut[k] : cut[k + 1]])
            for k in range(GRAPH_PARTS)
        ]

    def graph_part(
        self, ctx: SimContext, day: int, part: int, who: np.ndarray, seconds: np.ndarray
    ) -> list[CallBatch]:
        """One span's calls (time-ordered) and their returned calls, from its own stream."""
        rng = ctx.rng(self.stream, day + 1, part)
        caller, callee, keep = self.contacts(rng, who)
        batch = self._calls(ctx, rng, day, caller, callee, seconds[keep])
        return [batch, self._callbacks(ctx, rng, day, batch)]

    def contacts(
        self, rng: np.random.Generator, who: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(caller, callee) number rows for calls started by subscribers ``who``, and which of
        ``who`` they are (a subscriber alone in a city has nobody to call)."""
        deg = self.degree[who]
        slot = np.minimum(
            (deg.astype(np.float64) ** rng.random(len(who))).astype(np.int32) - 1, deg - 1
        )
        pair, sign = slot // 2, 1 - 2 * (slot % 2)
        kind = self.kind[pair]
        partner = np.empty(len(who), dtype=np.int32)
        local = kind == LOCAL
        c = self.city[who[local]]
        size = self.size[c]
        step = np.maximum(1, (self.offset[pair[local]] * size).astype(np.int32)) * sign[local]
        partner[local] = self.perm[self.lo[c] + (self.rank[who[local]] + step) % size]
        wide = kind == PROVINCE
        n = len(self.subs)
        step = np.maximum(1, (self.offset[pair[wide]] * n).astype(np.int64)) * sign[wide]
        partner[wide] = self.gperm[(self.grank[who[wide]] + step) % n]
        far = kind == REMOTE
        caller = self.subs[who]
        callee = np.empty(len(who), dtype=np.int32)
        callee[~far] = self.subs[partner[~far]]
        # a remote contact: a number outside the province, who rings half the time
        key = (who[far].astype(np.int64) * 2_654_435_761 + self.remote_key[pair[far]]) % len(
            self.remote
        )
        remote = self.remote[key]
        inbound = rng.random(int(far.sum())) < 0.5
        callee[far] = np.where(inbound, caller[far], remote)
        caller[far] = np.where(inbound, remote, caller[far])
        keep = caller != callee  # a city of one: nobody to call
        return caller[keep], callee[keep], keep

    def _calls(
        self,
        ctx: SimContext,
        rng: np.random.Generator,
        day: int,
        caller: np.ndarray,
        callee: np.ndarray,
        seconds: np.ndarray,
    ) -> CallBatch:
        p = ctx.scenario.subscriber
        n = len(caller)
        talk = talk_times(rng, n, p.talk_median_s, p.talk_sigma)
        dur, ring, cause = outcomes(
            rng, n, answer=p.answer, reject=p.reject, busy=p.busy, talk=talk
        )
        ingress, attest = ctx.route(rng, caller)
        # A few of the carrier's own subscribers call while away from their home city.
        roam = (attest == 1) & (rng.random(n) < p.roaming_share)
        region = np.full(n, -1, dtype=np.int32)
        region[roam] = np.asarray(ctx.city_region)[
            rng.integers(0, len(ctx.city_region), int(roam.sum()))
        ]
        return make_batch(
            caller=caller,
            callee=callee,
            caller_region=region,
            t_us=ctx.day_us(day, seconds),
            duration=dur,
            ring=ring,
            cause=cause,
            ingress=ingress,
            attest=attest,
            population=Population.SUBSCRIBER,
        )

    def _callbacks(
        self, ctx: SimContext, rng: np.random.Generator, day: int, calls: CallBatch
    ) -> CallBatch:
        p = ctx.scenario.subscriber
        missed = (calls.cause == CAUSE_NO_ANSWER) | (calls.cause == CAUSE_USER_BUSY)
        sel = np.flatnonzero(missed & (rng.random(len(calls)) < p.callback_missed))
        delay = calls.ring[sel] + rng.exponential(900.0, len(sel)) + 20.0
        seconds = (calls.t_us[sel] - ctx.day_us(day, 0)) / 1e6 + delay
        keep = seconds < 86_400
        sel, seconds = sel[keep], seconds[keep]
        return self._calls(ctx, rng, day, calls.callee[sel], calls.caller[sel], seconds)

    def _hotline_calls(
        self, ctx: SimContext, rng: np.random.Generator, day: int, factor: float
    ) -> CallBatch:
        p = ctx.scenario.subscriber
        n = int(rng.poisson(len(ctx.subs) * p.service_calls_per_day * factor))
        hot = np.array(list(ctx.hotlines.values()), dtype=np.int64)
        share = np.linspace(2.0, 0.5, len(hot))  # the big banks get most calls
        caller = ctx.subs[rng.integers(0, len(ctx.subs), size=n)]
        callee = hot[
            np.minimum(np.searchsorted(np.cumsum(share) / share.sum(), rng.random(n)), len(hot) - 1)
        ]
        seconds = local_seconds(rng, n, "business")
        talk = talk_times(rng, n, 150.0, 0.8)
        dur, ring, cause = outcomes(rng, n, answer=0.97, reject=0.0, busy=0.02, talk=talk)
        ring = np.minimum(ring, 3.0)  # the IVR picks up at once
        ingress, attest = ctx.route(rng, caller)
        batch = make_batch(
            caller=caller,
            callee=callee,
            t_us=ctx.day_us(day, seconds),
            duration=dur,
            ring=ring,
            cause=cause,
            ingress=ingress,
            attest=attest,
            population=Population.SUBSCRIBER,
        )
        ctx.hotline_calls[day] = batch
        return batch

    def _misdials(
        self, ctx: SimContext, rng: np.random.Generator, day: int, factor: float
    ) -> CallBatch:
        p = ctx.scenario.subscriber
        n = int(rng.poisson(len(ctx.subs) * p.misdial_per_day * factor))
        block_rows = ctx.block_rows
        caller = ctx.subs[rng.integers(0, len(ctx.subs), size=n)]
        callee = rng.integers(0, block_rows, size=n)
        allocated = ctx.table.origin()[3]
        dead = ~allocated[callee]
        talk = talk_times(rng, n, 8.0, 0.5)
        dur, ring, cause = outcomes(rng, n, answer=0.45, reject=0.1, dead=dead, talk=talk)
        ingress, attest = ctx.route(rng, caller)
        return make_batch(
            caller=caller,
            callee=callee,
            t_us=ctx.day_us(day, local_seconds(rng, n, "social")),
            duration=dur,
            ring=ring,
            cause=cause,
            ingress=ingress,
            attest=attest,
            population=Population.SUBSCRIBER,
        )

"""Ordinary subscribers: a social graph with heavy-tailed degrees, reciprocity and rhythm.

Model. Every subscriber has a lognormal activity; it draws ``1 + Poisson`` outgoing ties
scaled by that activity (heavy-tailed degrees), to a subscriber of its own city
(``local_share``), of the province, or to a number outside it (``remote_share``). A tie is
undirected: each carries a lognormal call rate and a direction balance, so both ends call
each other (reciprocity). Each day a tie places ``Poisson(rate)`` calls at the ``social``
hourly profile, fewer at weekends. Missed calls are often returned within the hour. Besides
their ties, subscribers call bank and insurer hotlines (the prior contact a bank's call-back
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


class Subscribers:
    """The social graph is drawn once per run; :meth:`day` draws one day of its calls."""

    stream = 1

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.subscriber
        rng = ctx.rng(self.stream, 0)
        n = len(ctx.subs)
        activity = rng.lognormal(0.0, p.activity_sigma, n)
        activity /= activity.mean()
        m_out = 1 + rng.poisson(np.maximum(p.contacts_mean / 2 - 1, 0.1) * activity)
        # Subscribers are grouped by city, so repeating per-subscriber values keeps memory
        # access sequential; only the partner draw is a random gather.
        src = np.repeat(np.arange(n, dtype=np.int32), m_out)
        e = len(src)
        city = np.repeat(ctx.subs_city, m_out).astype(np.int64)
        lo, size = ctx.city_bounds[city], np.diff(ctx.city_bounds)[city]
        del city
        u = rng.random(e, dtype=np.float32)
        dst = lo + (rng.random(e, dtype=np.float32) * size).astype(np.int64)
        del lo, size
        far = u >= p.local_share
        dst[far] = rng.integers(0, n, size=int(far.sum()))
        dst = np.where(dst == src, (dst + 1) % n, dst)
        self.a = np.repeat(ctx.subs.astype(np.int32), m_out)
        self.b = ctx.subs.astype(np.int32)[dst]
        del dst, src
        remote = u >= 1.0 - p.remote_share
        self.b[remote] = ctx.remote[rng.integers(0, len(ctx.remote), size=int(remote.sum()))]
        w = np.exp(1.2 * rng.standard_normal(e, dtype=np.float32)) * np.repeat(
            np.sqrt(activity).astype(np.float32), m_out
        )
        rate = w * np.float32(n * p.calls_per_day / float(w.sum(dtype=np.float64)))
        # Group ties by rate class (factors of 1.25) so a day's calls can be drawn by Poisson
        # thinning in O(calls) instead of one Poisson draw per tie.
        cls = np.floor(np.log(rate / rate.min()) * (1 / np.log(1.25))).astype(np.int16)
        self.order = np.argsort(cls, kind="stable").astype(np.int32)  # ties grouped by class
        self.rate = rate
        counts = np.bincount(cls)
        self.class_start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.class_size = counts.astype(np.int64)
        # the top of each class interval bounds its rates (thinning accepts 80% or more)
        self.class_max = float(rate.min()) * 1.25 ** (np.arange(len(counts)) + 1.0)
        self.balance = rng.uniform(0.15, 0.85, e).astype(np.float32)  # who calls whom more

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
        p = ctx.scenario.subscriber
        rng = ctx.rng(self.stream, day + 1)
        factor = p.weekend_factor if ctx.weekday(day) >= 5 else 1.0
        edge = self._draw_ties(rng, factor)
        fwd = rng.random(len(edge), dtype=np.float32) < self.balance[edge]
        a, b = self.a[edge], self.b[edge]
        caller = np.where(fwd, a, b)
        callee = np.where(fwd, b, a)
        # The draws are exchangeable, so pairing them with sorted times gives calls in time
        # order: the engine merges the other populations in without sorting millions of rows.
        seconds = sorted_local_seconds(rng, len(edge), "social")
        batches = [self._calls(ctx, rng, day, caller, callee, seconds)]
        batches.append(self._callbacks(ctx, rng, day, batches[0]))
        return batches

    def _draw_ties(self, rng: np.random.Generator, factor: float) -> np.ndarray:
        """Tie of each call of the day, in random order: every tie gets Poisson(rate * factor)
        calls. Candidates are drawn per rate class at the class's top rate and kept with
        probability rate / top rate (Poisson thinning), which is exact."""
        weight = self.class_size * self.class_max * factor
        m = int(rng.poisson(weight.sum()))
        cls = np.minimum(
            np.searchsorted(np.cumsum(weight) / weight.sum(), rng.random(m), side="right"),
            len(weight) - 1,
        )
        slot = self.class_start[cls] + (rng.random(m) * self.class_size[cls]).astype(np.int64)
        edge = self.order[slot]
        keep = rng.random(m) * self.class_max[cls] < self.rate[edge]
        return edge[keep]

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

"""Roamers: the carrier's own subscribers abroad, calling home through an international gateway.

The legitimate case of the international-gateway rule (``numbers.abroad``): a subscriber
abroad who calls home enters through ``IGW-GZ-1`` or ``IGW-SH-1`` showing their own (domestic)
number, exactly as a fraud operation abroad that displays a domestic number does. The home
network's HLR knows who is abroad: ``roaming.csv`` lists each trip (``number,from,until``,
UTC; ``until`` blank for a trip not over at the run's end).

Assumptions (docs/simulator.md, "Roamers"): ``daily_share`` of the own operator's mobile
subscribers leave for abroad each day (0.02 %: about 100 million outbound trips a year for
1.4 billion people), for ``stay_days`` (uniform), plus those already abroad on the first day
(as many as the departures of a mean stay); abroad, each places ``calls_per_day`` calls home
(Poisson) at uniform times, to subscribers of their home city. Calls are population
``roamer``, label benign. Drawn from a stream of its own after every population, so every
other call of a run is unchanged draw for draw (and keeps its call id: ``simulate`` numbers
these calls apart).
"""

from __future__ import annotations

import numpy as np

from callwarden.sim.calls import US, CallBatch, Label, Population, make_batch, outcomes
from callwarden.sim.numbering import OWN_OPERATOR
from callwarden.sim.world import SimContext

STREAM = 41
DAY_S = 86_400.0
GATEWAYS = ("IGW-GZ-1", "IGW-SH-1")


def roamer_calls(ctx: SimContext) -> tuple[list[CallBatch], np.ndarray, np.ndarray, np.ndarray]:
    """(the roamers' calls home, and their trips: number-table row, from and until in s since
    1970 UTC, until NaN for a trip not over at the run's end). Nothing when ``share`` is 0."""
    p = ctx.scenario.roaming
    empty = np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    own = np.flatnonzero(ctx.subs_op == OWN_OPERATOR)
    if p.daily_share <= 0 or not len(own):
        return [], *empty
    rng = ctx.rng(STREAM, 0)
    lo, hi = p.stay_days
    t0 = ctx.day0_us / US
    t_end = t0 + ctx.days * DAY_S
    # already abroad on the first day: as many as depart over a mean stay
    n_before = int(rng.binomial(len(own), min(1.0, p.daily_share * (lo + hi) / 2)))
    n_new = rng.binomial(len(own), p.daily_share, ctx.days)
    n = n_before + int(n_new.sum())
    if n == 0:
        return [], *empty
    who = rng.choice(own, size=min(n, len(own)), replace=False)
    n = len(who)
    stay = rng.uniform(lo, hi, n) * DAY_S
    start = np.empty(n)
    start[:n_before] = t0 - rng.uniform(0.0, 1.0, n_before) * stay[:n_before]
    day = np.repeat(np.arange(ctx.days), n_new)[: n - n_before]
    start[n_before:] = t0 + (day + rng.random(len(day))) * DAY_S
    end = start + stay
    # calls home while abroad within the run
    a, b = np.maximum(start, t0), np.minimum(end, t_end)
    k = rng.poisson(p.calls_per_day * np.maximum(b - a, 0.0) / DAY_S)
    trip = np.repeat(np.arange(n), k)
    m = len(trip)
    rows = ctx.subs[who]
    if m == 0:
        return [], rows, start, np.where(end > t_end, np.nan, end)
    t = a[trip] + rng.random(m) * (b - a)[trip]
    city = ctx.subs_city[who][trip].astype(np.int64)
    callee = ctx.random_subs(rng, city, m)
    gateway = np.array([ctx.ingress(g) for g in GATEWAYS], np.int32)
    talk = np.clip(np.round(rng.lognormal(np.log(150.0), 0.8, m), 1), 1.0, 7200.0)
    dur, ring, cause = outcomes(rng, m, answer=0.75, reject=0.02, talk=talk)
    calls = make_batch(
        caller=rows[trip],
        callee=callee,
        t_us=(t * US).astype(np.int64),
        duration=dur,
        ring=ring,
        cause=cause,
        ingress=gateway[rng.integers(0, len(gateway), m)],
        attest=np.where(rng.random(m) < 0.7, 0, 3),  # as the gateway attests any call from abroad
        caller_region=-2,  # served abroad: no region here
        population=Population.ROAMER,
        label=Label.BENIGN,
        personal=True,
    )
    return [calls], rows, start, np.where(end > t_end, np.nan, end)

"""Legitimate heavy callers, the hard negatives: couriers, AXB privacy-number platforms, banks.

Each looks like harassment on some single feature (volume, short calls, many strangers,
automated speech, an enterprise trunk) and differs on the combinations: callees call them
back, answer them, have called them before, and their numbers stay the same.
Clinics, schools and sales staff are in :mod:`callwarden.sim.reminders`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callwarden.cdr.schema import CAUSE_NO_ANSWER, CAUSE_NORMAL_CLEARING, CAUSE_USER_BUSY
from callwarden.sim.calls import (
    CallBatch,
    Leg,
    Population,
    local_seconds,
    make_batch,
    outcomes,
    talk_times,
)
from callwarden.sim.numbering import HOME_CITIES, NumberKind
from callwarden.sim.world import SimContext


def returned_index(
    ctx: SimContext,
    rng: np.random.Generator,
    day: int,
    calls: CallBatch,
    *,
    p_missed: float,
    p_answered: float = 0.0,
    delay_s: float = 600.0,
    anyone: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Which calls the callee returns, and when (seconds after local midnight of ``day``).
    Only subscribers return calls unless ``anyone`` (idle numbers place no calls)."""
    missed = (calls.cause == CAUSE_NO_ANSWER) | (calls.cause == CAUSE_USER_BUSY)
    answered = calls.cause == CAUSE_NORMAL_CLEARING
    prob = np.where(missed, p_missed, np.where(answered, p_answered, 0.0))
    if not anyone:
        prob = np.where(ctx.is_subscriber(calls.callee), prob, 0.0)
    sel = np.flatnonzero(rng.random(len(calls)) < prob)
    seconds = (calls.t_us[sel] - ctx.day_us(day, 0)) / 1e6 + calls.ring[sel] + calls.duration[sel]
    seconds = seconds + 15.0 + rng.exponential(delay_s, len(sel))
    keep = seconds < 86_400
    return sel[keep], seconds[keep]


def returned_calls(
    ctx: SimContext,
    rng: np.random.Generator,
    day: int,
    calls: CallBatch,
    *,
    p_missed: float,
    p_answered: float = 0.0,
    delay_s: float = 600.0,
    answer: float = 0.9,
    talk_median_s: float = 30.0,
    population: Population = Population.SUBSCRIBER,
    anyone: bool = False,
) -> CallBatch:
    """Callees calling the displayed number back (a missed call, or a question afterwards)."""
    sel, seconds = returned_index(
        ctx,
        rng,
        day,
        calls,
        p_missed=p_missed,
        p_answered=p_answered,
        delay_s=delay_s,
        anyone=anyone,
    )
    caller, callee = calls.callee[sel], calls.caller[sel]
    n = len(sel)
    dur, ring, cause = outcomes(
        rng, n, answer=answer, reject=0.0, busy=0.03, talk=talk_times(rng, n, talk_median_s, 0.7)
    )
    ingress, attest = ctx.route(rng, caller)
    return make_batch(
        caller=caller,
        callee=callee,
        t_us=ctx.day_us(day, seconds),
        duration=dur,
        ring=ring,
        cause=cause,
        ingress=ingress,
        attest=attest,
        population=population,
    )


def next_bridge_ids(ctx: SimContext, n: int) -> np.ndarray:
    start = ctx.bridge_next
    ctx.bridge_next = start + n
    return np.arange(start, start + n, dtype=np.int64)


class Couriers:
    """Couriers: 60-200 short calls a day to local strangers who answer and call back."""

    stream = 2

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.courier
        rng = ctx.rng(self.stream, 0)
        n = ctx.scaled(p.per_million, p.minimum)
        self.city = ctx.city_of_subs(rng, n)
        self.rows = np.concatenate([ctx.take_idle(int(c), "mobile", 1) for c in self.city])
        self.volume = rng.uniform(p.calls_per_day[0], p.calls_per_day[1], n)
        self.answer = rng.uniform(*p.answer, n)
        self.talk = rng.uniform(*p.talk_median_s, n)
        ctx.label(self.rows, 0, "courier")

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.courier
        rng = ctx.rng(self.stream, day + 1)
        factor = 0.8 if ctx.weekday(day) >= 5 else 1.0
        k = rng.poisson(self.volume * factor)
        who = np.repeat(np.arange(len(k)), k)
        n = len(who)
        caller = self.rows[who]
        callee = ctx.random_subs(rng, self.city[who], n)
        talk = talk_times(rng, n, self.talk[who], p.talk_sigma)
        dur, ring, cause = outcomes(
            rng, n, answer=self.answer[who], reject=p.reject, talk=talk, give_up=(20.0, 40.0)
        )
        ingress, attest = ctx.route(rng, caller)
        calls = make_batch(
            caller=caller,
            callee=callee,
            t_us=ctx.day_us(day, local_seconds(rng, n, "courier")),
            duration=dur,
            ring=ring,
            cause=cause,
            ingress=ingress,
            attest=attest,
            population=Population.COURIER,
        )
        back = returned_calls(
            ctx,
            rng,
            day,
            calls,
            p_missed=p.callback_missed,
            p_answered=p.callback_answered,
            delay_s=900.0,
            answer=0.85,
            talk_median_s=20.0,
        )
        return [calls, back]


@dataclass
class Platform:
    category: str  # food_delivery | ride_hailing
    x: np.ndarray  # the platform's privacy numbers
    workers: np.ndarray  # riders / drivers (their own mobiles)
    worker_city: np.ndarray
    orders: float  # orders a day that need a call
    ingress: int
    answer: float


class AxbPlatforms:
    """Ride-hailing and food-delivery privacy numbers (AXB): a legitimate bridge.

    The driver (A) calls the platform number X; the platform rings the customer (B) showing
    X. Both legs carry one bridge id; the customer leg enters through the platform's trunk.
    A customer who missed the call rings X back and the platform bridges to the driver.
    """

    stream = 3

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.axb
        rng = ctx.rng(self.stream, 0)
        self.orders = max(20.0, p.orders_per_million * ctx.n_subs / 1e6)
        self.platforms: list[Platform] = []
        capital = HOME_CITIES[0].region
        for j, (category, share) in enumerate(
            (("food_delivery", p.food_share), ("ride_hailing", 1 - p.food_share))
        ):
            orders = self.orders * share
            n_x = max(2, int(np.ceil(orders / np.mean(p.calls_per_x_number))))
            nsn = ctx.table.mobile_block_numbers(rng, capital, "cucc", int(np.ceil(n_x / 1000)))[
                :n_x
            ]
            x_rows = ctx.table.add(
                nsn, True, ctx.table.region_id(capital), NumberKind.MOBILE, operator=1
            )
            n_workers = max(3, int(orders / 12))
            cities = ctx.city_of_subs(rng, n_workers)
            workers = np.concatenate([ctx.take_idle(int(c), "mobile", 1) for c in cities])
            ctx.label(x_rows, 0, category)
            ctx.label(workers, 0, category)
            ingress = ctx.ingress(f"SIPT-V{j + 1}-1")
            answer = float(rng.uniform(*p.answer))
            self.platforms.append(
                Platform(category, x_rows, workers, cities, orders, ingress, answer)
            )

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.axb
        rng = ctx.rng(self.stream, day + 1)
        out: list[CallBatch] = []
        for plat in self.platforms:
            workers, x_rows = plat.workers, plat.x
            n = int(rng.poisson(plat.orders))
            w = rng.integers(0, len(workers), size=n)
            worker = workers[w]
            customer = ctx.random_subs(rng, plat.worker_city[w], n)
            x = x_rows[rng.integers(0, len(x_rows), size=n)]
            seconds = local_seconds(
                rng, n, "courier" if plat.category == "food_delivery" else "social"
            )
            talk = talk_times(rng, n, p.talk_median_s, p.talk_sigma)
            dur, ring, cause = outcomes(
                rng, n, answer=plat.answer, reject=0.03, talk=talk, give_up=(25.0, 45.0)
            )
            ids = next_bridge_ids(ctx, n)
            ingress_a, attest_a = ctx.route(rng, worker)
            out.append(
                make_batch(  # A -> X: the platform answers at once and holds the leg
                    caller=worker,
                    callee=x,
                    t_us=ctx.day_us(day, seconds),
                    duration=ring + dur + 1.5,
                    ring=np.full(n, 0.5),
                    cause=np.full(n, CAUSE_NORMAL_CLEARING),
                    ingress=ingress_a,
                    attest=attest_a,
                    population=Population.AXB,
                    bridge=ids,
                    leg=Leg.AGENT,
                )
            )
            customer_leg = make_batch(  # X -> B through the platform's trunk
                caller=x,
                callee=customer,
                t_us=ctx.day_us(day, seconds + 1.2),
                duration=dur,
                ring=ring,
                cause=cause,
                ingress=plat.ingress,
                attest=1,
                population=Population.AXB,
                bridge=ids,
                leg=Leg.CUSTOMER,
            )
            out.append(customer_leg)
            out.extend(self._returns(ctx, rng, day, customer_leg, worker, plat.ingress))
        return out

    def _returns(
        self,
        ctx: SimContext,
        rng: np.random.Generator,
        day: int,
        legs: CallBatch,
        worker: np.ndarray,
        ingress: int,
    ) -> list[CallBatch]:
        """A customer who missed the call rings X; the platform bridges X to the same driver."""
        p = ctx.scenario.axb
        sel, seconds = returned_index(
            ctx, rng, day, legs, p_missed=p.callback_missed, delay_s=240.0
        )
        n = len(sel)
        ids = next_bridge_ids(ctx, n)
        talk = talk_times(rng, n, p.talk_median_s, p.talk_sigma)
        dur, ring, cause = outcomes(rng, n, answer=0.88, reject=0.0, talk=talk)
        customer = legs.callee[sel]
        ingress_b, attest_b = ctx.route(rng, customer)
        back = make_batch(
            caller=customer,
            callee=legs.caller[sel],
            t_us=ctx.day_us(day, seconds),
            duration=ring + dur + 1.5,
            ring=np.full(n, 0.5),
            cause=np.full(n, CAUSE_NORMAL_CLEARING),
            ingress=ingress_b,
            attest=attest_b,
            population=Population.AXB,
            bridge=ids,
            leg=Leg.CUSTOMER,
        )
        agent_leg = make_batch(
            caller=legs.caller[sel],
            callee=worker[sel],
            t_us=back.t_us + 1_000_000,
            duration=dur,
            ring=ring,
            cause=cause,
            ingress=ingress,
            attest=1,
            population=Population.AXB,
            bridge=ids,
            leg=Leg.AGENT,
        )
        return [back, agent_leg]


class Banks:
    """Bank and insurer hotlines (95xxx) calling customers, many of whom called them first."""

    stream = 4

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.bank
        self.rows = np.array(list(ctx.hotlines.values()), dtype=np.int64)
        share = np.linspace(2.0, 0.5, len(self.rows))
        total = p.outbound_per_million * ctx.n_subs / 1e6
        self.volume = np.maximum(p.minimum_per_bank, total * share / share.sum())
        self.ingress = [ctx.ingress(f"ENT-{n}") for n in ctx.hotlines]
        self.answer = ctx.rng(self.stream, 0).uniform(*p.answer, len(self.rows))
        ctx.label(self.rows, 0, "bank")

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.bank
        rng = ctx.rng(self.stream, day + 1)
        factor = 0.3 if ctx.weekday(day) >= 5 else 1.0
        inbound = ctx.hotline_calls.get(day)
        out = []
        for j, row in enumerate(self.rows):
            n = int(rng.poisson(self.volume[j] * factor))
            n_back = 0
            callee_parts, sec_parts = [], []
            if inbound is not None:
                mine = np.flatnonzero(inbound.callee == row)
                n_back = min(len(mine), int(n * p.callback_share))
                pick = rng.choice(mine, n_back, replace=False) if n_back else mine[:0]
                sec = (inbound.t_us[pick] - ctx.day_us(day, 0)) / 1e6 + rng.uniform(
                    1800, 14400, n_back
                )
                callee_parts.append(inbound.caller[pick])
                sec_parts.append(sec)
            n_base = n - n_back
            callee_parts.append(ctx.subs[rng.integers(0, len(ctx.subs), size=n_base)])
            sec_parts.append(local_seconds(rng, n_base, "business"))
            callee = np.concatenate(callee_parts)
            seconds = np.concatenate(sec_parts)
            keep = seconds < 21 * 3600
            callee, seconds = callee[keep], seconds[keep]
            m = len(callee)
            bot = rng.random(m) < p.bot_share
            talk = np.where(
                bot,
                talk_times(rng, m, 35.0, 0.4),
                talk_times(rng, m, p.talk_median_s, p.talk_sigma),
            )
            dur, ring, cause = outcomes(rng, m, answer=self.answer[j], reject=p.reject, talk=talk)
            out.append(
                make_batch(
                    caller=np.full(m, row),
                    callee=callee,
                    t_us=ctx.day_us(day, seconds),
                    duration=dur,
                    ring=ring,
                    cause=cause,
                    ingress=self.ingress[j],
                    attest=1,
                    caller_region=-2,
                    population=Population.BANK,
                    bot=bot,
                )
            )
        return out

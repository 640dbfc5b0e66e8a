"""More hard negatives: clinic and school reminders (automated, expected) and sales staff.

Clinics ring patients who booked (the booking call is in the CDRs: prior contact) with a
recorded reminder; schools ring every parent of a class in a burst after school, which looks
like a robocall burst except that the same parents are rung every weekday and answer.
Sales staff of real businesses call their clients and some cold leads, at moderate volume.
"""

from __future__ import annotations

import numpy as np

from callwarden.sim.calls import (
    CallBatch,
    Population,
    local_seconds,
    make_batch,
    outcomes,
    talk_times,
)
from callwarden.sim.heavy import returned_calls
from callwarden.sim.world import SimContext

VENDORS = 6  # enterprise SIP-trunk resellers (SIPT-V1..V6), shared by legitimate and not


class Clinics:
    stream = 5

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.clinic
        rng = ctx.rng(self.stream, 0)
        n = ctx.scaled(p.per_million, p.minimum)
        self.city = ctx.city_of_subs(rng, n)
        self.rows = np.concatenate([ctx.take_idle(int(c), "fixed", 1) for c in self.city])
        self.patients = [
            ctx.random_subs(rng, int(c), int(rng.uniform(*p.patients))) for c in self.city
        ]
        self.reminders = rng.uniform(*p.reminders_per_day, n)
        self.bookings = rng.uniform(*p.bookings_per_day, n)
        self.answer = rng.uniform(*p.answer, n)
        self.ingress = [ctx.ingress(f"SIPT-V{int(v)}-2") for v in rng.integers(1, VENDORS + 1, n)]
        self.booked: list[np.ndarray] = [np.zeros(0, np.int64) for _ in range(n)]
        ctx.label(self.rows, 0, "clinic")

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.clinic
        rng = ctx.rng(self.stream, day + 1)
        sunday = ctx.weekday(day) == 6
        out = []
        for j, row in enumerate(self.rows):
            # Bookings: patients ring the clinic (the prior contact of tomorrow's reminder).
            nb = 0 if sunday else int(rng.poisson(self.bookings[j]))
            booker = self.patients[j][rng.integers(0, len(self.patients[j]), size=nb)]
            ingress, attest = ctx.route(rng, booker)
            dur, ring, cause = outcomes(
                rng, nb, answer=0.9, reject=0.0, talk=talk_times(rng, nb, 90.0, 0.6)
            )
            out.append(
                make_batch(
                    caller=booker,
                    callee=np.full(nb, row),
                    t_us=ctx.day_us(day, local_seconds(rng, nb, "business")),
                    duration=dur,
                    ring=ring,
                    cause=cause,
                    ingress=ingress,
                    attest=attest,
                    population=Population.SUBSCRIBER,
                )
            )
            # Reminders: yesterday's bookers, topped up from the patient list (booked earlier).
            nr = 0 if sunday else int(rng.poisson(self.reminders[j]))
            prior = self.booked[j][:nr]
            filler = self.patients[j][
                rng.integers(0, len(self.patients[j]), size=max(0, nr - len(prior)))
            ]
            callee = np.concatenate([prior, filler])
            m = len(callee)
            talk = talk_times(rng, m, p.talk_median_s, 0.3)
            dur, ring, cause = outcomes(
                rng, m, answer=self.answer[j], reject=0.04, talk=talk, give_up=(25.0, 40.0)
            )
            hour = np.where(rng.random(m) < 0.5, 9.0, 15.0) + rng.uniform(0, 2.0, m)
            calls = make_batch(
                caller=np.full(m, row),
                callee=callee,
                t_us=ctx.day_us(day, hour * 3600),
                duration=dur,
                ring=ring,
                cause=cause,
                ingress=self.ingress[j],
                attest=2,
                population=Population.CLINIC,
                bot=True,
            )
            out.extend(
                [
                    calls,
                    returned_calls(
                        ctx, rng, day, calls, p_missed=0.3, answer=0.85, talk_median_s=60.0
                    ),
                ]
            )
            self.booked[j] = booker
        return out


class Schools:
    stream = 6

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.school
        rng = ctx.rng(self.stream, 0)
        n = ctx.scaled(p.per_million, p.minimum)
        self.city = ctx.city_of_subs(rng, n)
        self.rows = np.concatenate([ctx.take_idle(int(c), "fixed", 1) for c in self.city])
        self.answer = rng.uniform(*p.answer, n)
        self.parents = [
            ctx.random_subs(rng, int(c), int(rng.uniform(*p.parents))) for c in self.city
        ]
        self.ingress = [ctx.ingress(f"SIPT-V{int(v)}-2") for v in rng.integers(1, VENDORS + 1, n)]
        ctx.label(self.rows, 0, "school")

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.school
        rng = ctx.rng(self.stream, day + 1)
        if ctx.weekday(day) >= 5:
            return []
        out = []
        for j, row in enumerate(self.rows):
            callee = self.parents[j]
            m = len(callee)
            start = (p.burst_hour + rng.uniform(-0.25, 0.25)) * 3600
            seconds = start + np.sort(rng.uniform(0, p.burst_minutes * 60, m))
            talk = talk_times(rng, m, p.talk_median_s, 0.3)
            dur, ring, cause = outcomes(
                rng, m, answer=self.answer[j], reject=0.03, talk=talk, give_up=(25.0, 40.0)
            )
            calls = make_batch(
                caller=np.full(m, row),
                callee=callee,
                t_us=ctx.day_us(day, seconds),
                duration=dur,
                ring=ring,
                cause=cause,
                ingress=self.ingress[j],
                attest=2,
                population=Population.SCHOOL,
                bot=True,
            )
            out.extend(
                [
                    calls,
                    returned_calls(
                        ctx, rng, day, calls, p_missed=0.12, p_answered=0.02, answer=0.8
                    ),
                ]
            )
        return out


class Sales:
    """Sales staff of real businesses: clients (prior contact) and cold leads, one number each."""

    stream = 7

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.sales
        rng = ctx.rng(self.stream, 0)
        n = ctx.scaled(p.per_million, p.minimum)
        self.city = ctx.city_of_subs(rng, n)
        self.rows = np.concatenate([ctx.take_idle(int(c), "mobile", 1) for c in self.city])
        self.clients = [ctx.random_subs(rng, int(c), int(rng.uniform(150, 600))) for c in self.city]
        self.volume = rng.uniform(*p.calls_per_day, n)
        self.answer = rng.uniform(*p.answer, n)
        self.talk = rng.uniform(*p.talk_median_s, n)
        ctx.label(self.rows, 0, "sales")

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.sales
        rng = ctx.rng(self.stream, day + 1)
        factor = 0.3 if ctx.weekday(day) >= 5 else 1.0
        k = rng.poisson(self.volume * factor)
        who = np.repeat(np.arange(len(k)), k)
        n = len(who)
        client = rng.random(n) < p.client_share
        sizes = np.array([len(c) for c in self.clients])
        offsets = np.concatenate([[0], np.cumsum(sizes)])
        book = np.concatenate(self.clients)
        from_book = book[offsets[who] + (rng.random(n) * sizes[who]).astype(np.int64)]
        cold = ctx.random_subs(rng, self.city[who], n)
        callee = np.where(client, from_book, cold)
        talk = talk_times(rng, n, self.talk[who], p.talk_sigma)
        base = self.answer[who]
        answer = np.where(client, np.minimum(1.0, base + 0.2), np.maximum(0.0, base - 0.15))
        dur, ring, cause = outcomes(rng, n, answer=answer, reject=p.reject, talk=talk)
        caller = self.rows[who]
        ingress, attest = ctx.route(rng, caller)
        calls = make_batch(
            caller=caller,
            callee=callee,
            t_us=ctx.day_us(day, local_seconds(rng, n, "business")),
            duration=dur,
            ring=ring,
            cause=cause,
            ingress=ingress,
            attest=attest,
            population=Population.SALES,
        )
        back = returned_calls(
            ctx,
            rng,
            day,
            calls,
            p_missed=p.callback,
            p_answered=0.05,
            answer=0.8,
            talk_median_s=90.0,
        )
        return [calls, back]

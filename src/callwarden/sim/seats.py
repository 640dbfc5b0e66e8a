"""Human-seat harassment systems (纯人工 through a system: about 400 calls a day per seat).

A seat is one person with a phone holding one to four SIM cards (one IMEI), dialing a
purchased list one call after another through the working day. Direct seats call from
their SIMs, switching SIM every so many calls. Bridged seats (双向回呼) never dial out: the
platform rings the agent's own phone from a platform number (the ``agent`` leg), then rings
the customer showing the agent's number (the ``customer`` leg); both legs enter through the
platform's trunk and overlap in time, and the network sees no outbound call from the agent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callwarden.cdr.schema import CAUSE_NORMAL_CLEARING
from callwarden.sim.calls import (
    CallBatch,
    Label,
    Leg,
    Population,
    assign_share,
    make_batch,
    outcomes,
)
from callwarden.sim.heavy import next_bridge_ids
from callwarden.sim.numbering import HOME_CITIES, OWN_OPERATOR, NumberKind
from callwarden.sim.operations import VENDORS, buy_lists
from callwarden.sim.tactics import callbacks_to_display, spoof_attestation, talk_mixture, wash_calls
from callwarden.sim.world import SimContext


def seat_timeline(rng: np.random.Generator, busy_s: np.ndarray) -> np.ndarray:
    """Start times (seconds after midnight) of one seat's calls placed back to back from 9:00,
    with a wrap-up pause after each and a lunch break from 12:00 to 13:30."""
    gaps = busy_s + 4.0 + rng.exponential(12.0, len(busy_s))
    start = 9 * 3600 + rng.uniform(0, 1800) + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
    return np.where(start >= 12 * 3600, start + 5400, start)


@dataclass
class Seat:
    sims: np.ndarray  # the SIM cards in the seat's phone (one IMEI)
    volume: float  # attempts a day
    every: float  # calls per SIM before switching


@dataclass
class SeatOp:
    campaign: int
    bridged: bool
    seats: list[Seat]
    platform: int  # the 双向回呼 platform's number (-1: direct dialling)
    answer: float
    callees: np.ndarray
    ingress: int
    friends: np.ndarray
    region: int
    ptr: int = 0


class HumanSeats:
    stream = 9

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.human_seat
        rng = ctx.rng(self.stream, 0)
        n = ctx.scaled(p.per_million, p.minimum) if p.per_million > 0 else 0
        self.ops = [self._setup(ctx, rng, bool(b)) for b in assign_share(rng, n, p.bridge_share)]

    @staticmethod
    def _setup(ctx: SimContext, rng: np.random.Generator, bridged: bool) -> SeatOp:
        p = ctx.scenario.human_seat
        op_codes = ctx.table.origin()[0]
        category = str(p.categories[int(rng.integers(len(p.categories)))])
        vendor = int(rng.integers(1, VENDORS + 1))
        platform_name = f"SIPT-V{vendor}" if bridged else "sim"
        camp = ctx.campaign(rng, "human_seat", int(Label.HARASSMENT), category, platform_name)
        city = int(ctx.city_of_subs(rng, 1)[0])
        seats = []
        for _s in range(int(rng.integers(int(p.seats[0]), int(p.seats[1]) + 1))):
            lo, hi = int(p.sims_per_seat[0]), int(p.sims_per_seat[1])
            sims = ctx.take_idle(city, "mobile", 1 if bridged else int(rng.integers(lo, hi + 1)))
            own = sims[op_codes[sims] == OWN_OPERATOR]
            if len(own):  # one handset holds all the seat's SIM cards
                ctx.set_imei(own, np.repeat(ctx.new_imeis(rng, 1), len(own)))
            ctx.label(sims, int(Label.HARASSMENT), category, camp)
            seats.append(
                Seat(
                    sims, float(rng.uniform(*p.calls_per_seat)), float(rng.uniform(*p.rotate_every))
                )
            )
        ctx.campaigns[camp].meta.update(seats=len(seats), bridged=bridged)
        platform = -1
        if bridged:
            capital = HOME_CITIES[0]
            nsn = ctx.table.sparse_fixed(rng, capital.area_code, capital.local_digits, 1)
            platform = int(
                ctx.table.add(nsn, True, ctx.table.region_id(capital.region), NumberKind.FIXED)[0]
            )
            ctx.label(np.array([platform]), int(Label.HARASSMENT), category, camp)
        return SeatOp(
            campaign=camp,
            bridged=bridged,
            seats=seats,
            platform=platform,
            answer=float(rng.uniform(*p.answer)),
            callees=buy_lists(ctx, rng, 1),
            ingress=ctx.ingress(f"SIPT-V{vendor}-3"),
            friends=ctx.take_idle(city, "mobile", 6),
            region=ctx.table.region_id(HOME_CITIES[city].region),
        )

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.human_seat
        rng = ctx.rng(self.stream, day + 1)
        if ctx.weekday(day) == 6:
            return []
        allocated = ctx.table.origin()[3]
        out: list[CallBatch] = []
        for op in self.ops:
            for seat in op.seats:
                n = max(1, int(rng.normal(seat.volume, 25.0)))
                idx = (op.ptr + np.arange(n)) % len(op.callees)
                op.ptr = int(idx[-1]) + 1
                callee = op.callees[idx]
                talk = talk_mixture(rng, n, p.pad_talk_s, human=True)
                dur, ring, cause = outcomes(
                    rng,
                    n,
                    answer=op.answer,
                    reject=p.reject,
                    dead=~allocated[callee],
                    talk=talk,
                    give_up=(20.0, 40.0),
                )
                seconds = seat_timeline(rng, ring + dur)
                keep = seconds < 21 * 3600
                callee, dur, ring, cause, seconds = (
                    callee[keep],
                    dur[keep],
                    ring[keep],
                    cause[keep],
                    seconds[keep],
                )
                if op.bridged:
                    out.extend(
                        self._bridged(
                            ctx, rng, day, op, int(seat.sims[0]), callee, dur, ring, cause, seconds
                        )
                    )
                    continue
                caller = seat.sims[
                    (np.arange(len(callee)) // max(1, int(seat.every))) % len(seat.sims)
                ]
                ingress, attest = ctx.route(rng, caller)
                calls = make_batch(
                    caller=caller,
                    callee=callee,
                    t_us=ctx.day_us(day, seconds),
                    duration=dur,
                    ring=ring,
                    cause=cause,
                    ingress=ingress,
                    attest=attest,
                    population=Population.HUMAN_SEAT,
                    label=Label.HARASSMENT,
                    campaign=op.campaign,
                )
                out.append(calls)
                out.extend(
                    wash_calls(
                        ctx, rng, day, calls, op.friends, p.wash_share, Population.HUMAN_SEAT
                    )
                )
                out.append(callbacks_to_display(ctx, rng, day, calls, 0.05, rents=True))
        return out

    @staticmethod
    def _bridged(
        ctx: SimContext,
        rng: np.random.Generator,
        day: int,
        op: SeatOp,
        agent: int,
        callee: np.ndarray,
        dur: np.ndarray,
        ring: np.ndarray,
        cause: np.ndarray,
        seconds: np.ndarray,
    ) -> list[CallBatch]:
        """The platform rings the agent (agent leg), then the customer showing the agent's
        number (customer leg, 0.8 s after the agent answers); the agent leg lasts until the
        customer leg ends."""
        n = len(callee)
        ids = next_bridge_ids(ctx, n)
        agent_ring = np.round(rng.uniform(1.0, 3.0, n), 1)
        agent_leg = make_batch(
            caller=np.full(n, op.platform),
            callee=np.full(n, agent),
            t_us=ctx.day_us(day, seconds),
            duration=np.round(ring + dur + 1.5, 1),
            ring=agent_ring,
            cause=np.full(n, CAUSE_NORMAL_CLEARING),
            ingress=op.ingress,
            attest=2,
            population=Population.BRIDGE,
            label=Label.HARASSMENT,
            campaign=op.campaign,
            bridge=ids,
            leg=Leg.AGENT,
        )
        customer_leg = make_batch(
            caller=np.full(n, agent),
            callee=callee,
            t_us=ctx.day_us(day, seconds + agent_ring + 0.8),
            duration=dur,
            ring=ring,
            cause=cause,
            ingress=op.ingress,
            attest=spoof_attestation(rng, n),
            asserted=np.where(rng.random(n) < 0.5, op.platform, -1),
            caller_region=op.region,
            population=Population.HUMAN_SEAT,
            label=Label.HARASSMENT,
            campaign=op.campaign,
            spoofed=True,
            bridge=ids,
            leg=Leg.CUSTOMER,
        )
        back = callbacks_to_display(ctx, rng, day, customer_leg, 0.05, rents=False)
        return [agent_leg, customer_leg, back]

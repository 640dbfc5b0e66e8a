"""Human-seat harassment systems (纯人工 through a system: about 400 calls a day per seat).

A seat is one person with a phone holding one to four SIM cards (one IMEI), dialing a
purchased list one call after another through the working day. Direct seats call from
their SIMs, switching SIM every so many calls. Bridged seats (双向回呼) never dial out: the
platform rings the agent's own phone from a platform number (the ``agent`` leg), then rings
the customer showing the agent's number (the ``customer`` leg); both legs enter through the
platform's trunk and overlap in time, and the network sees no outbound call from the agent.
"""

from __future__ import annotations

import numpy as np

from callwarden.cdr.schema import CAUSE_NORMAL_CLEARING
from callwarden.sim.calls import CallBatch, Label, Leg, Population, make_batch, outcomes
from callwarden.sim.heavy import next_bridge_ids
from callwarden.sim.numbering import HOME_CITIES, OWN_OPERATOR, NumberKind
from callwarden.sim.operations import (
    VENDORS,
    buy_lists,
    callbacks_to_display,
    spoof_attestation,
    talk_mixture,
    wash_calls,
)
from callwarden.sim.world import SimContext


def seat_timeline(rng: np.random.Generator, busy_s: np.ndarray) -> np.ndarray:
    """Start times (seconds after midnight) of one seat's calls placed back to back from 9:00,
    with a wrap-up pause after each and a lunch break from 12:00 to 13:30."""
    gaps = busy_s + 4.0 + rng.exponential(12.0, len(busy_s))
    start = 9 * 3600 + rng.uniform(0, 1800) + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
    return np.where(start >= 12 * 3600, start + 5400, start)


class HumanSeats:
    stream = 9

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.human_seat
        rng = ctx.rng(self.stream, 0)
        self.ops: list[dict[str, object]] = []
        op_codes = ctx.table.origin()[0]
        for _ in range(ctx.scaled(p.per_million, p.minimum) if p.per_million > 0 else 0):
            category = str(p.categories[int(rng.integers(len(p.categories)))])
            vendor = int(rng.integers(1, VENDORS + 1))
            bridged = bool(rng.random() < p.bridge_share)
            kind = "human_seat"
            camp = ctx.campaign(
                rng, kind, int(Label.HARASSMENT), category, f"SIPT-V{vendor}" if bridged else "sim"
            )
            city = int(ctx.city_of_subs(rng, 1)[0])
            seats = []
            for _s in range(int(rng.integers(int(p.seats[0]), int(p.seats[1]) + 1))):
                n_sims = (
                    1
                    if bridged
                    else int(rng.integers(int(p.sims_per_seat[0]), int(p.sims_per_seat[1]) + 1))
                )
                sims = ctx.take_idle(city, "mobile", n_sims)
                own = sims[op_codes[sims] == OWN_OPERATOR]
                if len(own):
                    ctx.set_imei(own, np.repeat(ctx.new_imeis(rng, 1), len(own)))  # one handset
                ctx.label(sims, int(Label.HARASSMENT), category, camp)
                seats.append(
                    {
                        "sims": sims,
                        "volume": rng.uniform(*p.calls_per_seat),
                        "every": rng.uniform(*p.rotate_every),
                    }
                )
            platform = -1
            if bridged:
                region = ctx.table.region_id(HOME_CITIES[0].region)
                nsn = ctx.table.sparse_fixed(
                    rng, HOME_CITIES[0].area_code, HOME_CITIES[0].local_digits, 1
                )
                platform = int(ctx.table.add(nsn, True, region, NumberKind.FIXED)[0])
                ctx.label(np.array([platform]), int(Label.HARASSMENT), category, camp)
            self.ops.append(
                {
                    "campaign": camp,
                    "bridged": bridged,
                    "seats": seats,
                    "platform": platform,
                    "answer": rng.uniform(*p.answer),
                    "list": buy_lists(ctx, rng, 1),
                    "ptr": 0,
                    "ingress": ctx.ingress(f"SIPT-V{vendor}-3"),
                    "friends": ctx.take_idle(city, "mobile", 6),
                    "region": ctx.table.region_id(HOME_CITIES[city].region),
                }
            )

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.human_seat
        rng = ctx.rng(self.stream, day + 1)
        if ctx.weekday(day) == 6:
            return []
        allocated = ctx.table.origin()[3]
        out: list[CallBatch] = []
        for op in self.ops:
            lst: np.ndarray = op["list"]  # type: ignore[assignment]
            for seat in op["seats"]:  # type: ignore[attr-defined]
                n = max(1, int(rng.normal(seat["volume"], 25.0)))
                idx = (int(op["ptr"]) + np.arange(n)) % len(lst)  # type: ignore[call-overload]
                op["ptr"] = int(idx[-1]) + 1
                callee = lst[idx]
                talk = talk_mixture(rng, n, p.pad_talk_s, human=True)
                dur, ring, cause = outcomes(
                    rng,
                    n,
                    answer=float(op["answer"]),
                    reject=p.reject,
                    dead=~allocated[callee],
                    talk=talk,  # type: ignore[arg-type]
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
                sims: np.ndarray = seat["sims"]
                if op["bridged"]:
                    out.extend(
                        self._bridged(ctx, rng, day, op, sims[0], callee, dur, ring, cause, seconds)
                    )
                    continue
                slot = (np.arange(len(callee)) // max(1, int(seat["every"]))) % len(sims)
                caller = sims[slot]
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
                    campaign=int(op["campaign"]),  # type: ignore[call-overload]
                )
                out.append(calls)
                out.extend(
                    wash_calls(ctx, rng, day, calls, op, p.wash_share, Population.HUMAN_SEAT)
                )
                out.append(callbacks_to_display(ctx, rng, day, calls, 0.05, rents=True))
        return out

    def _bridged(
        self,
        ctx: SimContext,
        rng: np.random.Generator,
        day: int,
        op: dict[str, object],
        agent: int,
        callee: np.ndarray,
        dur: np.ndarray,
        ring: np.ndarray,
        cause: np.ndarray,
        seconds: np.ndarray,
    ) -> list[CallBatch]:
        n = len(callee)
        ids = next_bridge_ids(ctx, n)
        agent_ring = np.round(rng.uniform(1.0, 3.0, n), 1)
        camp = int(op["campaign"])  # type: ignore[call-overload]
        agent_leg = make_batch(
            caller=np.full(n, int(op["platform"])),
            callee=np.full(n, agent),
            t_us=ctx.day_us(day, seconds),  # type: ignore[call-overload]
            duration=np.round(ring + dur + 1.5, 1),
            ring=agent_ring,
            cause=np.full(n, CAUSE_NORMAL_CLEARING),
            ingress=int(op["ingress"]),
            attest=2,
            population=Population.BRIDGE,
            label=Label.HARASSMENT,  # type: ignore[call-overload]
            campaign=camp,
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
            ingress=int(op["ingress"]),
            attest=spoof_attestation(rng, n),  # type: ignore[call-overload]
            asserted=np.where(rng.random(n) < 0.5, int(op["platform"]), -1),
            caller_region=int(op["region"]),  # type: ignore[call-overload]
            population=Population.HUMAN_SEAT,
            label=Label.HARASSMENT,
            campaign=camp,
            spoofed=True,
            bridge=ids,
            leg=Leg.CUSTOMER,
        )
        back = callbacks_to_display(ctx, rng, day, customer_leg, 0.05, rents=False)
        return [agent_leg, customer_leg, back]

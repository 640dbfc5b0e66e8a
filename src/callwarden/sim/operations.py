"""Harassment operations of the press investigation: AI outbound dialers and human seats.

AI outbound systems (AI外呼) place 3,000-20,000 attempts a day each; human-seat systems near
400 a day per seat. They dial purchased lists (often number-sequential, shared between
operations, with dead entries), ring briefly, are answered rarely and hung up on quickly,
and present rotating caller IDs: random local fixed lines, many unallocated (空号), changed
every few calls or after a rejection. Human seats may dial through 双向回呼: the platform rings
the agent's own phone, then the customer showing the agent's number, both legs entering
through the platform's trunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from callwarden.sim.calls import (
    CallBatch,
    Label,
    Population,
    assign_share,
    local_seconds,
    make_batch,
    outcomes,
)
from callwarden.sim.numbering import DISPLAY_AREAS, HOME_CITIES, NumberKind
from callwarden.sim.tactics import (
    callbacks_to_display,
    number_for_slot,
    rotation_slots,
    spoof_attestation,
    talk_mixture,
    wash_calls,
)
from callwarden.sim.world import SimContext

VENDORS = 6


def list_market(ctx: SimContext) -> list[np.ndarray]:
    """Purchased callee lists, shared by every operation of the run (drawn once).

    A sequential list is a run of consecutive numbers of the subscriber blocks (dead entries
    included); a scraped list is a shuffled sample of one city's subscribers.
    """
    if ctx.lists is not None:
        return ctx.lists
    rng = ctx.rng(20, 0)
    p = ctx.scenario.ai_robocall
    block_rows = ctx.block_rows
    n_ops = ctx.scaled(p.per_million, p.minimum) + ctx.scaled(
        ctx.scenario.human_seat.per_million, ctx.scenario.human_seat.minimum
    )
    lists = []
    for _ in range(max(3, int(n_ops * 0.7))):
        size = int(min(block_rows, rng.uniform(20_000, 80_000)))
        if rng.random() < p.sequential_list_share:
            start = int(rng.integers(0, max(1, block_rows - size)))
            lists.append(np.arange(start, start + size, dtype=np.int64))
        else:
            city = int(ctx.city_of_subs(rng, 1)[0])
            subs = ctx.subs_of_city(city)
            lists.append(rng.permutation(subs)[: min(size, len(subs))])
    ctx.lists = lists
    return lists


def buy_lists(ctx: SimContext, rng: np.random.Generator, how_many: int) -> np.ndarray:
    market = list_market(ctx)
    picks = rng.choice(len(market), size=min(how_many, len(market)), replace=False)
    return np.concatenate([market[int(i)] for i in picks])


def caller_id_pool(
    ctx: SimContext,
    rng: np.random.Generator,
    area: str,
    digits: int,
    city: int,
    n: int,
    unallocated: float,
) -> np.ndarray:
    """``n`` display numbers of one area: unallocated random numbers and idle real lines."""
    dead = int(rng.binomial(n, unallocated))
    region = ctx.table.region_id(HOME_CITIES[city].region if city >= 0 else _area_region(area))
    rows = [
        ctx.table.add(
            ctx.table.sparse_fixed(rng, area, digits, dead), False, region, NumberKind.FIXED
        )
    ]
    live = n - dead
    if city >= 0:
        rows.append(ctx.take_idle(city, "fixed", live))
    else:
        rows.append(
            ctx.table.add(
                ctx.table.sparse_fixed(rng, area, digits, live), True, region, NumberKind.FIXED
            )
        )
    return rng.permutation(np.concatenate(rows))


def _area_region(area: str) -> str:
    return next(r for r, (code, _) in DISPLAY_AREAS.items() if code == area)


@dataclass
class AiOp:
    """One AI outbound operation's fixed set-up and its progress through its list."""

    campaign: int
    attempts: float
    local: bool
    pools: dict[int, np.ndarray]  # callee city -> display numbers (local display)
    pool: np.ndarray  # all display numbers
    answer: float
    reject: float
    every: float
    pilot: int  # the trunk customer's number, sent as asserted identity on some calls
    callees: np.ndarray
    ingress: list[int]
    region: int
    friends: np.ndarray
    per_number: float = 50.0  # calls each display number carries over the run
    ptr: int = 0
    slots: dict[int, int] = field(default_factory=dict)  # rotation counter per callee city


class AiRobocalls:
    stream = 8

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.ai_robocall
        rng = ctx.rng(self.stream, 0)
        n = ctx.scaled(p.per_million, p.minimum) if p.per_million > 0 else 0
        self.ops = [
            self._setup(ctx, rng, bool(b)) for b in assign_share(rng, n, p.local_display_share)
        ]

    @staticmethod
    def _setup(ctx: SimContext, rng: np.random.Generator, local: bool) -> AiOp:
        p = ctx.scenario.ai_robocall
        category = str(p.categories[int(rng.integers(len(p.categories)))])
        vendor = int(rng.integers(1, VENDORS + 1))
        camp = ctx.campaign(rng, "ai_robocall", int(Label.HARASSMENT), category, f"SIPT-V{vendor}")
        lo, hi = np.log(p.attempts_per_day[0]), np.log(p.attempts_per_day[1])
        attempts = float(np.exp(rng.uniform(lo, hi)))
        # fresh numbers every day: the pool covers the whole run at calls_per_number each
        per_number = float(rng.uniform(*p.calls_per_number))
        pool_size = max(5, int(attempts * ctx.days / per_number))
        every = round(float(rng.uniform(*p.rotate_every)), 1)
        ctx.campaigns[camp].meta.update(
            attempts_per_weekday=int(attempts),
            caller_id_pool=pool_size,
            calls_per_number=round(per_number),
            rotate_every=every,
            display="local" if local else "fixed_cities",
        )
        lists = buy_lists(
            ctx, rng, int(rng.integers(int(p.lists_per_op[0]), int(p.lists_per_op[1]) + 1))
        )
        pools: dict[int, np.ndarray] = {}
        if (
            local
        ):  # a pool per callee city, sized by what the run dials: callees see their area code
            window = lists[np.arange(int(attempts * ctx.days)) % len(lists)]
            city_of = np.maximum(ctx.table.origin()[1][window], 0)
            share = np.bincount(city_of, minlength=len(HOME_CITIES)) / len(window)
            for ci, city in enumerate(HOME_CITIES):
                if share[ci] > 0:
                    k = max(2, int(round(pool_size * share[ci])))
                    pools[ci] = caller_id_pool(
                        ctx, rng, city.area_code, city.local_digits, ci, k, p.unallocated_share
                    )
            pool = np.concatenate(list(pools.values()))
        else:  # a few display cities, the article's 深圳 / 上海 / 杭州 fixed lines
            areas = rng.choice(len(DISPLAY_AREAS), size=int(rng.integers(1, 4)), replace=False)
            parts = []
            for a in areas:
                code, digits = list(DISPLAY_AREAS.values())[int(a)]
                k = max(2, pool_size // len(areas))
                parts.append(caller_id_pool(ctx, rng, code, digits, -1, k, p.unallocated_share))
            pool = rng.permutation(np.concatenate(parts))
        pilot = ctx.table.add(
            np.array([4000000000 + int(rng.integers(0, 10**7))]), True, -1, NumberKind.NONGEO
        )
        ctx.label(pool, int(Label.HARASSMENT), category, camp)
        n_ing = int(rng.integers(int(p.ingress_per_op[0]), int(p.ingress_per_op[1]) + 1))
        return AiOp(
            campaign=camp,
            attempts=attempts,
            local=local,
            pools=pools,
            pool=pool,
            answer=float(rng.uniform(*p.answer)),
            reject=float(rng.uniform(*p.reject)),
            every=every,
            per_number=per_number,
            pilot=int(pilot[0]),
            callees=lists,
            ingress=[ctx.ingress(f"SIPT-V{vendor}-{k + 1}") for k in range(n_ing)],
            region=ctx.table.region_id(HOME_CITIES[int(rng.integers(len(HOME_CITIES)))].region),
            friends=ctx.take_idle(int(rng.integers(len(HOME_CITIES))), "mobile", 8),
        )

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.ai_robocall
        rng = ctx.rng(self.stream, day + 1)
        wd = ctx.weekday(day)
        factor = 1.0 if wd < 5 else (0.6 if wd == 5 else 0.3)
        out = []
        _, city_of, _, allocated = ctx.table.origin()
        for op in self.ops:
            n = int(op.attempts * factor)
            if n == 0:
                continue
            idx = (op.ptr + np.arange(n)) % len(op.callees)
            op.ptr = int(idx[-1]) + 1
            callee = op.callees[idx]
            talk = talk_mixture(rng, n, p.pad_talk_s, human=False)
            dur, ring, cause = outcomes(
                rng,
                n,
                answer=op.answer,
                reject=op.reject,
                busy=0.02,
                dead=~allocated[callee],
                talk=talk,
                give_up=(15.0, 28.0),
            )
            caller = self._display(op, rng, cause, city_of[callee], p.rotate_after_reject)
            if p.pacing == "human":  # spread over the day, in no list order
                seconds = rng.permutation(local_seconds(rng, n, "spread"))
            else:  # the dialer walks its list in order through working hours
                seconds = np.sort(local_seconds(rng, n, "dialer"))
            calls = make_batch(
                caller=caller,
                callee=callee,
                t_us=ctx.day_us(day, seconds),
                duration=dur,
                ring=ring,
                cause=cause,
                ingress=np.asarray(op.ingress)[rng.integers(0, len(op.ingress), size=n)],
                asserted=np.where(rng.random(n) < p.pai_share, op.pilot, -1),
                attest=spoof_attestation(rng, n),
                caller_region=op.region,
                population=Population.AI_ROBOCALL,
                label=Label.HARASSMENT,
                campaign=op.campaign,
                spoofed=True,
                bot=True,
            )
            out.append(calls)
            out.extend(
                wash_calls(ctx, rng, day, calls, op.friends, p.mixed_benign, Population.AI_ROBOCALL)
            )
            out.append(
                callbacks_to_display(ctx, rng, day, calls, p.callback, rents=p.mixed_benign > 0)
            )
        return out

    @staticmethod
    def _display(
        op: AiOp,
        rng: np.random.Generator,
        cause: np.ndarray,
        callee_city: np.ndarray,
        after_reject: float,
    ) -> np.ndarray:
        """Displayed number per call: per callee city for local display (each city's calls
        rotate through that city's pool), else one pool."""
        caller = np.empty(len(cause), dtype=np.int64)
        groups: list[tuple[int, np.ndarray, np.ndarray]] = []
        if op.local:
            rest = np.ones(len(cause), dtype=bool)
            for ci, pool in op.pools.items():
                m = callee_city == ci
                rest &= ~m
                groups.append((ci, np.flatnonzero(m), pool))
            groups.append((-1, np.flatnonzero(rest), op.pool))
        else:
            groups.append((-1, np.arange(len(cause)), op.pool))
        uses = int(round(op.per_number / op.every))
        for key, idx, pool in groups:
            if not len(idx):
                continue
            slots = rotation_slots(rng, cause[idx], op.every, after_reject) + op.slots.get(key, 0)
            op.slots[key] = int(slots[-1]) + 1
            caller[idx] = pool[number_for_slot(slots, len(pool), uses)]
        return caller

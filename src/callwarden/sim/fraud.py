"""Fraud operations: impersonation scripts, chosen targets, few calls, long talk when answered.

Two ways in, both seen in Chinese telecom-fraud cases: calls from abroad entering through an
international gateway while displaying random domestic numbers (many unallocated), and SIM
boxes in the province: a device holding many SIM cards from other provinces (one IMEI),
switching card every few tens of calls. Targets are chosen (a leaked customer list), not
dialled in sequence, so fraud shows few dead callees; an answered call is either cut off
quickly or goes on for minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from callwarden.sim.numbering import NumberKind, other_province_prefixes
from callwarden.sim.tactics import callbacks_to_display, number_for_slot, rotation_slots
from callwarden.sim.world import SimContext


@dataclass
class FraudOp:
    campaign: int
    igw: bool  # from abroad through an international gateway (spoofed); else a SIM box here
    ids: np.ndarray  # caller IDs (spoofed) or SIM cards
    volume: float
    every: float
    targets: np.ndarray
    city: int
    answer: float
    ingress: int
    ptr: int = 0
    slot: int = 0


class FraudOps:
    stream = 10

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.fraud
        rng = ctx.rng(self.stream, 0)
        self.ops: list[FraudOp] = []
        prefixes = other_province_prefixes("cmcc")
        n = ctx.scaled(p.per_million, p.minimum) if p.per_million > 0 else 0
        for igw in assign_share(rng, n, p.igw_share).tolist():
            category = str(p.categories[int(rng.integers(len(p.categories)))])
            entry = "igw" if igw else "simbox"
            camp = ctx.campaign(rng, "fraud", int(Label.FRAUD), category, entry)
            volume = float(rng.uniform(*p.calls_per_day))
            ctx.campaigns[camp].meta.update(calls_per_day=round(volume), entry=entry)
            every = float(rng.uniform(*p.rotate_every))
            n_ids = max(3, int(volume * ctx.days / every / 2))  # each ID reused about twice a run
            nsn = ctx.table.sparse_mobile(rng, prefixes, n_ids)
            if igw:
                alloc = rng.random(n_ids) >= p.unallocated_share
                ids = ctx.table.add(nsn, alloc, -1, NumberKind.MOBILE)
            else:  # SIM cards: real numbers from other provinces, roaming here in one box
                ids = ctx.table.add(nsn, True, -1, NumberKind.MOBILE, operator=0)
                ctx.set_imei(ids, np.repeat(ctx.new_imeis(rng, 1), n_ids))
            ctx.label(ids, int(Label.FRAUD), category, camp)
            city = int(ctx.city_of_subs(rng, 1)[0])
            bonus = 0.1 if category == "impersonation_acquaintance" else 0.0
            gateway = f"IGW-{('GZ', 'SH')[int(rng.integers(2))]}-1"
            self.ops.append(
                FraudOp(
                    campaign=camp,
                    igw=igw,
                    ids=ids,
                    volume=volume,
                    every=every,
                    targets=ctx.subs[
                        rng.integers(0, len(ctx.subs), size=int(volume * 10))
                    ],  # a leaked list
                    city=city,
                    answer=min(0.9, float(rng.uniform(*p.answer)) + bonus),
                    ingress=ctx.ingress(gateway if igw else f"MSC-HN{city:02d}-1"),
                )
            )

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.fraud
        rng = ctx.rng(self.stream, day + 1)
        out: list[CallBatch] = []
        for op in self.ops:
            n = int(rng.poisson(op.volume))
            if n == 0:
                continue
            idx = (op.ptr + np.arange(n)) % len(op.targets)
            op.ptr = int(idx[-1]) + 1
            callee = op.targets[idx]
            long = rng.random(n) < p.long_talk_share
            talk = np.where(
                long,
                rng.lognormal(np.log(p.long_talk_median_s), 0.9, n),
                rng.lognormal(np.log(15.0), 0.6, n),
            )
            talk = np.clip(np.round(talk, 1), 1.0, 7200.0)
            dur, ring, cause = outcomes(
                rng, n, answer=op.answer, reject=0.1, talk=talk, give_up=(25.0, 45.0)
            )
            slots = rotation_slots(rng, cause, op.every, 0.3) + op.slot
            op.slot = int(slots[-1]) + 1
            calls = make_batch(
                caller=op.ids[number_for_slot(slots, len(op.ids), uses=2, window=3)],
                callee=callee,
                t_us=ctx.day_us(day, local_seconds(rng, n, "fraud")),
                duration=dur,
                ring=ring,
                cause=cause,
                ingress=op.ingress,
                attest=np.where(rng.random(n) < 0.7, 0, 3) if op.igw else 1,
                caller_region=-2 if op.igw else ctx.city_region[op.city],
                population=Population.FRAUD,
                label=Label.FRAUD,
                campaign=op.campaign,
                spoofed=op.igw,
            )
            out.append(calls)
            out.append(callbacks_to_display(ctx, rng, day, calls, 0.03, rents=False))
        return out

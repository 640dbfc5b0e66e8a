"""Fraud operations: impersonation scripts, chosen targets, few calls, long talk when answered.

Two ways in, both seen in Chinese telecom-fraud cases: calls from abroad entering through an
international gateway while displaying random domestic numbers (many unallocated), and SIM
boxes in the province: a device holding many SIM cards from other provinces (one IMEI),
switching card every few tens of calls. Targets are chosen (a leaked customer list), not
dialled in sequence, so fraud shows few dead callees; an answered call is either cut off
quickly or goes on for minutes.
"""

from __future__ import annotations

import numpy as np

from callwarden.sim.calls import CallBatch, Label, Population, local_seconds, make_batch, outcomes
from callwarden.sim.numbering import NumberKind, other_province_prefixes
from callwarden.sim.operations import callbacks_to_display, rotation_slots
from callwarden.sim.world import SimContext


class FraudOps:
    stream = 10

    def __init__(self, ctx: SimContext) -> None:
        p = ctx.scenario.fraud
        rng = ctx.rng(self.stream, 0)
        self.ops: list[dict[str, object]] = []
        prefixes = other_province_prefixes("cmcc")
        for _ in range(ctx.scaled(p.per_million, p.minimum) if p.per_million > 0 else 0):
            category = str(p.categories[int(rng.integers(len(p.categories)))])
            igw = bool(rng.random() < p.igw_share)
            camp = ctx.campaign(
                rng, "fraud", int(Label.FRAUD), category, "igw" if igw else "simbox"
            )
            volume = rng.uniform(*p.calls_per_day)
            every = rng.uniform(*p.rotate_every)
            n_ids = max(3, int(volume * 3 / every))  # enough caller IDs for a few days
            nsn = ctx.table.sparse_mobile(rng, prefixes, n_ids)
            if igw:
                alloc = rng.random(n_ids) >= p.unallocated_share
                ids = ctx.table.add(nsn, alloc, -1, NumberKind.MOBILE)
            else:  # SIM cards: real numbers from other provinces, roaming here in one box
                ids = ctx.table.add(nsn, True, -1, NumberKind.MOBILE, operator=0)
                ctx.set_imei(ids, np.repeat(ctx.new_imeis(rng, 1), n_ids))
            ctx.label(ids, int(Label.FRAUD), category, camp)
            city = int(ctx.city_of_subs(rng, 1)[0])
            targets = rng.permutation(ctx.subs)[: int(volume * 10)]
            self.ops.append(
                {
                    "campaign": camp,
                    "igw": igw,
                    "ids": ids,
                    "volume": volume,
                    "every": every,
                    "targets": targets,
                    "ptr": 0,
                    "slot": 0,
                    "city": city,
                    "answer": min(
                        0.9,
                        rng.uniform(*p.answer)
                        + (0.1 if category == "impersonation_acquaintance" else 0.0),
                    ),
                    "ingress": ctx.ingress(f"IGW-{('GZ', 'SH')[int(rng.integers(2))]}-1")
                    if igw
                    else ctx.ingress(f"MSC-HN{city:02d}-1"),
                }
            )

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]:
        p = ctx.scenario.fraud
        rng = ctx.rng(self.stream, day + 1)
        out: list[CallBatch] = []
        for op in self.ops:
            n = int(rng.poisson(float(op["volume"])))  # type: ignore[arg-type]
            if n == 0:
                continue
            targets: np.ndarray = op["targets"]  # type: ignore[assignment]
            idx = (int(op["ptr"]) + np.arange(n)) % len(targets)  # type: ignore[call-overload]
            op["ptr"] = int(idx[-1]) + 1
            callee = targets[idx]
            long = rng.random(n) < p.long_talk_share
            talk = np.where(
                long,
                rng.lognormal(np.log(p.long_talk_median_s), 0.9, n),
                rng.lognormal(np.log(15.0), 0.6, n),
            )
            talk = np.clip(np.round(talk, 1), 1.0, 7200.0)
            dur, ring, cause = outcomes(
                rng, n, answer=float(op["answer"]), reject=0.1, talk=talk, give_up=(25.0, 45.0)
            )  # type: ignore[arg-type]
            slots = rotation_slots(rng, cause, float(op["every"]), 0.3) + int(op["slot"])  # type: ignore[arg-type]
            op["slot"] = int(slots[-1]) + 1
            ids: np.ndarray = op["ids"]  # type: ignore[assignment]
            caller = ids[slots % len(ids)]
            igw = bool(op["igw"])
            calls = make_batch(
                caller=caller,
                callee=callee,
                t_us=ctx.day_us(day, local_seconds(rng, n, "fraud")),
                duration=dur,
                ring=ring,
                cause=cause,
                ingress=int(op["ingress"]),  # type: ignore[call-overload]
                attest=np.where(rng.random(n) < 0.7, 0, 3) if igw else 1,
                caller_region=-2 if igw else ctx.city_region[int(op["city"])],  # type: ignore[call-overload]
                population=Population.FRAUD,
                label=Label.FRAUD,
                campaign=int(op["campaign"]),  # type: ignore[call-overload]
                spoofed=igw,
            )
            out.append(calls)
            out.append(callbacks_to_display(ctx, rng, day, calls, 0.03, rents=False))
        return out

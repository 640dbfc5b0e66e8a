"""A vectorised synthetic call day at any size, for the campaign benchmark.

Not the simulator (``callwarden simulate`` is the realistic one): a lean NumPy generator that
reaches 10,000,000 CDRs in seconds, with the structures campaign building has to work
through: ordinary subscribers with reciprocated contacts, couriers, AI outbound operations
rotating caller IDs over sequential or random purchased lists through their trunks, and
human-seat operations dialling through 双向回呼.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

T0 = 1_795_795_200  # 2026-11-28 00:00 UTC


@dataclass
class SynthDay:
    cdrs: pa.Table
    labels: pa.Table  # number, label, category, campaign


def _e164(ids: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise("+", pc.cast(pa.array(ids, pa.int64()), pa.string()), "")


def generate(total: int = 10_000_000, seed: int = 1) -> SynthDay:
    rng = np.random.default_rng(seed)
    subs_n = max(total // 3, 10_000)
    subs = 8613800000000 + np.arange(subs_n, dtype=np.int64) * 3  # sparse: gaps are unallocated
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "a", "b", "d", "ing", "cause")}

    def add(
        t: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        d: np.ndarray,
        ing: np.ndarray | int,
        cause: np.ndarray | None = None,
    ) -> None:
        n = len(a)
        cols["t"].append(t.astype(np.float64))
        cols["a"].append(a)
        cols["b"].append(b)
        cols["d"].append(d)
        cols["ing"].append(np.broadcast_to(np.asarray(ing, dtype=np.int32), (n,)).copy())
        cols["cause"].append(np.where(d > 0, 16, 19).astype(np.int16) if cause is None else cause)

    labels: list[tuple[np.ndarray, str, str, np.ndarray]] = []
    # AI outbound operations: ~8% of traffic, pools of rotating numbers over purchased lists.
    ops = max(total // 250_000, 2)
    ai_total = int(total * 0.08)
    per_op = ai_total // ops
    for op in range(ops):
        pool_n = max(per_op // 60, 5)
        pool = 8675500000000 + op * 100_000 + np.arange(pool_n, dtype=np.int64)
        rot = int(rng.integers(5, 40))
        k = np.arange(per_op)
        caller = pool[(k // rot) % pool_n]
        list_n = int(per_op * rng.uniform(0.6, 1.0))
        if op % 5 < 3:  # sequential list: a run of numbers, dead entries included
            start = int(rng.integers(0, subs_n * 3 - list_n * 2))
            lst = 8613800000000 + start + np.arange(list_n, dtype=np.int64)
        else:
            lst = rng.choice(subs, size=list_n, replace=False)
        callee = lst[k % list_n]
        t = T0 + 3600 * 9 + np.sort(rng.uniform(0, 9 * 3600, per_op))
        dead = (callee - 8613800000000) % 3 != 0
        ans = ~dead & (rng.random(per_op) < 0.2)
        cause = np.where(dead, 1, np.where(ans, 16, 19)).astype(np.int16)
        add(t, caller, callee, np.where(ans, rng.uniform(3, 25, per_op), 0.0), 100 + op, cause)
        labels.append((pool, "harassment", "insurance", np.full(pool_n, op)))
    # Human-seat operations through 双向回呼: platform rings the agent, then the customer.
    seats_ops = max(total // 1_000_000, 1)
    for op in range(seats_ops):
        agents = subs[rng.choice(subs_n, 5, replace=False)]
        n = 5 * 400
        agent = np.repeat(agents, 400)
        t = T0 + 3600 * 9 + rng.uniform(0, 9 * 3600, n)
        cust = subs[rng.integers(0, subs_n, n)]
        platform = np.full(n, 8675586000000 + op)
        add(t, platform, agent, np.full(n, 60.0), 200 + op)
        ans = rng.random(n) < 0.3
        add(t + 3, agent, cust, np.where(ans, 40.0, 0.0), 200 + op)
        labels.append((agents, "harassment", "real_estate", np.full(5, ops + op)))
    # Couriers: many short answered calls to local customers, who often call back.
    couriers_n = max(total // 20_000, 2)
    cour = subs[rng.choice(subs_n, couriers_n, replace=False)]
    n = couriers_n * 100
    a = np.repeat(cour, 100)
    b = subs[rng.integers(0, subs_n, n)]
    t = T0 + 3600 * 8 + rng.uniform(0, 11 * 3600, n)
    add(t, a, b, rng.uniform(10, 40, n), 1)
    back = rng.random(n) < 0.3
    add(t[back] + 600, b[back], a[back], rng.uniform(10, 30, int(back.sum())), 1)
    # Ordinary subscribers fill the rest: contacts are nearby indices, so calls reciprocate.
    used = sum(len(x) for x in cols["a"])
    n = max(total - used, 0)
    ai = rng.integers(0, subs_n, n)
    off = rng.choice(np.array([-7, -3, -1, 1, 3, 7]), n)
    bi = (ai + off) % subs_n
    ans = rng.random(n) < 0.8
    t = T0 + rng.uniform(6 * 3600, 23 * 3600, n)
    add(t, subs[ai], subs[bi], np.where(ans, rng.lognormal(4, 1, n), 0.0), 2 + ai % 14)

    t = np.concatenate(cols["t"])
    order = np.argsort(t, kind="stable")
    ing = np.concatenate(cols["ing"])[order]
    ing_names = pc.binary_join_element_wise("ing-", pc.cast(pa.array(ing), pa.string()), "")
    cdrs = pa.table(
        {
            "call_id": pc.cast(pa.array(np.arange(len(order))), pa.string()),
            "start_time": pa.array((t[order] * 1e6).astype(np.int64), pa.timestamp("us", tz="UTC")),
            "caller": _e164(np.concatenate(cols["a"])[order]),
            "callee": _e164(np.concatenate(cols["b"])[order]),
            "duration_s": pa.array(np.concatenate(cols["d"])[order]),
            "release_cause": pa.array(np.concatenate(cols["cause"])[order], pa.int16()),
            "ingress": ing_names,
        }
    )
    nums = np.concatenate([x[0] for x in labels])
    lab = pa.table(
        {
            "number": _e164(nums),
            "label": pa.array(np.concatenate([np.full(len(x[0]), x[1]) for x in labels]).tolist()),
            "category": pa.array(
                np.concatenate([np.full(len(x[0]), x[2]) for x in labels]).tolist()
            ),
            "campaign": pa.array([f"op{int(c)}" for c in np.concatenate([x[3] for x in labels])]),
        }
    )
    return SynthDay(cdrs, lab)

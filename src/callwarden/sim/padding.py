"""Padding: accomplice calls that give a harassment number an ordinary-looking history.

The 30 Nov audit's attack (docs/campaigns.md, "Padding defeats list linking"): before its
first call of the run, every harassment number places ``accomplices`` answered calls to
accomplice SIMs of its own (Hunan mobiles of the other two operators, one set per number),
back to back, and then each accomplice (``callback`` share) rings it back. The padding ends
ten minutes before the number's first call (or starts at the run's first second, where the
number calls too early in the run for that). Accomplice calls are truth population
``accomplice``, label benign (nobody is harassed), no campaign; accomplice numbers are labelled
benign, category ``accomplice``. Drawn from a stream of its own after every population, so a
scenario without padding is unchanged draw for draw.
"""

from __future__ import annotations

import numpy as np

from callwarden.cdr.schema import CAUSE_NORMAL_CLEARING
from callwarden.sim.calls import US, CallBatch, Label, Population, concat, make_batch
from callwarden.sim.numbering import HOME_CITIES, NumberKind, mobile_blocks
from callwarden.sim.world import SimContext

STREAM = 40
GAP_S = 30.0  # between the end of one padding call and the next
MARGIN_S = 600.0  # between the last padding call and the number's first call


def padded_numbers(ctx: SimContext, calls: CallBatch) -> tuple[np.ndarray, np.ndarray]:
    """(row, first call index) of every calling number whose truth label is harassment."""
    n = ctx.table.size
    label = np.full(n, -1, dtype=np.int64)
    for rows, lab, _cat, _camp in ctx.labels:  # later registrations override earlier ones
        label[rows] = lab
    order = np.lexsort((calls.t_us, calls.caller))
    callers = calls.caller[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = callers[1:] != callers[:-1]
    rows, idx = callers[first].astype(np.int64), order[first]
    keep = label[rows] == int(Label.HARASSMENT)
    return rows[keep], idx[keep]


def _accomplice_sims(ctx: SimContext, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` new Hunan mobiles of China Unicom / Telecom (no handset seen at the own switch)."""
    blocks = mobile_blocks()
    city = ctx.city_of_subs(rng, n)
    op = rng.integers(1, 3, size=n)  # cucc, ctcc
    out = np.zeros(n, dtype=np.int64)
    for ci in np.unique(city):
        for o in (1, 2):
            sel = np.flatnonzero((city == ci) & (op == o))
            if not len(sel):
                continue
            region = HOME_CITIES[int(ci)].region
            prefixes = blocks.get((region, ("cmcc", "cucc", "ctcc")[o]))
            if prefixes is None:
                prefixes = blocks[(region, "cmcc")]
            nsn = ctx.table.sparse_mobile(rng, prefixes, len(sel))
            out[sel] = ctx.table.add(
                nsn,
                True,
                ctx.table.region_id(region),
                NumberKind.MOBILE,
                operator=o,
                city=int(ci),
            )
    return out


def padding_calls(ctx: SimContext, batches: list[CallBatch]) -> list[CallBatch]:
    """The padding of every harassment number of the run (none when padding is off)."""
    p = ctx.scenario.padding
    k = int(p.accomplices)
    if k <= 0:
        return []
    calls = concat(batches)
    rows, first = padded_numbers(ctx, calls)
    if not len(rows):
        return []
    rng = ctx.rng(STREAM, 0)
    m = len(rows)
    acc = _accomplice_sims(ctx, rng, m * k).reshape(m, k)
    ctx.label(acc.ravel(), int(Label.BENIGN), "accomplice")
    backs = rng.random((m, k)) < p.callback
    # out: k calls back to back; then the call-backs, back to back
    out_step = (p.talk_s + 8.0 + GAP_S) * US
    back_step = (p.return_talk_s + 8.0 + GAP_S) * US
    n_back = backs.sum(axis=1)
    span = k * out_step + n_back * back_step + MARGIN_S * US
    start = np.maximum(calls.t_us[first] - span.astype(np.int64), ctx.day0_us)
    slot = np.arange(k)
    t_out = start[:, None] + (slot * out_step).astype(np.int64)[None, :]
    back_rank = np.cumsum(backs, axis=1) - 1
    t_back = start[:, None] + int(k * out_step) + (back_rank * back_step).astype(np.int64)
    ring = np.round(rng.uniform(2.0, 8.0, (m, k)), 1)
    src = np.repeat(first, k)
    padding = make_batch(
        caller=np.repeat(rows, k),
        callee=acc.ravel(),
        t_us=t_out.ravel(),
        duration=np.full(m * k, p.talk_s),
        ring=ring.ravel(),
        cause=np.full(m * k, CAUSE_NORMAL_CLEARING),
        ingress=calls.ingress[src],
        asserted=calls.asserted[src],
        attest=calls.attest[src],
        caller_region=calls.caller_region[src],
        population=Population.ACCOMPLICE,
        label=Label.BENIGN,
        spoofed=calls.spoofed[src],
        personal=True,
    )
    b_caller = acc[backs]
    b_callee = np.broadcast_to(rows[:, None], (m, k))[backs]
    ingress, attest = ctx.route(rng, b_caller)
    back = make_batch(
        caller=b_caller,
        callee=b_callee,
        t_us=t_back[backs],
        duration=np.full(len(b_caller), p.return_talk_s),
        ring=np.round(rng.uniform(2.0, 8.0, len(b_caller)), 1),
        cause=np.full(len(b_caller), CAUSE_NORMAL_CLEARING),
        ingress=ingress,
        attest=attest,
        population=Population.ACCOMPLICE,
        label=Label.BENIGN,
        personal=True,
    )
    return [padding, back]

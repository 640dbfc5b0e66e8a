"""What harassment and fraud operations do to stay ahead of per-number blocking.

Caller-ID rotation (a new number every few calls and after a rejection, each number used for
a stretch of the run), the talk-time mixture of unwanted calls, spoofed-call attestation,
callees ringing a displayed number back (空号 when it is unallocated) and "washing" numbers
with calls to cooperating phones. Shared by the AI, human-seat and fraud operations.
"""

from __future__ import annotations

import numpy as np

from callwarden.cdr.schema import CAUSE_CALL_REJECTED, CAUSE_UNALLOCATED
from callwarden.sim.calls import (
    CallBatch,
    Label,
    Population,
    choice_weights,
    local_seconds,
    make_batch,
    outcomes,
)
from callwarden.sim.heavy import returned_calls
from callwarden.sim.world import SimContext


def rotation_slots(
    rng: np.random.Generator, cause: np.ndarray, every: float, after_reject: float
) -> np.ndarray:
    """Caller-ID slot per call: a new number every ``every`` calls and after rejections."""
    n = len(cause)
    period = max(1, int(round(every)))
    event = (np.arange(n) % period) == 0
    rejected = np.concatenate([[False], cause[:-1] == CAUSE_CALL_REJECTED])
    event |= rejected & (rng.random(n) < after_reject)
    return np.cumsum(event) - 1


def number_for_slot(slots: np.ndarray, pool_size: int, uses: int, window: int = 12) -> np.ndarray:
    """Pool index per rotation slot: a small active set of ``window`` numbers is cycled until
    each has been shown ``uses`` times, then retired for the next set, so a number lives for a
    stretch of the run (hours) instead of coming back every day."""
    w = max(1, min(window, pool_size))
    u = max(1, uses)
    return ((slots % w) + w * (slots // (w * u))) % pool_size


def talk_mixture(rng: np.random.Generator, n: int, pad: float, human: bool) -> np.ndarray:
    """Callees hang up on most calls within seconds; a few listen; fewer are interested."""
    u = rng.random(n)
    quick = rng.lognormal(np.log(10.0 if human else 8.0), 0.5, n)
    listen = rng.lognormal(np.log(45.0 if human else 30.0), 0.6, n)
    keen = rng.lognormal(np.log(120.0), 0.6, n)
    talk = np.where(u < (0.55 if human else 0.75), quick, np.where(u < 0.93, listen, keen))
    return np.clip(np.round(talk + pad * rng.uniform(0.5, 1.5, n), 1), 1.0, 3600.0)


def spoof_attestation(rng: np.random.Generator, n: int) -> np.ndarray:
    return choice_weights(rng, [0.3, 0.0, 0.1, 0.6], n).astype(np.int8)


def callbacks_to_display(
    ctx: SimContext,
    rng: np.random.Generator,
    day: int,
    calls: CallBatch,
    p_back: float,
    rents: bool,
) -> CallBatch:
    """Callees ringing the displayed number back: an unallocated one gives cause 1 (空号)."""
    back = returned_calls(
        ctx,
        rng,
        day,
        calls,
        p_missed=p_back,
        p_answered=p_back,
        delay_s=300.0,
        answer=0.5 if rents else 0.0,
        talk_median_s=15.0,
    )
    allocated = ctx.table.origin()[3]
    dead = ~allocated[back.callee]
    back.cause[dead] = CAUSE_UNALLOCATED
    back.duration[dead] = 0.0
    back.ring[dead] = np.round(rng.uniform(0.5, 3.0, int(dead.sum())), 1)
    return back


def wash_calls(
    ctx: SimContext,
    rng: np.random.Generator,
    day: int,
    calls: CallBatch,
    friends: np.ndarray,
    share: float,
    population: Population,
) -> list[CallBatch]:
    """ "Washing" a number: calls to cooperating phones that answer, talk and ring back."""
    if share <= 0 or not len(calls):
        return []
    n = int(rng.binomial(len(calls), share))
    src = rng.integers(0, len(calls), size=n)
    caller = calls.caller[src]
    callee = friends[rng.integers(0, len(friends), size=n)]
    talk = np.round(rng.lognormal(np.log(150.0), 0.7, n), 1)
    dur, ring, cause = outcomes(rng, n, answer=0.92, reject=0.0, talk=talk)
    seconds = local_seconds(rng, n, "social")
    wash = make_batch(
        caller=caller,
        callee=callee,
        t_us=ctx.day_us(day, seconds),
        duration=dur,
        ring=ring,
        cause=cause,
        ingress=calls.ingress[src],
        asserted=calls.asserted[src],
        attest=calls.attest[src],
        caller_region=calls.caller_region[src],
        population=population,
        label=Label.HARASSMENT,
        campaign=calls.campaign[src],
        spoofed=calls.spoofed[src],
        personal=True,
    )
    back = returned_calls(
        ctx,
        rng,
        day,
        wash,
        p_missed=0.8,
        p_answered=0.5,
        delay_s=1800.0,
        answer=0.9,
        talk_median_s=90.0,
        population=population,
        anyone=True,
    )
    back.personal[:] = True
    back.label[:] = int(Label.HARASSMENT)
    back.campaign[:] = calls.campaign[0]
    dead = ~ctx.table.origin()[3][
        back.callee
    ]  # a friend ringing back an unallocated display number
    back.cause[dead] = CAUSE_UNALLOCATED
    back.duration[dead] = 0.0
    ctx.label(
        friends,
        int(Label.HARASSMENT),
        str(ctx.campaigns[int(calls.campaign[0])].category),
        int(calls.campaign[0]),
    )
    return [wash, back]

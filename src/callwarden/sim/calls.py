"""Call batches and the vectorised pieces every population uses: times, outcomes, callbacks.

A :class:`CallBatch` holds one population's calls as parallel NumPy arrays (numbers as rows of
the run's :class:`~callwarden.sim.numbering.NumberTable`); the engine concatenates the batches,
sorts them by time and only then builds strings.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np

from callwarden.cdr.schema import (
    CAUSE_CALL_REJECTED,
    CAUSE_NO_ANSWER,
    CAUSE_NORMAL_CLEARING,
    CAUSE_UNALLOCATED,
    CAUSE_USER_BUSY,
)

US = 1_000_000
DAY_US = 86_400 * US


class Population(IntEnum):
    SUBSCRIBER = 0
    COURIER = 1
    AXB = 2
    BANK = 3
    CLINIC = 4
    SCHOOL = 5
    SALES = 6
    AI_ROBOCALL = 7
    HUMAN_SEAT = 8
    BRIDGE = 9
    FRAUD = 10
    ACCOMPLICE = 11  # padding: an operation's own SIMs and its calls with them
    ROAMER = 12  # own subscribers abroad calling home through an international gateway


class Label(IntEnum):
    BENIGN = 0
    HARASSMENT = 1
    FRAUD = 2


class Leg(IntEnum):
    NONE = 0
    AGENT = 1
    CUSTOMER = 2


ATTESTATIONS = ("", "A", "B", "C")

#: Hourly weights (local time) of when each kind of caller places calls.
PROFILES: dict[str, np.ndarray] = {
    "social": np.array(
        [
            0.3,
            0.15,
            0.1,
            0.08,
            0.1,
            0.3,
            1,
            2.5,
            4,
            5,
            5.5,
            5.5,
            5,
            5,
            5,
            5.5,
            6,
            6.5,
            7,
            7,
            6.5,
            5,
            3,
            1.2,
        ]
    ),
    "business": np.array(
        [0, 0, 0, 0, 0, 0, 0.1, 0.8, 4, 7, 7, 6.5, 2.5, 3, 6.5, 7, 6.5, 5, 2, 0.8, 0.3, 0.1, 0, 0]
    ),
    "courier": np.array(
        [0, 0, 0, 0, 0, 0, 0.1, 1, 5, 8, 8, 7, 4, 5, 7, 8, 8, 7, 5, 3, 1.5, 0.5, 0.1, 0]
    ),
    "dialer": np.array(
        [0, 0, 0, 0, 0, 0, 0, 0.2, 3, 6, 6, 6, 1.5, 3, 6, 6, 6, 5, 1.5, 1, 0.5, 0, 0, 0]
    ),
    "spread": np.array(
        [0, 0, 0, 0, 0, 0, 0.5, 2, 4, 5, 5, 5, 4, 4, 5, 5, 5, 5, 4.5, 4.5, 4, 2, 0.5, 0]
    ),
    "fraud": np.array(
        [0, 0, 0, 0, 0, 0, 0.2, 1, 4, 6, 6, 5, 3, 4, 6, 6, 5, 4, 3, 3, 2.5, 1.5, 0.3, 0]
    ),
}


@dataclass
class CallBatch:
    caller: np.ndarray  # number-table row of the displayed caller
    callee: np.ndarray
    t_us: np.ndarray  # start, µs since the Unix epoch (UTC)
    duration: np.ndarray
    ring: np.ndarray
    cause: np.ndarray
    ingress: np.ndarray  # index into the run's ingress names
    asserted: np.ndarray  # number-table row or -1
    attest: np.ndarray  # index into ATTESTATIONS
    caller_region: np.ndarray  # region id or -1
    population: np.ndarray
    label: np.ndarray
    campaign: np.ndarray  # campaign index or -1
    spoofed: np.ndarray
    bridge: np.ndarray  # bridge id or -1
    leg: np.ndarray
    bot: np.ndarray  # caller is a machine (truth for transcripts)
    personal: np.ndarray  # a private conversation whatever the caller ("washing" calls)

    def __len__(self) -> int:
        return len(self.caller)


def make_batch(
    *,
    caller: np.ndarray,
    callee: np.ndarray,
    t_us: np.ndarray,
    duration: np.ndarray,
    ring: np.ndarray,
    cause: np.ndarray,
    ingress: np.ndarray | int,
    population: Population,
    label: Label = Label.BENIGN,
    campaign: np.ndarray | int = -1,
    asserted: np.ndarray | int = -1,
    attest: np.ndarray | int = 0,
    caller_region: np.ndarray | int = -1,
    spoofed: np.ndarray | bool = False,
    bridge: np.ndarray | int = -1,
    leg: np.ndarray | int = Leg.NONE,
    bot: np.ndarray | bool = False,
    personal: np.ndarray | bool = False,
) -> CallBatch:
    n = len(caller)

    def full(v: np.ndarray | int | bool, dtype: type) -> np.ndarray:
        return (
            np.broadcast_to(np.asarray(v, dtype=dtype), (n,)).copy()
            if np.ndim(v) == 0
            else np.asarray(v, dtype=dtype)
        )

    return CallBatch(
        caller=full(caller, np.int32),
        callee=full(callee, np.int32),
        t_us=full(t_us, np.int64),
        duration=full(duration, np.float64),
        ring=full(ring, np.float64),
        cause=full(cause, np.int16),
        ingress=full(ingress, np.int32),
        asserted=full(asserted, np.int32),
        attest=full(attest, np.int8),
        caller_region=full(caller_region, np.int32),
        population=full(int(population), np.int8),
        label=full(int(label), np.int8),
        campaign=full(campaign, np.int32),
        spoofed=full(spoofed, np.bool_),
        bridge=full(bridge, np.int32),
        leg=full(leg, np.int8),
        bot=full(bot, np.bool_),
        personal=full(personal, np.bool_),
    )


def concat(batches: list[CallBatch]) -> CallBatch:
    batches = [b for b in batches if len(b)]
    if not batches:
        empty = np.zeros(0, np.int64)
        return make_batch(
            caller=empty,
            callee=empty,
            t_us=empty,
            duration=empty,
            ring=empty,
            cause=empty,
            ingress=empty,
            population=Population.SUBSCRIBER,
        )
    return CallBatch(
        **{f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(CallBatch)}
    )


def take(batch: CallBatch, order: np.ndarray) -> CallBatch:
    return CallBatch(**{f.name: getattr(batch, f.name)[order] for f in fields(CallBatch)})


def local_seconds(rng: np.random.Generator, n: int, profile: str) -> np.ndarray:
    """Seconds after local midnight, drawn from an hourly profile."""
    w = PROFILES[profile]
    cdf = np.cumsum(w) / w.sum()
    hour = np.searchsorted(cdf, rng.random(n), side="right")
    return (np.minimum(hour, 23) + rng.random(n)) * 3600.0


def sorted_local_seconds(rng: np.random.Generator, n: int, profile: str) -> np.ndarray:
    """Like :func:`local_seconds` but already sorted, in O(n): sorted uniforms from
    normalised exponential spacings, mapped through the profile's (monotone) inverse CDF."""
    w = PROFILES[profile] / PROFILES[profile].sum()
    cdf = np.concatenate([[0.0], np.cumsum(w)])
    gaps = rng.standard_exponential(n + 1)
    u = np.cumsum(gaps[:-1]) / gaps.sum()
    hour = np.minimum(np.searchsorted(cdf, u, side="right") - 1, 23)
    frac = (u - cdf[hour]) / np.maximum(w[hour], 1e-12)
    return (hour + np.clip(frac, 0.0, 1.0 - 1e-9)) * 3600.0


def talk_times(
    rng: np.random.Generator, n: int, median: float | np.ndarray, sigma: float
) -> np.ndarray:
    """Lognormal talk times (seconds), at least one second, at most two hours."""
    return np.clip(
        np.round(np.asarray(median) * np.exp(sigma * rng.standard_normal(n)), 1), 1.0, 7200.0
    )


def outcomes(
    rng: np.random.Generator,
    n: int,
    *,
    answer: float | np.ndarray,
    reject: float | np.ndarray = 0.03,
    busy: float = 0.03,
    dead: np.ndarray | None = None,
    talk: np.ndarray | None = None,
    give_up: tuple[float, float] = (25.0, 55.0),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(duration_s, ring_s, release_cause) of ``n`` attempts.

    ``dead`` marks callees that are not allocated (cause 1 after a short announcement);
    ``give_up`` is how long the caller lets an unanswered call ring (robot dialers give up
    sooner than people). ``talk`` is the talk time of the call if answered.
    """
    u = rng.random(n)
    answer = np.broadcast_to(np.asarray(answer, dtype=np.float64), (n,))
    reject = np.broadcast_to(np.asarray(reject, dtype=np.float64), (n,))
    answered = u < answer
    rejected = ~answered & (u < answer + reject)
    is_busy = ~answered & ~rejected & (u < answer + reject + busy)
    cause = np.full(n, CAUSE_NO_ANSWER, dtype=np.int16)
    cause[answered] = CAUSE_NORMAL_CLEARING
    cause[rejected] = CAUSE_CALL_REJECTED
    cause[is_busy] = CAUSE_USER_BUSY
    ring = rng.uniform(give_up[0], give_up[1], n)
    ring[answered] = 1.0 + 3.2 * rng.standard_exponential((2, int(answered.sum()))).sum(
        axis=0
    )  # gamma(2)
    ring[rejected] = rng.uniform(1.5, 12.0, int(rejected.sum()))
    ring[is_busy] = rng.uniform(0.3, 2.0, int(is_busy.sum()))
    if talk is None:
        talk = np.full(n, 30.0)
    duration = np.where(answered, talk, 0.0)
    if dead is not None and dead.any():
        cause[dead] = CAUSE_UNALLOCATED
        duration[dead] = 0.0
        ring[dead] = rng.uniform(0.5, 3.0, int(dead.sum()))
    return duration, np.round(ring, 1), cause


def pick(rng: np.random.Generator, values: np.ndarray, n: int) -> np.ndarray:
    """``n`` uniform draws (with replacement) from ``values``."""
    return values[rng.integers(0, len(values), size=n)]


def choice_weights(
    rng: np.random.Generator, weights: np.ndarray | list[float], n: int
) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    cdf = np.cumsum(w) / w.sum()
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(w) - 1)


def assign_share(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """Which of ``n`` operations take a variant of probability ``share``: about ``share * n``
    of them, and at least one of each kind when both are possible (small runs see both)."""
    k = int(rng.binomial(n, share))
    if n >= 2 and 0.0 < share < 1.0:
        k = min(max(k, 1), n - 1)
    out = np.zeros(n, dtype=bool)
    out[rng.permutation(n)[:k]] = True
    return out

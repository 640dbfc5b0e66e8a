"""Small hand-built call days for the campaign detectors (no simulator needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from callwarden.cdr.schema import CANONICAL_SCHEMA

DAY = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)


@dataclass
class Day:
    """Accumulates calls; ``table()`` gives canonical CDRs."""

    rows: list[dict[str, object]] = field(default_factory=list)

    def call(
        self,
        t_s: float,
        caller: str,
        callee: str,
        *,
        dur: float = 0.0,
        ingress: str = "sw-home",
        cause: int | None = None,
        asserted: str | None = None,
        region: str | None = None,
    ) -> str:
        cid = f"c{len(self.rows):06d}"
        self.rows.append(
            {
                "call_id": cid,
                "start_time": DAY + timedelta(seconds=t_s),
                "caller": caller,
                "callee": callee,
                "duration_s": float(dur),
                "answered": dur > 0,
                "ring_s": 5.0,
                "release_cause": cause if cause is not None else (16 if dur > 0 else 19),
                "ingress": ingress,
                "asserted_caller": asserted,
                "attestation": None,
                "caller_region": region,
                "callee_region": None,
                "imei": None,
            }
        )
        return cid

    def table(self) -> pa.Table:
        cols = {f.name: [r[f.name] for r in self.rows] for f in CANONICAL_SCHEMA}
        return pa.table(cols, schema=CANONICAL_SCHEMA)


def mobile(i: int, prefix: str = "1390731") -> str:
    return f"+86{prefix}{i:04d}"


def ordinary(day: Day, n: int = 60, seed: int = 0) -> list[str]:
    """Subscribers who call friends and are called back (answered, reciprocated)."""
    people = [mobile(i, "1380731") for i in range(n)]
    for i, a in enumerate(people):
        for k in (1, 2, 3):
            b = people[(i * 7 + k * 13 + seed) % n]
            if b == a:
                continue
            t = 3600 * (8 + (i + k) % 12) + i * 11
            day.call(t, a, b, dur=60 + i)
            day.call(t + 1800, b, a, dur=30 + k)
    return people


def other_switch(day: Day, share: float = 0.2) -> None:
    """Reciprocated subscriber calls on another switch, ``share`` of the day's calls after.

    A day whose calls all enter through one ingress has no informative ingress
    (``staging.IngressInfo``): linking then uses no list evidence. Tests of list linking that
    build a one-trunk day add this traffic so the trunk stands apart from the rest."""
    need = int(len(day.rows) * share / (1.0 - share)) + 2
    people = [mobile(i, "1360731") for i in range(40)]
    for k in range(need // 2):
        a, b = people[k % 40], people[(k * 7 + 3) % 40]
        if a == b:
            b = people[(k + 1) % 40]
        t = 3600 * (8 + k % 12) + k
        day.call(t, a, b, dur=60.0, ingress="sw-other")
        day.call(t + 1800, b, a, dur=30.0, ingress="sw-other")


def campaign(
    day: Day,
    *,
    list_start: int,
    list_len: int,
    numbers: int,
    calls_per_number: int,
    ingress: str,
    t0: float = 9 * 3600,
    gap_s: float = 20.0,
    prefix: str = "0731",
    first_number: int = 0,
) -> list[str]:
    """A rotation pool dialling a sequential list: each number places a few calls, then the next."""
    callers = [f"+86{prefix}8{first_number + j:06d}" for j in range(numbers)]
    t, k = t0, 0
    for c in callers:
        for _ in range(calls_per_number):
            callee = mobile(list_start + (k % list_len))
            answered = k % 9 == 0
            day.call(
                t,
                c,
                callee,
                dur=8.0 if answered else 0.0,
                ingress=ingress,
                cause=1 if k % 11 == 0 else None,
            )
            t += gap_s
            k += 1
    return callers


@pytest.fixture
def day() -> Day:
    return Day()

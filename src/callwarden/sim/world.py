"""The world of one run: subscribers and their numbers, hotlines, ingresses, truth registers.

:class:`SimContext` is built once per run and handed to every population; populations add
their own numbers to its table and register their truth (labels, campaigns) here.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from callwarden.errors import ConfigError
from callwarden.sim.calls import CallBatch
from callwarden.sim.numbering import (
    BLOCK,
    HOME_CITIES,
    OWN_OPERATOR,
    SERVICE_HOTLINES,
    NumberKind,
    NumberTable,
    luhn_complete,
    mobile_blocks,
)
from callwarden.sim.scenario import Scenario

#: Type allocation codes of common handsets sold in China (first 8 IMEI digits).
TACS = np.array(
    [86891204, 86754303, 35391110, 86013305, 86997004, 35875409, 86401205, 86263406], dtype=np.int64
)


@dataclass
class Campaign:
    campaign_id: str
    operation_id: str
    label: int
    category: str
    population: str
    platform: str
    meta: dict[str, object] = field(default_factory=dict)  # operation parameters, for the manifest


class TrafficModel(Protocol):
    """A population: set up in ``__init__(ctx)``, then asked for each day's calls."""

    def day(self, ctx: SimContext, day: int) -> list[CallBatch]: ...


@dataclass
class SimContext:
    scenario: Scenario
    seed: int
    days: int
    n_subs: int
    table: NumberTable = field(default_factory=NumberTable)
    ingresses: list[str] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    labels: list[tuple[np.ndarray, int, str, int]] = field(default_factory=list)
    imeis: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    # subscribers, grouped by city: table rows, city, operator
    subs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    subs_city: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    subs_op: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    city_bounds: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    idle: dict[tuple[int, str], np.ndarray] = field(
        default_factory=dict
    )  # (city, mobile|fixed) -> rows
    remote: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    hotlines: dict[str, int] = field(default_factory=dict)  # 95xxx -> table row
    city_region: list[int] = field(default_factory=list)
    # hand-offs between populations
    block_rows: int = 0  # rows of the subscriber blocks (the numbers lists and misdials reach)
    lists: list[np.ndarray] | None = None  # the purchased-list market, drawn once
    hotline_calls: dict[int, CallBatch] = field(default_factory=dict)  # day -> calls to 95xxx
    bridge_next: int = 0  # next bridge id
    _ingress_ix: dict[str, int] = field(default_factory=dict)
    _route: np.ndarray | None = None
    _sub_mask: np.ndarray | None = None

    # -- helpers -------------------------------------------------------------------------
    def rng(self, *stream: int) -> np.random.Generator:
        """An independent generator per (population, day, ...) so runs are reproducible."""
        return np.random.default_rng([self.seed, *stream])

    @property
    def day0_us(self) -> int:
        local = dt.datetime.fromisoformat(self.scenario.start_date)
        utc = local - dt.timedelta(hours=self.scenario.utc_offset_hours)
        return int(utc.replace(tzinfo=dt.UTC).timestamp()) * 1_000_000

    def weekday(self, day: int) -> int:
        return (dt.date.fromisoformat(self.scenario.start_date) + dt.timedelta(days=day)).weekday()

    def day_us(self, day: int, seconds: np.ndarray | float) -> np.ndarray:
        return self.day0_us + day * 86_400_000_000 + (np.asarray(seconds) * 1e6).astype(np.int64)

    def scaled(self, per_million: float, minimum: int) -> int:
        return max(int(minimum), int(round(per_million * self.n_subs / 1e6)))

    def ingress(self, name: str) -> int:
        if name not in self._ingress_ix:
            self._ingress_ix[name] = len(self.ingresses)
            self.ingresses.append(name)
        return self._ingress_ix[name]

    def campaign(
        self,
        rng: np.random.Generator,
        kind: str,
        label: int,
        category: str,
        platform: str,
        **meta: object,
    ) -> int:
        n = sum(1 for c in self.campaigns if c.population == kind) + 1
        op_id = f"{kind}-{n:03d}"
        cid = f"cmp-{rng.integers(16**8):08x}"
        self.campaigns.append(Campaign(cid, op_id, label, category, kind, platform, dict(meta)))
        return len(self.campaigns) - 1

    def label(self, rows: np.ndarray, label: int, category: str, campaign: int = -1) -> None:
        self.labels.append((np.asarray(rows, dtype=np.int64), label, category, campaign))

    def set_imei(self, rows: np.ndarray, imei: np.ndarray) -> None:
        self.imeis.append((np.asarray(rows, dtype=np.int64), np.asarray(imei, dtype=np.int64)))

    def new_imeis(self, rng: np.random.Generator, n: int) -> np.ndarray:
        body = TACS[rng.integers(len(TACS), size=n)] * 1_000_000 + rng.integers(
            0, 1_000_000, size=n
        )
        return luhn_complete(body)

    def take_idle(self, city: int, kind: str, n: int) -> np.ndarray:
        """``n`` allocated numbers nobody else uses (new lines for workers, SIMs, spoof pools),
        from ``city`` first and then from the other cities."""
        out: list[np.ndarray] = []
        cities = [city, *[c for c in range(len(HOME_CITIES)) if c != city]]
        for c in cities:
            pool = self.idle.get((c, kind), np.zeros(0, np.int64))
            got = pool[: n - sum(len(o) for o in out)]
            self.idle[(c, kind)] = pool[len(got) :]
            out.append(got)
            if sum(len(o) for o in out) >= n:
                break
        rows = np.concatenate(out)
        if len(rows) < n:
            raise ConfigError(
                f"not enough idle {kind} numbers for the populations: raise subscriber.idle_share"
            )
        return rows

    def city_of_subs(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Cities drawn in proportion to their subscribers."""
        sizes = np.diff(self.city_bounds).astype(np.float64)
        return np.minimum(
            np.searchsorted(np.cumsum(sizes) / sizes.sum(), rng.random(n), side="right"),
            len(sizes) - 1,
        )

    def random_subs(self, rng: np.random.Generator, city: np.ndarray | int, n: int) -> np.ndarray:
        """Uniform subscribers of ``city`` (one city, or one per draw)."""
        c = np.broadcast_to(np.asarray(city, dtype=np.int64), (n,))
        lo, hi = self.city_bounds[c], self.city_bounds[c + 1]
        return self.subs[lo + (rng.random(n) * (hi - lo)).astype(np.int64)]

    def is_subscriber(self, rows: np.ndarray) -> np.ndarray:
        if self._sub_mask is None:
            self._sub_mask = np.zeros(self.table.size, dtype=bool)
            self._sub_mask[self.subs] = True
        mask = self._sub_mask
        return mask[np.minimum(rows, len(mask) - 1)] & (rows < len(mask))

    def subs_of_city(self, city: int) -> np.ndarray:
        return self.subs[self.city_bounds[city] : self.city_bounds[city + 1]]

    def routing_table(self) -> np.ndarray:
        """(operator + 1, city + 1, trunk group) -> ingress id; registers the ingresses."""
        if self._route is None:
            lut = np.zeros((5, len(HOME_CITIES) + 1, 2), dtype=np.int32)
            names = ("CTCC", "CMCC", "CUCC", "CTCC", "CTCC")  # by operator code + 1 (-1: unknown)
            for o in range(5):
                for c in range(len(HOME_CITIES) + 1):
                    for k in range(2):
                        if c == 0:
                            name = f"IC-LD-{names[o]}"
                        elif o == 1 + OWN_OPERATOR:
                            name = f"MSC-HN{c - 1:02d}-{k + 1}"
                        else:
                            name = f"IC-{names[o]}-HN-{k + 1}"
                        lut[o, c, k] = self.ingress(name)
            self._route = lut
        return self._route

    def route(self, rng: np.random.Generator, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ingress, attestation) of calls placed from their own line by ``rows``.

        Own mobiles enter at their city's switch (attested A); other operators in the province
        at an interconnect (B or unknown); numbers from outside it at a long-distance gateway.
        """
        lut = self.routing_table()
        op, city, _, _ = self.table.origin()
        o, c = op[rows].astype(np.int32) + 1, city[rows].astype(np.int32) + 1
        # A line is homed on one switch / trunk group; 5% of its calls take the other one
        # (the subscriber moved, or overflow routing).
        group = (np.asarray(rows) & 1) ^ (rng.random(len(rows)) < 0.05)
        ingress = lut.ravel()[(o * lut.shape[1] + c) * 2 + group]
        own = (o == 1 + OWN_OPERATOR) & (c > 0)
        attest = np.where(own, 1, np.where(rng.random(len(rows)) < 0.3, 0, 2)).astype(np.int8)
        return ingress, attest


def build_world(scenario: Scenario, seed: int, days: int, n_subs: int) -> SimContext:
    """Allocates subscribers in real number blocks, idle numbers, remote contacts, hotlines."""
    ctx = SimContext(scenario=scenario, seed=seed, days=days, n_subs=n_subs)
    p = scenario.subscriber
    rng = ctx.rng(0, 0)
    table = ctx.table
    weights = np.array([c.weight for c in HOME_CITIES])
    per_city = rng.multinomial(n_subs, weights / weights.sum())
    subs, subs_city, subs_op, bounds = [], [], [], [0]
    for ci, city in enumerate(HOME_CITIES):
        region = table.region_id(city.region)
        ctx.city_region.append(region)
        per_op = rng.multinomial(per_city[ci], np.asarray(p.operator_share))
        idle_city: dict[str, list[np.ndarray]] = {"mobile": [], "fixed": []}
        for op, n_active in enumerate(per_op):
            if n_active == 0:
                continue
            need = math.ceil(n_active / (1.0 - p.idle_share))
            n_blocks = math.ceil(need / (BLOCK * p.block_fill * 0.97)) + 0
            if op < 3:
                nsn = table.mobile_block_numbers(
                    rng, city.region, ("cmcc", "cucc", "ctcc")[op], n_blocks
                )
                kind = NumberKind.MOBILE
            else:
                nsn = table.fixed_block_numbers(rng, city.area_code, city.local_digits, n_blocks)
                kind = NumberKind.FIXED
            alloc = rng.random(len(nsn)) < p.block_fill
            alloc_pos = np.flatnonzero(alloc)
            if len(alloc_pos) < n_active:  # rare: fill the shortfall from the dead entries
                extra = rng.choice(np.flatnonzero(~alloc), n_active - len(alloc_pos), replace=False)
                alloc[extra] = True
                alloc_pos = np.flatnonzero(alloc)
            rows = table.add(nsn, alloc, region, kind, operator=op, city=ci)
            chosen = rng.permutation(alloc_pos)
            active = rows[np.sort(chosen[:n_active])]
            idle = rows[chosen[n_active:]]
            idle_city["fixed" if op == 3 else "mobile"].append(idle)
            subs.append(active)
            subs_city.append(np.full(n_active, ci, np.int16))
            subs_op.append(np.full(n_active, op, np.int8))
            if op == OWN_OPERATOR:
                ctx.set_imei(active, ctx.new_imeis(rng, n_active))
        bounds.append(bounds[-1] + int(per_city[ci]))
        for kind_name, parts in idle_city.items():
            pool = np.concatenate(parts) if parts else np.zeros(0, np.int64)
            ctx.idle[(ci, kind_name)] = rng.permutation(pool)
    ctx.subs = np.concatenate(subs)
    ctx.subs_city = np.concatenate(subs_city)
    ctx.subs_op = np.concatenate(subs_op)
    ctx.city_bounds = np.asarray(bounds, dtype=np.int64)
    ctx.label(ctx.subs, 0, "personal")
    ctx.block_rows = table.size

    # Contacts outside the province: a few other regions' mobiles, real prefixes.
    n_remote = max(50, int(n_subs * p.contacts_mean / 2 * p.remote_share / 3))
    blocks = mobile_blocks()
    other = [k for k in blocks if not k[0].startswith("湖南")]
    picks = rng.choice(len(other), size=min(40, len(other)), replace=False)
    sizes = rng.multinomial(n_remote, np.full(len(picks), 1 / len(picks)))
    remote = []
    for j, size in zip(picks, sizes, strict=True):
        far_region, opname = other[int(j)]
        nsn = table.sparse_mobile(rng, blocks[(far_region, opname)], int(size))
        code = ("cmcc", "cucc", "ctcc").index(opname)
        remote.append(
            table.add(nsn, True, table.region_id(far_region), NumberKind.MOBILE, operator=code)
        )
    ctx.remote = np.concatenate(remote)
    ctx.label(ctx.remote, 0, "personal")

    # fix the routing table (and ingress order) and the subscriber mask before any thread
    ctx.route(rng, ctx.subs[:1])
    ctx.is_subscriber(ctx.subs[:1])
    for number in SERVICE_HOTLINES:
        ctx.hotlines[number] = int(
            table.add(np.array([int(number)]), True, -1, NumberKind.SERVICE)[0]
        )
    return ctx

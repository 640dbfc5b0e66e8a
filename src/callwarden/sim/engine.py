"""``simulate()``: build the world, run every population day by day, assemble Arrow tables."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pyarrow as pa

from callwarden.cdr.schema import CANONICAL_SCHEMA, LABELS
from callwarden.errors import InputError
from callwarden.sim.calls import ATTESTATIONS, CallBatch, Population, concat, take
from callwarden.sim.fraud import FraudOps
from callwarden.sim.heavy import AxbPlatforms, Banks, Couriers
from callwarden.sim.numbering import (
    NumberKind,
    Numbers,
    e164_strings,
    fixed_width_gather,
    fixed_width_ids,
    sequential_ids,
)
from callwarden.sim.operations import AiRobocalls
from callwarden.sim.padding import padding_calls
from callwarden.sim.reminders import Clinics, Sales, Schools
from callwarden.sim.roamers import roamer_calls
from callwarden.sim.scenario import Scenario, load_scenario
from callwarden.sim.seats import HumanSeats
from callwarden.sim.subscribers import Subscribers
from callwarden.sim.world import SimContext, TrafficModel, build_world

POPULATION_NAMES = tuple(p.name.lower() for p in Population)
LEG_NAMES = (None, "agent", "customer")

CALL_TRUTH_SCHEMA = pa.schema(
    [
        ("call_id", pa.string()),
        ("population", pa.string()),
        ("label", pa.string()),
        ("campaign", pa.string()),
        ("operation_id", pa.string()),
        ("spoofed", pa.bool_()),
        ("bridge_id", pa.string()),
        ("bridge_leg", pa.string()),
        ("caller_kind", pa.string()),
    ]
)


@dataclass
class SimResult:
    """Everything one run produced, in memory (``write_sim`` puts it on disk)."""

    cdrs: pa.Table
    labels: pa.Table
    registry: pa.Table
    call_truth: pa.Table
    transcripts: list[dict[str, Any]]
    manifest: dict[str, Any] = field(default_factory=dict)
    #: every ingress the run's calls use, with its kind (``ingresses.csv``)
    ingresses: pa.Table = field(default_factory=lambda: _ingress_table([]))
    #: the own subscribers' trips abroad (``roaming.csv``: number, from, until; UTC)
    roaming: pa.Table = field(
        default_factory=lambda: pa.table(
            {c: pa.array([], pa.string()) for c in ("number", "from", "until")}
        )
    )


def simulate(
    scenario: Scenario | str, seed: int, days: int = 1, subscribers: int | None = None
) -> SimResult:
    """Simulates ``days`` days of a carrier's traffic under ``scenario`` (a name, a YAML path
    or a :class:`Scenario`), deterministically for ``seed``."""
    scen = load_scenario(scenario) if isinstance(scenario, str) else scenario
    if days < 1:
        raise InputError("days must be at least 1")
    n_subs = int(subscribers if subscribers is not None else scen.subscribers)
    if n_subs < 1000:
        raise InputError("subscribers must be at least 1000")
    if seed < 0:
        raise InputError("seed must be a non-negative integer")
    started = time.perf_counter()
    ctx = build_world(scen, seed, days, n_subs)
    ctx.routing_table()  # ingress ids are assigned in order: before any thread routes a call
    # The social graph is the one big set-up and touches nothing the others write: draw it on
    # another thread (NumPy releases the GIL) while the other populations set up. Each day, its
    # calls are drawn in spans on the two workers while this thread runs the other populations.
    with ThreadPoolExecutor(max_workers=2) as pool:
        graph = pool.submit(_social_graph, ctx)
        s = ctx.scenario
        # A business population set to none (per_million 0, minimum 0) is absent: it draws
        # nothing (its own random stream) and takes no numbers, so the others are unchanged.
        others: list[TrafficModel] = [
            model(ctx)
            for model, p in (
                (Couriers, s.courier),
                (AxbPlatforms, None),
                (Banks, None),
                (Clinics, s.clinic),
                (Schools, s.school),
                (Sales, s.sales),
                (AiRobocalls, None),
                (HumanSeats, None),
                (FraudOps, None),
            )
            if p is None or ctx.scaled(p.per_million, p.minimum) > 0
        ]
        social, first_draws = graph.result()
        batches: list[CallBatch] = []
        for day in range(days):
            draws = first_draws if day == 0 else pool.submit(social.graph_draws, ctx, day).result()
            batches.extend(social.side_calls(ctx, day))
            parts = [pool.submit(social.graph_part, ctx, *d) for d in draws]
            for pop in others:
                batches.extend(pop.day(ctx, day))
            for part in parts:
                batches.extend(part.result())
            ctx.hotline_calls.pop(day, None)
    batches.extend(padding_calls(ctx, batches))  # after every population: none when off
    roam_batches, trip_rows, trip_from, trip_until = roamer_calls(ctx)  # its own stream, last
    batches.extend(roam_batches)
    numbers = ctx.table.finish()
    from callwarden.sim.transcripts import sample_transcripts

    # Every column is an independent job: Arrow casts and NumPy gathers release the GIL, the
    # transcripts are Python, so two workers keep both cores busy while this thread waits.
    with ThreadPoolExecutor(max_workers=2) as pool:
        strings_job = pool.submit(numbers.e164)  # the number strings need no call: start now
        calls = merge_sorted(batches)
        del batches
        call_ids = _call_ids(seed, calls.population == Population.ROAMER)
        row_label, row_cat, row_camp, cats = _number_truth(ctx, len(numbers.nsn))
        strings = strings_job.result()
        args = (ctx, calls, call_ids, strings, scen.transcript_sample, row_cat, cats)
        transcript_job = pool.submit(sample_transcripts, *args)
        cdr_jobs = _cdr_columns(pool, ctx, calls, numbers, strings, call_ids)
        truth_jobs = _truth_columns(pool, ctx, calls, call_ids, seed)
        labels = _labels_table(ctx, calls, strings, row_label, row_cat, row_camp, cats)
        registry = _registry_table(numbers, strings)
        roaming = _roaming_table(strings, trip_rows, trip_from, trip_until)
        cdrs = _gather(cdr_jobs, CANONICAL_SCHEMA)
        truth = _gather(truth_jobs, CALL_TRUTH_SCHEMA)
        transcripts = transcript_job.result()
    counts = np.bincount(calls.population, minlength=len(Population))
    manifest = {
        "scenario": scen.name,
        "seed": seed,
        "days": days,
        "subscribers": n_subs,
        "start": scen.start_date,
        "utc_offset_hours": scen.utc_offset_hours,
        "calls": len(calls),
        "calls_per_population": {POPULATION_NAMES[i]: int(c) for i, c in enumerate(counts) if c},
        "calling_numbers": labels.num_rows,
        "allocated_numbers": registry.num_rows,
        "operations": [
            {
                "campaign": c.campaign_id,
                "operation_id": c.operation_id,
                "population": c.population,
                "label": LABELS[c.label],
                "category": c.category,
                "platform": c.platform,
                **c.meta,
            }
            for c in ctx.campaigns
        ],
        "transcripts": len(transcripts),
        "generation_seconds": round(time.perf_counter() - started, 3),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    manifest["roaming_trips"] = roaming.num_rows
    return SimResult(
        cdrs, labels, registry, truth, transcripts, manifest,
        ingresses=_ingress_table(ctx.ingresses), roaming=roaming,
    )  # fmt: skip


def _call_ids(seed: int, roamer: np.ndarray) -> pa.Array:
    """``s<seed>-<n>`` in call order, the roamers' calls numbered apart (``s<seed>-r<n>``),
    so adding them leaves every other call's id as it was without them."""
    n_roam = int(roamer.sum())
    if not n_roam:
        return sequential_ids(f"s{seed}-", len(roamer), 10)
    n_other = len(roamer) - n_roam
    values = pa.concat_arrays(
        [sequential_ids(f"s{seed}-", n_other, 10), sequential_ids(f"s{seed}-r", n_roam, 9)]
    )
    idx = np.where(roamer, n_other + np.cumsum(roamer) - 1, np.cumsum(~roamer) - 1)
    return _take(values, idx.astype(np.int32))


#: ingress kind by name prefix, as the simulator names its trunks
_KINDS = (("IGW-", "international"), ("MSC-", "own"), ("IC-", "interconnect"))


def _ingress_table(names: list[str]) -> pa.Table:
    """``ingresses.csv``: each ingress and its kind (international gateways ``IGW-*``, the own
    switches ``MSC-*``, interconnects ``IC-*``; SIP trunks and enterprise lines enterprise)."""
    kinds = [next((k for pre, k in _KINDS if n.startswith(pre)), "enterprise") for n in names]
    return pa.table({"ingress": pa.array(names, pa.string()), "kind": pa.array(kinds, pa.string())})


def _roaming_table(
    strings: pa.Array, rows: np.ndarray, start: np.ndarray, until: np.ndarray
) -> pa.Table:
    """``roaming.csv``: number, from, until (ISO 8601 UTC, whole seconds; until blank for a
    trip not over at the run's end), in (from, number) order."""

    def iso(t: float) -> str:
        return dt.datetime.fromtimestamp(int(t), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    numbers = strings.take(pa.array(rows, pa.int64())).to_pylist() if len(rows) else []
    trips = sorted(
        zip(start.tolist(), numbers, until.tolist(), strict=True), key=lambda r: (r[0], r[1])
    )
    return pa.table(
        {
            "number": pa.array([n for _, n, _ in trips], pa.string()),
            # a trip's from rounds down, its until up: the window holds every call of it
            "from": pa.array([iso(a) for a, _, _ in trips], pa.string()),
            "until": pa.array(
                ["" if b != b else iso(math.ceil(b)) for _, _, b in trips], pa.string()
            ),
        }
    )


def _social_graph(ctx: SimContext) -> tuple[Subscribers, list[Any]]:
    """The graph and its first day's draws: one job, beside the other populations' set-up."""
    social = Subscribers(ctx)
    return social, social.graph_draws(ctx, 0)


def merge_sorted(batches: list[CallBatch]) -> CallBatch:
    """All calls in time order. Batches that come out sorted (the subscriber graph's spans of
    each day) are laid end to end; the rest are sorted and merged in by position, so no
    gather or concatenation runs over the millions of rows of the sorted part."""

    def is_sorted(b: CallBatch) -> bool:
        return len(b) > 50_000 and bool(np.all(b.t_us[1:] >= b.t_us[:-1]))

    big = sorted((b for b in batches if is_sorted(b)), key=lambda b: int(b.t_us[0]))
    rest = [b for b in batches if not any(b is g for g in big)]
    overlap = any(int(x.t_us[-1]) > int(y.t_us[0]) for x, y in zip(big, big[1:], strict=False))
    if overlap:  # spans that overlap (not drawn by this engine): fall back to a full sort
        everything = concat(batches)
        return take(everything, np.argsort(everything.t_us, kind="stable"))
    small = concat(rest)
    small = take(small, np.argsort(small.t_us, kind="stable"))
    if not big:
        return small
    base_t = big[0].t_us if len(big) == 1 else np.concatenate([b.t_us for b in big])
    pos = np.searchsorted(base_t, small.t_us, side="right") + np.arange(len(small))
    n = len(base_t) + len(small)
    from_base = np.ones(n, dtype=bool)
    from_base[pos] = False
    base_pos = np.flatnonzero(from_base)
    bounds = np.cumsum([0] + [len(b) for b in big])

    def scatter(name: str) -> np.ndarray:
        first = getattr(small, name)
        out = np.empty(n, dtype=first.dtype)
        out[pos] = first
        for b, lo, hi in zip(big, bounds[:-1], bounds[1:], strict=True):
            out[base_pos[lo:hi]] = getattr(b, name)
        return out

    names = [f.name for f in fields(CallBatch)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # fancy indexing releases the GIL
        return CallBatch(**dict(zip(names, pool.map(scatter, names), strict=True)))


def _arrow_pool() -> pa.MemoryPool:
    """jemalloc where the wheel has it: it keeps freed pages for the next column, where the
    default (mimalloc) hands them back and the kernel zeroes them again (measured: about a
    second less system CPU on a million-subscriber day)."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # pragma: no cover - builds without jemalloc
        return pa.default_memory_pool()


_POOL = _arrow_pool()

Jobs = dict[str, "Future[pa.Array] | pa.Array"]


def _index_array(idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Signed integer indices as Arrow (int8 stays int8: no widening copy)."""
    if idx.dtype == np.bool_:
        idx = idx.view(np.int8)
    elif idx.dtype.kind == "u" or idx.dtype.itemsize > 4:
        idx = idx.astype(np.int32)
    return pa.array(idx, mask=mask, memory_pool=_POOL)


def _masked_take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` with nulls where ``idx < 0``; a dictionary cast beats ``take`` on long columns."""
    return _decode(_index_array(idx, idx < 0), values)


def _take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return _decode(_index_array(idx), values)


def _decode(indices: pa.Array, values: pa.Array) -> pa.Array:
    # the indices are ours and in range: skip the validation pass over millions of rows
    d = pa.DictionaryArray.from_arrays(indices, values, safe=False, memory_pool=_POOL)
    return d.cast(values.type, memory_pool=_POOL)


def _submit(pool: ThreadPoolExecutor | None, fn: Callable[..., pa.Array], *args: Any) -> Any:
    """``fn(*args)`` on the pool, or at once where there is none (the bench's one-thread stages)."""
    return fn(*args) if pool is None else pool.submit(fn, *args)


def _gather(jobs: Jobs, schema: pa.Schema) -> pa.Table:
    columns = {k: v.result() if isinstance(v, Future) else v for k, v in jobs.items()}
    return pa.Table.from_pydict(columns, schema=schema)


def _imei_column(ctx: SimContext, calls: CallBatch, n_rows: int) -> pa.Array:
    imei_by_row = np.full(n_rows, -1, dtype=np.int64)
    for rows, imei in ctx.imeis:
        imei_by_row[rows] = imei
    # IMEI strings once per handset-holding number, then a dictionary cast per call
    with_imei = np.flatnonzero(imei_by_row >= 0)
    position = np.full(n_rows, -1, dtype=np.int32)
    position[with_imei] = np.arange(len(with_imei), dtype=np.int32)
    own_switch = np.array([name.startswith("MSC-") for name in ctx.ingresses], dtype=bool)
    imei_idx = np.where(own_switch[calls.ingress], position[calls.caller], -1)
    return fixed_width_gather(imei_by_row[with_imei], 15, imei_idx)


def _caller_region(calls: CallBatch, numbers: Numbers, regions: pa.Array) -> pa.Array:
    own = calls.caller_region
    return _masked_take(regions, np.where(own == -1, numbers.region[calls.caller], own))


def _cdr_columns(
    pool: ThreadPoolExecutor | None,
    ctx: SimContext,
    calls: CallBatch,
    numbers: Numbers,
    strings: pa.Array,
    call_ids: pa.Array,
) -> Jobs:
    """The ``cdrs`` columns, the string ones as jobs on ``pool`` (largest first)."""
    regions = numbers.region_strings()
    jobs: Jobs = {
        "caller": _submit(pool, _take, strings, calls.caller),
        "callee": _submit(pool, _take, strings, calls.callee),
        "callee_region": _submit(pool, lambda: _masked_take(regions, numbers.region[calls.callee])),
        "caller_region": _submit(pool, _caller_region, calls, numbers, regions),
        "imei": _submit(pool, _imei_column, ctx, calls, len(numbers.nsn)),
        "ingress": _submit(pool, _take, pa.array(ctx.ingresses, pa.string()), calls.ingress),
        "asserted_caller": _submit(pool, _masked_take, strings, calls.asserted),
        "attestation": _submit(pool, _take, pa.array(ATTESTATIONS, pa.string()), calls.attest),
    }
    jobs.update(
        call_id=call_ids,
        start_time=pa.array(calls.t_us, pa.timestamp("us", tz="UTC")),
        duration_s=pa.array(calls.duration, pa.float64()),
        answered=pa.array(calls.duration > 0),
        ring_s=pa.array(calls.ring, pa.float64()),
        release_cause=pa.array(calls.cause, pa.int16()),
    )
    return {name: jobs[name] for name in CANONICAL_SCHEMA.names}


def _cdr_table(
    ctx: SimContext, calls: CallBatch, numbers: Numbers, strings: pa.Array, call_ids: pa.Array
) -> pa.Table:
    return _gather(_cdr_columns(None, ctx, calls, numbers, strings, call_ids), CANONICAL_SCHEMA)


def _bridge_ids(bridge: np.ndarray, seed: int) -> pa.Array:
    """``b<seed>-<id>`` on bridged legs, null elsewhere: strings only for the bridged rows."""
    rows = np.flatnonzero(bridge >= 0)
    idx = np.full(len(bridge), -1, dtype=np.int32)
    idx[rows] = np.arange(len(rows), dtype=np.int32)
    return _masked_take(fixed_width_ids(f"b{seed}-", bridge[rows], 9), idx)


def _truth_columns(
    pool: ThreadPoolExecutor | None,
    ctx: SimContext,
    calls: CallBatch,
    call_ids: pa.Array,
    seed: int,
) -> Jobs:
    camp_ids = pa.array([c.campaign_id for c in ctx.campaigns], pa.string())
    op_ids = pa.array([c.operation_id for c in ctx.campaigns], pa.string())
    leg_idx = calls.leg - 1  # Leg.NONE (0) becomes -1: null
    return {
        "call_id": call_ids,
        "population": _submit(pool, _take, pa.array(POPULATION_NAMES), calls.population),
        "label": _submit(pool, _take, pa.array(LABELS), calls.label),
        "campaign": _submit(pool, _masked_take, camp_ids, calls.campaign),
        "operation_id": _submit(pool, _masked_take, op_ids, calls.campaign),
        "spoofed": pa.array(calls.spoofed),
        "bridge_id": _submit(pool, _bridge_ids, calls.bridge, seed),
        "bridge_leg": _submit(pool, _masked_take, pa.array(["agent", "customer"]), leg_idx),
        "caller_kind": _submit(pool, _take, pa.array(["human", "bot"]), calls.bot),
    }


def _truth_table(ctx: SimContext, calls: CallBatch, call_ids: pa.Array, seed: int) -> pa.Table:
    return _gather(_truth_columns(None, ctx, calls, call_ids, seed), CALL_TRUTH_SCHEMA)


def _number_truth(ctx: SimContext, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Label, category index and campaign index per number-table row (-1 where none)."""
    label = np.full(n, -1, dtype=np.int64)
    category = np.full(n, -1, dtype=np.int64)
    campaign = np.full(n, -1, dtype=np.int64)
    cats: list[str] = []
    for rows, lab, cat, camp in ctx.labels:  # later registrations override earlier ones
        if cat not in cats:
            cats.append(cat)
        label[rows] = lab
        category[rows] = cats.index(cat)
        campaign[rows] = camp
    return label, category, campaign, cats


def _labels_table(
    ctx: SimContext,
    calls: CallBatch,
    strings: pa.Array,
    label: np.ndarray,
    category: np.ndarray,
    campaign: np.ndarray,
    cats: list[str],
) -> pa.Table:
    seen = np.zeros(len(label), dtype=bool)
    seen[calls.caller] = True
    callers = np.flatnonzero(seen)
    missing = callers[label[callers] < 0]
    if len(missing):  # every calling number must have its truth
        raise AssertionError(f"{len(missing)} calling numbers have no label")
    camp_ids = pa.array([c.campaign_id for c in ctx.campaigns], pa.string())
    return pa.Table.from_pydict(
        {
            "number": _take(strings, callers),
            "label": _take(pa.array(LABELS), label[callers]),
            "category": _take(pa.array(cats, pa.string()), category[callers]),
            "campaign": _masked_take(camp_ids, campaign[callers]),
        }
    )


def _registry_table(numbers: Numbers, strings: pa.Array) -> pa.Table:
    rows = np.flatnonzero(numbers.allocated)
    kinds = pa.array([k.name.lower() for k in NumberKind])
    return pa.Table.from_pydict(
        {
            "number": _take(strings, rows),
            "kind": _take(kinds, numbers.kind[rows]),
        }
    )


__all__ = ["SimResult", "simulate", "e164_strings"]

"""``simulate()``: build the world, run every population day by day, assemble Arrow tables."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
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
    fixed_width_ids,
    sequential_ids,
)
from callwarden.sim.operations import AiRobocalls
from callwarden.sim.reminders import Clinics, Sales, Schools
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
    # The social graph is the one big set-up and touches nothing the others write: draw it on
    # a second thread (NumPy releases the GIL) while the other populations set up.
    with ThreadPoolExecutor(max_workers=1) as pool:
        graph = pool.submit(Subscribers, ctx)
        others: list[TrafficModel] = [
            Couriers(ctx),
            AxbPlatforms(ctx),
            Banks(ctx),
            Clinics(ctx),
            Schools(ctx),
            Sales(ctx),
            AiRobocalls(ctx),
            HumanSeats(ctx),
            FraudOps(ctx),
        ]
        social = graph.result()
        batches: list[CallBatch] = []
        for day in range(days):  # the graph's calls on the second thread, the rest here
            graph_day = pool.submit(social.graph_calls, ctx, day)
            batches.extend(social.side_calls(ctx, day))
            for pop in others:
                batches.extend(pop.day(ctx, day))
            batches.extend(graph_day.result())
            ctx.hotline_calls.pop(day, None)
    calls = merge_sorted(batches)
    del batches
    numbers = ctx.table.finish()
    strings = numbers.e164()
    call_ids = sequential_ids(f"s{seed}-", len(calls), 10)
    row_label, row_cat, row_camp, cats = _number_truth(ctx, len(numbers.nsn))
    from callwarden.sim.transcripts import sample_transcripts

    # Arrow casts and takes release the GIL; the transcripts are Python: run them side by side
    with ThreadPoolExecutor(max_workers=2) as pool:
        cdr_job = pool.submit(_cdr_table, ctx, calls, numbers, strings, call_ids)
        args = (ctx, calls, call_ids, strings, scen.transcript_sample, row_cat, cats)
        transcript_job = pool.submit(sample_transcripts, *args)
        truth = _truth_table(ctx, calls, call_ids, seed)
        labels = _labels_table(ctx, calls, strings, row_label, row_cat, row_camp, cats)
        registry = _registry_table(numbers, strings)
        cdrs = cdr_job.result()
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
    return SimResult(cdrs, labels, registry, truth, transcripts, manifest)


def merge_sorted(batches: list[CallBatch]) -> CallBatch:
    """All calls in time order. Batches that come out sorted (the big subscriber batch of each
    day) are concatenated; the rest are sorted and merged in by position, so no gather runs
    over the millions of rows of the sorted part."""

    def is_sorted(b: CallBatch) -> bool:
        return len(b) > 50_000 and bool(np.all(b.t_us[1:] >= b.t_us[:-1]))

    big = sorted((b for b in batches if is_sorted(b)), key=lambda b: int(b.t_us[0]))
    rest = [b for b in batches if not any(b is g for g in big)]
    base = big[0] if len(big) == 1 else concat(big)
    if len(big) > 1 and not is_sorted(base):  # overlapping days: fall back to a full sort
        everything = concat(batches)
        return take(everything, np.argsort(everything.t_us))
    small = concat(rest)
    small = take(small, np.argsort(small.t_us))
    if not len(base):
        return small
    pos = np.searchsorted(base.t_us, small.t_us, side="right") + np.arange(len(small))
    n = len(base) + len(small)
    from_base = np.ones(n, dtype=bool)
    from_base[pos] = False
    base_pos = np.flatnonzero(from_base)

    def scatter(name: str) -> np.ndarray:
        a, b = getattr(base, name), getattr(small, name)
        out = np.empty(n, dtype=a.dtype)
        out[pos] = b
        out[base_pos] = a
        return out

    names = [f.name for f in fields(CallBatch)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # fancy indexing releases the GIL
        return CallBatch(**dict(zip(names, pool.map(scatter, names), strict=True)))


def _index_array(idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Signed integer indices as Arrow (int8 stays int8: no widening copy)."""
    if idx.dtype == np.bool_:
        idx = idx.view(np.int8)
    elif idx.dtype.kind == "u" or idx.dtype.itemsize > 4:
        idx = idx.astype(np.int32)
    return pa.array(idx, mask=mask)


def _masked_take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` with nulls where ``idx < 0``; a dictionary cast beats ``take`` on long columns."""
    return pa.DictionaryArray.from_arrays(_index_array(idx, idx < 0), values).cast(values.type)


def _take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(_index_array(idx), values).cast(values.type)


def _cdr_table(
    ctx: SimContext, calls: CallBatch, numbers: Numbers, strings: pa.Array, call_ids: pa.Array
) -> pa.Table:
    regions = numbers.region_strings()
    caller_region = np.where(
        calls.caller_region == -1, numbers.region[calls.caller], calls.caller_region
    )
    imei_by_row = np.full(len(numbers.nsn), -1, dtype=np.int64)
    for rows, imei in ctx.imeis:
        imei_by_row[rows] = imei
    # IMEI strings once per handset-holding number, then a dictionary cast per call
    with_imei = np.flatnonzero(imei_by_row >= 0)
    position = np.full(len(numbers.nsn), -1, dtype=np.int32)
    position[with_imei] = np.arange(len(with_imei), dtype=np.int32)
    own_switch = np.array([name.startswith("MSC-") for name in ctx.ingresses], dtype=bool)
    imei_idx = np.where(own_switch[calls.ingress], position[calls.caller], -1)
    imei = _masked_take(fixed_width_ids("", imei_by_row[with_imei], 15), imei_idx)
    columns = {
        "call_id": call_ids,
        "start_time": pa.array(calls.t_us, pa.timestamp("us", tz="UTC")),
        "caller": _take(strings, calls.caller),
        "callee": _take(strings, calls.callee),
        "duration_s": pa.array(calls.duration, pa.float64()),
        "answered": pa.array(calls.duration > 0),
        "ring_s": pa.array(calls.ring, pa.float64()),
        "release_cause": pa.array(calls.cause, pa.int16()),
        "ingress": _take(pa.array(ctx.ingresses, pa.string()), calls.ingress),
        "asserted_caller": _masked_take(strings, calls.asserted),
        "attestation": _take(pa.array(ATTESTATIONS, pa.string()), calls.attest),
        "caller_region": _masked_take(regions, caller_region),
        "callee_region": _masked_take(regions, numbers.region[calls.callee]),
        "imei": imei,
    }
    return pa.Table.from_pydict(columns, schema=CANONICAL_SCHEMA)


def _truth_table(ctx: SimContext, calls: CallBatch, call_ids: pa.Array, seed: int) -> pa.Table:
    camp_ids = pa.array([c.campaign_id for c in ctx.campaigns], pa.string())
    op_ids = pa.array([c.operation_id for c in ctx.campaigns], pa.string())
    bridge = calls.bridge
    bridge_str = _masked_take(
        fixed_width_ids(f"b{seed}-", np.maximum(bridge, 0), 9),
        np.where(bridge >= 0, np.arange(len(bridge)), -1),
    )
    leg_idx = calls.leg - 1  # Leg.NONE (0) becomes -1: null
    return pa.Table.from_pydict(
        {
            "call_id": call_ids,
            "population": _take(pa.array(POPULATION_NAMES), calls.population),
            "label": _take(pa.array(LABELS), calls.label),
            "campaign": _masked_take(camp_ids, calls.campaign),
            "operation_id": _masked_take(op_ids, calls.campaign),
            "spoofed": pa.array(calls.spoofed),
            "bridge_id": bridge_str,
            "bridge_leg": _masked_take(pa.array(["agent", "customer"]), leg_idx),
            "caller_kind": _take(pa.array(["human", "bot"]), calls.bot),
        },
        schema=CALL_TRUTH_SCHEMA,
    )


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

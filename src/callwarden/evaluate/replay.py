"""Replay: run the stream over recorded CDRs in time order, deciding before each call.

The driver feeds the engine the way the network would: a call attempt is decided at its
set-up time from the state built from CDRs *written* before it (a CDR is written when its
call is released, ``end_ts``); calls are decided in micro-batches of at most ``batch_s``
simulated seconds, so no call sees anything that happened less than ``batch_s`` before it
that a per-call engine would have seen. Campaigns are rebuilt every ``campaign_every_s`` from
the CDRs written so far (the batch "learn" side) and loaded into the engine's campaign gate.

The report compares, on the same calls, a per-number blocklist built from complaints alone
(:class:`BaselineConfig`): each *answered* unwanted call is reported by its callee with
probability ``report_probability`` after a log-normal delay; each answered benign call is
(wrongly) reported with ``benign_report_probability``; a number is blocked once it has
``reports_to_block`` reports. Real 607 "unwanted" SIP feedback and app reports would replace
this model of complaints wherever a carrier has them.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from callwarden.stream.calls import Calls
from callwarden.stream.engine import ACTIONS, EngineConfig, Source, StreamEngine

UNWANTED = ("harassment", "fraud")


@dataclass(frozen=True)
class BaselineConfig:
    report_probability: float = 0.05  # an answered unwanted call is reported (12321, app, 607)
    benign_report_probability: float = 0.0005  # mistaken or malicious reports of benign calls
    delay_median_s: float = 4 * 3600.0  # from the call to the number being listed
    delay_sigma: float = 1.0
    reports_to_block: int = 3
    seed: int = 0


@dataclass(frozen=True)
class ReplayConfig:
    engine: EngineConfig = field(default_factory=EngineConfig)
    campaign_every_s: float = 6 * 3600.0  # 0: no campaign gate
    campaign_lookback_s: float = 86400.0
    baseline: BaselineConfig = field(default_factory=BaselineConfig)


@dataclass
class StreamRun:
    """Per call, in start-time order: the decision and what drove it, plus run figures."""

    order: np.ndarray  # row of the input table for each replayed call
    calls: Calls
    action: np.ndarray
    source: np.ndarray
    score: np.ndarray  # the caller's model score when decided (NaN: no verdict yet)
    stats: dict[str, Any]


def _batches(ts: np.ndarray, batch_s: float, max_calls: int) -> np.ndarray:
    """Start index of each micro-batch (calls sorted by ts): a new batch every ``batch_s``
    of simulated time or every ``max_calls`` calls, whichever comes first (none without calls)."""
    if not len(ts):
        return np.zeros(0, np.int64)
    cell = np.floor(ts / batch_s).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    ends = np.r_[starts[1:], len(ts)]
    long = np.flatnonzero(ends - starts > max_calls)
    if len(long):
        extra = [np.arange(starts[i] + max_calls, ends[i], max_calls) for i in long]
        starts = np.sort(np.concatenate([starts, *extra]))
    return starts


def run_stream(
    table: pa.Table,
    engine: StreamEngine,
    config: ReplayConfig,
    *,
    campaign_builder: Any = None,
) -> StreamRun:
    """Replay ``table`` (canonical CDRs, any order) through ``engine``.

    ``campaign_builder(table) -> CampaignResult`` (optional) is called with the CDRs written
    in the last ``campaign_lookback_s`` every ``campaign_every_s``.
    """
    ts_col = table["start_time"]
    order = np.asarray(
        pa.compute.sort_indices(
            pa.table({"t": ts_col, "i": pa.array(np.arange(table.num_rows))}),
            sort_keys=[("t", "ascending"), ("i", "ascending")],
        )
    )
    table = table.take(order)
    t_start = time.perf_counter()
    calls = engine.encode(table)
    unalloc = engine.unallocated(calls.caller) if engine.allocated is not None else None
    keys = np.concatenate([calls.caller_key, calls.callee_key])
    engine.state.reserve(len(np.unique(keys[keys >= 0])))
    arrival = np.argsort(calls.end_ts, kind="stable")
    # the CDRs in the order they are written, once: each refresh then folds in a slice (a
    # view), not a gather of every column
    cdrs = calls.take(arrival)
    cdr_unalloc = unalloc[arrival] if unalloc is not None else None
    end_sorted = cdrs.end_ts
    # decision times are exact set-up times (``start``), as CDRs' written times are
    starts = _batches(calls.start, config.engine.batch_s, config.engine.max_batch_calls)
    ends = np.append(starts[1:], len(calls)) if len(starts) else starts
    n = len(calls)
    action = np.zeros(n, np.int8)
    source = np.zeros(n, np.int8)
    score = np.full(n, np.nan)
    ptr = 0
    next_campaign = calls.start[0] + config.campaign_every_s if n else 0.0
    t_campaign = 0.0
    campaign_builds = 0
    st = engine.state
    peak_numbers = peak_pairs = peak_routes = 0  # sampled after every fold-in (three len())
    ecfg = config.engine
    ingests = 0
    # The encoded calls (object arrays of strings) and the campaign index are long-lived:
    # frozen out of the cyclic GC, whose full passes otherwise walk every element of them
    # (with the campaign gate on, about 12% of the replay's time).
    gc.freeze()
    try:
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            t0 = float(calls.start[s])
            k = int(np.searchsorted(end_sorted, t0, "left"))  # CDRs written strictly before t0
            if k > ptr:
                # Pending CDRs are folded in before any call whose caller they involve (its own
                # state is then exact as of t0); CDRs of other numbers only move ingress totals,
                # which may lag by up to ``ingress_lag_s``. Folding in runs of CDRs is much
                # cheaper than one batch of NumPy work per second of a quiet stream.
                due = (
                    k - ptr >= ecfg.max_batch_calls
                    or t0 - float(end_sorted[ptr]) >= ecfg.ingress_lag_s
                    or bool(
                        np.isin(
                            calls.caller_key[s:e],
                            np.concatenate([cdrs.caller_key[ptr:k], cdrs.callee_key[ptr:k]]),
                        ).any()
                    )
                )
                if due:
                    engine.ingest(
                        cdrs.slice(ptr, k), cdr_unalloc[ptr:k] if cdr_unalloc is not None else None
                    )
                    ptr = k
                    ingests += 1
                    peak_numbers = max(peak_numbers, len(st.slots))
                    peak_pairs = max(peak_pairs, len(st.pairs))
                    peak_routes = max(peak_routes, len(st.routes))
            if campaign_builder is not None and config.campaign_every_s > 0 and t0 >= next_campaign:
                tc = time.perf_counter()
                written = np.sort(arrival[:ptr])
                recent = written[calls.start[written] >= t0 - config.campaign_lookback_s]
                if len(recent):
                    result = campaign_builder(table.take(recent))
                    engine.campaigns.load(result)  # type: ignore[union-attr]
                    gc.freeze()
                    engine.campaign_ingresses = {i for cl in result.lists for i in cl.ingresses} | (
                        engine.campaign_ingresses
                    )
                    campaign_builds += 1
                next_campaign = t0 + config.campaign_every_s
                t_campaign += time.perf_counter() - tc
            sl = slice(s, e)
            d = engine.decide_batch(
                calls.slice(s, e), t0, unalloc[sl] if unalloc is not None else None
            )  # type: ignore[arg-type]
            action[sl] = d.action
            source[sl] = d.source
            score[sl] = d.score
    finally:
        gc.unfreeze()
    peak = {"numbers": peak_numbers, "pairs": peak_pairs, "routes": peak_routes}
    elapsed = time.perf_counter() - t_start
    scorer = engine.scorer
    stats = {
        "calls": n,
        # callers that are not E.164 (opaque or national ids): the state keys numbers by their
        # E.164 digits, so these callers get no state and no model verdict
        "calls_without_e164_caller": int(np.count_nonzero(calls.caller_key < 0)),
        "batches": int(len(starts)),
        "batch_s": config.engine.batch_s,
        "mean_calls_per_batch": n / max(len(starts), 1),
        "state_updates": ingests,
        "ingress_lag_s": ecfg.ingress_lag_s,
        "seconds": elapsed,
        "seconds_campaign_builds": t_campaign,
        "campaign_builds": campaign_builds,
        "calls_per_second": n / elapsed if elapsed else 0.0,
        "calls_per_second_without_campaign_builds": n / max(elapsed - t_campaign, 1e-9),
        "rows_scored": scorer.rows_scored if scorer else 0,
        "rows_rescored_with_all_trees": scorer.rows_confirmed if scorer else 0,
        "state": {**st.memory(), "peak": peak, "evicted": st.evicted},
    }
    if engine.campaigns is not None:
        # the gate's own figures: numbers flagged online, and let go on their calls' outcomes
        # (by reason code: the latest release of each number)
        gate: dict[str, Any] = dict(engine.campaigns.stats())
        codes = Counter(str(r.code) for r in engine.campaigns.releases.values())
        gate["released_numbers_by_reason"] = dict(sorted(codes.items()))
        stats["campaign_gate"] = gate
    return StreamRun(order, calls, action, source, score, stats)


def baseline_blocked(calls: Calls, truth: np.ndarray, cfg: BaselineConfig) -> np.ndarray:
    """Per call: was its displayed number on the complaint blocklist when it rang?

    Numbers are keyed by the caller as written (dictionary-encoded), so callers that are not
    E.164 (no ``caller_key``) are counted apart, each its own; a call without a caller
    number is never blocked."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(pa.array(calls.caller, pa.string()))
    key = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    rng = np.random.default_rng(cfg.seed)
    answered = calls.ans == 1
    bad = np.isin(truth, UNWANTED)
    p = np.where(bad, cfg.report_probability, cfg.benign_report_probability)
    reported = answered & (rng.random(len(calls)) < p)
    delay = rng.lognormal(np.log(cfg.delay_median_s), cfg.delay_sigma, len(calls))
    reported &= key >= 0
    r_key = key[reported]
    r_time = (calls.end_ts + delay)[reported]
    o = np.lexsort((r_time, r_key))
    r_key, r_time = r_key[o], r_time[o]
    first = np.r_[True, r_key[1:] != r_key[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(r_key)), 0))
    rank = np.arange(len(r_key)) - group_start
    kth = rank == cfg.reports_to_block - 1
    when = np.full(len(enc.dictionary) + 1, np.inf)  # the last cell: no caller
    when[r_key[kth]] = r_time[kth]
    return calls.start >= when[key]


def _shares(df: Any, by: str | list[str], stopped: str) -> dict[str, Any]:
    g = df.groupby(by, sort=True, observed=True)
    out = g.agg(
        calls=("rejected", "size"),
        rejected=("rejected", "mean"),
        labelled=("labelled", "mean"),
        screened=("screened", "mean"),
        stopped=(stopped, "mean"),
        baseline_stopped=("baseline", "mean"),
    )
    return {
        str(k if not isinstance(k, tuple) else "/".join(map(str, k))): {
            c: (int(v) if c == "calls" else round(float(v), 6)) for c, v in row.items()
        }
        for k, row in out.iterrows()
    }


def report(
    run: StreamRun,
    truth_label: np.ndarray,
    truth_category: np.ndarray,
    config: ReplayConfig,
    population: np.ndarray | None = None,
    tz_hours: int = 8,
) -> dict[str, Any]:
    """The replay report: stopped shares of unwanted calls, benign rejections and labels,
    per class, per source and per hour, beside the complaint-blocklist baseline.

    *Stopped* is rejected or labelled, before ringing. Screened calls (strict protection:
    the challenge-response screener answers first) are reported apart, as ``screened``
    shares, and are not counted as stopped."""
    import pandas as pd

    act = np.array([a.value for a in ACTIONS], dtype=object)[run.action]
    base = baseline_blocked(run.calls, truth_label, config.baseline)
    hour = pd.to_datetime((run.calls.ts + tz_hours * 3600) // 3600 * 3600, unit="s").strftime(
        "%Y-%m-%d %H:00"
    )
    df = pd.DataFrame(
        {
            "label": truth_label,
            "category": truth_category,
            "hour": hour,
            "rejected": act == "reject",
            "labelled": act == "label",
            "screened": act == "screen",
            "stopped": np.isin(act, ("reject", "label")),
            "baseline": base,
            "source": np.array([s.name.lower() for s in Source], dtype=object)[run.source],
        }
    )
    if population is not None:
        df["population"] = population
    bad = df["label"].isin(UNWANTED)
    benign = ~bad
    n_bad, n_ok = int(bad.sum()), int(benign.sum())
    summary: dict[str, Any] = {
        "unwanted_calls": n_bad,
        "benign_calls": n_ok,
        "unwanted_stopped_share": float(df.loc[bad, "stopped"].mean()) if n_bad else 0.0,
        "unwanted_rejected_share": float(df.loc[bad, "rejected"].mean()) if n_bad else 0.0,
        "unwanted_labelled_share": float(df.loc[bad, "labelled"].mean()) if n_bad else 0.0,
        "unwanted_screened_share": float(df.loc[bad, "screened"].mean()) if n_bad else 0.0,
        "benign_rejected_share": float(df.loc[benign, "rejected"].mean()) if n_ok else 0.0,
        "benign_labelled_share": float(df.loc[benign, "labelled"].mean()) if n_ok else 0.0,
        "benign_screened_share": float(df.loc[benign, "screened"].mean()) if n_ok else 0.0,
        "baseline_unwanted_stopped_share": float(df.loc[bad, "baseline"].mean()) if n_bad else 0.0,
        "baseline_benign_blocked_share": float(df.loc[benign, "baseline"].mean()) if n_ok else 0.0,
    }
    summary["targets"] = {
        "unwanted_stopped_at_least_0.90": summary["unwanted_stopped_share"] >= 0.90,
        "benign_rejected_at_most_0.0005": summary["benign_rejected_share"] <= 0.0005,
    }
    out: dict[str, Any] = {
        "summary": summary,
        "by_label": _shares(df, "label", "stopped"),
        "by_category": _shares(df, ["label", "category"], "stopped"),
        "by_source": _shares(df, ["label", "source"], "stopped"),
        "by_hour": _shares(df.assign(unwanted=bad), ["hour", "unwanted"], "stopped"),
        "run": run.stats,
        "config": {
            "engine": {
                "batch_s": config.engine.batch_s,
                "max_batch_calls": config.engine.max_batch_calls,
                "max_verdict_age_s": config.engine.max_verdict_age_s,
                "state": asdict(config.engine.state),
            },
            "campaign_every_s": config.campaign_every_s,
            "campaign_lookback_s": config.campaign_lookback_s,
            "baseline": asdict(config.baseline),
        },
    }
    if population is not None:
        out["by_population"] = _shares(df, ["label", "population"], "stopped")
    return out

"""Benchmark: in-process ``decide`` latency of the streaming engine (issue 7).

    python bench/decide.py                       # 50,000 subscribers, 2 days (simulates and trains)
    python bench/decide.py --small               # 10,000 subscribers, 1 day
    python bench/decide.py --cdrs DIR --model DIR

The engine first replays the first half of the calls (state and verdicts as a live engine
would hold them), then answers each call of the second half with ``StreamEngine.decide``
(hard signals, cached verdict, campaign gate, subscriber policy) and records its latency.
Wall time is what a caller waits; thread CPU time leaves out the time the OS ran other
processes (on a shared machine the wall p99 is mostly that). The baseline, in the same process, is what the call path would cost without the stream's
cached verdicts: computing the caller's features from state and scoring them with the full
model for every call. Prints p50/p99/p99.9/max in microseconds and peak memory.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from _stream_world import peak_mib, world


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--cdrs", type=Path)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--calls", type=int, default=20000)
    args = ap.parse_args()
    subs, days = (10_000, 1) if args.small else (50_000, 2)
    cdrs, model_dir = world(args.cdrs, args.model, subs, days)

    from callwarden.cdr import load_cdrs
    from callwarden.detect.io import load_model
    from callwarden.evaluate.replay import ReplayConfig, run_stream
    from callwarden.numbers import AllocationRegistry
    from callwarden.stream import EngineConfig, Scorer, StreamEngine, feature_matrix

    model, _ = load_model(model_dir)
    table = load_cdrs(cdrs).sort_by("start_time")
    half = table.num_rows // 2
    cfg = ReplayConfig(engine=EngineConfig(batch_s=60.0), campaign_every_s=0)
    eng = StreamEngine(
        Scorer(model),
        allocated=AllocationRegistry.from_csv(cdrs / "registry.csv"),
        config=cfg.engine,
    )
    run_stream(table.slice(0, half), eng, cfg)
    eng.refresh()  # a live engine rescores what moved on its own cadence
    rest = table.slice(half, min(args.calls, table.num_rows - half))
    callers = rest["caller"].to_pylist()
    callees = rest["callee"].to_pylist()
    ingresses = [i or "" for i in rest["ingress"].to_pylist()]
    asserted = rest["asserted_caller"].to_pylist()
    for i in range(200):  # warm caches and branch predictors
        eng.decide(callers[i], callees[i], ingresses[i], asserted[i])
    lat = np.empty(len(callers))
    cpu = np.empty(len(callers))
    actions: dict[str, int] = {}
    for i in range(len(callers)):
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        d = eng.decide(callers[i], callees[i], ingresses[i], asserted[i])
        lat[i] = (time.perf_counter_ns() - t0) / 1000
        cpu[i] = (time.thread_time_ns() - c0) / 1000
        actions[d.action.value] = actions.get(d.action.value, 0) + 1

    # baseline: features from state and a full-model score on every call
    st = eng.state
    keys = np.array([int(c[1:]) if c[1:].isdigit() else -1 for c in callers[:2000]])
    slots = st.slot_of(keys)
    base = []
    for s in slots.tolist():
        t0 = time.perf_counter_ns()
        if s >= 0 and st.out_day[s] >= 0:
            x = feature_matrix(st, np.array([s]), model.feature_names)
            eng.scorer.proba(x, full=True)  # type: ignore[union-attr]
        base.append((time.perf_counter_ns() - t0) / 1000)
    b = np.array(base)

    def row(name: str, x: np.ndarray) -> str:
        p = np.percentile(x, [50, 99, 99.9])
        return f"{name:<38}{len(x):>8,}{p[0]:>10.1f}{p[1]:>10.1f}{p[2]:>10.1f}{x.max():>10.1f}"

    print(f"state: {len(st):,} numbers, replayed {half:,} calls; decisions: {actions}")
    print(f"{'path':<38}{'calls':>8}{'p50 us':>10}{'p99 us':>10}{'p99.9 us':>10}{'max us':>10}")
    print(row("decide (cached verdicts), wall", lat))
    print(row("decide (cached verdicts), thread CPU", cpu))
    print(row("baseline: features + full model", b))
    print(f"p99 ratio baseline/decide: {np.percentile(b, 99) / np.percentile(lat, 99):.1f}x")
    ok = np.percentile(lat, 99) <= 1000
    print(
        f"target p99 <= 1000 us (wall): {'met' if ok else 'NOT met'}; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"peak memory: {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()

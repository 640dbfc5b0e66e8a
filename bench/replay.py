"""Benchmark: streaming replay throughput against the staleness bound (issue 7).

    python bench/replay.py                 # 50,000 subscribers, 2 days (simulates and trains)
    python bench/replay.py --small         # 10,000 subscribers, 1 day
    python bench/replay.py --cdrs DIR --model DIR [--refresh-s 300] [--intervals 1,60,300,600,3600]

Replays the same CDRs (state, verdict refreshes with the model, hard signals, policy; the
campaign gate off, since campaign rebuilds are the batch side's cost) once per refresh
interval. The refresh interval (``EngineConfig.batch_s``) is the staleness bound: CDRs are
folded in and moved numbers rescored at the start of each interval, and every call inside it
is decided, vectorised, from the verdicts as of that start (hard signals per call, without
staleness). For each interval it prints calls per second (process CPU and wall), calls per
refresh, rows scored, and, where the CDR folder holds ``call_truth.parquet``, the share of
unwanted calls stopped and of benign calls rejected or labelled at that interval, so the
trade-off is in one table. The target is judged at ``--refresh-s`` only.

Throughput depends on how many calls a refresh holds, not on its length in seconds: the
simulator's carrier places a few calls a second, a province thousands, so 1-second refreshes
there hold what 600-second ones hold here. CPU time is the process's (LightGBM runs with the
model's thread count, 1 by default); wall time on a shared machine is noisier.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from _stream_world import peak_mib, world


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--cdrs", type=Path)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--refresh-s", type=float, default=300.0, help="the interval judged")
    ap.add_argument("--intervals", default="1,60,300,600,3600", help="refresh intervals, s")
    ap.add_argument("--repeat", type=int, default=1, help="runs per interval (fastest kept)")
    args = ap.parse_args()
    subs, days = (10_000, 1) if args.small else (50_000, 2)
    cdrs, model_dir = world(args.cdrs, args.model, subs, days)

    import numpy as np

    from callwarden.cdr import load_cdrs
    from callwarden.cli.replay import _read_truth, _truth
    from callwarden.detect.io import load_model
    from callwarden.evaluate.replay import ReplayConfig, report, run_stream
    from callwarden.numbers import AllocationRegistry
    from callwarden.stream import EngineConfig, Scorer, StreamEngine

    model, _ = load_model(model_dir)
    from callwarden.detect.compiled import compile_model

    # as ``callwarden replay`` scores a day this size: the trees compiled to native code (once
    # per model, cached; outside the timed replay, like loading the model)
    compiled = compile_model(model)
    registry = AllocationRegistry.from_csv(cdrs / "registry.csv")
    table = load_cdrs(cdrs)
    truth_path = cdrs / "call_truth.parquet"
    truth = _read_truth(truth_path) if truth_path.is_file() else None

    def replay(refresh_s: float) -> dict:  # type: ignore[type-arg]
        cfg = ReplayConfig(
            engine=EngineConfig(batch_s=refresh_s, max_batch_calls=20000), campaign_every_s=0
        )
        best = None
        for _ in range(args.repeat):
            eng = StreamEngine(Scorer(model), allocated=registry, config=cfg.engine)
            c0, t0 = time.process_time(), time.perf_counter()
            run = run_stream(table, eng, cfg)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if best is None or cpu < best[2]:
                best = (run, wall, cpu)
        assert best is not None
        run, wall, cpu = best
        s = run.stats
        row = {
            "calls": s["calls"], "batches": s["batches"], "per_batch": s["mean_calls_per_batch"],
            "wall": wall, "cpu": cpu, "scored": s["rows_scored"],
            "mem": s["state"]["bytes_per_tracked_number"], "stopped": np.nan, "ben_rej": np.nan,
            "ben_lab": np.nan,
        }  # fmt: skip
        if truth is not None:
            label, category, _ = _truth(table.take(run.order), None, truth)
            summ = report(run, label, category, cfg)["summary"]
            row["stopped"] = summ["unwanted_stopped_share"]
            row["ben_rej"] = summ["benign_rejected_share"]
            row["ben_lab"] = summ["benign_labelled_share"]
        return row

    intervals = sorted({float(x) for x in args.intervals.split(",")} | {args.refresh_s})
    rows = [(b, replay(b)) for b in intervals]
    print(
        f"{table.num_rows:,} CDRs; load average {os.getloadavg()[0]:.1f} "
        f"({os.cpu_count()} cores, shared); campaign gate off; "
        f"trees {'compiled (lleaves)' if compiled else 'LightGBM (lleaves not installed)'}"
    )
    hdr = (
        f"{'refresh (staleness)':<21}{'calls/ref':>10}{'wall s':>8}{'cpu s':>7}"
        f"{'calls/s wall':>13}{'calls/s cpu':>12}{'scored':>9}{'stopped':>9}{'ben rej':>9}"
        f"{'ben lab':>9}{'B/num':>7}"
    )
    print(hdr)
    for b, r in rows:
        print(
            f"{f'<= {b:g} s':<21}{r['per_batch']:>10.1f}{r['wall']:>8.1f}{r['cpu']:>7.1f}"
            f"{r['calls'] / r['wall']:>13,.0f}{r['calls'] / r['cpu']:>12,.0f}{r['scored']:>9,}"
            f"{r['stopped']:>9.2%}{r['ben_rej']:>9.4%}{r['ben_lab']:>9.3%}{r['mem']:>7,.0f}"
        )
    chosen = dict(rows)[args.refresh_s]
    cpu_rate = chosen["calls"] / chosen["cpu"]
    wall_rate = chosen["calls"] / chosen["wall"]
    print(
        f"target 100,000 calls/s at a {args.refresh_s:g} s staleness bound: "
        f"CPU {'met' if cpu_rate >= 100_000 else 'NOT met'} ({cpu_rate:,.0f}), "
        f"wall {'met' if wall_rate >= 100_000 else 'NOT met'} ({wall_rate:,.0f}), "
        f"{chosen['per_batch']:,.0f} calls per refresh"
    )
    print(f"peak memory: {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()

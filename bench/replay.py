"""Benchmark: streaming replay throughput (issue 7).

    python bench/replay.py                 # 50,000 subscribers, 2 days (simulates and trains)
    python bench/replay.py --small         # 10,000 subscribers, 1 day
    python bench/replay.py --cdrs DIR --model DIR

Replays the same CDRs (state, verdict refreshes with the model, hard signals, policy; the
campaign gate off, since campaign rebuilds are the batch side's cost) with micro-batches of
different lengths, and prints calls per second (wall and process CPU), calls per batch, rows
scored, the share the early-stopped scorer sent back to the full model, state size and peak
memory. Throughput depends on how many calls a batch holds, not on its length in seconds:
the simulator's carrier places a few calls a second, a province thousands, so 1-second
batches of a province hold what 600-second batches hold here. The baseline, in the same
process, is the per-call path: batches of one call (``max_batch_calls=1``) on a prefix.
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
    args = ap.parse_args()
    subs, days = (10_000, 1) if args.small else (50_000, 2)
    cdrs, model_dir = world(args.cdrs, args.model, subs, days)

    from callwarden.cdr import load_cdrs
    from callwarden.detect.io import load_model
    from callwarden.evaluate.replay import ReplayConfig, run_stream
    from callwarden.numbers import AllocationRegistry
    from callwarden.stream import EngineConfig, Scorer, StreamEngine

    model, _ = load_model(model_dir)
    registry = AllocationRegistry.from_csv(cdrs / "registry.csv")
    table = load_cdrs(cdrs)

    def replay(tab, batch_s: float, max_calls: int = 5000) -> dict:  # type: ignore[no-untyped-def]
        cfg = ReplayConfig(
            engine=EngineConfig(batch_s=batch_s, max_batch_calls=max_calls), campaign_every_s=0
        )
        eng = StreamEngine(Scorer(model), allocated=registry, config=cfg.engine)
        c0, t0 = time.process_time(), time.perf_counter()
        run = run_stream(tab, eng, cfg)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        s = run.stats
        return {
            "calls": s["calls"], "batches": s["batches"], "per_batch": s["mean_calls_per_batch"],
            "wall": wall, "cpu": cpu, "scored": s["rows_scored"],
            "full": s["rows_rescored_with_all_trees"], "mem": s["state"]["bytes_per_tracked_number"],
            "numbers": s["state"]["numbers"],
        }  # fmt: skip

    rows = []
    base_calls = 3000 if args.small else 10000
    rows.append(
        (
            "baseline: one call per batch",
            replay(table.sort_by("start_time").slice(0, base_calls), 1.0, 1),
        )
    )
    for b in (1.0, 60.0, 600.0, 3600.0):
        rows.append((f"batches <= {b:g} s", replay(table, b, 20000)))
    print(f"{table.num_rows:,} CDRs; load average {os.getloadavg()[0]:.1f} (2 cores, shared)")
    hdr = f"{'run':<30}{'calls':>9}{'batches':>9}{'calls/b':>9}{'wall s':>8}{'cpu s':>8}{'calls/s wall':>13}{'calls/s cpu':>12}{'scored':>9}{'full':>7}{'B/num':>7}"
    print(hdr)
    for name, r in rows:
        print(
            f"{name:<30}{r['calls']:>9,}{r['batches']:>9,}{r['per_batch']:>9.1f}{r['wall']:>8.1f}{r['cpu']:>8.1f}"
            f"{r['calls'] / r['wall']:>13,.0f}{r['calls'] / r['cpu']:>12,.0f}{r['scored']:>9,}{r['full']:>7,}{r['mem']:>7,.0f}"
        )
    base = rows[0][1]["calls"] / rows[0][1]["cpu"]
    best_name, best = max(((n, r) for n, r in rows[1:]), key=lambda x: x[1]["calls"] / x[1]["cpu"])
    cpu_rate, wall_rate = best["calls"] / best["cpu"], best["calls"] / best["wall"]
    print(f"ratio best batched / per-call (CPU): {cpu_rate / base:.1f}x")
    print(
        f"target 100,000 calls/s: CPU {'met' if cpu_rate >= 100_000 else 'NOT met'} "
        f"({cpu_rate:,.0f}), wall {'met' if wall_rate >= 100_000 else 'NOT met'} ({wall_rate:,.0f}), "
        f"with {best['per_batch']:,.0f} calls per batch ({best_name}); "
        f"with 1 s batches on this traffic: {rows[1][1]['calls'] / rows[1][1]['cpu']:,.0f} (CPU)"
    )
    print(f"peak memory: {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()

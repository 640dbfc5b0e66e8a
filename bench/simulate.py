"""Benchmark: traffic simulator throughput (issue 3).

    python bench/simulate.py            # one day, 1,000,000 subscribers, scenario article
    python bench/simulate.py --small    # one day, 100,000 subscribers
    python bench/simulate.py --stages   # also each stage alone on one thread

Prints CDRs generated, wall and CPU seconds, CDRs per second, the time to write the output
directory, the process's peak memory, the load average, and the ratio against a baseline run
in the same process: the same kind of subscriber calls drawn one call at a time in a Python
loop (what "no Python loop per call" buys). ``simulate()`` runs twice: the first call of a
process also pays one-time costs (pyarrow imports pandas on its first conversion, the
number-block CSV is parsed), the second is the steady state. On a shared machine wall time
depends on the load; CPU time is the steadier figure and both are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from callwarden.sim import simulate, write_sim  # noqa: E402


def baseline_per_call(n: int, seed: int = 0) -> int:
    """One Python iteration per call: pick a caller and contact, a time, an outcome, strings."""
    rng = random.Random(seed)
    rows = []
    contacts = [[rng.randrange(1_000_000) for _ in range(10)] for _ in range(5000)]
    for i in range(n):
        a = rng.randrange(5000)
        b = contacts[a][min(9, int(rng.random() ** 2 * 10))]
        t = 1_793_548_800 + rng.random() * 86_400
        u = rng.random()
        if u < 0.8:
            cause, talk, ring = (
                16,
                min(7200.0, 65.0 * rng.lognormvariate(0, 1.1)),
                1 + rng.gammavariate(2, 3.2),
            )
        elif u < 0.83:
            cause, talk, ring = 21, 0.0, rng.uniform(1.5, 12)
        else:
            cause, talk, ring = 19, 0.0, rng.uniform(25, 55)
        rows.append(
            (f"s0-{i:010d}", t, f"+86138{a:08d}", f"+86139{b:08d}", talk, talk > 0, ring, cause)
        )
    rows.sort(key=lambda r: r[1])
    return len(rows)


def stage_cpu(subs: int, seed: int, scenario: str, reps: int = 3) -> list[tuple[str, float]]:
    """CPU seconds of each stage of ``simulate()`` run alone on one thread, the minimum of
    ``reps`` repetitions: a figure that the load of a shared machine disturbs less."""
    import callwarden.sim.engine as E  # noqa: N812
    from callwarden.sim.scenario import load_scenario
    from callwarden.sim.transcripts import sample_transcripts
    from callwarden.sim.world import build_world

    out: list[tuple[str, float]] = []

    def timed(name: str, f, n: int = reps):  # type: ignore[no-untyped-def]
        best, result = float("inf"), None
        for _ in range(n):
            c = time.process_time()
            result = f()
            best = min(best, time.process_time() - c)
        out.append((name, best))
        return result

    scen = load_scenario(scenario)
    ctx = timed("world (numbers, subscribers)", lambda: build_world(scen, seed, 1, subs), 1)
    social = timed("social graph set-up", lambda: E.Subscribers(ctx), 1)
    models = [
        m(ctx)
        for m in (
            E.Couriers,
            E.AxbPlatforms,
            E.Banks,
            E.Clinics,
            E.Schools,
            E.Sales,
            E.AiRobocalls,
            E.HumanSeats,
            E.FraudOps,
        )
    ]
    graph = timed("subscriber calls", lambda: social.graph_calls(ctx, 0))
    side = social.side_calls(ctx, 0)
    rest = timed("other populations' calls", lambda: [b for m in models for b in m.day(ctx, 0)], 1)
    calls = timed("merge into time order", lambda: E.merge_sorted(graph + side + rest))
    numbers = ctx.table.finish()
    strings = timed("number strings", numbers.e164)
    ids = timed("call ids", lambda: E.sequential_ids(f"s{seed}-", len(calls), 10))
    timed("cdrs table", lambda: E._cdr_table(ctx, calls, numbers, strings, ids))
    timed("call_truth table", lambda: E._truth_table(ctx, calls, ids, seed))
    truth = E._number_truth(ctx, len(numbers.nsn))
    timed(
        "labels + registry",
        lambda: (E._labels_table(ctx, calls, strings, *truth), E._registry_table(numbers, strings)),
    )
    timed(
        "transcripts",
        lambda: sample_transcripts(
            ctx, calls, ids, strings, scen.transcript_sample, truth[1], truth[3]
        ),
    )
    out.append(("rows", float(len(calls))))
    return out


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="100,000 subscribers instead of 1,000,000")
    ap.add_argument("--subscribers", type=int, default=None)
    ap.add_argument("--scenario", default="article")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--stages", action="store_true", help="also time each stage alone (min CPU of 3 runs)"
    )
    args = ap.parse_args()
    subs = args.subscribers or (100_000 if args.small else 1_000_000)

    n_base = 100_000
    w, c = time.perf_counter(), time.process_time()
    baseline_per_call(n_base)
    base_wall, base_cpu = time.perf_counter() - w, time.process_time() - c
    base_peak = peak_mib()

    runs = []
    for _ in range(2):  # cold (first call in the process), then warm
        load = os.getloadavg()[0]
        w, c = time.perf_counter(), time.process_time()
        result = simulate(args.scenario, seed=args.seed, subscribers=subs)
        runs.append((time.perf_counter() - w, time.process_time() - c, load))
    (cold_wall, cold_cpu, cold_load), (sim_wall, sim_cpu, load) = runs
    rows = result.cdrs.num_rows
    sim_peak = peak_mib()
    with tempfile.TemporaryDirectory() as tmp:
        w = time.perf_counter()
        write_sim(result, tmp)
        write_wall = time.perf_counter() - w
        size = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20

    base_rate, rate_wall, rate_cpu = n_base / base_wall, rows / sim_wall, rows / sim_cpu
    print(f"scenario {args.scenario}, seed {args.seed}, 1 day, {subs:,} subscribers")
    print(f"{'measure':<44}{'value':>16}")
    print("-" * 60)
    table = [
        ("baseline: per-call Python loop, rows", f"{n_base:,}"),
        ("baseline: wall s / CPU s", f"{base_wall:.2f} / {base_cpu:.2f}"),
        ("baseline: CDRs per wall second", f"{base_rate:,.0f}"),
        ("baseline: peak memory MiB", f"{base_peak:,.0f}"),
        ("simulate(): CDRs", f"{rows:,}"),
        ("simulate(): calling numbers", f"{result.labels.num_rows:,}"),
        ("simulate(): transcripts", f"{len(result.transcripts):,}"),
        ("cold simulate(): wall s / CPU s", f"{cold_wall:.2f} / {cold_cpu:.2f}"),
        (
            "cold simulate(): CDRs per wall / CPU second",
            f"{rows / cold_wall / 1e6:.2f}M / {rows / cold_cpu / 1e6:.2f}M",
        ),
        ("cold: load average (1 min) at start", f"{cold_load:.1f}"),
        ("simulate(): wall s / CPU s", f"{sim_wall:.2f} / {sim_cpu:.2f}"),
        ("simulate(): CDRs per wall second", f"{rate_wall:,.0f}"),
        ("simulate(): CDRs per CPU second", f"{rate_cpu:,.0f}"),
        ("simulate(): CPU s / wall s (cores used)", f"{sim_cpu / sim_wall:.2f}"),
        ("load average (1 min) at start", f"{load:.1f} on {os.cpu_count()} CPUs"),
        ("write_sim(): wall s (output MiB)", f"{write_wall:.2f} ({size:,.0f})"),
        ("simulate + write: wall s", f"{sim_wall + write_wall:.2f}"),
        ("peak memory MiB (process)", f"{sim_peak:,.0f}"),
        ("ratio: vectorised / per-call loop (wall)", f"{rate_wall / base_rate:,.1f}x"),
    ]
    for name, value in table:
        print(f"{name:<44}{value:>16}")
    print("-" * 60)
    if args.stages:
        stages = stage_cpu(subs, args.seed, args.scenario)
        rows = int(dict(stages)["rows"])
        print(f"\n{'stage (one thread, min CPU of 3)':<44}{'CPU s':>16}")
        print("-" * 60)
        total = 0.0
        for name, sec in stages:
            if name != "rows":
                total += sec
                print(f"{name:<44}{sec:>16.3f}")
        print("-" * 60)
        print(f"{'sum of stages':<44}{total:>16.3f}")
        print(f"{'CDRs per CPU second (sum of stages)':<44}{rows / total:>16,.0f}")
    if not args.small and args.subscribers is None:
        verdict = "met" if rate_wall >= 1e6 else "NOT met"
        busy = load > (os.cpu_count() or 1)
        note = f" (machine busy: load {load:.1f} on {os.cpu_count()} CPUs)" if busy else ""
        print(f"target >= 1,000,000 CDRs/s (wall, warm): {verdict}{note}")
        print(f"target >= 1,000,000 CDRs/s (CPU, warm): {'met' if rate_cpu >= 1e6 else 'NOT met'}")
        print(
            f"target 1M-subscriber day in under 60 s (simulate + write): {'met' if sim_wall + write_wall < 60 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()

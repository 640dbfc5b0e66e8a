"""Benchmark ``scan``: features (DuckDB, embedded) and scoring over one day of CDRs.

    python bench/scan.py            # ~10,000,000 CDRs (simulator, 3.2 M subscribers)
    python bench/scan.py --small    # ~1,000,000 CDRs
    python bench/scan.py --cdrs DIR --model MODEL_DIR   # existing data and model
    python bench/scan.py --cdrs DIR --model MODEL_DIR --end-to-end   # callwarden scan's phases

Phases are timed in one process: the DuckDB feature query (with the allocation registry
and home provinces, as ``callwarden scan`` runs it), LightGBM scoring with reasons, and the
baseline: a straightforward pandas group-by implementation of the same features
(``callwarden.features.reference``) over the same CDRs. Peak memory is the highest resident
set size sampled during each phase. ``--cores N`` pins the process to N cores after the
data is generated, so a bigger machine can stand in for the 2-core target.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


class Peak:
    """Samples this process's resident set size while a phase runs."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self) -> Peak:
        self.peak = self.proc.memory_info().rss
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


#: Process CPU seconds (all threads) per phase: the figure to trust when other jobs load the
#: machine and wall time stretches.
CPU: dict[str, float] = {}


def timed(fn: Callable[[], Any], name: str = "") -> tuple[Any, float, int]:
    with Peak() as p:
        c = time.process_time()
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        CPU[name] = time.process_time() - c
    return out, dt, p.peak


def simulate(subscribers: int, seed: int, out: Path) -> Path:
    from callwarden.sim import simulate as sim
    from callwarden.sim import write_sim

    return write_sim(sim("article", seed=seed, subscribers=subscribers), out)


def train_model(out: Path, work: Path) -> Path:
    """What ``callwarden train`` does, through the library (no CLI framework needed)."""
    from callwarden.cli._detect_io import cdr_features, read_csv_strings
    from callwarden.detect.dataset import cdr_dataset
    from callwarden.detect.io import save_model
    from callwarden.detect.model import TrainConfig, train

    s = simulate(20_000, 1, work / "train")
    data = cdr_dataset(
        cdr_features(s, s / "registry.csv", None), read_csv_strings(s / "labels.csv", "labels")
    )
    save_model(train(data, TrainConfig()), out, kind="cdr")
    return out


def _operators(node: dict[str, Any]) -> list[tuple[float, str, str]]:
    """(thread-seconds, operator, what) for a profile node and everything under it."""
    info = node.get("extra_info", {})
    what = info.get("CTE Name") or info.get("Groups") or info.get("Aggregates") or ""
    out = [(float(node.get("timing", 0)), str(node.get("name")), str(what)[:70])]
    for child in node.get("children", []):
        out += _operators(child)
    return out


def profile_statements(
    relation: str, registry_csv: Path, day: str, min_attempts: int, folder: Path
) -> None:
    """Run the cascade's statements once more with DuckDB's profiler; print the slowest."""
    import json

    from callwarden.cli._detect_io import number_facts
    from callwarden.features.duckdb_backend import (
        columns_of,
        connection,
        day_calls_in,
        has_history,
        keyed_lookups,
    )
    from callwarden.features.sql import CALLERS_TABLE, CALLS_TABLE, AsOf
    from callwarden.features.staged import build_staged

    folder.mkdir(parents=True, exist_ok=True)
    with connection(threads=len(os.sched_getaffinity(0))) as con:
        facts, regions = number_facts(con, relation, registry_csv, AsOf(day))
        q = build_staged(
            relation, AsOf(day), present_columns=columns_of(con, relation),
            min_attempts=max(1, min_attempts), caller_facts=facts, home_regions=regions,
            with_history=has_history(con, relation, AsOf(day)),
            day_calls=day_calls_in(con, facts, AsOf(day)),
            keyed=keyed_lookups(con, relation, facts, regions), omit_twins=True,
        )  # fmt: skip
        statements = [
            ("calls", f"CREATE TEMP TABLE {CALLS_TABLE} AS {q.calls}"),
            ("callers", f"CREATE TEMP TABLE {CALLERS_TABLE} AS {q.callers}"),
            ("features", q.features),
            ("unscored", q.unscored),
        ]
        for name, sql in statements:
            out = folder / f"{name}.json"
            con.execute("PRAGMA enable_profiling='json'")
            con.execute(f"PRAGMA profiling_output='{out}'")
            con.sql(sql).to_arrow_table() if sql.startswith(("WITH", "SELECT")) else con.execute(
                sql
            )
            con.execute("PRAGMA disable_profiling")
            prof = json.loads(out.read_text())
            ops = [op for o in prof.get("operator", []) for op in _operators(o)]
            total = prof.get("query", {}).get("total_time", 0.0)
            print(f"{name}: {float(total):.2f} s; slowest operators (thread-seconds):")
            for t, op, what in sorted(ops, reverse=True)[:8]:
                print(f"  {t:8.2f}  {op:<16} {what}")


def end_to_end(cdrs: Path, model_dir: Path, out: Path, registry: Path) -> None:
    """Time what ``callwarden scan --cdrs --model --registry --out`` runs, phase by phase:
    the scan proper (default day, features, scoring), campaign linking (the day's CDRs
    loaded, linked, ``campaigns.csv`` written) and ``verdicts.csv`` with its summary."""
    from callwarden.cli.campaigns import scan_hook
    from callwarden.cli.scan import run_scan, write_scan

    registry_or_none = registry if registry.is_file() else None
    t_all = time.perf_counter()
    result, t_scan, m_scan = timed(
        lambda: run_scan(model_dir, cdrs=cdrs, registry=registry_or_none), "scan"
    )
    _, t_link, m_link = timed(
        lambda: scan_hook(result, cdrs, out, registry=registry_or_none), "link"
    )
    _, t_write, m_write = timed(lambda: write_scan(result, out), "write")
    total = time.perf_counter() - t_all
    rows = [
        ("scan (default day, features, scoring) s", f"{t_scan:.1f}", f"{CPU['scan']:.1f}", m_scan),
        ("campaign linking s", f"{t_link:.1f}", f"{CPU['link']:.1f}", m_link),
        ("verdicts.csv + summary s", f"{t_write:.1f}", f"{CPU['write']:.1f}", m_write),
        ("callwarden scan total s", f"{total:.1f}", "", 0),
    ]
    print(f"\ncallwarden scan, end to end ({len(result):,} verdicts) -> {out}")
    print(f"  {'phase':<42} {'wall':>6} {'CPU':>6} {'peak GiB':>9}")
    for k, wall, cpu, peak in rows:
        print(f"  {k:<42} {wall:>6} {cpu:>6} {peak / 2**30 if peak else float('nan'):>9.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="~1,000,000 CDRs instead of ~10,000,000")
    ap.add_argument("--cdrs", type=Path, help="existing CDRs (simulator or ingest folder)")
    ap.add_argument("--model", type=Path, help="existing model directory")
    ap.add_argument(
        "--registry",
        type=Path,
        default=None,
        help="allocation registry CSV (default: CDRS/registry.csv, as the simulator writes it;"
        " an ingest folder has none: give the simulator's, or the day runs without it)",
    )
    ap.add_argument(
        "--cores", type=int, default=0, help="pin to this many cores for the timed phases"
    )
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory limit, e.g. 6GB")
    ap.add_argument("--no-baseline", action="store_true", help="skip the pandas baseline")
    ap.add_argument(
        "--lightgbm", action="store_true", help="score with LightGBM, not the compiled trees"
    )
    ap.add_argument(
        "--min-attempts",
        type=int,
        default=None,
        help="activity cascade (default callwarden.detect.cascade.MIN_ATTEMPTS; 0: score all)",
    )
    ap.add_argument("--work", type=Path, default=None, help="scratch folder")
    ap.add_argument(
        "--end-to-end",
        action="store_true",
        help="time callwarden scan's phases (scan, campaign linking, writing) instead",
    )
    ap.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="folder for DuckDB's JSON profile of each cascade statement (run again, untimed)",
    )
    args = ap.parse_args()

    import pyarrow as pa

    from callwarden.cdr import cdr_relation_sql
    from callwarden.cli._detect_io import _province_of, number_facts
    from callwarden.detect.cascade import MIN_ATTEMPTS, scan_table
    from callwarden.detect.compiled import compile_model
    from callwarden.detect.io import load_model
    from callwarden.features.duckdb_backend import (
        compute_features,
        connection,
        has_number_keys,
        local_days,
    )
    from callwarden.features.reference import reference_features
    from callwarden.features.sql import AsOf
    from callwarden.numbers import AllocationRegistry

    work = args.work or Path(tempfile.mkdtemp(prefix="cw-bench-"))
    t0 = time.perf_counter()
    cdrs = args.cdrs or simulate(320_000 if args.small else 3_200_000, 3, work / "scan")
    model_dir = args.model or train_model(work / "model", work)
    min_attempts = MIN_ATTEMPTS if args.min_attempts is None else args.min_attempts
    print(
        f"data and model ready in {time.perf_counter() - t0:.0f} s (not timed): {cdrs}", flush=True
    )
    if args.cores:
        os.sched_setaffinity(0, set(range(args.cores)))
    registry_csv = args.registry or Path(cdrs) / "registry.csv"
    if args.registry is not None and not registry_csv.is_file():
        raise SystemExit(f"error: --registry {registry_csv}: no such file")
    if not registry_csv.is_file():
        print(
            f"warning: no allocation registry ({registry_csv} does not exist): the unallocated"
            " caller rule never fires, so fewer numbers are flagged than `callwarden scan"
            " --registry` flags (give --registry)",
            flush=True,
        )
    if args.end_to_end:
        end_to_end(Path(cdrs), model_dir, work / "scan-out", registry_csv)
        return
    cores = len(os.sched_getaffinity(0))
    model, _ = load_model(model_dir)
    model.predict_threads = cores
    # Compiling the trees is a one-off per model (cached on disk): timed apart, not in scan.
    t = time.perf_counter()
    compiled = compile_model(model) if not args.lightgbm else False
    t_compile = time.perf_counter() - t
    relation = cdr_relation_sql(cdrs)

    with connection(threads=cores, memory_limit=args.memory_limit) as con:
        (n_cdrs,) = con.execute(f"SELECT COUNT(*) FROM {relation}").fetchall()[0]
        day = local_days(con, relation)[-1]
        keyed = has_number_keys(con, relation)  # else the strings are parsed (older files)

        lookups: dict[str, float] = {}

        def features() -> pa.Table:
            t = time.perf_counter()
            facts, regions = number_facts(
                con,
                relation,
                registry_csv if registry_csv.is_file() else None,
                AsOf(day) if min_attempts > 0 else None,
            )
            lookups["s"] = time.perf_counter() - t
            return compute_features(
                con,
                relation,
                AsOf(day),
                caller_facts=facts,
                home_regions=regions,
                min_attempts=min_attempts,
                ordered=not min_attempts,  # as `callwarden scan`: scan_table orders the verdicts
            )

        load_before = os.getloadavg()
        table, t_feat, m_feat = timed(features, "features")

    def score() -> Any:
        return scan_table(model, table)

    result, t_score, m_score = timed(score, "score")
    load_after = os.getloadavg()
    total = t_feat + t_score
    rows = [
        ("CDRs", f"{n_cdrs:,}"),
        ("numbers with verdicts", f"{len(result):,}"),
        ("numbers flagged", f"{int(result.flagged.sum()):,}"),
        ("activity cascade: min attempts", str(min_attempts)),
        ("integer number keys in the CDRs", "yes" if keyed else "no (strings parsed)"),
        ("numbers scored by the model", f"{len(result) - result.meta.get('not_scored', 0):,}"),
        ("scoring engine", "lleaves (compiled)" if compiled else "LightGBM"),
        ("  tree compile or cache load s (not in scan)", f"{t_compile:.1f}"),
        ("cores used", str(cores)),
        ("features (DuckDB) s", f"{t_feat:.1f}"),
        ("  of which registry + 归属地 look-ups s", f"{lookups['s']:.1f}"),
        ("scoring + reasons s", f"{t_score:.1f}"),
        ("scan total s", f"{total:.1f}"),
        ("scan CDRs/s", f"{n_cdrs / total:,.0f}"),
        ("features-only CDRs/s", f"{n_cdrs / t_feat:,.0f}"),
        ("peak RSS features GiB", f"{m_feat / 2**30:.2f}"),
        ("peak RSS scoring GiB", f"{m_score / 2**30:.2f}"),
        ("CPU s features (all threads)", f"{CPU['features']:.1f}"),
        ("CPU s scoring (all threads)", f"{CPU['score']:.1f}"),
        ("scan CDRs per CPU-s", f"{n_cdrs / (CPU['features'] + CPU['score']):,.0f}"),
        ("load average 1 min, before/after", f"{load_before[0]:.1f}/{load_after[0]:.1f}"),
    ]
    print(
        f"\nscan ({'small' if args.small else 'full'}): " + "; ".join(f"{k} {v}" for k, v in rows),
        flush=True,
    )
    if not args.no_baseline:
        import duckdb

        def baseline() -> Any:
            con = duckdb.connect()
            con.execute("SET TimeZone = 'UTC'")
            df = con.sql(f"SELECT * FROM {relation}").df()
            con.close()
            reg = AllocationRegistry.from_csv(registry_csv) if registry_csv.is_file() else None
            callers = df.caller.drop_duplicates()
            unalloc = None
            if reg is not None:
                import pandas as pd

                unalloc = pd.Series(
                    reg.is_unallocated_array(pa.array(callers)).astype(int),
                    index=callers.to_numpy(),
                )
            import pandas as pd

            prefixes = callers.str.slice(0, 10).drop_duplicates()
            reps = df.caller.groupby(df.caller.str.slice(0, 10)).min()
            regions = pd.Series(
                _province_of(pa.array(reps.to_numpy())).to_pylist(), index=reps.index
            )
            del prefixes
            end = int(AsOf(day).day_end.timestamp())
            return reference_features(df, end, unallocated=unalloc, home_regions=regions)

        ref, t_base, m_base = timed(baseline, "baseline")
        rows += [
            ("baseline pandas features s", f"{t_base:.1f}"),
            ("baseline CDRs/s", f"{n_cdrs / t_base:,.0f}"),
            ("peak RSS baseline GiB", f"{m_base / 2**30:.2f}"),
            ("CPU s baseline", f"{CPU['baseline']:.1f}"),
            ("speed-up DuckDB features vs pandas", f"{t_base / t_feat:.1f}x"),
            ("speed-up in CPU s", f"{CPU['baseline'] / CPU['features']:.1f}x"),
        ]
        same = ref.number.tolist() == sorted(table["number"].to_pylist())
        rows.append(("baseline numbers match", str(same)))
    if args.profile:
        profile_statements(relation, registry_csv, day, min_attempts, args.profile)
    width = max(len(k) for k, _ in rows)
    print(f"\nscan benchmark ({'small' if args.small else 'full'})")
    for k, v in rows:
        print(f"  {k:<{width}}  {v:>16}")


if __name__ == "__main__":
    main()

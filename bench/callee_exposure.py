"""Callee exposure, an A/B of a feature not in the catalogue (session 26, issue 4;
docs/detection.md, "Callee exposure, measured (session 26)").

``callee_exposure_1d`` / ``callee_exposure_7d``: over a caller's distinct callees in the
window, the mean number of OTHER distinct numbers that called that callee in the same window
(every call of the window counts on the callee side; NULL for a caller with no callee). A
purchased list is sold to many operations, so a human seat's callees are called by many
strangers that day; a salesman's client book is not (audit 25 H2).

Subcommands:

``pair TRAIN_SIM SCORE_SIM OUT``
    Arm A (today's features) and arm B (today's + exposure), each trained on TRAIN_SIM as
    ``callwarden train --cdrs --labels --registry`` trains (``cdr_features``, ``cdr_dataset``,
    ``train._config``'s defaults, ``detect.model.train``) and scored on SCORE_SIM's last day as
    ``callwarden scan --registry --min-attempts 0 --no-campaign-verdicts`` scores
    (``cdr_features`` of the day, ``cascade.scan_table`` with the 空号 rule). Writes
    OUT/{A,B}/model, verdicts.csv, scan-summary.json and evaluation.json (``callwarden
    evaluate --cdrs``'s ``build_report``), and OUT/pair.json with the table's row per arm.
    ``--arms P``: the placebo arm (exposure shuffled over the rows, seed 0; OUT/pair-P.json),
    what two uninformative columns alone change (exploration, not part of the rule).
``time CDRS``
    The exposure query alone on the CDRs' last day, ``--threads`` DuckDB threads, ``--runs``
    runs: wall and CPU seconds (the process's, all threads).
``same VERDICTS VERDICTS``
    Whether two verdicts files flag the same numbers (arm A against the real CLI's).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EXPOSURE = ("callee_exposure_1d", "callee_exposure_7d")
TZ = "Asia/Shanghai"


def exposure_sql(relation: str, as_of: Any, with_history: bool) -> str:
    """One row per caller of the as-of day with a callee: the two exposure columns. Without
    history the 7-day column is the 1-day one (as the catalogue's 7-day twins are)."""
    from callwarden.features.sql import DUCKDB, _ts, day_range_sql

    def window(lo: Any) -> str:
        return (
            f"SELECT DISTINCT caller, callee FROM {relation} WHERE start_time >= "
            f"{_ts(DUCKDB, lo)} AND start_time < {_ts(DUCKDB, as_of.day_end)} "
            "AND caller IS NOT NULL AND callee IS NOT NULL"
        )

    day = (
        f"SELECT DISTINCT caller, callee FROM {relation} WHERE {day_range_sql(as_of)} "
        "AND caller IS NOT NULL AND callee IS NOT NULL"
    )
    # (a pair is counted once: a callee's row count is its distinct callers)
    one = (
        f"p1 AS ({day}), f1 AS (SELECT callee, COUNT(*) - 1 AS others FROM p1 GROUP BY callee), "
        "e1 AS (SELECT p1.caller, AVG(f1.others) AS x FROM p1 JOIN f1 USING (callee) "
        "GROUP BY p1.caller)"
    )
    if not with_history:
        return (
            f"WITH {one} SELECT caller AS number, x AS callee_exposure_1d, "
            "x AS callee_exposure_7d FROM e1"
        )
    seven = (
        f"p7 AS ({window(as_of.history_start)}), f7 AS (SELECT callee, COUNT(*) - 1 AS others "
        "FROM p7 GROUP BY callee), e7 AS (SELECT p7.caller, AVG(f7.others) AS x FROM p7 "
        "JOIN f7 USING (callee) WHERE p7.caller IN (SELECT caller FROM e1) GROUP BY p7.caller)"
    )
    return (
        f"WITH {one}, {seven} SELECT e1.caller AS number, e1.x AS callee_exposure_1d, "
        "e7.x AS callee_exposure_7d FROM e1 LEFT JOIN e7 USING (caller)"
    )


def exposure(con: Any, relation: str, day: str) -> pa.Table:
    """The exposure columns of the callers of the local ``day`` (Asia/Shanghai)."""
    from callwarden.features.duckdb_backend import has_history
    from callwarden.features.local_time import offset_hours
    from callwarden.features.sql import AsOf

    as_of = AsOf(day, offset_hours(TZ, day))
    sql = exposure_sql(relation, as_of, has_history(con, relation, as_of))
    return con.sql(sql).to_arrow_table()


def with_exposure(features: pa.Table, cdrs: Path, placebo: bool = False) -> pa.Table:
    """``features`` (``cdr_features``' rows, a ``day`` column) with the exposure columns
    joined by number and day (NULL where the number had no callee). ``placebo``: the rows'
    values shuffled (seed 0), the same columns carrying no information about the number:
    what adding two columns alone does to the trees (``feature_fraction``'s draws change)."""
    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import connection

    relation = cdr_relation_sql(cdrs)
    days = features["day"].to_pylist()
    cols: dict[str, list[Any]] = {n: [None] * features.num_rows for n in EXPOSURE}
    with connection() as con:
        for day in sorted(set(days)):
            t = exposure(con, relation, day)
            values = zip(*(t[n].to_pylist() for n in EXPOSURE), strict=True)
            got = dict(zip(t["number"].to_pylist(), values, strict=True))
            for i, (n, d) in enumerate(zip(features["number"].to_pylist(), days, strict=True)):
                if d == day and n in got:
                    for k, name in enumerate(EXPOSURE):
                        cols[name][i] = got[n][k]
    order = np.random.default_rng(0).permutation(features.num_rows) if placebo else None
    for name in EXPOSURE:
        values = cols[name] if order is None else [cols[name][i] for i in order]
        features = features.append_column(name, pa.array(values, pa.float64()))
    return features


def _sim(path: Path) -> tuple[Path, Path, Path]:
    return path / "cdrs.parquet", path / "labels.csv", path / "registry.csv"


def _train(sim: Path, arm: str) -> Any:
    """The model ``callwarden train --cdrs SIM --labels --registry`` trains (its defaults),
    on arm B's features with the exposure columns appended."""
    from callwarden.cli._detect_io import cdr_features, read_csv_strings, warn
    from callwarden.cli.train import _config
    from callwarden.detect.dataset import cdr_dataset
    from callwarden.detect.model import train
    from callwarden.detect.thresholds import Objective

    cdrs, labels, registry = _sim(sim)
    table = cdr_features(cdrs, registry, None, tz=TZ)
    if arm != "A":
        table = with_exposure(table, cdrs, placebo=arm == "P")
    data = cdr_dataset(table, read_csv_strings(labels, "labels"), report=warn)
    config = _config(
        "cdr", seed=0, target_precision=0.999, objective=Objective.PRECISION,
        num_boost_round=None, num_threads=1, folds=5, benign_heavy_weight=None,
        route_invariance=None, prune_label_noise=None,
    )  # fmt: skip
    return train(data, config), data


def _scan(model: Any, sim: Path, arm: str) -> Any:
    """``callwarden scan --cdrs SIM --registry --min-attempts 0`` without campaign linking:
    every number of the last local day scored, the 空号 rule on (``RuleConfig()``)."""
    from callwarden.cdr import cdr_relation_sql
    from callwarden.cli._detect_io import cdr_features
    from callwarden.detect.cascade import scan_table
    from callwarden.detect.rules import RuleConfig
    from callwarden.features.duckdb_backend import connection, last_local_day_in

    cdrs, _, registry = _sim(sim)
    with connection() as con:
        day = last_local_day_in(con, cdr_relation_sql(cdrs), TZ)
    assert day is not None
    table = cdr_features(cdrs, registry, [day], tz=TZ)
    if arm != "A":
        table = with_exposure(table, cdrs, placebo=arm == "P")
    table = table.drop_columns(["day"])
    result = scan_table(model, table, rules=RuleConfig(), min_attempts=0)
    result.meta.update(day=day, kind="cdr", min_attempts=0, tz=TZ, inputs={"cdrs": str(cdrs)})
    return result


def _load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def pair(train_sim: Path, score_sim: Path, out: Path, arms: str = "AB") -> None:
    from callwarden.cli.evaluate import build_report
    from callwarden.cli.scan import write_scan
    from callwarden.detect.io import save_model

    rows = []
    _, labels, _ = _sim(score_sim)
    lab = _read_labels(labels)
    for arm in arms:
        t0, c0 = time.time(), time.process_time()
        start = time.strftime("%H:%M", time.gmtime())
        load0 = _load()
        model, data = _train(train_sim, arm)
        save_model(model, out / arm / "model", kind="cdr", extra={"tz": TZ})
        result = _scan(model, score_sim, arm)
        write_scan(result, out / arm)
        report = build_report(out / arm / "verdicts.csv", labels, cdrs=_sim(score_sim)[0])
        (out / arm / "evaluation.json").write_text(json.dumps(report, indent=2, default=str))
        f = report["scanned"]["flagged_vs_benign"]
        flagged = set(np.asarray(result.numbers)[result.flagged].tolist())
        sales = sorted(n for n in flagged if lab.get(n) == ("benign", "sales"))
        missed = sorted(
            n for n, (lb, _) in lab.items() if lb in ("harassment", "fraud") and n not in flagged
        )
        gain = None
        if arm != "A":
            imp = model.booster.feature_importance(importance_type="gain")
            names = list(model.feature_names)
            order = np.argsort(-imp)
            gain = {
                "exposure_gain_rank": {
                    n: int(np.flatnonzero(order == names.index(n))[0]) + 1 for n in EXPOSURE
                },
                "exposure_gain_share": {
                    n: float(imp[names.index(n)] / imp.sum()) for n in EXPOSURE
                },
            }
        row = {
            "train": train_sim.name,
            "score": score_sim.name,
            "arm": arm,
            "threshold": model.threshold.value,
            "oof": model.metrics["out_of_fold"]["flagged_vs_benign"],
            "precision": f["precision"],
            "recall": f["recall"],
            "flagged": int(result.flagged.sum()),
            "support": f["support"],
            "heavy_flagged": report["legitimate_heavy_callers"]["flagged"],
            "heavy_population": report["legitimate_heavy_callers"]["population"],
            "heavy_flagged_numbers": report["legitimate_heavy_callers"]["flagged_numbers"],
            "sales_flagged": len(sales),
            "sales_flagged_numbers": sales,
            "missed_by_category": _count(lab[n][1] for n in missed),
            "utc": start,
            "load_start": load0,
            "load_end": _load(),
            "wall_s": round(time.time() - t0, 1),
            "cpu_s": round(time.process_time() - c0, 1),
            **(gain or {}),
        }
        rows.append(row)
        print(_line(row), flush=True)
    name = "pair.json" if arms == "AB" else f"pair-{arms}.json"
    (out / name).write_text(json.dumps(rows, indent=2, default=str))


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return dict(sorted(out.items()))


def _read_labels(path: Path) -> dict[str, tuple[str, str]]:
    from callwarden.cli._detect_io import read_csv_strings

    t = read_csv_strings(path, "labels")
    return {
        n: (lb, c or "")
        for n, lb, c in zip(
            t["number"].to_pylist(), t["label"].to_pylist(), t["category"].to_pylist(), strict=True
        )
    }


def _line(r: dict[str, Any]) -> str:
    p = "n/a" if r["precision"] is None else f"{r['precision']:.4f}"
    rc = "n/a" if r["recall"] is None else f"{r['recall']:.4f}"
    return (
        f"{r['train']} -> {r['score']} arm {r['arm']}: P {p} R {rc} flagged {r['flagged']} "
        f"heavy {r['heavy_flagged']}/{r['heavy_population']} sales {r['sales_flagged']} "
        f"threshold {r['threshold']:.4f} missed {r['missed_by_category']} "
        f"({r['utc']} UTC, load {r['load_start']} -> {r['load_end']}, {r['wall_s']} s)"
    )


def time_query(cdrs: Path, threads: int, runs: int) -> None:
    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import connection, last_local_day_in

    relation = cdr_relation_sql(cdrs)
    with connection(threads=threads) as con:
        day = last_local_day_in(con, relation, TZ)
        assert day is not None
        for k in range(runs):
            load0 = _load()
            start = time.strftime("%H:%M:%S", time.gmtime())
            t0, c0 = time.perf_counter(), time.process_time()
            t = exposure(con, relation, day)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
            x = pc.mean(t["callee_exposure_1d"]).as_py()
            print(
                f"run {k + 1}: day {day}, {t.num_rows:,} callers, mean exposure {x:.3f}: "
                f"wall {wall:.2f} s, CPU {cpu:.2f} s, {threads} threads, peak RSS {rss:.2f} GiB "
                f"({start} UTC, load {load0} -> {_load()})",
                flush=True,
            )


def same(a: Path, b: Path) -> None:
    from callwarden.cli._detect_io import read_csv_strings

    def flagged(p: Path) -> set[str]:
        t = read_csv_strings(p, "verdicts")
        return set(pc.filter(t["number"], pc.not_equal(t["label"], "benign")).to_pylist())

    fa, fb = flagged(a), flagged(b)
    print(f"{a}: {len(fa)} flagged; {b}: {len(fb)} flagged; in both {len(fa & fb)}")
    print(f"only in the first: {sorted(fa - fb)[:20]}; only in the second: {sorted(fb - fa)[:20]}")
    sys.exit(0 if fa == fb else 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pair")
    p.add_argument("train_sim", type=Path)
    p.add_argument("score_sim", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument(
        "--arms", default="AB", help="A, B and/or P (the placebo: exposure shuffled over rows)"
    )
    t = sub.add_parser("time")
    t.add_argument("cdrs", type=Path)
    t.add_argument("--threads", type=int, default=2)
    t.add_argument("--runs", type=int, default=2)
    s = sub.add_parser("same")
    s.add_argument("a", type=Path)
    s.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "pair":
        pair(args.train_sim, args.score_sim, args.out, args.arms)
    elif args.cmd == "time":
        time_query(args.cdrs, args.threads, args.runs)
    else:
        same(args.a, args.b)


if __name__ == "__main__":
    main()

"""Campaign intelligence benchmark: scale (10M CDRs of one day) and accuracy (simulator seeds).

    python bench/campaigns.py            # 10,000,000 CDRs; simulator at 20,000 subscribers
    python bench/campaigns.py --small    # 1,000,000 CDRs; simulator at 5,000 subscribers
    python bench/campaigns.py --skip-scale --subscribers 20000 50000 100000   # accuracy by size

Scale: a synthetic day (``bench/synth_day.py``: ordinary subscribers, couriers, AI operations
rotating caller IDs over purchased lists, 双向回呼 seats) goes through ``build_campaigns``
(staging, spoofing, bridging, linking, records). The baseline, run in the same process on the
same day, is the textbook approach: per-number MinHash over callee sets (``datasketch``),
LSH at Jaccard 0.2, connected components, over numbers with >= 5 callees and answer rate
<= 0.5. Both are scored by adjusted Rand index against the synthetic truth.

Accuracy: ``evaluate_campaigns`` with campaigns learnt on simulator seed 1, measured on seed 2.
Peak memory is the process's peak resident set size (DuckDB's memory included).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth_day import generate  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def baseline_minhash_lsh(cdrs: Any) -> dict[str, str]:
    """Per-number MinHash of callee sets + LSH + components (the datasketch way)."""
    import duckdb
    import numpy as np
    from datasketch import MinHash, MinHashLSH
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    con = duckdb.connect()
    con.register("c", cdrs)
    rows = con.execute(
        """SELECT caller, list(DISTINCT callee) FROM c GROUP BY caller
           HAVING count(DISTINCT callee) >= 5 AND avg((duration_s > 0)::INT) <= 0.5"""
    ).fetchall()
    callers = [r[0] for r in rows]
    mhs = MinHash.bulk([[s.encode() for s in r[1]] for r in rows], num_perm=64)
    lsh = MinHashLSH(threshold=0.2, num_perm=64)
    for i, m in enumerate(mhs):
        lsh.insert(str(i), m)
    a, b = [], []
    for i, m in enumerate(mhs):
        for j in lsh.query(m):
            if int(j) != i:
                a.append(i)
                b.append(int(j))
    n = len(callers)
    g = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, comp = connected_components(g, directed=False)
    sizes = np.bincount(comp) if n else np.zeros(0, int)
    return {c: f"b{comp[i]}" for i, c in enumerate(callers) if sizes[comp[i]] >= 2}


def ari_against(labels: Any, found: dict[str, str], callers: set[str]) -> float:
    from sklearn.metrics import adjusted_rand_score

    truth, pred = [], []
    for num, camp in zip(labels["number"].to_pylist(), labels["campaign"].to_pylist(), strict=True):
        if num in callers:
            truth.append(camp)
            pred.append(found.get(num, f"solo:{num}"))
    return float(adjusted_rand_score(truth, pred)) if truth else float("nan")


def scale(total: int, baseline: bool = True) -> list[tuple[str, Any]]:
    from callwarden.campaigns.build import build_campaigns

    t = time.perf_counter()
    day = generate(total, seed=1)
    gen_s = time.perf_counter() - t
    callers = set(day.labels["number"].to_pylist())
    t = time.perf_counter()
    res = build_campaigns(day.cdrs)
    ours_s = time.perf_counter() - t
    ours_peak = peak_rss_mb()
    ours_ari = ari_against(day.labels, res.number_campaign, callers)
    rows: list[tuple[str, Any]] = [
        ("synthetic CDRs (one day)", f"{day.cdrs.num_rows:,}"),
        ("generation s", f"{gen_s:.1f}"),
        ("build_campaigns s", f"{ours_s:.1f}"),
        ("build_campaigns CDRs/s", f"{day.cdrs.num_rows / ours_s:,.0f}"),
        (
            "campaigns found / true",
            f"{len(res.campaigns)} / {len(set(day.labels['campaign'].to_pylist()))}",
        ),
        ("ARI vs synthetic truth", f"{ours_ari:.4f}"),
        (
            "benign numbers in campaigns",
            f"{sum(1 for n in res.number_campaign if n not in callers):,}",
        ),
        ("bridged legs flagged", f"{res.bridged.num_rows:,}"),
        ("peak RSS after build MB", f"{ours_peak:,.0f}"),
    ]
    if not baseline:
        return rows
    t = time.perf_counter()
    base = baseline_minhash_lsh(day.cdrs)
    base_s = time.perf_counter() - t
    base_ari = ari_against(day.labels, base, callers)
    return rows + [
        ("baseline (MinHash LSH) s", f"{base_s:.1f}"),
        ("baseline ARI", f"{base_ari:.4f}"),
        ("time ratio ours / baseline", f"{ours_s / base_s:.2f}"),
        ("peak RSS overall MB", f"{peak_rss_mb():,.0f}"),
    ]


def accuracy(subscribers: int) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    from callwarden.campaigns.evaluation import evaluate_campaigns
    from callwarden.campaigns.scripts import script_clusters
    from callwarden.sim import simulate

    train, test = (
        simulate("article", seed=1, subscribers=subscribers),
        simulate("article", seed=2, subscribers=subscribers),
    )
    f = evaluate_campaigns(
        train.cdrs,
        test.cdrs,
        test.labels,
        train_allocated=train.registry["number"],
        test_allocated=test.registry["number"],
        train_scripts=script_clusters(train.transcripts),
        test_scripts=script_clusters(test.transcripts),
        test_call_truth=test.call_truth,
    )
    c, b, a, r = f["clustering"], f["bridging"], f["axb"], f["fresh_numbers"]
    rows = [
        ("sim subscribers / test CDRs", f"{subscribers:,} / {f['timing']['test_cdrs']:,}"),
        ("harassment numbers / true campaigns", f"{c['numbers']} / {c['true_campaigns']}"),
        ("ARI (target >= 0.90)", f"{c['ari']:.4f}"),
        ("benign numbers in campaigns", c["benign_numbers_in_campaigns"]),
        ("bridged legs precision (>= 0.95)", f"{b['precision']:.4f}"),
        ("bridged legs recall (>= 0.95)", f"{b['recall']:.4f}"),
        (
            "AXB numbers / flagged / legs flagged",
            f"{a['axb_numbers']} / {a['axb_numbers_in_campaigns'] + a['axb_numbers_flagged_as_bridge_agents']} / {a.get('axb_legs_flagged', 0)}",
        ),
        ("fresh rotated numbers", r["fresh_numbers"]),
        ("median calls to flag (<= 5)", r["median_calls_to_flag"]),
        ("flagged within 5 calls", f"{r['flagged_within_5']:.3f}"),
        (
            "benign callers flagged / callers",
            f"{r['benign_numbers_flagged']} / {r['benign_callers']:,}",
        ),
        (
            "seed-2 batch build s / replay s",
            f"{f['timing']['test_build_s']} / {f['timing']['replay_s']}",
        ),
    ]
    return rows, f


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--small", action="store_true", help="1M CDRs and a 5,000-subscriber simulation"
    )
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument(
        "--subscribers",
        type=int,
        nargs="+",
        help="simulator sizes for the accuracy part (default 20,000; 5,000 with --small)",
    )
    ap.add_argument("--skip-baseline", action="store_true", help="time our build only")
    args = ap.parse_args()
    total, subs = (1_000_000, 5_000) if args.small else (10_000_000, 20_000)
    out: dict[str, Any] = {}
    if not args.skip_scale:
        rows = scale(total, baseline=not args.skip_baseline)
        out["scale"] = dict(rows)
        print(f"== campaign building at scale ({total:,} CDRs)")
        for k, v in rows:
            print(f"  {k:<40}{v:>20}")
    if not args.skip_accuracy:
        for n in args.subscribers or [subs]:
            rows, figures = accuracy(n)
            out[f"accuracy_{n}"] = figures
            print(f"== accuracy at {n:,} subscribers: learnt on seed 1, measured on seed 2")
            for k, v in rows:
                print(f"  {k:<40}{v!s:>20}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()

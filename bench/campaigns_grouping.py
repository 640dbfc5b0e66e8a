"""How campaign groups are formed from one day's link graph: four ways, one graph.

    python bench/campaigns_grouping.py SIM_DIR [SIM_DIR ...] [--no-pai]

For each simulator folder the campaign build runs once (its edges and candidates stay in the
DuckDB connection); the nodes are then grouped by plain connected components, by the shipped
PAI-constrained grouping (``campaigns/grouping.py``), by Leiden (modularity) and by Louvain
(python-igraph, if installed). Each grouping is scored by the adjusted Rand index over the
run's harassment numbers that placed calls (a number outside every group is its own cluster),
as ``campaigns-eval`` does, but over all candidate groups (no ``min_members`` filter).
``--no-pai`` blanks the asserted identity column first: what grouping does without PAIs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa


def ari(truth: list[tuple[int, str]], labels: dict[int, object]) -> float:
    from sklearn.metrics import adjusted_rand_score

    found = [str(labels.get(n, f"solo{n}")) for n, _ in truth]
    return round(float(adjusted_rand_score([c for _, c in truth], found)), 4)


def main() -> None:
    from callwarden.campaigns.build import build_campaigns
    from callwarden.campaigns.grouping import components_of
    from callwarden.campaigns.io import SimRun
    from callwarden.campaigns.scripts import script_clusters

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--no-pai", action="store_true")
    args = ap.parse_args()
    for folder in args.runs:
        run = SimRun(folder)
        cdrs = run.cdrs()
        if args.no_pai:
            i = cdrs.schema.get_field_index("asserted_caller")
            f = cdrs.schema.field(i)
            cdrs = cdrs.set_column(i, f, pa.nulls(cdrs.num_rows, f.type))
        con = duckdb.connect()
        scripts = script_clusters(run.transcripts())
        build_campaigns(cdrs, allocated=run.allocated(), scripts=scripts, con=con, link_only=True)
        con.register("lab", run.labels())
        truth: list[tuple[int, str]] = con.execute(
            """SELECT CAST(replace(number, '+', '') AS BIGINT) AS n, campaign FROM lab
               WHERE label = 'harassment' AND number LIKE '+%'
                 AND CAST(replace(number, '+', '') AS BIGINT) IN (SELECT caller FROM cw_calls)"""
        ).fetchall()
        nodes = np.asarray(
            con.execute("SELECT caller FROM cw_cand ORDER BY caller").fetchnumpy()["caller"],
            dtype=np.int64,
        )
        e = con.execute("SELECT DISTINCT a, b FROM cw_edges").fetchnumpy()
        a = np.searchsorted(nodes, np.asarray(e["a"], dtype=np.int64))
        b = np.searchsorted(nodes, np.asarray(e["b"], dtype=np.int64))
        members = {
            int(c): int(k) for c, k in con.execute("SELECT caller, comp FROM cw_members").fetchall()
        }

        rows = [
            (
                "components",
                ari(
                    truth,
                    dict(
                        zip(nodes.tolist(), components_of(len(nodes), a, b).tolist(), strict=True)
                    ),
                ),
            ),
            ("shipped (constrained, qualified groups)", ari(truth, members)),
        ]
        try:
            import igraph as ig

            g = ig.Graph(n=len(nodes), edges=list(zip(a.tolist(), b.tolist(), strict=True)))
            for name, memb in (
                (
                    "leiden modularity",
                    g.community_leiden(objective_function="modularity", n_iterations=-1),
                ),
                ("louvain", g.community_multilevel()),
            ):
                rows.append(
                    (name, ari(truth, dict(zip(nodes.tolist(), memb.membership, strict=True))))
                )
        except ImportError:
            rows.append(("leiden/louvain", float("nan")))
        tag = " (PAI removed)" if args.no_pai else ""
        print(f"== {folder}{tag}: {len(truth)} harassment numbers, {len(nodes):,} candidates")
        for name, v in rows:
            print(f"  {name:<46}{v}")


if __name__ == "__main__":
    sys.exit(main())

"""What ``compare --db`` pays to read the screener's live labels for ``CLEARED_SCREENED``
(``store.compare_facts.read_compare_facts``: every verdict of source ``screening``, by the
partial index ``ix_verdicts_screening_labels`` since revision 0014, a pass over every verdict
before it), and what serve's label-lapse sweep pays each minute in each worker
(``Store.lapse_screened_labels``: none due, the usual case; and a dry run with every label
due, which also reads their audit entries): VERDICTS model verdicts of which LABELS are
screener's labels, no changed numbers asked (the guard's read alone), on SQLite or PostgreSQL.

The same reads are then timed again without the index (dropped in the bench's store): the
baseline, in the same run.

    PYTHONPATH=src .venv/bin/python bench/compare_screened_facts.py --verdicts 2600000 --labels 130
    ... --database-url postgresql://...   # a fresh database on that server, dropped after
"""

from __future__ import annotations

import argparse
import statistics
import time

from _pg import store_at
from callwarden.policy import SCREENING_SOURCE
from callwarden.store import Store
from callwarden.store.compare_facts import read_compare_facts
from callwarden.store.schema import verdicts

CHUNK = 50_000


def fill(s: Store, n: int, labels: int) -> None:
    """``n`` verdicts, every (n // labels)-th one a screener's label."""
    step = max(1, n // max(1, labels))
    with s.engine.begin() as c:
        for k in range(0, n, CHUNK):
            c.execute(
                verdicts.insert(),
                [
                    {
                        "number": f"+86170{i:08d}",
                        "label": "harassment" if i % step == 0 else "benign",
                        "score": 0.99 if i % step == 0 else 0.1,
                        "category": "",
                        "reasons": "[]",
                        "campaign": "",
                        "source": SCREENING_SOURCE if i % step == 0 else "model",
                        "protected": False,
                        "updated_at": 1.8e9,
                    }
                    for i in range(k, min(n, k + CHUNK))
                ],
            )
        if s.dialect == "postgresql":
            c.exec_driver_sql("ANALYZE verdicts")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--verdicts", type=int, default=2_600_000)
    ap.add_argument("--labels", type=int, default=130, help="of them, screener's labels")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = ap.parse_args()
    with store_at(args.database_url) as url:
        s = Store.open(url)
        try:
            t0 = time.perf_counter()
            fill(s, args.verdicts, args.labels)
            filled = time.perf_counter() - t0
            print(f"{s.dialect}: {args.verdicts:,} verdicts (filled in {filled:.1f} s)")
            reads = {
                "compare --db's read of the labels": lambda: len(
                    read_compare_facts(s.engine, [], []).screened
                ),
                "lapse sweep, none due": lambda: len(s.lapse_screened_labels(0.0)),
                "lapse sweep, dry run, all due": lambda: len(
                    s.lapse_screened_labels(1e12, apply=False)
                ),
            }
            for index in ("with", "without"):  # the baseline: revision 0013's table
                if index == "without":
                    with s.engine.begin() as c:
                        c.exec_driver_sql("DROP INDEX ix_verdicts_screening_labels")
                        if s.dialect == "postgresql":
                            c.exec_driver_sql("ANALYZE verdicts")
                for what, read in reads.items():
                    took, found = [], 0
                    for _ in range(args.reps):
                        t = time.perf_counter()
                        found = read()
                        took.append(time.perf_counter() - t)
                    print(
                        f"  {index} ix_verdicts_screening_labels, {what}: {found:,} labels,"
                        f" median {statistics.median(took) * 1000:.1f} ms,"
                        f" min {min(took) * 1000:.1f}, max {max(took) * 1000:.1f}"
                    )
        finally:
            s.close()


if __name__ == "__main__":
    main()

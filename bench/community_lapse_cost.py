"""What serve's hourly re-tally of the community labels costs (``Store.lapse_community_labels``,
api/label_lapse.py: once at start and every hour, in every worker): LABELS community labels,
each with REPORTS reports and RECIPIENTS received calls, among CALLS other received calls and
OTHER reports of other numbers, on SQLite or PostgreSQL. Timed as a dry run (nothing
written) while every label still meets the bar (the usual hour) and 29 days later, when
every label's reports have aged out (the most a sweep reads before it writes), and, as the
baseline in the same run, every label tallied one by one (``tally``, as a label is given).

    PYTHONPATH=src .venv/bin/python bench/community_lapse_cost.py --labels 10000
    ... --database-url postgresql://...   # a fresh database on that server, dropped after
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from _pg import store_at
from callwarden.store import Store
from callwarden.store.schema import received_calls, reports, verdicts

CHUNK = 50_000
T0 = 1.8e9
DAY = 86400.0


def _insert(s: Store, table: object, rows: list[dict[str, object]]) -> None:
    with s.engine.begin() as c:
        for k in range(0, len(rows), CHUNK):
            c.execute(table.insert(), rows[k : k + CHUNK])  # type: ignore[attr-defined]


def fill(s: Store, labels: int, per: int, recipients: int, calls: int, other: int) -> None:
    """Community labels as ``add_report`` leaves them (the verdict row, its reports at 0.3
    each, its recipients), and other numbers' received calls and reports around them."""
    numbers = [f"+86171{i:08d}" for i in range(labels)]
    _insert(
        s,
        verdicts,
        [
            {
                "number": n, "label": "harassment", "score": 0.8, "category": "loans",
                "reasons": "[]", "campaign": "", "source": "reports", "protected": False,
                "updated_at": T0,
            }
            for n in numbers
        ],
    )  # fmt: skip
    _insert(
        s,
        reports,
        [
            {
                "reporter": f"+86139{k:08d}", "number": n, "category": "loans", "source": "app",
                "weight": 0.3, "created_at": T0 - 60, "flagged_when_reported": False,
            }
            for n in numbers
            for k in range(per)
        ]
        + [
            {
                "reporter": f"+86138{k:08d}", "number": f"+86172{k % 50_000:08d}",
                "category": "", "source": "app", "weight": 0.3, "created_at": T0 - 60,
                "flagged_when_reported": False,
            }
            for k in range(other)
        ],
    )  # fmt: skip
    _insert(
        s,
        received_calls,
        [
            {"subscriber": f"+86137{k:08d}", "caller": n, "first_at": T0 - 60,
             "last_at": T0 - 60, "calls": 1}
            for n in numbers
            for k in range(recipients)
        ]
        + [
            {"subscriber": f"+86136{k:08d}", "caller": f"+86173{k % 200_000:08d}",
             "first_at": T0 - 60, "last_at": T0 - 60, "calls": 1}
            for k in range(calls)
        ],
    )  # fmt: skip
    if s.dialect == "postgresql":
        with s.engine.begin() as c:
            c.exec_driver_sql("ANALYZE")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--labels", type=int, default=10_000)
    ap.add_argument("--reports", type=int, default=10, help="per label (0.3 each: 3.0)")
    ap.add_argument("--recipients", type=int, default=50, help="per label (under 60: 5 %%)")
    ap.add_argument("--calls", type=int, default=1_000_000, help="other received calls")
    ap.add_argument("--other", type=int, default=100_000, help="other numbers' reports")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = ap.parse_args()
    now = [T0]
    with store_at(args.database_url) as url:
        s = Store.open(url, clock=lambda: now[0])
        try:
            t0 = time.perf_counter()
            fill(s, args.labels, args.reports, args.recipients, args.calls, args.other)
            print(
                f"{s.dialect}: {args.labels:,} community labels ({args.reports} reports, "
                f"{args.recipients} recipients each), {args.calls:,} other received calls, "
                f"{args.other:,} other reports (filled in {time.perf_counter() - t0:.1f} s)"
            )
            for when, at in (("all stand", T0), ("29 days later, all due", T0 + 29 * DAY)):
                now[0] = at
                took, due = [], 0
                for _ in range(args.reps):
                    t = time.perf_counter()
                    due = len(s.lapse_community_labels(apply=False))
                    took.append(time.perf_counter() - t)
                med = statistics.median(took)
                print(
                    f"  {when}: {due:,} due, median {med:.2f} s ({med / args.labels * 1e3:.3f}"
                    f" ms a label), min {min(took):.2f}, max {max(took):.2f}"
                )
            now[0] = T0  # the baseline: every label tallied alone, as a label is given
            # (``tally``: three reads a number; the sweep's first version read them so)
            numbers = [f"+86171{i:08d}" for i in range(args.labels)]
            took = []
            for _ in range(args.reps):
                t = time.perf_counter()
                with s.read() as conn:
                    due = sum(s._community_lapse(conn, n) is not None for n in numbers)
                took.append(time.perf_counter() - t)
            med = statistics.median(took)
            print(
                f"  baseline, all stand, tallied one by one: {due:,} due, median {med:.2f} s"
                f" ({med / args.labels * 1e3:.3f} ms a label), min {min(took):.2f},"
                f" max {max(took):.2f}"
            )
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  peak RSS {rss:.0f} MiB")
        finally:
            s.close()


if __name__ == "__main__":
    main()

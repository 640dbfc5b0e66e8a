"""What the screener's live label costs as the store grows (docs/policy.md, "Labelled by the
screener"): one bot ``Store.record_screening`` (the label's count and registry read, inside
the write transaction) and a person's, among ROWS block-log rows and REGS registrations; and,
with ``--labels N``, ``callwarden labels``' screened count over every caller
(``training_labels.screened_calls``) with N screenings linked to their block-log rows among the
ROWS. Session 28's figures were taken with the scratch scripts this one holds (audit a1's
cost.py, helper f1's cost_pg.py and labels_cost.py).

    PYTHONPATH=src .venv/bin/python bench/screened_label_cost.py --rows 1000000 \
        --registrations 100000 --labels 100000
    ... --database-url postgresql://...   # a fresh database on that server, dropped after

SQLite by default: a fresh file in /dev/shm (else the temporary folder).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from _pg import store_at
from callwarden.store import Store
from callwarden.store.schema import block_log, registrations, screenings
from callwarden.store.training_labels import screened_calls

CALLER = "+8618800000001"
CHUNK = 50_000


def fill(s: Store, rows: int, regs: int, linked: int, now: float) -> None:
    """``rows`` block-log rows of a day ago, the first ``linked`` linked to a stored screening
    (every 97th rescued), the others every fifth a ``screen`` entry of an older call; ``regs``
    registrations that cover no number called here."""
    with s.engine.begin() as c:
        for k in range(0, rows, CHUNK):
            part: list[dict[str, Any]] = []
            for i in range(k, min(rows, k + CHUNK)):
                mine = i < linked
                part.append(
                    {
                        "subscriber": f"+86139{i % 50000:08d}",
                        "caller": f"+86170{i % (20000 if linked else 200000):08d}",
                        "at": now - 86400 - i % 86400,
                        "action": "screen" if mine or i % 5 == 0 else "reject",
                        "sip_code": None,
                        "category": "",
                        "reasons": '[{"code":"harassment_suspected"}]',
                        "screening": f"c-{i}" if mine else (f"old-{i}" if i % 5 == 0 else None),
                        "rescued_at": now if mine and i % 97 == 0 else None,
                    }
                )
            c.execute(block_log.insert(), part)
        for k in range(0, linked, CHUNK):
            c.execute(
                screenings.insert(),
                [
                    {
                        "call_id": f"c-{i}",
                        "caller": f"+86170{i % 20000:08d}",
                        "callee": f"+86139{i % 50000:08d}",
                        "at": now - 86400 - i % 86400,
                        "received_at": now,
                        "verdict": "bot" if i % 3 else "human",
                        "bot_score": 1.0,
                        "challenges": 2,
                        "category": "loans",
                        "reasons": "[]",
                        "action": "reject",
                        "transcript_sha256": "0" * 64,
                        "turns": "[]",
                        "actor": "bench",
                    }
                    for i in range(k, min(linked, k + CHUNK))
                ],
            )
        for k in range(0, regs, CHUNK):
            c.execute(
                registrations.insert(),
                [
                    {
                        "pattern": f"+86400{i:07d}",
                        "name": f"biz {i}",
                        "category": "courier",
                        "callee_prefixes": "[]",
                        "created_at": now,
                    }
                    for i in range(k, min(regs, k + CHUNK))
                ],
            )


def record_one(s: Store, call_id: str, callee: str, verdict: str, now: float) -> float:
    """Seconds for one ``record_screening`` of a call to ``callee`` (decide's ``screen`` row
    written first, as the route needs)."""
    at = now - 10
    s.log_blocks(
        [
            {
                "subscriber": callee,
                "caller": CALLER,
                "at": at - 1,
                "action": "screen",
                "sip_code": None,
                "category": "",
                "reasons": "[]",
            }
        ]
    )
    row = {
        "call_id": call_id,
        "caller": CALLER,
        "callee": callee,
        "at": at,
        "received_at": at,
        "verdict": verdict,
        "bot_score": 9.0,
        "challenges": 3,
        "category": "",
        "reasons": "[]",
        "action": "reject",
        "transcript_sha256": "0" * 64,
        "turns": "[]",
        "actor": "bench",
    }
    t = time.perf_counter()
    s.record_screening(row, (at - 5, at + 5))
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0].replace("\n", " "),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--rows", type=int, default=1_000_000, help="block-log rows")
    ap.add_argument("--registrations", type=int, default=100_000)
    ap.add_argument(
        "--labels",
        type=int,
        default=0,
        help="screenings linked to the first block-log rows; > 0 also times labels' count",
    )
    ap.add_argument("--calls", type=int, default=3, help="record_screening calls of each kind")
    ap.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = ap.parse_args()
    linked = min(args.labels, args.rows)
    now = time.time()
    with store_at(args.database_url) as url:
        s = Store.open(url)
        try:
            t = time.perf_counter()
            fill(s, args.rows, args.registrations, linked, now)
            kind = "PostgreSQL" if args.database_url else "SQLite"
            print(
                f"{kind}: {args.rows:,} block-log rows, {args.registrations:,} registrations, "
                f"{linked:,} linked screenings (filled in {time.perf_counter() - t:.1f} s)"
            )
            print(f"{'call':>5}  {'person ms':>10}  {'bot ms':>8}")
            for i in range(args.calls):
                person = record_one(s, f"p-{i}", f"+8613700000{i:03d}", "human", now)
                bot = record_one(s, f"b-{i}", f"+8613900000{i:03d}", "bot", now)
                print(f"{i + 1:>5}  {person * 1000:>10.0f}  {bot * 1000:>8.0f}")
            if linked:
                print(f"{'labels run':>10}  {'s':>6}  {'callers':>8}  {'bot callees':>11}")
                for r in range(2):
                    with s.engine.connect() as c:
                        t = time.perf_counter()
                        got = screened_calls(c, screenings.c.at >= now - 2 * 86400)
                        took = time.perf_counter() - t
                    bots = sum(v.bot_callees for v in got.values())
                    print(f"{r + 1:>10}  {took:>6.2f}  {len(got):>8,}  {bots:>11,}")
        finally:
            s.close()


if __name__ == "__main__":
    main()

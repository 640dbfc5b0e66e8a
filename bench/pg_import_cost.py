"""A 100,000-verdict import's time, alone or beside other store traffic.

    python bench/pg_import_cost.py [--url URL] [--rows 100000] [--quiet]
    python bench/pg_import_cost.py --sqlite [--rows 100000] [--quiet]

Seeds a fresh store with day 2026-11-04 (fraud, ``--rows`` numbers in campaigns of 100), then
times the import of day 2026-11-05 of the same numbers (benign, the same campaigns under new
ids, so each continues a stored one: rows/100 aliases). Unless ``--quiet``, every 0.1 s
during the timed import a thread makes three store calls on one of its numbers: a read
(``get_verdict``), a received-call write (``record_calls``, the write-behind's) and a verdict
write (``put_verdict``, as a report's label or an appeal does), and their waits are printed
(docs/api.md, "Concurrent imports"). Runs on a fresh database of the PostgreSQL server
``scripts/services`` starts (or of ``--url``'s server), dropped after, or on a fresh SQLite
file (``--sqlite``). To measure other code, put its ``src`` first on ``PYTHONPATH``.
"""

from __future__ import annotations

import statistics
import threading
import time

from _pg import bench_parser, fresh_store
from callwarden.policy import Verdict
from callwarden.store import Store
from callwarden.store.verdict_import import Provenance


def items(n: int, tag: str, label: str, score: float) -> list[Verdict]:
    return [
        Verdict(f"+86171{i:07d}", label, score, "loans", (), f"{tag}{i // 100}") for i in range(n)
    ]


def cost(url: str, n: int, quiet: bool) -> None:
    store = Store.open(url)
    t = time.monotonic()
    store.import_verdicts(
        items(n, "old", "fraud", 0.9), provenance=Provenance("b", "m", "2026-11-04")
    )
    seed = time.monotonic() - t
    waits: dict[str, list[float]] = {"read": [], "record_calls": [], "put_verdict": []}
    stop = threading.Event()

    def traffic() -> None:
        i = 0
        while not stop.is_set():
            number = f"+86171{(i * 7919) % n:07d}"
            t0 = time.monotonic()
            store.get_verdict(number)
            waits["read"].append(time.monotonic() - t0)
            t0 = time.monotonic()
            store.record_calls([("+8613800000000", number, time.time())])
            waits["record_calls"].append(time.monotonic() - t0)
            t0 = time.monotonic()
            with store.engine.begin() as conn:
                store.put_verdict(
                    conn, Verdict(number, "harassment", 0.5, "loans", (), "", "reports")
                )
            waits["put_verdict"].append(time.monotonic() - t0)
            i += 1
            time.sleep(0.1)

    big = items(n, "new", "benign", 0.1)
    side = threading.Thread(target=traffic)
    if not quiet:
        side.start()
    t = time.monotonic()
    res = store.import_verdicts_result(big, provenance=Provenance("a", "m", "2026-11-05"))
    took = time.monotonic() - t
    stop.set()
    if not quiet:
        side.join()
    print(
        f"{'postgresql' if '://' in url else 'sqlite'}: seed import {seed:.1f} s; timed import {took:.1f} s "
        f"(written {len(res.written)}, held {res.held}, campaigns continued "
        f"{len(res.continued or {})})"
    )
    for kind, xs in waits.items():
        if xs:
            xs.sort()
            print(
                f"  {kind}: n={len(xs)} median {statistics.median(xs) * 1000:.1f} ms"
                f" p95 {xs[int(len(xs) * 0.95)] * 1000:.1f} ms max {xs[-1] * 1000:.1f} ms"
            )
    store.close()


def main() -> None:
    ap = bench_parser(__doc__, 2, sqlite=True)
    ap.add_argument("--rows", type=int, default=100_000, help="at most 10,000,000")
    ap.add_argument("--quiet", action="store_true", help="no traffic beside the import")
    a = ap.parse_args()
    with fresh_store(a.sqlite, a.url) as url:
        cost(url, a.rows, a.quiet)


if __name__ == "__main__":
    main()

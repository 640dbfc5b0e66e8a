"""The cost of taking and releasing the verdict-import lock alone (``store.db.import_lock``:
a lock of the process, then a PostgreSQL session advisory lock on a connection of its own).

    python bench/pg_lock_cost.py [--url URL] [--times 500]

Takes and releases it ``--times`` times (after 20 unmeasured) on a fresh database of the
PostgreSQL server ``scripts/services`` starts (or of ``--url``'s server), dropped after, and
prints the median, p95 and max (docs/api.md, "Concurrent imports").
"""

from __future__ import annotations

import time

from _pg import bench_parser, fresh_database, server_url
from callwarden.store import Store
from callwarden.store.db import import_lock


def lock_cost(url: str, times: int) -> None:
    store = Store.open(url)
    for _ in range(20):
        with import_lock(store.engine):
            pass
    took = []
    for _ in range(times):
        t = time.monotonic()
        with import_lock(store.engine):
            pass
        took.append(time.monotonic() - t)
    store.close()
    took.sort()
    print(
        f"import_lock take and release, {times} times: median {took[times // 2] * 1000:.2f} ms,"
        f" p95 {took[int(times * 0.95)] * 1000:.2f} ms, max {took[-1] * 1000:.2f} ms"
    )


def main() -> None:
    ap = bench_parser(__doc__, 0)
    ap.add_argument("--times", type=int, default=500)
    a = ap.parse_args()
    with fresh_database(server_url(a.url)) as url:
        lock_cost(url, max(a.times, 1))


if __name__ == "__main__":
    main()

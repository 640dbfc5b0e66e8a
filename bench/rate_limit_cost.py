"""What the per-key rate limits (api/rate_limit.py) cost and do, in one process.

    PYTHONPATH=src python bench/rate_limit_cost.py [--keys 100000] [--sweep 300]

1. ``TokenBuckets.take`` on a key that holds a bucket: the best of 5 loops of 200,000, in
   microseconds a call.
2. Memory: ``--keys`` buckets (tracemalloc, MiB and bytes a bucket), then ten times as many
   keys more: the count stays at the bound.
3. A sweep: ``--sweep`` lookups of distinct numbers with one subscriber key through the app
   (TestClient, default settings, the real clock): how many were answered 200 and 429.
   Run with an older callwarden's ``src`` on PYTHONPATH to see the sweep before.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
import timeit
import tracemalloc
from pathlib import Path

from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.store import Role, Store


def bucket_figures(keys: int) -> None:
    from callwarden.api.rate_limit import TokenBuckets

    tracemalloc.start()
    b = TokenBuckets(1.0, 30, time.monotonic, keys)
    for i in range(1, keys + 1):
        b.take(i)
    held, _ = tracemalloc.get_traced_memory()
    for i in range(keys + 1, 11 * keys + 1):
        b.take(i)
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{keys:,} buckets: {held / 2**20:.1f} MiB ({held / keys:.0f} B a bucket)")
    print(f"after {10 * keys:,} more keys: {len(b):,} buckets, {after / 2**20:.1f} MiB")
    n = 200_000
    best = min(timeit.repeat(lambda: b.take(11 * keys), number=n, repeat=5))
    print(f"take() on a held key: {best / n * 1e6:.2f} us")


def sweep(lookups: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "s.db")
        store = Store.open(db)
        key = store.create_key(Role.SUBSCRIBER, "+8613800138000")[1]
        app = create_app(ApiSettings(db=db), store)
        h = {"Authorization": f"Bearer {key}"}
        with TestClient(app) as c:
            t0 = time.perf_counter()
            codes = collections.Counter(
                c.get(f"/v1/numbers/+86170{i:08d}", headers=h).status_code for i in range(lookups)
            )
            took = time.perf_counter() - t0
        store.close()
    print(f"sweep of {lookups:,} numbers with one subscriber key: {dict(codes)} in {took:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keys", type=int, default=100_000, help="buckets held (the bound)")
    ap.add_argument("--sweep", type=int, default=300, help="lookups in the sweep")
    args = ap.parse_args()
    try:
        bucket_figures(args.keys)
    except ImportError:
        print("no api.rate_limit here (an older callwarden): the sweep only")
    sweep(args.sweep)


if __name__ == "__main__":
    main()

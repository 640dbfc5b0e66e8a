"""Verdict imports on a large SQLite store: a small import, the server's start, and how long
a block-log write waits for the lock while a large import runs.

    python bench/import_small.py [--verdicts 2000000] [--big 90000] [--dir /tmp/x]

Builds a store of ``--verdicts`` model verdicts (1,000 campaigns, written straight into the
table: the build is not measured), then measures, in this process, with the code on
``PYTHONPATH`` (run it once with the previous commit's ``src`` for a before/after table):

- ``start``: building the API's state (what ``serve`` does before it listens: the verdict
  cache, policies, registry);
- ``import_1``: ``POST /v1/verdicts`` with 1 row (median of 3), through the app;
- ``import_big``: ``POST /v1/verdicts`` with ``--big`` rows;
- ``lock_wait``: while that import runs, a block-log write (as the write-behind's flush
  makes) every 0.1 s: the longest and the median time each waited, and how many failed
  ("database is locked" after the 10 s busy timeout).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.store import Role, Store
from callwarden.store.schema import verdicts


def build(path: Path, n: int) -> str:
    store = Store.open(str(path))
    key = store.create_key(Role.OPERATOR)[1]
    cols = {c.name for c in verdicts.columns}
    with store.engine.begin() as conn:
        for start in range(0, n, 50_000):
            rows = [
                {
                    "number": f"+86170{i:08d}",
                    "label": "fraud" if i % 7 == 0 else "harassment",
                    "score": 0.5 + (i % 500) / 1000,
                    "category": "loans",
                    "reasons": '[{"code": "LOW_ANSWER_RATE", "evidence": {"rate": 0.1}}]',
                    "campaign": f"c{i % 1000}",
                    "source": "model",
                    "protected": False,
                    "updated_at": 0.0,
                }
                for i in range(start, min(n, start + 50_000))
            ]
            conn.execute(
                verdicts.insert(), [{k: v for k, v in r.items() if k in cols} for r in rows]
            )
    with store.engine.begin() as conn:  # the campaign rows, as an import leaves them
        store._refresh_campaigns(conn)
    store.close()
    return key


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--verdicts", type=int, default=2_000_000)
    ap.add_argument("--big", type=int, default=90_000)
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args()
    out = args.dir or Path(tempfile.mkdtemp(prefix="cw-import-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    db = out / "bench.db"
    if db.exists():
        db.unlink()
    t0 = time.perf_counter()
    key = build(db, args.verdicts)
    print(f"built {args.verdicts:,} verdicts in {time.perf_counter() - t0:.1f} s ({db})")
    headers = {"Authorization": f"Bearer {key}"}
    store = Store.open(str(db))
    t0 = time.perf_counter()
    app = create_app(ApiSettings(db=str(db)), store)
    start_s = time.perf_counter() - t0
    results: dict[str, float] = {"start_s": start_s}
    with TestClient(app) as client:
        one = []
        for k in range(3):
            body = {"verdicts": [{"number": f"+86171{k:08d}", "label": "fraud", "score": 0.97}]}
            t0 = time.perf_counter()
            r = client.post("/v1/verdicts", headers=headers, json=body)
            one.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
        results["import_1_median_s"] = statistics.median(one)
        big = {
            "verdicts": [
                {"number": f"+86170{i:08d}", "label": "fraud", "score": 0.96, "campaign": "c1"}
                for i in range(args.big)
            ]
        }
        waits: list[float] = []
        failures: list[float] = []
        done = threading.Event()

        def prober() -> None:
            row = {
                "subscriber": "+8613800138000",
                "caller": "+8617000000001",
                "at": 1.0,
                "action": "reject",
                "sip_code": 608,
                "category": "",
                "reasons": "[]",
            }
            while not done.is_set():
                t = time.perf_counter()
                try:
                    store.log_blocks([row])
                except sa.exc.OperationalError:  # busy_timeout (10 s) passed: "locked"
                    failures.append(time.perf_counter() - t)
                waits.append(time.perf_counter() - t)
                time.sleep(0.1)

        th = threading.Thread(target=prober)
        t0 = time.perf_counter()
        th.start()
        r = client.post("/v1/verdicts", headers=headers, json=big)
        results["import_big_s"] = time.perf_counter() - t0
        done.set()
        th.join()
        assert r.status_code == 200, r.text
        results["lock_wait_max_s"] = max(waits)
        results["lock_wait_median_s"] = statistics.median(waits)
        results["lock_wait_samples"] = len(waits)
        results["lock_wait_failed"] = len(failures)
    store.close()
    print(json.dumps({"verdicts": args.verdicts, "big": args.big, **results}, indent=1))


if __name__ == "__main__":
    main()

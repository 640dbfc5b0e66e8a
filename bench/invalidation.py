"""Cross-worker cache invalidation on PostgreSQL (store migration 0009, ``api.invalidation``).

    python bench/invalidation.py latency [--url URL] [--writes 300] [--interval 0.05]
    python bench/invalidation.py trigger [--url URL] [--rows 100000] [--rounds 3]
    python bench/invalidation.py import [--url URL] [--rows 100000]

``--url``: a PostgreSQL server's URL (default: the one ``scripts/services`` starts); each
run creates its own database there and drops it after.

- ``latency``: worker B (an ``AppState`` with its listener, in this process) and worker A (a
  separate process, ``writer``) on one store. A makes ``--writes`` changes, one every
  ``--interval`` s, alternating a subscriber's block (a list entry) and a one-row verdict
  upsert, each its own transaction, and prints when each commit returned; B
  notes when its listener had applied each (the verdict re-read from the store and in B's
  cache; the policy forgotten). Prints p50, p99 and max of applied minus committed, by kind
  (same machine, same clock).
- ``trigger``: the triggers' cost on a ``--rows``-verdict import (``Store.import_verdicts``:
  2,000 rows a transaction): a fresh database migrated to head (triggers) or to 0008 (none),
  alternating, ``--rounds`` each, with another process listening on the channel and
  reading everything (as another worker's listener does). Times a first import (inserts) and the same rows
  imported again with other scores (updates). Prints each run and the medians.
- ``import``: worker B's side of a ``--rows``-verdict import through A (a process of its
  own): B's process CPU from the import's start until B has applied every row, and how long
  after A's import returned B had them all.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from _pg import fresh_database, server_url
from callwarden.api.state import ApiSettings, AppState
from callwarden.policy import Verdict
from callwarden.store import Store, make_engine, migrate

ROOT = Path(__file__).resolve().parents[1]
SUBSCRIBER = "+8613800138000"


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


# latency ----------------------------------------------------------------------------------
def writer(db: str, writes: int, interval: float) -> None:
    """Worker A: one row a transaction through its own connection (the triggers are the same
    whichever path writes); prints when each commit returned."""
    with psycopg.connect(db) as conn:
        for i in range(writes):
            time.sleep(interval)
            if i % 2:
                number = f"+86170{i:08d}"
                conn.execute(
                    "INSERT INTO verdicts (number, label, score, category, reasons, campaign,"
                    " source, protected, updated_at) VALUES (%s, 'fraud', 0.95, 'loans', '[]',"
                    " '', 'model', false, %s) ON CONFLICT (number) DO UPDATE SET score = 0.96",
                    (number, time.time()),
                )
                kind, key = "verdict", number
            else:
                key = f"+86139{i:08d}"
                conn.execute(
                    "INSERT INTO list_entries (subscriber, kind, pattern, note, created_at)"
                    " VALUES (%s, 'block', '+8617099990000', '', %s)",
                    (key, time.time()),
                )
                kind = "subscriber"
            conn.commit()
            print(json.dumps({"kind": kind, "key": key, "t": time.time()}), flush=True)


def latency(url: str, writes: int, interval: float) -> None:
    with fresh_database(url) as db:
        store = Store.open(db)
        state = AppState(ApiSettings(db=db), store)
        listener = state.invalidation
        assert listener is not None
        applied: dict[str, float] = {}

        def hook(payloads: list[str]) -> None:
            now = time.time()
            for p in payloads:
                for key in p.partition(":")[2].split(","):
                    applied.setdefault(key, now)

        listener.on_applied = hook
        state.start()
        proc = subprocess.run(
            [sys.executable, __file__, "writer", db, str(writes), str(interval)],
            capture_output=True,
            text=True,
            check=True,
        )
        time.sleep(2.0)
        state.stop()
        store.close()
    by_kind: dict[str, list[float]] = {}
    missing = 0
    for line in proc.stdout.splitlines():
        w = json.loads(line)
        if w["key"] not in applied:
            missing += 1
            continue
        by_kind.setdefault(w["kind"], []).append(applied[w["key"]] - w["t"])
    for kind, xs in sorted(by_kind.items()):
        ms = [x * 1000 for x in xs]
        print(
            f"{kind:10s} n={len(ms)}  p50 {pct(ms, 0.5):.1f} ms  p99 {pct(ms, 0.99):.1f} ms"
            f"  max {max(ms):.1f} ms"
        )
    print(f"not applied within 2 s of the last write: {missing}")


def import_writer(db: str, rows: int) -> None:
    """Worker A: one import of ``rows`` verdicts; prints when it started and ended."""
    store = Store.open(db)
    items = [Verdict(f"+86171{i:08d}", "fraud", 0.95, "loans", (), "") for i in range(rows)]
    t0 = time.time()
    store.import_verdicts(items, actor="a")
    print(json.dumps({"start": t0, "end": time.time()}), flush=True)
    store.close()


def import_cost(url: str, rows: int) -> None:
    """Worker B's side of an import through A: its process CPU while the import runs and
    until B has applied every row, and how long after A's import returned that was."""
    with fresh_database(url) as db:
        store = Store.open(db)
        state = AppState(ApiSettings(db=db), store)
        listener = state.invalidation
        assert listener is not None
        seen: set[str] = set()
        done = [0.0]

        def hook(payloads: list[str]) -> None:
            for p in payloads:
                seen.update(p.partition(":")[2].split(","))
            if len(seen) >= rows and not done[0]:
                done[0] = time.time()

        listener.on_applied = hook
        state.start()
        time.sleep(1.0)
        cpu0 = time.process_time()
        proc = subprocess.run(
            [sys.executable, __file__, "import_writer", db, str(rows)],
            capture_output=True,
            text=True,
            check=True,
        )
        w = json.loads(proc.stdout.splitlines()[-1])
        deadline = time.time() + 120
        while not done[0] and time.time() < deadline:
            time.sleep(0.05)
        cpu = time.process_time() - cpu0
        ok = state.verdicts.get(f"+86171{rows - 1:08d}") is not None
        state.stop()
        store.close()
    print(
        f"import of {rows:,} rows through A: {w['end'] - w['start']:.1f} s;"
        f" B applied all {len(seen) >= rows} (last row in B's cache: {ok}),"
        f" {done[0] - w['end']:.2f} s after A's import returned;"
        f" B's process CPU meanwhile {cpu:.1f} s"
    )


# trigger cost -------------------------------------------------------------------------------
def drain(db: str) -> None:
    """Another worker's listener (a process of its own): reads every notification until
    ``bench:stop``, then prints how many it read."""
    n = 0
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("LISTEN callwarden")
        print("listening", flush=True)
        for note in conn.notifies():
            if note.payload == "bench:stop":
                break
            n += 1
    print(n, flush=True)


def one_import(url: str, rows: int, triggers: bool) -> tuple[float, float, int]:
    with fresh_database(url) as db:
        engine = make_engine(db)
        migrate(engine, "head" if triggers else "0008")
        store = Store(engine)
        proc = subprocess.Popen(
            [sys.executable, __file__, "drain", db], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "listening"
        first = [Verdict(f"+86170{i:08d}", "fraud", 0.9, "loans", (), "") for i in range(rows)]
        again = [Verdict(v.number, "fraud", 0.95, "loans", (), "") for v in first]
        t0 = time.perf_counter()
        store.import_verdicts(first, actor="bench")
        t1 = time.perf_counter()
        store.import_verdicts(again, actor="bench")
        t2 = time.perf_counter()
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("NOTIFY callwarden, 'bench:stop'")
        heard = int(proc.stdout.read().strip())
        proc.wait()
        store.close()
    return t1 - t0, t2 - t1, heard


def trigger(url: str, rows: int, rounds: int) -> None:
    runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for r in range(rounds):
        for with_triggers in (r % 2 == 0, r % 2 != 0):  # alternate which goes first
            ins, upd, heard = one_import(url, rows, with_triggers)
            runs[with_triggers].append((ins, upd))
            print(
                f"round {r + 1} {'triggers' if with_triggers else 'none    '}:"
                f" insert {ins:.1f} s, update {upd:.1f} s, notifications heard {heard}",
                flush=True,
            )
    for with_triggers, xs in runs.items():
        print(
            f"median {'triggers' if with_triggers else 'none    '}:"
            f" insert {statistics.median(x[0] for x in xs):.1f} s,"
            f" update {statistics.median(x[1] for x in xs):.1f} s"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "writer":
        writer(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "import_writer":
        import_writer(sys.argv[2], int(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "drain":
        drain(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["latency", "trigger", "import"])
    ap.add_argument("--url", default=None)
    ap.add_argument("--writes", type=int, default=300)
    ap.add_argument("--interval", type=float, default=0.05)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    url = server_url(a.url)
    if a.what == "latency":
        latency(url, a.writes, a.interval)
    elif a.what == "import":
        import_cost(url, a.rows)
    else:
        trigger(url, a.rows, a.rounds)


if __name__ == "__main__":
    main()

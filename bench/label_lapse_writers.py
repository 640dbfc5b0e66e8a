"""How long the other writes of a serve worker wait for SQLite's write lock while a sweep
lapses many labels at once (the first start after an upgrade finds every old community label
whose reports aged out due; ``Store.lapse_community_labels``): LABELS community labels, all
due, lapsed while a writer thread writes one audit row every 20 ms (as the block log's
write-behind does). The sweep lets the process's waiting writers go first before each chunk
(``store.db.yield_to_writers``, audit 30a H1); the baseline, in the same run on a second copy
of the store, is the same sweep with that step made a no-op.

    PYTHONPATH=src .venv/bin/python bench/label_lapse_writers.py --labels 10000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import callwarden.store.label_lapse as label_lapse
from callwarden.store import Store
from callwarden.store.schema import received_calls, reports, verdicts

DAY = 86400.0
T0 = 1.8e9
CHUNK = 5000


def fill(store: Store, labels: int) -> None:
    """Community labels whose three reports are 5 days old, with 20 recipients each."""
    v, r, c = [], [], []
    for i in range(labels):
        n = f"+86170{i:08d}"
        v.append({
            "number": n, "label": "harassment", "score": 0.8, "category": "loans",
            "reasons": "[]", "campaign": "", "source": "reports", "protected": False,
            "updated_at": T0 - 3600,
        })  # fmt: skip
        r += [
            {"reporter": f"+86139{i:07d}{k}", "number": n, "category": "loans", "source": "app",
             "weight": 1.0, "created_at": T0 - 5 * DAY, "flagged_when_reported": False}
            for k in range(3)
        ]  # fmt: skip
        c += [
            {"subscriber": f"+86138{k:08d}", "caller": n, "first_at": T0 - DAY,
             "last_at": T0 - DAY, "calls": 1}
            for k in range(20)
        ]  # fmt: skip
    with store.engine.begin() as conn:
        for table, rows in ((verdicts, v), (reports, r), (received_calls, c)):
            for k in range(0, len(rows), CHUNK):
                conn.execute(table.insert(), rows[k : k + CHUNK])


def run(folder: Path, labels: int, yielding: bool) -> str:
    now = [T0]
    store = Store.open(
        str(folder / f"{'yield' if yielding else 'no-yield'}.db"), clock=lambda: now[0]
    )
    try:
        fill(store, labels)
        now[0] += 29 * DAY  # every report aged out: every label due
        waits: list[float] = []
        errors: list[str] = []
        stop = threading.Event()

        def writer() -> None:
            i = 0
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    with store.engine.begin() as conn:
                        store.audit(conn, "bench", "probe", f"probe{i}", {})
                except Exception as exc:  # the busy timeout: the write is lost
                    errors.append(type(exc).__name__)
                waits.append(time.perf_counter() - t)
                i += 1
                stop.wait(0.02)

        real = label_lapse.yield_to_writers
        if not yielding:
            label_lapse.yield_to_writers = lambda engine, max_wait_s=2.0: 0.0  # type: ignore[assignment]
        w = threading.Thread(target=writer)
        w.start()
        time.sleep(0.5)
        before = len(waits)
        t = time.perf_counter()
        try:
            lapsed = len(store.lapse_community_labels())
        finally:
            took = time.perf_counter() - t
            stop.set()
            w.join()
            label_lapse.yield_to_writers = real
        during = waits[before:]
        return (
            f"  {'yielding (as shipped)' if yielding else 'baseline, no yield'}: {lapsed:,} lapsed"
            f" in {took:.1f} s; the writer wrote {len(during)} times, longest wait"
            f" {max(during) * 1000:,.0f} ms, median {statistics.median(during) * 1000:.0f} ms,"
            f" {len(errors)} failed ({', '.join(sorted(set(errors))) or 'none'})"
        )
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--labels", type=int, default=10_000)
    ap.add_argument("--dir", default=None, help="where the SQLite files go (default: a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        print(f"sqlite, {args.labels:,} community labels due at once:")
        print(run(Path(d), args.labels, yielding=True))
        print(run(Path(d), args.labels, yielding=False))


if __name__ == "__main__":
    main()

"""The route's window of recent screenings when calls are stored out of the order they began.

    nice -n 10 python bench/screening_window_arrival.py [--gap 5] [--stored 1000] [--judged 300]

A screener sends a call back when it ends, and the window (``api.recent_window``) holds the
last K stored screenings in the order of the calls' times (``at``): on a busy line a call is
often stored after one that started later. ``simulate-screening``'s calls (seed 99, agents
30 %) start ``--gap`` seconds apart and are stored in the order they end, in an in-memory
store ordered as ``store.screenings.recent_screening_ids`` orders the table; after
``--stored`` calls the next ``--judged`` are judged (``RecentWindow.judge``, K = 1,000, the
window warm), stored and kept (``remember``), as the route does. Prints how many were stored
behind a later call and the judge's ms p50 / p95 / max. ``SRC=<a worktree>/src`` runs
another commit's code.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("SRC", str(Path(__file__).resolve().parents[1] / "src")))

from callwarden.api.recent_window import RecentWindow  # noqa: E402
from callwarden.screening.outcome import kept_turns  # noqa: E402
from callwarden.screening.transcript import transcript_from_dict  # noqa: E402
from callwarden.sim.screening import simulate_screening  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gap", type=float, default=5.0, help="seconds between call starts")
    ap.add_argument("--stored", type=int, default=1000)
    ap.add_argument("--judged", type=int, default=300)
    ap.add_argument("--k", type=int, default=1000)
    a = ap.parse_args()
    recs = simulate_screening(a.stored + a.judged, seed=99, agent_share=0.3)
    trs = [transcript_from_dict(r, index=i) for i, r in enumerate(recs)]
    starts = [i * a.gap for i in range(len(trs))]
    ends = [s + max(t.end_s or 0.0 for t in tr.turns) for s, tr in zip(starts, trs, strict=True)]
    arrival = sorted(range(len(trs)), key=lambda i: ends[i])
    keys: list[tuple[float, str]] = []  # the store's order: (at, call_id)
    rows: dict[str, str] = {}

    def store(i: int) -> None:
        bisect.insort(keys, (starts[i], trs[i].call_id))
        rows[trs[i].call_id] = json.dumps(kept_turns(trs[i]), ensure_ascii=False)

    win = RecentWindow(
        a.k, lambda n: [c for _, c in keys[-n:]] if n else [], lambda cs: {c: rows[c] for c in cs}
    )
    for i in arrival[: a.stored]:
        store(i)
    win.judge(trs[arrival[a.stored]])  # (a worker's first call computes the window's features)
    ms: list[float] = []
    behind = 0
    for i in arrival[a.stored :]:
        t = time.perf_counter()
        win.judge(trs[i])
        ms.append((time.perf_counter() - t) * 1000)
        behind += bool(keys) and starts[i] < keys[-1][0]
        store(i)
        win.remember(trs[i])
    ms.sort()
    print(
        f"gap {a.gap:g} s: {len(ms)} calls judged, {behind} stored behind a later call;"
        f" judge ms p50 {ms[len(ms) // 2]:.0f} p95 {ms[int(0.95 * len(ms))]:.0f}"
        f" max {ms[-1]:.0f}; load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()

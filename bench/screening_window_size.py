"""The route's window of recent screenings by its size K: a worker's memory and a screened
call's time (the bound on ``serve --screening-window``).

    nice -n 10 python bench/screening_window_size.py [--ks 1000 5000 10000 20000]
        [--judged 200] [--json out.json]

Each K runs in a process of its own (its memory apart) on the same calls:
``simulate-screening``'s (seed 99, agents 30 %), the largest K + ``--judged`` of them, starts
5 s apart; the last ``--judged`` are the calls judged at every K, and the K before them are
stored in a SQLite store (a temporary file, rows as the route writes them: kept turns), and the window is
the one ``serve`` builds on that store (``api.recent_window.recent_window``), warmed as a
worker starts (``RecentWindow.warm``, timed). Then each of the next ``--judged`` calls is
judged (``RecentWindow.judge``, timed: the store's read of the last K ids, the features of
calls it lacks, the step across the window, the bot test and the category), stored and kept
(``remember``), as ``POST /v1/screenings`` does; what was loaded before the window is frozen
(``gc.freeze``) as ``serve`` freezes it before the window warms, so the collector's full
passes scan the window's features, as a worker's do. Memory: a second window warmed on the
same store, traced (``tracemalloc``: the window of K calls' features), and the process's
peak resident set. ``SRC=<a worktree>/src`` runs another commit's code.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, os.environ.get("SRC", str(Path(__file__).resolve().parents[1] / "src")))

from callwarden.api.recent_window import recent_window  # noqa: E402
from callwarden.screening.outcome import kept_turns  # noqa: E402
from callwarden.screening.transcript import transcript_from_dict  # noqa: E402
from callwarden.sim.screening import simulate_screening  # noqa: E402
from callwarden.store import Store  # noqa: E402
from callwarden.store.schema import screenings  # noqa: E402

GAP_S = 5.0
T0 = 1_800_000_000.0


def row(tr: Any, i: int) -> dict[str, Any]:
    at = T0 + i * GAP_S
    return {
        "call_id": tr.call_id,
        "caller": tr.caller,
        "callee": tr.callee,
        "at": at,
        "received_at": at,
        "verdict": "unsure",
        "bot_score": 0.0,
        "challenges": 2,
        "category": "",
        "reasons": "[]",
        "action": "label",
        "transcript_sha256": f"{i:064d}",
        "turns": json.dumps(kept_turns(tr), ensure_ascii=False),
        "actor": "bench",
    }


def one(k: int, judged: int, total: int) -> dict[str, Any]:
    recs = simulate_screening(total, seed=99, agent_share=0.3)
    trs = [transcript_from_dict(r, index=i) for i, r in enumerate(recs)]
    first = total - judged - k
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "w.db"), clock=lambda: T0 + 1e7)
        try:
            with store.engine.begin() as conn:
                rows = [row(trs[i], i) for i in range(first, total - judged)]
                for at in range(0, len(rows), 5000):
                    conn.execute(screenings.insert(), rows[at : at + 5000])
            # only the calls to judge stay in memory, and what is loaded is frozen as
            # ``api.app``'s lifespan freezes it before the window warms (in a thread after
            # it): the window's features are what the collector's full passes scan
            del recs, rows, trs[: total - judged]
            gc.collect()
            gc.freeze()
            win = recent_window(store, k)
            assert win is not None
            t = time.perf_counter()
            win.warm()
            warm_s = time.perf_counter() - t
            ms: list[float] = []
            for j, tr in enumerate(trs):
                t = time.perf_counter()
                win.judge(tr)
                ms.append(1000 * (time.perf_counter() - t))
                with store.engine.begin() as conn:
                    conn.execute(screenings.insert(), [row(tr, total - judged + j)])
                win.remember(tr)
            # the window's memory: a second one warmed on the same store, traced
            gc.unfreeze()
            gc.collect()
            tracemalloc.start()
            other = recent_window(store, k)
            assert other is not None
            other.warm()
            window_mib = tracemalloc.get_traced_memory()[0] / 2**20
            tracemalloc.stop()
        finally:
            store.close()
    ms.sort()
    return {
        "k": k,
        "judged": judged,
        "warm_s": round(warm_s, 2),
        "judge_ms": {
            "p50": round(ms[len(ms) // 2], 1),
            "p95": round(ms[int(0.95 * len(ms))], 1),
            "max": round(ms[-1], 1),
        },
        "window_mib": round(window_mib, 1),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "misses": win.misses,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ks", type=int, nargs="+", default=[1000, 5000, 10000, 20000])
    ap.add_argument("--judged", type=int, default=200)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # (a child: one K)
    ap.add_argument("--total", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one is not None:
        print(json.dumps(one(a.one, a.judged, a.total)))
        return
    total = max(a.ks) + a.judged
    rows = []
    print("     K  warm s  judge ms p50 / p95 / max  window MiB  peak MiB  load")
    for k in a.ks:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(k), "--judged", str(a.judged)]
            + ["--total", str(total)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        rows.append(r)
        j = r["judge_ms"]
        print(
            f"{k:>6}  {r['warm_s']:>6.1f}  {j['p50']:>8.0f} / {j['p95']:>4.0f} / {j['max']:>5.0f}"
            f"  {r['window_mib']:>10.0f}  {r['peak_mib']:>8.0f}  {r['load']:.1f}",
            flush=True,
        )
        if a.json:
            a.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

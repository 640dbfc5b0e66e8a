"""The live path with recent screenings as batch evidence, features kept (session 28).

    nice -n 10 python bench/screening_live_history_cached.py [--seeds 8 9 10]
        [--calls 10000] [--ks 1000 2000] [--mixes default agents] [--check 6] [--json out.json]

The calls of ``callwarden simulate-screening --calls N --seed S`` (``agents``: with
``--agent-share 0.3``) are replayed in ``start_time`` order (ties in file order) and each is
judged alone (``screen_calls(use_batch_scripts=False)``, the route today) and with the K calls
before it through ``screening.recent.RecentScreenings``: the window holds the calls as a
screening row keeps them (``kept_turns``), each call's features computed once, when it joins
the window, as the route's cache would on a miss. The judge's time is ``judge(new)`` (the new
call's own features, the step across the window, the bot test and the category) on every
call with a full window, one process; the time to add a call's features to the window is
shown apart (the route pays it once a call). ``--check`` calls a K (spread over the calls
with a full window) are judged again with ``screen_with_recent`` over the same window and
must give the same outcome, or the run stops.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from callwarden.screening.outcome import screen_calls, screen_with_recent  # noqa: E402
from callwarden.screening.recent import RecentScreenings  # noqa: E402
from callwarden.screening.transcript import transcript_from_dict  # noqa: E402
from callwarden.sim.screening import simulate_screening  # noqa: E402
from screening_live_history import MIXES, as_stored, rates  # noqa: E402


def pct(ms: list[float], q: float) -> float | None:
    ms = sorted(ms)
    return ms[min(len(ms) - 1, int(q * len(ms)))] if ms else None


def run(seed: int, mix: str, n: int, ks: list[int], check: int) -> dict[str, Any]:
    recs = simulate_screening(n, seed=seed, **MIXES[mix])
    recs = sorted(recs, key=lambda r: r["start_time"] or "")  # stable: ties in file order
    trs = [transcript_from_dict(r, index=i) for i, r in enumerate(recs)]
    stored = [as_stored(t) for t in trs]
    out: dict[str, Any] = {"seed": seed, "mix": mix, "calls": n, "load_start": os.getloadavg()}
    out["per_call"] = rates(
        recs, [o.result.verdict for o in screen_calls(trs, use_batch_scripts=False)]
    )
    for k in ks:
        window = RecentScreenings(k)
        verdicts = []
        judge_ms: list[float] = []
        add_ms: list[float] = []
        full = list(range(k, len(trs)))
        checks = set(full[:: max(1, len(full) // max(1, check))][:check]) if check else set()
        checked = 0
        t0 = time.perf_counter()
        for i, tr in enumerate(trs):
            t = time.perf_counter()
            o = window.judge(tr)
            if i >= k:
                judge_ms.append(1000 * (time.perf_counter() - t))
            if i in checks:
                if o != screen_with_recent(tr, stored[i - k : i]):
                    raise SystemExit(f"seed {seed} {mix} K={k}: call {i} differs")
                checked += 1
            verdicts.append(o.result.verdict)
            t = time.perf_counter()
            window.add(stored[i])
            add_ms.append(1000 * (time.perf_counter() - t))
        row = rates(recs, verdicts)
        row["judge_ms"] = {
            "p50": statistics.median(judge_ms) if judge_ms else None,
            "p95": pct(judge_ms, 0.95),
            "max": max(judge_ms) if judge_ms else None,
            "timed": len(judge_ms),
        }
        row["add_ms_p95"] = pct(add_ms, 0.95)
        row["checked_same"] = checked
        row["replay_s"] = round(time.perf_counter() - t0, 1)
        out[f"k{k}"] = row
        print(f"seed {seed} {mix} K={k}: replay {row['replay_s']:.0f} s", flush=True)
    out["load_end"] = os.getloadavg()
    return out


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, nargs="+", default=[8, 9, 10])
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--ks", type=int, nargs="+", default=[1000, 2000])
    ap.add_argument("--mixes", nargs="+", choices=sorted(MIXES), default=["default", "agents"])
    ap.add_argument("--check", type=int, default=6)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = []
    for m in args.mixes:
        for s in args.seeds:
            rows.append(run(s, m, args.calls, args.ks, args.check))
            if args.json:  # (written as it goes: a long run shows what it has)
                args.json.write_text(json.dumps(rows, indent=1))
    print(
        "mix      seed  judged      caught   agents  people as bot  judge ms p50/p95/max  add p95"
    )
    for r in rows:
        for name in ["per_call", *[f"k{k}" for k in args.ks]]:
            x = r[name]
            label = "per call" if name == "per_call" else f"K={name[1:]}"
            j = x.get("judge_ms")
            jt = f"{j['p50']:.0f}/{j['p95']:.0f}/{j['max']:.0f} ({j['timed']})" if j else ""
            ad = f"{x['add_ms_p95']:.1f}" if "add_ms_p95" in x else ""
            print(
                f"{r['mix']:8} {r['seed']:4}  {label:9} {fmt(x['caught']):>7} % "
                f"{fmt(x['agents']):>6} %  {fmt(x['people_as_bot']):>6} %   {jt:>20}  {ad}"
            )
        print(f"         load {r['load_start'][0]:.1f} -> {r['load_end'][0]:.1f}")


if __name__ == "__main__":
    main()

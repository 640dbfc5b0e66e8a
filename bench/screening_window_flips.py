"""Which verdicts the window of recent screenings changes, by truth (exploratory, no rule).

    nice -n 10 python bench/screening_window_flips.py SEED MIX [CALLS]   (MIX: default or agents)

``simulate-screening --calls CALLS (10,000) --seed SEED`` (``agents``: ``--agent-share 0.3``) in
start_time order, each call judged alone and with the K = 1,000 calls before it as stored
(``RecentScreenings``); prints the count of each (truth, alone, with the window) that differ:
truth ``agent`` (an LLM-style agent bot), ``bot`` (another bot) or ``human``.
"""

from __future__ import annotations

import collections
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from callwarden.screening.outcome import screen_calls  # noqa: E402
from callwarden.screening.recent import RecentScreenings  # noqa: E402
from callwarden.screening.transcript import transcript_from_dict  # noqa: E402
from callwarden.sim.screening import simulate_screening  # noqa: E402
from screening_live_history import MIXES, as_stored  # noqa: E402


def main() -> None:
    seed, mix = int(sys.argv[1]), sys.argv[2]
    calls = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    t0 = time.time()
    recs = simulate_screening(calls, seed=seed, **MIXES[mix])
    recs = sorted(recs, key=lambda r: r["start_time"] or "")
    trs = [transcript_from_dict(r, index=i) for i, r in enumerate(recs)]
    alone = [o.result.verdict.value for o in screen_calls(trs, use_batch_scripts=False)]
    window = RecentScreenings(1000)
    changed: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for i, tr in enumerate(trs):
        v = window.judge(tr).result.verdict.value
        window.add(as_stored(tr))
        r = recs[i]
        agent = r["caller_kind"] == "bot" and r.get("bot_style") == "agent"
        if v != alone[i]:
            changed[("agent" if agent else r["caller_kind"], alone[i], v)] += 1
    took, load = time.time() - t0, os.getloadavg()[0]
    print(f"seed {seed} {mix} ({took:.0f} s, load {load:.1f}): truth, alone -> window")
    for key, n in sorted(changed.items()):
        print(f"  {key[0]:6} {key[1]:6} -> {key[2]:6} {n}")


if __name__ == "__main__":
    main()

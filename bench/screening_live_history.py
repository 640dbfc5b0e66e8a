"""The live path with recent screenings as batch evidence (issue 5, session 27).

    python bench/screening_live_history.py [--seeds 5 6 7] [--calls 10000] [--ks 200 1000]
        [--mixes default agents] [--time-sample 60] [--json out.json]

The calls of ``callwarden simulate-screening --calls N --seed S`` (``agents``: with
``--agent-share 0.3``) are replayed in ``start_time`` order (ties in file order), and each is
judged four ways: alone (``screen_calls(use_batch_scripts=False)``, what
``POST /v1/screenings`` does), with the K calls before it
(``screening.outcome.screen_with_recent``, the recent calls as a screening row keeps them:
``kept_turns``), and in one batch of the whole file (``callwarden screen``).

The replay computes each call's K-call window again, so it would take some 10,000 windows of
K + 1 calls a seed; to fit, the per-text work the windows repeat (MinHash signatures,
normalised texts, challenge replies, reply template keys) is memoised in this process. Those
functions are pure, so the verdicts are the same; the script checks it on the timed sample.
The judge's time per call is measured on that sample without the memo (``--time-sample``
calls, spread over the calls with a full window, one process): what the route would pay.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from callwarden.screening import agentcues, outcome, scripts  # noqa: E402
from callwarden.screening.outcome import (  # noqa: E402
    ScreenOutcome,
    kept_turns,
    screen_calls,
    screen_with_recent,
)
from callwarden.screening.reasons import Verdict  # noqa: E402
from callwarden.screening.transcript import (  # noqa: E402
    Speaker,
    Transcript,
    Turn,
    transcript_from_dict,
)
from callwarden.sim.screening import simulate_screening  # noqa: E402

MIXES: dict[str, dict[str, Any]] = {"default": {}, "agents": {"agent_share": 0.3}}

_ORIG: dict[str, Any] = {
    "sigs": scripts.script_signatures,
    "normalise": scripts.normalise,
    "replies": agentcues.challenge_replies,
    "template": agentcues._template_key,
    "units": agentcues.length_units,
    "simplified": outcome.simplified_transcript,
}


def memoise() -> None:
    """Memoise the pure per-text functions the windows repeat (verdicts unchanged)."""
    sig_cache: dict[tuple[str, int, str, int], np.ndarray] = {}

    def sigs(texts: Sequence[str], *, num_perm: int = 128, mode: str = "char", seed: int = 1):  # type: ignore[no-untyped-def]
        keys = [(t, num_perm, mode, seed) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in sig_cache))
        if todo:
            rows = _ORIG["sigs"]([k[0] for k in todo], num_perm=num_perm, mode=mode, seed=seed)
            sig_cache.update(zip(todo, rows, strict=True))
        if not keys:
            return np.zeros((0, num_perm), dtype=np.uint64)
        return np.vstack([sig_cache[k] for k in keys])

    by_id: dict[int, tuple[Any, Any]] = {}

    def per_object(fn):  # type: ignore[no-untyped-def]
        def wrapped(tr):  # type: ignore[no-untyped-def]
            key = (fn.__name__, id(tr))
            hit = by_id.get(key)  # type: ignore[call-overload]
            if hit is None or hit[0] is not tr:
                hit = (tr, fn(tr))
                by_id[key] = hit  # type: ignore[index]
            return hit[1]

        return wrapped

    scripts.script_signatures = sigs  # type: ignore[assignment]
    scripts.normalise = functools.lru_cache(maxsize=None)(_ORIG["normalise"])  # type: ignore[assignment]
    agentcues.challenge_replies = per_object(_ORIG["replies"])  # type: ignore[assignment]
    agentcues._template_key = functools.lru_cache(maxsize=None)(_ORIG["template"])  # type: ignore[assignment]
    agentcues.length_units = functools.lru_cache(maxsize=None)(_ORIG["units"])  # type: ignore[assignment]
    outcome.simplified_transcript = per_object(_ORIG["simplified"])  # type: ignore[assignment]


def unmemoise() -> None:
    scripts.script_signatures = _ORIG["sigs"]  # type: ignore[assignment]
    scripts.normalise = _ORIG["normalise"]  # type: ignore[assignment]
    agentcues.challenge_replies = _ORIG["replies"]  # type: ignore[assignment]
    agentcues._template_key = _ORIG["template"]  # type: ignore[assignment]
    agentcues.length_units = _ORIG["units"]  # type: ignore[assignment]
    outcome.simplified_transcript = _ORIG["simplified"]  # type: ignore[assignment]


def as_stored(tr: Transcript) -> Transcript:
    """The call as a screening row keeps it (caller and assistant turns)."""
    turns = tuple(
        Turn(Speaker(k["speaker"]), k["text"], k["start_s"], k["end_s"]) for k in kept_turns(tr)
    )
    return Transcript(tr.call_id, turns, tr.caller, tr.callee, tr.start_time)


def rates(recs: list[dict[str, Any]], verdicts: list[Verdict]) -> dict[str, Any]:
    bots = [v for r, v in zip(recs, verdicts, strict=True) if r["caller_kind"] == "bot"]
    agents = [
        v
        for r, v in zip(recs, verdicts, strict=True)
        if r["caller_kind"] == "bot" and r.get("bot_style") == "agent"
    ]
    hum = [v for r, v in zip(recs, verdicts, strict=True) if r["caller_kind"] == "human"]

    def share(vs: list[Verdict]) -> float | None:
        return 100 * sum(v is Verdict.BOT for v in vs) / len(vs) if vs else None

    return {
        "caught": share(bots),
        "agents": share(agents),
        "people_as_bot": share(hum),
        "bots": len(bots),
        "agent_calls": len(agents),
        "people": len(hum),
    }


def run(seed: int, mix: str, n: int, ks: list[int], time_sample: int) -> dict[str, Any]:
    recs = simulate_screening(n, seed=seed, **MIXES[mix])
    # start_time order, ties in file order (sorted is stable)
    recs = sorted(recs, key=lambda r: r["start_time"] or "")
    trs = [transcript_from_dict(r, index=i) for i, r in enumerate(recs)]
    stored = [as_stored(t) for t in trs]
    out: dict[str, Any] = {"seed": seed, "mix": mix, "calls": n}
    t0 = time.perf_counter()
    alone = [o.result.verdict for o in screen_calls(trs, use_batch_scripts=False)]
    out["per_call"] = rates(recs, alone)
    out["batch"] = rates(recs, [o.result.verdict for o in screen_calls(trs)])
    print(f"seed {seed} {mix}: per call and batch in {time.perf_counter() - t0:.0f} s", flush=True)
    for k in ks:
        memoise()
        t0 = time.perf_counter()
        hist: list[ScreenOutcome] = []
        for i, tr in enumerate(trs):
            hist.append(screen_with_recent(tr, stored[max(0, i - k) : i]))
        replay_s = time.perf_counter() - t0
        unmemoise()
        # the judge's time per call without the memo, on calls with a full window
        full = list(range(k, len(trs)))
        step = max(1, len(full) // max(1, time_sample))
        sample = full[::step][:time_sample]
        ms: list[float] = []
        for i in sample:
            t = time.perf_counter()
            o = screen_with_recent(trs[i], stored[i - k : i])
            ms.append(1000 * (time.perf_counter() - t))
            if o != hist[i]:
                raise SystemExit(f"memoised replay differs from the function on call {i}")
        ms.sort()
        row = rates(recs, [o.result.verdict for o in hist])
        row["judge_ms"] = {
            "p50": statistics.median(ms) if ms else None,
            "p95": ms[min(len(ms) - 1, int(0.95 * len(ms)))] if ms else None,
            "max": ms[-1] if ms else None,
            "timed": len(ms),
        }
        row["replay_s"] = round(replay_s, 1)
        out[f"k{k}"] = row
        print(f"seed {seed} {mix} K={k}: replay {replay_s:.0f} s", flush=True)
    return out


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, nargs="+", default=[5, 6, 7])
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--ks", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--mixes", nargs="+", choices=sorted(MIXES), default=["default", "agents"])
    ap.add_argument("--time-sample", type=int, default=60)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = [
        run(s, m, args.calls, args.ks, args.time_sample) for m in args.mixes for s in args.seeds
    ]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    print("mix      seed  judged        caught   agents  people as bot  judge ms p50/p95/max")
    for r in rows:
        for name in ["per_call", *[f"k{k}" for k in args.ks], "batch"]:
            x = r[name]
            label = {"per_call": "per call", "batch": "full batch"}.get(name, f"K={name[1:]}")
            j = x.get("judge_ms")
            jt = f"{j['p50']:.0f}/{j['p95']:.0f}/{j['max']:.0f}" if j and j["timed"] else ""
            print(
                f"{r['mix']:8} {r['seed']:4}  {label:11} {fmt(x['caught']):>7} % "
                f"{fmt(x['agents']):>6} %  {fmt(x['people_as_bot']):>6} %      {jt}"
            )


if __name__ == "__main__":
    main()

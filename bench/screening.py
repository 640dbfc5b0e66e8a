"""The challenge-response bot test on simulated screening dialogues.

    python bench/screening.py [--small] [--seeds 2 3] [--agent-share 0.3] [--tricks 0] [--paired]

``--paired`` adds rows judged on the same calls with the trick challenges (question and
reply) cut out: what the assistant would have concluded without them, draw for draw.

Thresholds and weights were set looking at seed 1; the seeds here are others. Baseline,
run on the same calls: the naive test "a bot unless some reply is the right kind of
answer" (the reporter's question with no further reading).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from callwarden.screening.challenge import TRICK_KINDS, recognise_challenge  # noqa: E402
from callwarden.screening.judge import screen_batch  # noqa: E402
from callwarden.screening.reasons import ReasonCode, Verdict  # noqa: E402
from callwarden.screening.transcript import transcript_from_dict  # noqa: E402
from callwarden.sim.screening import simulate_screening  # noqa: E402


def naive(res) -> Verdict:  # type: ignore[no-untyped-def]
    ok = {ReasonCode.CHALLENGE_ANSWERED, ReasonCode.CHALLENGE_PARTIAL}
    return Verdict.HUMAN if any(r.code in ok for r in res.reasons) else Verdict.BOT


def without_tricks(rec: dict) -> dict:
    """The call as heard up to the first trick challenge (tricks come last)."""
    turns = []
    for t in rec["turns"]:
        ch = recognise_challenge(t["text"]) if t["speaker"] == "assistant" else None
        if ch is not None and ch.kind in TRICK_KINDS:
            break
        turns.append(t)
    return {**rec, "turns": turns}


def rates(recs, verdicts, style=None):  # type: ignore[no-untyped-def]
    bots = [
        v
        for r, v in zip(recs, verdicts, strict=True)
        if r["caller_kind"] == "bot" and (style is None or r["bot_style"] in style)
    ]
    hum = [v for r, v in zip(recs, verdicts, strict=True) if r["caller_kind"] == "human"]
    caught = sum(v is Verdict.BOT for v in bots) / max(1, len(bots))
    fp = sum(v is Verdict.BOT for v in hum) / max(1, len(hum))
    human_ok = sum(v is Verdict.HUMAN for v in hum) / max(1, len(hum))
    return caught, fp, human_ok, len(bots), len(hum)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--small", action="store_true", help="1,000 calls a seed")
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[2, 3])
    ap.add_argument(
        "--agent-share",
        type=float,
        default=None,
        help="share of bot campaigns that are LLM-style agents (simulator default if unset)",
    )
    ap.add_argument(
        "--tricks",
        type=int,
        default=2,
        help="trick challenges the assistant asks after a right classic answer (0: none)",
    )
    ap.add_argument("--paired", action="store_true", help="also judge with the tricks cut out")
    args = ap.parse_args()
    n = 1000 if args.small else args.calls
    print(
        f"{'seed':>4} {'method':<22} {'bots':>5} {'caught':>7} {'scripted':>8} "
        f"{'agent':>7} {'humans':>6} {'as bot':>7} {'as human':>8} {'calls/s':>8} {'peak MiB':>8}"
    )
    for seed in args.seeds:
        extra: dict = {"tricks": args.tricks}
        if args.agent_share is not None:
            extra["agent_share"] = args.agent_share
        recs = simulate_screening(n, seed=seed, **extra)
        trs = [transcript_from_dict(r) for r in recs]
        cut = [transcript_from_dict(without_tricks(r)) for r in recs] if args.paired else trs
        styles = Counter(r["bot_style"] for r in recs if r["caller_kind"] == "bot")
        methods = ["baseline (naive)", "per call", "per call + batch"]
        if args.paired:
            methods += ["no tricks, per call", "no tricks, + batch"]
        for method in methods:
            t0 = time.perf_counter()
            calls = cut if method.startswith("no tricks") else trs
            res = screen_batch(calls, use_batch_scripts=method.endswith("batch"))
            dt = time.perf_counter() - t0
            verdicts = (
                [naive(x) for x in res]
                if method.startswith("baseline")
                else [x.verdict for x in res]
            )
            caught, fp, ok, nb, nh = rates(recs, verdicts)
            scripted = rates(recs, verdicts, {"recorded", "turn_taking", "intent"})[0]
            agent, _, _, n_agent, _ = rates(recs, verdicts, {"agent"})
            agent_s = f"{agent:>7.2%}" if n_agent else f"{'-':>7}"
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{seed:>4} {method:<22} {nb:>5} {caught:>7.2%} {scripted:>8.2%} {agent_s} {nh:>6} "
                f"{fp:>7.2%} {ok:>8.2%} {len(trs) / dt:>8.0f} {peak:>8.0f}",
                flush=True,
            )
        print(f"     bot styles: {dict(styles)}")


if __name__ == "__main__":
    main()

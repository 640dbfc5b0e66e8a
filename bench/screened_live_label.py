"""The screener's live label (docs/policy.md, "Labelled by the screener"), replayed:
simulate-screening's calls in start_time order, each judged alone as POST /v1/screenings
judges it, stored through ``Store.record_screening`` (SQLite, the store's clock at the call's
start, a decide ``screen`` row written before each as the route needs), counting the callers
it labels live.

Two variants per seed and mix: ``plain`` (the calls as simulated) and ``busy`` (person calls
put on 100 shared numbers, a courier's or a bank's line; the bot calls of three campaigns
rewritten as a courier's and a bank's IVR on 3 numbers: service bots).

    PYTHONPATH=src .venv/bin/python bench/screened_live_label.py --seeds 11 12 13
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from callwarden.screening.outcome import screen_calls
from callwarden.screening.transcript import transcript_from_dict
from callwarden.sim.screening import DEFAULT_AGENT_SHARE, simulate_screening
from callwarden.store import Store

IVR = (
    "您好，这里是顺丰速运，您有一个快递包裹今天下午派送，请留意查收，如需改约请按1。",
    "您好，这里是招商银行信用卡中心，您本期账单已出，请按时还款，如已还款请忽略，查询请按1。",
)
BUSY_LINES = 100


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def busy(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Person calls on BUSY_LINES shared numbers; three bot campaigns' calls as IVRs on three
    numbers (kind ``service``)."""
    out = copy.deepcopy(calls)
    campaigns = sorted({c["campaign"] for c in out if c["caller_kind"] == "bot"})[:3]
    for i, c in enumerate(out):
        if c["caller_kind"] != "bot":
            c["caller"] = f"+86400000{i % BUSY_LINES:04d}"
        elif c["campaign"] in campaigns:
            k = campaigns.index(c["campaign"])
            c["caller"] = f"+86950000000{k}"
            c["caller_kind"] = "service"
            for t in c["turns"]:
                if t["speaker"] == "caller":
                    t["text"] = IVR[k % 2]
    return out


def replay(calls: list[dict[str, Any]], tmp: str) -> dict[str, Any]:
    calls = sorted(calls, key=lambda c: c["start_time"])
    trs = [transcript_from_dict(c) for c in calls]
    outs = screen_calls(trs, use_batch_scripts=False)
    clock = Clock()
    store = Store.open(str(Path(tmp) / "s.db"), clock=clock)
    seen: dict[str, int] = {}
    labelled_after: dict[str, int] = {}  # number -> its screened calls when labelled
    after = missed_after = 0
    for c, tr, o in zip(calls, trs, outs, strict=True):
        at = tr.start_time.timestamp() if tr.start_time is not None else 0.0
        clock.t = at
        caller = c["caller"]
        seen[caller] = seen.get(caller, 0) + 1
        if caller in labelled_after and c["caller_kind"] == "bot":
            after += 1
            missed_after += o.result.verdict.value != "bot"
        cat = o.category.category.value
        row = {
            "call_id": c["call_id"], "caller": caller, "callee": c["callee"], "at": at,
            "received_at": at, "verdict": o.result.verdict.value,
            "bot_score": o.result.bot_score, "challenges": o.result.challenges,
            "category": "" if cat == "unknown" else cat, "reasons": "[]", "action": "label",
            "transcript_sha256": "0" * 64, "turns": "[]", "actor": "bench",
        }  # fmt: skip
        screen = {"subscriber": c["callee"], "caller": caller, "at": at, "action": "screen"}
        store.log_blocks([{**screen, "sip_code": None, "category": "", "reasons": "[]"}])
        got = store.record_screening(row, (at, at))
        if got.labelled is not None:
            labelled_after[caller] = seen[caller]
    store.close()
    kinds: dict[str, set[str]] = {}
    for c in calls:
        kinds.setdefault(c["caller_kind"], set()).add(c["caller"])
    lab = set(labelled_after)
    bots = kinds.get("bot", set())
    n_bot_calls = sum(c["caller_kind"] == "bot" for c in calls)
    at_flip = [labelled_after[n] for n in lab & bots]
    return {
        "bot_numbers": len(bots),
        "bot_labelled": len(lab & bots),
        "calls_to_label_median": statistics.median(at_flip) if at_flip else None,
        "calls_to_label_max": max(at_flip) if at_flip else None,
        "bot_calls": n_bot_calls,
        "bot_calls_after": after,
        "missed_after": missed_after,
        "person_numbers": len(kinds.get("human", set())),
        "person_labelled": len(lab & kinds.get("human", set())),
        "service_numbers": len(kinds.get("service", set())),
        "service_labelled": len(lab & kinds.get("service", set())),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--tmp", default=None, help="folder for the SQLite stores (tmpfs is fastest)")
    a = ap.parse_args()
    head = (
        "seed  mix    variant  bot labelled  calls to label (median/max)  bot calls after"
        "  (screener missed)  persons labelled  service bots labelled  s"
    )
    print(head)
    for seed in a.seeds:
        for mix, share in (("default", DEFAULT_AGENT_SHARE), ("agents", 0.3)):
            calls = simulate_screening(a.calls, seed=seed, agent_share=share)
            for variant, data in (("plain", calls), ("busy", busy(calls))):
                t0 = time.perf_counter()
                with tempfile.TemporaryDirectory(dir=a.tmp) as tmp:
                    r = replay(data, tmp)
                print(
                    f"{seed:<5} {mix:<7} {variant:<7} {r['bot_labelled']:>4}/{r['bot_numbers']:<4}"
                    f"      {r['calls_to_label_median']}/{r['calls_to_label_max']:<21}"
                    f"   {r['bot_calls_after']:>5}/{r['bot_calls']:<5}    {r['missed_after']:>6}"
                    f"             {r['person_labelled']}/{r['person_numbers']:<6}"
                    f"          {r['service_labelled']}/{r['service_numbers']}"
                    f"                 {time.perf_counter() - t0:.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()

"""What counting unsure callees in the screening rule's base costs (read-through 27 item 5):
simulate-screening's calls, judged one by one as POST /v1/screenings judges them, stored,
then `callwarden labels`' rule; bot numbers and person numbers labelled.

    PYTHONPATH=src .venv/bin/python bench/screening_labels_unsure.py --seed 0
    PYTHONPATH=src .venv/bin/python bench/screening_labels_unsure.py --seed 1 --agent-share 0.3

Run it on the code before and after (a worktree's src on PYTHONPATH) to compare."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from callwarden.detect.feedback_labels import LabelConfig, training_labels
from callwarden.screening.outcome import screen_calls
from callwarden.screening.transcript import transcript_from_dict
from callwarden.sim.screening import DEFAULT_AGENT_SHARE, simulate_screening
from callwarden.store import Store
from callwarden.store.training_labels import read_feedback


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--calls", type=int, default=2000)  # simulate-screening's default
    ap.add_argument("--agent-share", type=float, default=DEFAULT_AGENT_SHARE)
    a = ap.parse_args()
    calls = simulate_screening(a.calls, seed=a.seed, agent_share=a.agent_share)
    outs = screen_calls([transcript_from_dict(c) for c in calls], use_batch_scripts=False)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "s.db"))
        for i, (c, o) in enumerate(zip(calls, outs, strict=True)):
            at = 1_800_000_000.0 + i
            cat = o.category.category.value
            row = {
                "call_id": c["call_id"], "caller": c["caller"], "callee": c["callee"],
                "at": at, "received_at": at, "verdict": o.result.verdict.value,
                "bot_score": o.result.bot_score, "challenges": o.result.challenges,
                "category": "" if cat == "unknown" else cat, "reasons": "[]",
                "action": "label", "transcript_sha256": "0" * 64, "turns": "[]",
                "actor": "bench",
            }  # fmt: skip
            screen = {"subscriber": c["callee"], "caller": c["caller"], "at": at}
            store.log_blocks([{**screen, "action": "screen", "sip_code": None,
                               "category": "", "reasons": "[]"}])  # fmt: skip
            store.record_screening(row, (at, at))
        fb = read_feedback(store.engine, None, None)
        labelled = {t.number for t in training_labels(fb, LabelConfig()) if t.source == "screening"}
        store.close()
    bots = {c["caller"] for c in calls if c["caller_kind"] == "bot"}
    people = {c["caller"] for c in calls if c["caller_kind"] != "bot"}
    unsure = sum(o.result.verdict.value == "unsure" for o in outs)
    print(
        f"seed {a.seed}, agent share {a.agent_share}, {a.calls} calls ({unsure} unsure): "
        f"bot numbers labelled {len(labelled & bots)} of {len(bots)}, "
        f"person numbers labelled {len(labelled & people)} of {len(people)}"
    )


if __name__ == "__main__":
    main()

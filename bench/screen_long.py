"""`screen` on one very long call: seconds against turns per leg (issue 5, audit 23).

    python bench/screen_long.py [--turns 1000 4000 8000 16000] [--shape dialogue tiny untimed]
    python bench/screen_long.py --write /tmp/long.jsonl --turns 8000 --shape dialogue

A long call is made of simulated screening calls (``simulate_screening``, seed 7) played
one after another in one call: each call's turns, times shifted to follow the last, until
each leg (caller, the assistant's side) holds ``--turns`` turns. So the assistant asks
thousands of challenges and the caller answers, talks over them and repeats its script, as
a robocall looping for hours would. Shapes:

- ``dialogue``: that call, timed;
- ``untimed``: the same without turn times (a recogniser that gives none);
- ``tiny``: audit 23's recogniser that cut each leg into 1 ms segments saying "w", both legs
  at the same times (no challenge at all).

Each row times ``screen_batch`` (the judge) and the whole ``screen`` command in process
(reading the file, categories, script clusters, writing the CSV). ``--write`` only writes
the call (for ``callwarden screen --transcripts``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from callwarden.screening.judge import screen_batch  # noqa: E402
from callwarden.screening.transcript import transcript_from_dict  # noqa: E402
from callwarden.sim.screening import simulate_screening  # noqa: E402


def long_call(turns_per_leg: int, shape: str, seed: int = 7) -> dict[str, Any]:
    """One call of ``turns_per_leg`` turns a leg, in the transcripts.jsonl shape."""
    turns: list[dict[str, Any]] = []
    if shape == "tiny":
        for i in range(turns_per_leg):
            for speaker in ("assistant", "caller"):
                turns.append(
                    {
                        "speaker": speaker,
                        "text": "w",
                        "start_s": round(i * 0.001, 3),
                        "end_s": round(i * 0.001 + 0.001, 3),
                    }
                )
        return {"call_id": f"tiny-{turns_per_leg}", "start_time": None, "turns": turns}
    counts = {"caller": 0, "other": 0}
    offset = 0.0
    batch = 0
    first: dict[str, Any] | None = None
    while min(counts.values()) < turns_per_leg:
        for rec in simulate_screening(200, seed=seed + batch):
            first = first or rec
            end = offset
            for t in rec["turns"]:
                leg = "caller" if t["speaker"] == "caller" else "other"
                if counts[leg] >= turns_per_leg:
                    continue
                counts[leg] += 1
                row = dict(t)
                if row.get("start_s") is not None:
                    row["start_s"] = round(row["start_s"] + offset, 3)
                    row["end_s"] = round(row["end_s"] + offset, 3)
                    end = max(end, row["end_s"])
                turns.append(row)
            offset = end + 2.0
            if min(counts.values()) >= turns_per_leg:
                break
        batch += 1
    assert first is not None
    if shape == "untimed":
        for t in turns:
            t["start_s"] = t["end_s"] = None
    return {
        "call_id": f"{shape}-{turns_per_leg}",
        "caller": first.get("caller", ""),
        "callee": first.get("callee", ""),
        "start_time": first.get("start_time"),
        "turns": turns,
    }


def _screen_cli(path: Path, out: Path) -> float:
    from typer.testing import CliRunner

    from callwarden.cli.main import app

    t0 = time.perf_counter()
    res = CliRunner().invoke(app, ["screen", "--transcripts", str(path), "--out", str(out)])
    took = time.perf_counter() - t0
    if res.exit_code != 0:
        raise SystemExit(f"screen failed: {res.output}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--turns", type=int, nargs="+", default=[1000, 4000, 8000, 16000])
    ap.add_argument("--shape", nargs="+", default=["dialogue", "tiny", "untimed"])
    ap.add_argument("--write", type=Path, help="write the call(s) here and stop")
    ap.add_argument("--no-cli", action="store_true", help="time the judge only")
    args = ap.parse_args()
    if args.write:
        with args.write.open("w", encoding="utf-8") as f:
            for shape in args.shape:
                for n in args.turns:
                    f.write(json.dumps(long_call(n, shape), ensure_ascii=False) + "\n")
        print(f"wrote {args.write}")
        return
    started = time.strftime("%H:%M:%S UTC", time.gmtime())
    print(f"started {started}, load {os.getloadavg()[0]:.2f}")
    print(f"{'shape':<9} {'turns/leg':>9} {'judge s':>8} {'screen s':>9}  verdict")
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.jsonl"  # (imports, lexicons and patterns load once here)
        warm.write_text(json.dumps(long_call(20, "dialogue")) + "\n", encoding="utf-8")
        screen_batch([transcript_from_dict(long_call(20, "dialogue"))])
        if not args.no_cli:
            _screen_cli(warm, Path(tmp) / "out.csv")
        for shape in args.shape:
            for n in args.turns:
                rec = long_call(n, shape)
                path = Path(tmp) / "long.jsonl"
                path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
                tr = transcript_from_dict(rec)
                t0 = time.perf_counter()
                (res,) = screen_batch([tr])
                judge_s = time.perf_counter() - t0
                cli = "" if args.no_cli else f"{_screen_cli(path, Path(tmp) / 'out.csv'):.2f}"
                print(
                    f"{shape:<9} {n:>9} {judge_s:>8.2f} {cli:>9}  "
                    f"{res.verdict.value} {res.bot_score} ({res.challenges} challenges)",
                    flush=True,
                )


if __name__ == "__main__":
    main()

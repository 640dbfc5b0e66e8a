"""Randomised check of ingest's matching by call (docs/ingest.md, "A re-export without ids" and
"A day stored without ids, then with them") against a direct, per-row model of the rule.

    python bench/ingest_match_model.py [--seed S] [--cases N]

Each case: 1-4 runs of 1-4 files of 1-12 rows (no ids, ids, or half of each, among them ids of
a derived id's form that are not derived), 3 start seconds, 2 callers, 3 durations, batches of
1, 2, 3 or 1,000 rows. The model: rows in file order; a row whose id is held (or taken earlier
in the run) is a duplicate of the same call or conflicts; else it is taken while a one-to-one
assignment remains (every held call of its identity met or taken once; a row with a given id
only onto a held call of a derived id), else written. A file is a re-export when its taken rows
and repeats are at least 10 % of its rows and 2: its taken rows are duplicates, else kept.
Prints the cases whose counts or stored rows differ, then the totals.
"""

from __future__ import annotations

import argparse
import collections
import random
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from callwarden.cdr import ingest, load_cdrs

GIDS = ["g1", "g2", "g3", "g4", "00000000000000a1", "00000000000000b2"]
Row = tuple[str | None, int, str, str, float]


def model(runs: list[list[list[Row]]]) -> tuple[list[tuple[int, ...]], collections.Counter]:
    ids: dict[tuple, tuple] = {}
    held, held_derived = collections.Counter(), collections.Counter()
    out, stored = [], collections.Counter()
    for files in runs:
        kept = dup = conflict = matched_rows = like = 0
        matched: dict[tuple, tuple] = {}
        for rows in files:
            claimed, claimed_derived = collections.Counter(), collections.Counter()
            met, written = set(), set()
            new, new_derived = collections.Counter(), collections.Counter()
            taken, repeats = [], 0
            for gid, s, a, b, dur in rows:
                ident = (s, a, b)
                key = ("g", gid) if gid else ("d", s, a, b, dur)
                if key in ids or key in matched:
                    if ids.get(key, matched.get(key)) == ident:
                        repeats += 1
                        if (key, ident) not in written and (key, ident) not in met:
                            met.add((key, ident))
                            claimed[ident] += 1
                            claimed_derived[ident] += gid is None
                    else:
                        conflict += 1
                    continue
                ok = claimed[ident] < held[ident]
                if gid:
                    ok = ok and claimed_derived[ident] < held_derived[ident]
                if ok:
                    claimed[ident] += 1
                    claimed_derived[ident] += gid is not None
                    met.add((key, ident))
                    matched[key] = ident
                    taken.append((gid, s, a, b, dur, key))
                else:
                    ids[key] = ident
                    written.add((key, ident))
                    kept += 1
                    new[ident] += 1
                    new_derived[ident] += gid is None
                    stored[(s, a, b, dur)] += 1
            dup += repeats
            if len(taken) + repeats >= max(2, 0.1 * len(rows)):
                dup += len(taken)
                matched_rows += len(taken)
            else:
                kept += len(taken)
                like += len(taken)
                for gid, s, a, b, dur, key in taken:
                    ids[key] = (s, a, b)
                    new[(s, a, b)] += 1
                    new_derived[(s, a, b)] += gid is None
                    stored[(s, a, b, dur)] += 1
            held += new
            held_derived += new_derived
        out.append((kept, dup, conflict, matched_rows, like))
    return out, stored


def random_rows(rng: random.Random, n: int, p_id: float) -> list[Row]:
    return [
        (
            rng.choice(GIDS) if rng.random() < p_id else None,
            rng.choice([0, 1, 2]),
            rng.choice(["13800138000", "13800138001"]),
            "13900139000",
            rng.choice([0.0, 5.0, 10.5]),
        )
        for _ in range(n)
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0, help="first case's seed")
    ap.add_argument("--cases", type=int, default=100)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cw-match-model-"))
    bad = 0
    try:
        for t in range(args.seed, args.seed + args.cases):
            rng = random.Random(t)
            runs = [
                [
                    random_rows(rng, rng.randint(1, 12), rng.choice([0.0, 0.5, 1.0]))
                    for _ in range(rng.randint(1, 4))
                ]
                for _ in range(rng.randint(1, 4))
            ]
            expected, expected_stored = model(runs)
            out = work / "ds"
            shutil.rmtree(out, ignore_errors=True)
            got = []
            for ri, files in enumerate(runs):
                paths = []
                for fi, rows in enumerate(files):
                    p = work / f"r{ri}" / f"f{fi}.csv"
                    p.parent.mkdir(parents=True, exist_ok=True)
                    p.write_text(
                        "call_id,start_time,caller,callee,duration_s\n"
                        + "".join(
                            f"{g or ''},2026-11-02T10:00:0{s}Z,{a},{b},{d}\n"
                            for g, s, a, b, d in rows
                        )
                    )
                    paths.append(p)
                s = ingest(paths, out, batch_rows=rng.choice([1, 2, 3, 1000]))
                got.append(
                    (
                        s.rows_kept,
                        s.rows_duplicate,
                        s.rows_conflicting,
                        s.rows_reexport_matched,
                        s.rows_kept_like_held,
                    )
                )
            t_ = load_cdrs(out)
            secs = (pc.cast(t_["start_time"], pa.int64()).to_numpy() // 10**6) % 60
            stored = collections.Counter(
                zip(
                    secs.tolist(),
                    [x[-11:] for x in t_["caller"].to_pylist()],
                    [x[-11:] for x in t_["callee"].to_pylist()],
                    t_["duration_s"].to_pylist(),
                    strict=True,
                )
            )
            if got != expected or stored != expected_stored:
                bad += 1
                if bad <= 3:
                    print("case", t, "got", got, "expected", expected)
                    for ri, files in enumerate(runs):
                        for fi, rows in enumerate(files):
                            print("  run", ri, "file", fi, rows)
    finally:
        shutil.rmtree(work)
    print(f"cases {args.cases}, differing {bad}")


if __name__ == "__main__":
    main()

"""Held-out splits of the Sichuan table through the CLI: train on four fifths, scan and
evaluate the held fifth, with and without ``--prune-label-noise``.

    python bench/sichuan_holdout.py [--salts s14a s14b ...] [--data PATH] [--work DIR]

Each salt splits ``dev.csv`` by CRC32 of salt + ``phone_no_m`` (a fifth held out), so the
split is one an evaluator holding rows back could make; nothing is tuned on it. Prints one
row per salt: the held-out macro-F1 of each mode and their difference (docs/detection.md,
"Confident learning").
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data" / "sichuan_fraud_users" / "dev.csv"
MODES = {"preset": "--no-prune-label-noise", "pruned": "--prune-label-noise"}


def split(data: Path, salt: str, work: Path) -> tuple[Path, Path, int]:
    with data.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    held = [zlib.crc32((salt + r["phone_no_m"]).encode()) % 5 == 0 for r in rows]
    paths = []
    for name, take in (("train", False), ("held", True)):
        path = work / f"{name}-{salt}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(r for r, h in zip(rows, held, strict=True) if h == take)
        paths.append(path)
    return paths[0], paths[1], sum(held)


def cli(*args: str) -> None:
    run = [sys.executable, "-c", "from callwarden.cli.main import main; main()", *args]
    subprocess.run(run, check=True, capture_output=True)


def held_out(train: Path, held: Path, flag: str, out: Path) -> float:
    ids = ["--id-column", "phone_no_m"]
    cli("train", "--features", str(train), *ids, "--label-column", "label", "--objective", "f1",
        flag, "--out", str(out / "model"))  # fmt: skip
    cli("scan", "--features", str(held), *ids, "--model", str(out / "model"),
        "--out", str(out / "scan"))  # fmt: skip
    cli("evaluate", "--verdicts", str(out / "scan" / "verdicts.csv"), "--labels", str(held),
        *ids, "--label-column", "label")  # fmt: skip
    report = json.loads((out / "scan" / "evaluation.json").read_text(encoding="utf-8"))
    return float(report["scanned"]["macro_f1"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--salts", nargs="+", default=[f"s14{c}" for c in "abcdefghij"])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    if not args.data.is_file():
        print(f"Sichuan data not found at {args.data} (../shared/data is not part of the repo)")
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="cw-holdout-"))
    print(f"{'salt':<6} {'held':>5} {'preset':>8} {'pruned':>8} {'diff':>8}")
    diffs = []
    for salt in args.salts:
        train, held, n = split(args.data, salt, work)
        f1 = {m: held_out(train, held, flag, work / salt / m) for m, flag in MODES.items()}
        diffs.append(f1["pruned"] - f1["preset"])
        print(f"{salt:<6} {n:>5} {f1['preset']:>8.4f} {f1['pruned']:>8.4f} {diffs[-1]:>+8.4f}")
    print(f"mean difference {sum(diffs) / len(diffs):+.4f}; pruned better on "
          f"{sum(d > 0 for d in diffs)} of {len(diffs)}")  # fmt: skip


if __name__ == "__main__":
    main()

"""Campaign ids across days: import a multi-day scan's verdicts in day order into an empty
SQLite store, with the campaigns' traits (campaigns.csv) and without (members only), and
count the stored campaigns against the simulator's operations.

    python bench/campaign_days.py --root ROOT --sim SIM
    python bench/campaign_days.py --build --scenario article --seed 5 --model MODEL --root ROOT

``--root`` holds one ``scan`` output folder per day (any name starting ``scan-``, each with
verdicts.csv, campaigns.csv and scan-summary.json; imported in the order of their summaries'
days). ``--sim`` is the simulator's output (its ``labels.csv`` names each number's operation,
``campaign``); ``--build`` first runs ``callwarden simulate`` (``--days``, 20,000
subscribers) into ROOT/sim and ``callwarden scan`` for each day into ROOT/scan-DAY (the
commands docs/api.md's figures came from; about a minute a day on 2 cores). Prints, for each
mode, the campaigns each import continued (and why), then one line: stored campaigns,
operations among their members, campaigns mixing two operations, and the ids of the
largest operation (docs/api.md, "Campaign ids across imports").
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime
import json
import subprocess
import tempfile
from pathlib import Path

from callwarden.store import Store
from callwarden.store.io import read_verdicts_csv


def build(args: argparse.Namespace) -> None:
    sim = args.root / "sim"
    subprocess.run(
        ["callwarden", "simulate", "--scenario", args.scenario, "--seed", str(args.seed),
         "--days", str(args.days), "--subscribers", str(args.subscribers), "--out", str(sim)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    start = datetime.date.fromisoformat(json.loads((sim / "manifest.json").read_text())["start"])
    for i in range(args.days):
        day = str(start + datetime.timedelta(days=i))
        subprocess.run(
            ["callwarden", "scan", "--model", str(args.model), "--cdrs", str(sim),
             "--registry", str(sim / "registry.csv"), "--day", day,
             "--out", str(args.root / f"scan-{day}"), "--top", "0"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip


def scan_folders(root: Path) -> list[Path]:
    """The day folders under ``root``, in the order of their scan days."""
    unique = {p.resolve(): p for p in sorted(root.glob("scan-*"), key=lambda p: p.is_symlink())}
    found = [p for p in unique.values() if (p / "verdicts.csv").is_file()]  # links once

    def day(p: Path) -> str:
        return str(json.loads((p / "scan-summary.json").read_text()).get("day", ""))

    return sorted(found, key=lambda p: (day(p), p.name))


def run(folders: list[Path], truth: dict[str, str], with_traits: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "days.db"))
        for folder in folders:
            f = read_verdicts_csv(folder / "verdicts.csv")
            r = store.import_verdicts_result(f, traits=None if with_traits else {})
            print(f"  {folder.name}: continued {r.continued}")
        ops: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for v in store.load_verdicts().values():
            if v.campaign:
                ops[v.campaign][truth.get(v.number, "")] += 1
        for e in store.audit_trail("verdicts", 1000):
            if e["action"] == "campaign_continued":
                d = e["detail"]
                print(f"    {d['alias']} -> {d['campaign']} {d.get('reason')} {d.get('evidence')}")
            elif e["action"] == "import_verdicts" and e["detail"].get("traits_refused"):
                for x in e["detail"]["traits_refused"]:
                    print(
                        f"    refused {x['alias']} -> {x['campaign']} {x['reason']} {x['evidence']}"
                    )
        stored = len(store.list_campaigns(limit=100_000))
    named = {c: {k: n for k, n in o.items() if k} for c, o in ops.items()}
    size: collections.Counter[str] = collections.Counter()
    ids: dict[str, set[str]] = collections.defaultdict(set)
    for c, o in named.items():
        for k, n in o.items():
            size[k] += n
            ids[k].add(c)
    largest = size.most_common(1)[0][0] if size else ""
    return {
        "traits": with_traits,
        "stored_campaigns": stored,
        "operations": len(size),
        "mixing_two_operations": {c: o for c, o in sorted(named.items()) if len(o) > 1},
        "largest_operation": largest,
        "largest_operation_numbers": size[largest],
        "largest_operation_ids": len(ids[largest]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, required=True, help="folder of the scan-* day folders")
    ap.add_argument("--sim", type=Path, help="simulator output (labels.csv); default ROOT/sim")
    ap.add_argument("--build", action="store_true", help="simulate and scan into ROOT first")
    ap.add_argument("--scenario", default="article")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--days", type=int, default=4)
    ap.add_argument("--subscribers", type=int, default=20_000)
    ap.add_argument("--model", type=Path, help="model directory for --build's scans")
    args = ap.parse_args()
    if args.build:
        if args.model is None:
            ap.error("--build needs --model")
        build(args)
    sim = args.sim or args.root / "sim"
    with (sim / "labels.csv").open(newline="", encoding="utf-8") as fh:
        truth = {r["number"]: r.get("campaign") or "" for r in csv.DictReader(fh)}
    folders = scan_folders(args.root)
    for with_traits in (False, True):
        print("with traits" if with_traits else "members only")
        print(json.dumps(run(folders, truth, with_traits)))


if __name__ == "__main__":
    main()

"""Does retraining on subscriber reports catch operations the old model never saw?

The loop a carrier can run without true labels, end to end through the CLI and the real
store code (docs/detection.md, "Learning from reports (the feedback loop)"):

1. ``simulate`` the day to learn from (``--scenario`` seed ``--train-seed``), the next day
   (seed ``--test-seed``) and the old model's training day (``--old-scenario``, seed
   ``--old-seed``); ``train`` the old model on the latter's true labels;
2. ``scan`` the learning day with the old model (``--registry``, ``--transcripts`` as the
   demo does) and import its verdicts into a fresh SQLite store, with the received calls of
   the day's CDRs (``store.io.read_received_calls``, as ``serve`` and ``demo`` load them);
3. draw the subscribers' reports of that day (``callwarden.sim.reports``: from the
   simulator's truth, which is what subscribers perceive) and file each through
   ``Store.add_report`` with the store's clock at the report's time (eligibility, one vote
   per reporter and number, rate limit, weights, community labels: the store's own rules);
   the scan is imported when the day's last call ends;
4. ``callwarden labels --db`` (and again ``--with-detector-verdicts``);
5. ``train`` on the learning day's CDRs with each export; ``scan`` the next day;
   ``evaluate`` against its true labels (``--cdrs`` for the heavy callers);
6. print recall / precision / heavy callers flagged for (a) the old model, (b) the
   report-labelled model, (c) the same with detector verdicts, (d) the true-label model
   (the ceiling), (e) and (f) one model on two labelled sets, the old model's day with its
   true labels and the learning day with (b)'s or (c)'s export (``train`` given two
   ``--cdrs``, each with its ``--labels`` and ``--registry``), (g) and (h) the same with the
   learning day's unlisted numbers left out instead of benign (``--unlabelled benign
   --unlabelled skip``: only what people said about it trains), and what the export held,
   checked against the simulator's truth.

    python bench/feedback_loop.py --work var/fb                       # adaptive 1 -> 2
    python bench/feedback_loop.py --work var/fb --train-seed 3 --test-seed 4
    python bench/feedback_loop.py --work var/fb --scenario article --train-seed 3 --test-seed 4

Simulations, the old model and the true-label model and their scans are kept in ``--work``
and reused; the store, the exports and the report-labelled models are made again each run
(under ``--work/loop-<scenario>-<train>-<test>-r<report seed>-m<N>-c<N>-<train options>``).
About 9-10 minutes on 2 cores at 50,000 subscribers when nothing is reused, 6-8 when the
kept steps are (six report-labelled models are trained and scanned). Figures: ``loop-.../result.json``. ``--target-precision`` and ``--objective`` go
to ``train`` for the report-labelled models: against labels this incomplete (truly bad
numbers nobody reported are unlisted, so trained as benign) the default 0.999 target pushes
the threshold to the top (docs/detection.md, "Learning from reports"). The old model and
the ceiling are then also trained with them, as rows (a') and (d'), so that every model is
compared at one threshold rule ((a) and (d) stay at ``train``'s defaults).
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from callwarden.evaluate.metrics import fmt
from callwarden.sim.reports import ReportConfig, simulate_reports
from callwarden.store import ConflictError, NotEligibleError, RateLimitedError, Store
from callwarden.store.io import read_received_calls, read_verdicts_csv

BAD = ("harassment", "fraud")
#: the CLI of this interpreter's environment (a venv's python run without activating it)
_HERE = Path(sys.executable).with_name("callwarden")
CALLWARDEN = str(_HERE) if _HERE.is_file() else "callwarden"


def cw(*args: str, log: Path) -> None:
    """One ``callwarden`` command, its output appended to ``log`` (stopped on failure)."""
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"\n$ callwarden {' '.join(args)}\n")
        fh.flush()
        t0 = time.perf_counter()
        done = subprocess.run([CALLWARDEN, *args], stdout=fh, stderr=subprocess.STDOUT)
        fh.write(f"({time.perf_counter() - t0:.1f} s, exit {done.returncode})\n")
    if done.returncode:
        sys.exit(f"callwarden {args[0]} failed (exit {done.returncode}); see {log}")


def simulated(work: Path, scenario: str, seed: int, subscribers: int, log: Path) -> Path:
    d = work / f"{scenario}-{seed}"
    if not (d / "manifest.json").is_file():
        cw("simulate", "--scenario", scenario, "--seed", str(seed),
           "--subscribers", str(subscribers), "--out", str(d), log=log)  # fmt: skip
    elif json.loads((d / "manifest.json").read_text())["subscribers"] != subscribers:
        sys.exit(f"{d} holds another number of subscribers: use another --work")
    return d


def trained(
    sim: Path, labels: Path, out: Path, log: Path, reuse: bool, extra: tuple[str, ...] = ()
) -> Path:
    if not (reuse and (out / "manifest.json").is_file()):
        cw("train", "--cdrs", str(sim), "--labels", str(labels),
           "--registry", str(sim / "registry.csv"), "--out", str(out), *extra, log=log)  # fmt: skip
    return out


def trained_on_sets(
    sets: list[tuple[Path, Path, str]], out: Path, log: Path, extra: tuple[str, ...] = ()
) -> Path:
    """One model on several labelled sets (simulation, labels, what an unlisted number
    trains as: benign or skip): each set's own registry."""
    args: list[str] = []
    for opt, part in (("--cdrs", 0), ("--labels", 1), ("--unlabelled", 2)):
        for s in sets:
            args += [opt, str(s[part])]
    for sim, _, _ in sets:
        args += ["--registry", str(sim / "registry.csv")]
    cw("train", *args, "--out", str(out), *extra, log=log)
    return out


def scanned(sim: Path, model: Path, out: Path, log: Path, reuse: bool) -> Path:
    if not (reuse and (out / "verdicts.csv").is_file()):
        cw("scan", "--cdrs", str(sim), "--model", str(model), "--registry",
           str(sim / "registry.csv"), "--transcripts", str(sim / "transcripts.jsonl"),
           "--out", str(out), "--top", "0", log=log)  # fmt: skip
    return out / "verdicts.csv"


def evaluated(verdicts: Path, sim: Path, log: Path, reuse: bool) -> dict[str, Any]:
    out = verdicts.parent / "evaluation.json"
    if not (reuse and out.is_file()):
        cw("evaluate", "--verdicts", str(verdicts), "--labels", str(sim / "labels.csv"),
           "--cdrs", str(sim), "--out", str(out), log=log)  # fmt: skip
    e = json.loads(out.read_text())
    fb = e["all_labelled"]["flagged_vs_benign"]
    heavy = e["legitimate_heavy_callers"]
    return {
        "recall": fb["recall"],
        "precision": fb["precision"],
        "heavy_flagged": heavy["flagged"],
        "heavy": heavy["population"],
    }


def read_labels(path: Path) -> dict[str, tuple[str, str]]:
    """number -> (label, source) of a labels file (source '' for the simulator's)."""
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["number"]: (r["label"], r.get("source") or "") for r in csv.DictReader(fh)}


def fill_store(db: Path, sim: Path, verdicts: Path, cfg: ReportConfig) -> dict[str, Any]:
    """A fresh store: the day's received calls, the scan's verdicts (imported when the day's
    last call ended), and the reports filed one by one at their times."""
    cdrs = pq.read_table(sim / "cdrs.parquet")
    labels = pcsv.read_csv(
        sim / "labels.csv",
        convert_options=pcsv.ConvertOptions(
            column_types={"number": "string", "category": "string"}
        ),
    )
    reports = simulate_reports(cdrs, labels, cfg)
    day_end = float(
        (cdrs["start_time"].cast("int64").to_numpy() / 1e6
         + cdrs["ring_s"].to_numpy() + cdrs["duration_s"].to_numpy()).max()
    )  # fmt: skip
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    now = [day_end]
    store = Store.open(str(db), clock=lambda: now[0])
    outcome: collections.Counter[str] = collections.Counter()
    t0 = time.perf_counter()
    try:
        store.import_received(read_received_calls(sim))
        imported = False
        rows = zip(
            *(reports[c].to_pylist() for c in ("reporter", "number", "at", "category", "source")),
            strict=True,
        )
        for reporter, number, at, category, source in rows:
            if not imported and at >= day_end:
                now[0] = day_end
                store.import_verdicts(read_verdicts_csv(verdicts), actor="bench:feedback")
                imported = True
            now[0] = at
            try:
                r = store.add_report(reporter, number, category, source, "bench:feedback")
                outcome["counted"] += 1
                outcome["community_labels"] += r.verdict is not None
            except NotEligibleError:
                outcome["not_eligible"] += 1
            except ConflictError:
                outcome["repeat"] += 1
            except RateLimitedError:
                outcome["rate_limited"] += 1
        if not imported:
            now[0] = day_end
            store.import_verdicts(read_verdicts_csv(verdicts), actor="bench:feedback")
    finally:
        store.close()
    truth = reports["truth"].to_pylist()
    per_bad = collections.Counter(
        n for n, t in zip(reports["number"].to_pylist(), truth, strict=True) if t in BAD
    )
    bad_numbers = [
        n
        for n, lab in zip(labels["number"].to_pylist(), labels["label"].to_pylist(), strict=True)
        if lab in BAD
    ]
    dist = collections.Counter(min(per_bad.get(n, 0), 3) for n in bad_numbers)
    return {
        "reports": reports.num_rows,
        "reports_of_bad_numbers": sum(t in BAD for t in truth),
        "reports_by_source": dict(collections.Counter(reports["source"].to_pylist())),
        "filed": dict(outcome),
        "bad_numbers": len(bad_numbers),
        "bad_numbers_by_reports": {("3+" if k == 3 else str(k)): dist[k] for k in range(4)},
        "seconds_filing": round(time.perf_counter() - t0, 1),
    }


def export_quality(path: Path, truth: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Rows of the export per (label, source), and how many agree with the simulator's truth
    (a positive row is right when the number is harassment or fraud; a benign row when it
    is benign); label recall: the day's bad numbers given a positive row."""
    rows = read_labels(path)
    by: dict[str, dict[str, int]] = {}
    for number, (label, source) in sorted(rows.items()):
        t = truth.get(number, ("benign", ""))[0]
        right = (t in BAD) if label in BAD else (t == "benign") if label == "benign" else t in BAD
        cell = by.setdefault(f"{label}/{source}", {"rows": 0, "right": 0})
        cell["rows"] += 1
        cell["right"] += bool(right)
    positive = {n for n, (lab, _) in rows.items() if lab in BAD}
    bad = {n for n, (lab, _) in truth.items() if lab in BAD}
    return {
        "by_label_source": by,  # for unknown rows 'right' counts truly bad numbers
        "positive": len(positive),
        "positive_precision": len(positive & bad) / len(positive) if positive else None,
        "positive_recall": len(positive & bad) / len(bad) if bad else None,
        "truly_bad_taught_benign": len(bad - set(rows)),  # unlisted numbers train as benign
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("var/feedback"))
    ap.add_argument("--subscribers", type=int, default=50_000)
    ap.add_argument("--scenario", default="adaptive")
    ap.add_argument("--train-seed", type=int, default=1)
    ap.add_argument("--test-seed", type=int, default=2)
    ap.add_argument("--old-scenario", default="article")
    ap.add_argument("--old-seed", type=int, default=1)
    ap.add_argument("--report-seed", type=int, default=0)
    ap.add_argument("--min-reporters", type=int, default=None, help="default: labels' own")
    ap.add_argument("--campaign-min-reporters", type=int, default=None, help="default: labels'")
    ap.add_argument(
        "--target-precision",
        type=float,
        default=None,
        help="train's --target-precision for the report-labelled models (default: train's)",
    )
    ap.add_argument("--objective", default=None, help="train's --objective for them")
    ap.add_argument("--no-reuse", action="store_true", help="redo the kept steps too")
    args = ap.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    reuse = not args.no_reuse
    log = work / "commands.log"
    t_start = time.perf_counter()
    learn = simulated(work, args.scenario, args.train_seed, args.subscribers, log)
    today = simulated(work, args.scenario, args.test_seed, args.subscribers, log)
    old_day = simulated(work, args.old_scenario, args.old_seed, args.subscribers, log)
    old = trained(
        old_day,
        old_day / "labels.csv",
        work / f"model-{args.old_scenario}-{args.old_seed}",
        log,
        reuse,
    )
    ceiling = trained(
        learn,
        learn / "labels.csv",
        work / f"model-{args.scenario}-{args.train_seed}-true",
        log,
        reuse,
    )
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    fig: dict[str, dict[str, Any]] = {}
    fig["a"] = evaluated(
        scanned(today, old, work / f"scan-{today.name}-by-{old.name}", log, reuse),
        today,
        log,
        reuse,
    )
    fig["d"] = evaluated(
        scanned(today, ceiling, work / f"scan-{today.name}-by-{ceiling.name}", log, reuse),
        today,
        log,
        reuse,
    )
    train_args: tuple[str, ...] = ()
    if args.target_precision is not None:
        train_args += ("--target-precision", str(args.target_precision))
    if args.objective is not None:
        train_args += ("--objective", args.objective)
    tag = "".join(train_args[1::2]) if train_args else "default"
    if train_args:
        # (a'), (d'): the old model and the ceiling at the report-labelled models' options,
        # so that every row is compared at one threshold rule
        for key, sim, name in (
            ("a2", old_day, f"model-{args.old_scenario}-{args.old_seed}-{tag}"),
            ("d2", learn, f"model-{args.scenario}-{args.train_seed}-true-{tag}"),
        ):
            m = trained(sim, sim / "labels.csv", work / name, log, reuse, train_args)
            fig[key] = evaluated(
                scanned(today, m, work / f"scan-{today.name}-by-{m.name}", log, reuse),
                today, log, reuse,
            )  # fmt: skip
    # the loop: always made again
    loop = work / (
        f"loop-{args.scenario}-{args.train_seed}-{args.test_seed}-r{args.report_seed}"
        f"-m{args.min_reporters or 'd'}-c{args.campaign_min_reporters or 'd'}-{tag}"
    )
    shutil.rmtree(loop, ignore_errors=True)
    loop.mkdir()
    seen = scanned(learn, old, work / f"scan-{learn.name}-by-{old.name}", log, reuse)
    cfg = ReportConfig(seed=args.report_seed)
    results["reports"] = fill_store(loop / "store.db", learn, seen, cfg)
    truth = read_labels(learn / "labels.csv")
    base: list[str] = []  # labels' own defaults unless given
    for opt, v in (
        ("--min-reporters", args.min_reporters),
        ("--campaign-min-reporters", args.campaign_min_reporters),
    ):
        if v is not None:
            base += [opt, str(v)]
    for key, extra in (("b", []), ("c", ["--with-detector-verdicts"])):
        labels = loop / f"labels-{key}.csv"
        cw("labels", "--db", str(loop / "store.db"), "--out", str(labels), *base, *extra, log=log)
        results[f"export_{key}"] = export_quality(labels, truth)
        model = trained(learn, labels, loop / f"model-{key}", log, False, train_args)
        results[f"threshold_{key}"] = json.loads((model / "thresholds.json").read_text())
        fig[key] = evaluated(
            scanned(today, model, loop / f"scan-{key}", log, reuse=False), today, log, reuse=False
        )
        # (e), (f): the old model's labelled day kept beside the learning day's export, its
        # unlisted numbers benign; (g), (h): the same, its unlisted numbers left out
        for both, unlisted in ((("e", "f"), "benign"), (("g", "h"), "skip")):
            name = both[0] if key == "b" else both[1]
            model = trained_on_sets(
                [(old_day, old_day / "labels.csv", "benign"), (learn, labels, unlisted)],
                loop / f"model-{name}", log, train_args,
            )  # fmt: skip
            results[f"threshold_{name}"] = json.loads((model / "thresholds.json").read_text())
            fig[name] = evaluated(
                scanned(today, model, loop / f"scan-{name}", log, reuse=False),
                today, log, reuse=False,
            )  # fmt: skip
    results["figures"] = fig
    results["train_args"] = " ".join(train_args)
    results["seconds"] = round(time.perf_counter() - t_start, 1)
    (loop / "result.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(args, results)


def print_table(args: argparse.Namespace, r: dict[str, Any]) -> None:
    names = {
        "a": f"(a) old model ({args.old_scenario} {args.old_seed}, true labels)",
        "b": f"(b) report labels of {args.scenario} {args.train_seed}",
        "c": "(c) report labels + detector verdicts",
        "d": f"(d) true labels of {args.scenario} {args.train_seed} (ceiling)",
        "a2": "(a') (a) at (b)'s train options",
        "d2": "(d') (d) at (b)'s train options",
        "e": f"(e) {args.old_scenario} {args.old_seed} true labels + (b)'s, two sets",
        "f": f"(f) {args.old_scenario} {args.old_seed} true labels + (c)'s, two sets",
        "g": "(g) as (e), the learning day's unlisted skipped",
        "h": "(h) as (f), the learning day's unlisted skipped",
    }
    print(
        f"\n{args.scenario} {args.train_seed} -> {args.test_seed}, {args.subscribers:,} subscribers, report seed {args.report_seed}"
    )
    print(
        f"{'model scanning ' + args.scenario + ' ' + str(args.test_seed):<52}{'recall':>8}{'precision':>10}{'heavy':>9}"
    )
    for k, name in names.items():
        if k not in r["figures"]:  # (a'), (d'): only with train options
            continue
        f = r["figures"][k]
        print(
            f"{name:<52}{fmt(f['recall']):>8}{fmt(f['precision']):>10}{f['heavy_flagged']:>5} of {f['heavy']}"
        )
    rep = r["reports"]
    print(
        f"\nreports {rep['reports']:,} ({rep['reports_of_bad_numbers']:,} of bad numbers; {rep['reports_by_source']}); "
        f"filed: {rep['filed']}"
    )
    print(
        f"bad numbers of the learning day {rep['bad_numbers']:,}, by reports drawn: {rep['bad_numbers_by_reports']}"
    )
    for k in ("b", "c"):
        e = r[f"export_{k}"]
        prec = "-" if e["positive_precision"] is None else f"{e['positive_precision']:.3f}"
        rec = "-" if e["positive_recall"] is None else f"{e['positive_recall']:.3f}"
        print(
            f"\nexport ({k}): {e['positive']:,} positive rows, precision {prec}, recall {rec}; "
            f"truly bad numbers not listed (trained as benign; left out in (g), (h)): "
            f"{e['truly_bad_taught_benign']:,}"
        )
        for ls, c in sorted(e["by_label_source"].items()):
            what = "truly bad" if not ls.startswith("benign") else "truly benign"
            print(f"  {ls:<40}{c['rows']:>7,} rows, {c['right']:>6,} {what}")
    print(f"\n({r['seconds']:.0f} s)")


if __name__ == "__main__":
    main()

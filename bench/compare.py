"""Time ``callwarden compare`` on a scan-sized pair of verdict files.

The old scan is a real ``verdicts.csv`` (``--verdicts``, e.g. the scan benchmark's 2.6 M
rows) or, without one, a synthetic one of ``--rows`` numbers; the new scan is the same
verdicts re-thresholded (flagged: score >= ``--new-threshold``, a candidate with a lower
threshold), so both change sets are non-empty. Each scan gets a scan-summary.json that
describes it (same day, same inputs). Prints wall time and the child's peak RSS. The work
folder (about 200 MB at 2.6 M rows) is removed at the end unless ``--keep``.

    python bench/compare.py --verdicts /tmp/cw-bench-.../scan-out/verdicts.csv
    python bench/compare.py --rows 2600000
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _write(con: object, sql: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY ({sql}) TO '{folder / 'verdicts.csv'}' (HEADER, FORCE_QUOTE *)")  # type: ignore[attr-defined]
    rows = con.execute(  # type: ignore[attr-defined]
        f"SELECT label, COUNT(*) FROM read_csv('{folder / 'verdicts.csv'}', all_varchar=true) "
        "GROUP BY label"
    ).fetchall()
    by = {str(k): int(n) for k, n in rows}
    summary = {
        "numbers": sum(by.values()),
        "by_label": dict(sorted(by.items())),
        "day": "2026-11-02",
        "tz": "Asia/Shanghai",
        "kind": "cdr",
        "min_attempts": 5,
        "model_version": folder.name,
        "inputs": {"model": None, "cdrs": "/bench/cdrs", "features": None},
    }
    (folder / "scan-summary.json").write_text(json.dumps(summary), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verdicts", type=Path, default=None)
    ap.add_argument("--rows", type=int, default=2_600_000)
    ap.add_argument("--new-threshold", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument(
        "--keep", action="store_true", help="keep the work folder (its path is printed)"
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cw-bench-compare-"))
    try:
        run(args, work)
    finally:
        if args.keep:
            print(f"files in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    import duckdb

    con = duckdb.connect()
    if args.verdicts is not None:
        src = f"read_csv('{args.verdicts}', all_varchar=true)"
    else:  # synthetic: 0.2 % flagged, scores spread over [0, 1)
        src = (
            "(SELECT '+86' || CAST(13000000000 + i AS VARCHAR) AS number, "
            "CASE WHEN h < 0.002 THEN 'harassment' ELSE 'benign' END AS label, "
            "CAST(CASE WHEN h < 0.002 THEN 0.97 + h ELSE h END AS VARCHAR) AS score, "
            "CASE WHEN h < 0.002 THEN 'insurance' ELSE '' END AS category, "
            'CASE WHEN h < 0.002 THEN \'[{"code": "HIGH_INTERVAL_CV", "evidence": {}}]\' '
            "ELSE '[]' END AS reasons, '' AS campaign "
            f"FROM (SELECT i, hash(i) / 18446744073709551616.0 AS h FROM range({args.rows}) t(i)))"
        )
    _write(con, f"SELECT * FROM {src}", work / "old")
    t = float(args.new_threshold)
    _write(
        con,
        "SELECT number, CASE WHEN CAST(score AS DOUBLE) >= "
        f"{t} THEN (CASE WHEN label = 'benign' THEN 'harassment' ELSE label END) "
        "ELSE 'benign' END AS label, score, category, reasons, campaign "
        f"FROM {src}",
        work / "new",
    )
    cmd = [sys.executable, "-m", "callwarden.cli.main", "compare", "--old", str(work / "old"),
           "--new", str(work / "new"), "--top", "20"]  # fmt: skip
    for _ in range(args.repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        report = json.loads((work / "new" / "compare.json").read_text(encoding="utf-8"))
        print(
            f"{report['numbers']['either']:,} numbers: {wall:.2f} s, peak RSS {peak:,.0f} MiB "
            f"(newly flagged {report['counts']['newly_flagged']:,}, cleared "
            f"{report['counts']['cleared']:,})"
        )


if __name__ == "__main__":
    main()

"""Ingest one input into a fresh folder, then the same input again (every row a duplicate),
and optionally a re-export of it (``--reexport``: the same calls written otherwise, e.g.
without call_id and with durations in milliseconds): rows/s and CPU seconds of each phase,
as one JSON line, for whichever ``callwarden`` is imported.

    python bench/ingest_rerun.py INPUT TAG [--reexport FILE [--mapping YAML]]

Session 18 compared the code before and after conflicting-call_id detection by alternating
processes (``git worktree add /tmp/wt-old <commit>``)::

    for i in 1 2 3 4 5; do
      PYTHONPATH=/tmp/wt-old/src python bench/ingest_rerun.py IN old
      python bench/ingest_rerun.py IN new
    done

(docs/ingest.md, "Conflicting ids, cost" and "Re-exports without ids, cost").
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import callwarden
from callwarden.cdr import ingest, load_mapping


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", type=Path, help="CDR file ingested twice")
    ap.add_argument("tag", help="label in the output (old, new)")
    ap.add_argument("--reexport", type=Path, help="then ingest this file into the same folder")
    ap.add_argument("--mapping", help="mapping file or name for --reexport")
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="cw-ingest-rerun-")) / "ds"
    res: dict[str, object] = {"tag": args.tag, "src": callwarden.__file__, "input": str(args.input)}
    phases = [("fresh", args.input, None), ("again", args.input, None)]
    if args.reexport:
        mapping = load_mapping(args.mapping) if args.mapping else None
        phases.append(("reexport", args.reexport, mapping))
    try:
        for phase, src, mp in phases:
            t0, c0 = time.perf_counter(), time.process_time()
            s = ingest([src], out, mapping=mp)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            res[phase] = {
                "rows": s.rows_read,
                "kept": s.rows_kept,
                "duplicates": s.rows_duplicate,
                "reexport_matched": getattr(s, "rows_reexport_matched", None),
                "wall_s": round(wall, 3),
                "cpu_s": round(cpu, 3),
                "rows_per_s": round(s.rows_read / wall),
            }
    finally:
        shutil.rmtree(out.parent)
    print(json.dumps(res))


if __name__ == "__main__":
    main()

"""Ingest one input into a fresh folder, then the same input again (every row a duplicate):
rows/s and CPU seconds of both, as one JSON line, for whichever ``callwarden`` is imported.

    python bench/ingest_rerun.py INPUT TAG

Session 18 compared the code before and after conflicting-call_id detection by alternating
processes (``git worktree add /tmp/wt-old <commit>``)::

    for i in 1 2 3 4 5; do
      PYTHONPATH=/tmp/wt-old/src python bench/ingest_rerun.py IN old
      python bench/ingest_rerun.py IN new
    done

(docs/ingest.md, "Conflicting ids, cost").
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import callwarden
from callwarden.cdr import ingest


def main() -> None:
    src, tag = Path(sys.argv[1]), sys.argv[2]
    out = Path(tempfile.mkdtemp(prefix="cw-ingest-rerun-")) / "ds"
    res: dict[str, object] = {"tag": tag, "src": callwarden.__file__, "input": str(src)}
    try:
        for phase in ("fresh", "again"):
            t0, c0 = time.perf_counter(), time.process_time()
            s = ingest([src], out)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            res[phase] = {
                "rows": s.rows_read,
                "kept": s.rows_kept,
                "duplicates": s.rows_duplicate,
                "wall_s": round(wall, 3),
                "cpu_s": round(cpu, 3),
                "rows_per_s": round(s.rows_read / wall),
            }
    finally:
        shutil.rmtree(out.parent)
    print(json.dumps(res))


if __name__ == "__main__":
    main()

"""What ingest's unsafe-text check costs (security audit, 30 Nov), in one process.

    python bench/unsafe_text_cost.py [CDRS.parquet] [--runs 6] [--times 6]

``canonicalize`` on one batch (the file's rows repeated ``--times`` times, every column cast
to text as a CSV reader gives them), with ``canonical._refuse_unsafe`` as it is and replaced
by a no-op, after one warm-up run, alternating (and which goes first); median CPU seconds (``time.process_time``) of each and the ratio.
Default input: the demo's simulated day (``var/demo/sim-seed1/cdrs.parquet``).
"""

from __future__ import annotations

import argparse
import statistics
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from callwarden.cdr import canonical
from callwarden.cdr.schema import NUMBER_KEY_COLUMNS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("cdrs", nargs="?", default="var/demo/sim-seed1/cdrs.parquet")
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--times", type=int, default=6)
    args = ap.parse_args()
    t = pq.read_table(args.cdrs)
    t = t.drop_columns([c for c in NUMBER_KEY_COLUMNS.values() if c in t.column_names])
    t = pa.concat_tables([t] * args.times)
    t = pa.table({c: pc.cast(t[c], pa.string()) for c in t.column_names})
    real = canonical._refuse_unsafe
    times: dict[str, list[float]] = {"with": [], "without": []}
    canonical.canonicalize(t)  # warm up (the first run pays for imports and allocations)
    for run in range(args.runs):
        for name in ("with", "without") if run % 2 == 0 else ("without", "with"):
            canonical._refuse_unsafe = real if name == "with" else (lambda out: {})
            c0 = time.process_time()
            canonical.canonicalize(t)
            times[name].append(time.process_time() - c0)
    canonical._refuse_unsafe = real
    print(f"{t.num_rows:,} rows")
    for name, v in times.items():
        print(
            f"{name:>8} the check: median {statistics.median(v):.3f} CPU-s",
            [round(x, 3) for x in v],
        )
    ratio = statistics.median(times["with"]) / statistics.median(times["without"])
    print(f"ratio with / without: {ratio:.3f}")


if __name__ == "__main__":
    main()

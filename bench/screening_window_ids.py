"""The screening window's read of the last K calls that keep their turns
(``store.screenings.recent_screening_ids``, on every screened call with ``serve
--screening-window K``) when ``callwarden prune`` has emptied most calls' turns: ROWS stored
screenings, the newest KEPT keeping turns. Timed with the partial index of revision 0013
(``ix_screenings_kept_turns``), then in the same process after dropping it (the read as it
was: down ``ix_screenings_at`` through every emptied call), on SQLite or PostgreSQL.

    PYTHONPATH=src .venv/bin/python bench/screening_window_ids.py --rows 1000000 --kept 100
    ... --database-url postgresql://...   # a fresh database on that server, dropped after
"""

from __future__ import annotations

import argparse
import statistics
import time

from _pg import store_at
from callwarden.store import Store
from callwarden.store.schema import screenings
from callwarden.store.screenings import recent_screening_ids

CHUNK = 50_000


def fill(s: Store, rows: int, kept: int) -> None:
    """``rows`` screenings three a second, the newest ``kept`` with turns, the rest pruned."""
    with s.engine.begin() as c:
        for k in range(0, rows, CHUNK):
            c.execute(
                screenings.insert(),
                [
                    {
                        "call_id": f"c{i:08d}",
                        "caller": f"+86139{i % 50000:08d}",
                        "callee": "+8613800000001",
                        "at": 1.7e9 + i // 3,
                        "received_at": 1.7e9,
                        "verdict": "human",
                        "bot_score": 0.0,
                        "challenges": 1,
                        "category": "",
                        "reasons": "[]",
                        "action": "allow",
                        "transcript_sha256": "0" * 64,
                        "turns": "[]" if i < rows - kept else '[{"speaker":"caller"}]',
                        "actor": "bench",
                    }
                    for i in range(k, min(rows, k + CHUNK))
                ],
            )
        if s.dialect == "postgresql":
            c.exec_driver_sql("ANALYZE screenings")


def timed(s: Store, k: int, reps: int) -> tuple[list[float], int]:
    out, n = [], 0
    for _ in range(reps):
        t = time.perf_counter()
        with s.read() as c:
            n = len(recent_screening_ids(c, k))
        out.append(time.perf_counter() - t)
    return out, n


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--rows", type=int, default=1_000_000, help="stored screenings")
    ap.add_argument("--kept", type=int, default=100, help="the newest ones keeping turns")
    ap.add_argument("--window", type=int, default=1000, help="K, serve --screening-window")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    args = ap.parse_args()
    with store_at(args.database_url) as url:
        s = Store.open(url)
        try:
            t0 = time.perf_counter()
            fill(s, args.rows, args.kept)
            print(
                f"{s.dialect}: {args.rows:,} screenings, {args.kept:,} keep turns, "
                f"K {args.window:,} (filled in {time.perf_counter() - t0:.1f} s)"
            )
            with_index, n = timed(s, args.window, args.reps)
            with s.engine.begin() as c:
                c.exec_driver_sql("DROP INDEX ix_screenings_kept_turns")
                if s.dialect == "postgresql":
                    c.exec_driver_sql("ANALYZE screenings")
            without, m = timed(s, args.window, args.reps)
            assert n == m, (n, m)
            print(f"{'index':>24}  {'median ms':>9}  {'max ms':>7}  {'ids':>5}")
            for name, got in (
                ("ix_screenings_kept_turns", with_index),
                ("none (as before)", without),
            ):
                med, top = statistics.median(got) * 1000, max(got) * 1000
                print(f"{name:>24}  {med:>9.1f}  {top:>7.1f}  {n:>5,}")
            print(
                f"ratio (before / after, medians): {statistics.median(without) / statistics.median(with_index):,.0f}x"
            )
        finally:
            s.close()


if __name__ == "__main__":
    main()

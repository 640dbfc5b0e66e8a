"""Two verdict imports of different scan days of the same numbers at the same time.

    python bench/pg_import_race.py [--url URL] [--rounds 50] [--numbers 200] [--threads]
    python bench/pg_import_race.py --sqlite [--rounds 50] [--numbers 200]

Two processes (``--threads``: two threads, a connection each) import day D+1 (2026-11-05,
benign) and day D (2026-11-04, fraud) of the same ``--numbers`` numbers, released together
by a barrier, ``--rounds`` times (new numbers each round, each import's campaign id its
own). Prints the rounds (and numbers) left with day D's verdicts, wrong by rule 3 of the
verdict precedence (docs/api.md, "Concurrent imports"), the rounds whose numbers have more
than one campaign id, the aliases recorded and the imports' times. Runs on a fresh database
of the PostgreSQL server ``scripts/services`` starts (or of ``--url``'s server), dropped
after, or on a fresh SQLite file (``--sqlite``). To measure other code, put its ``src`` first
on ``PYTHONPATH``.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from typing import Any

import sqlalchemy as sa

from _pg import bench_parser, fresh_store
from callwarden.policy import Verdict
from callwarden.store import Store
from callwarden.store.schema import campaign_aliases, imports, verdicts
from callwarden.store.verdict_import import Provenance

DAYS = {"A": ("2026-11-05", "benign", 0.08), "B": ("2026-11-04", "fraud", 0.97)}


def numbers(r: int, n: int) -> list[str]:
    return [f"+86170{r:04d}{i:04d}" for i in range(n)]


def worker(url: str, who: str, rounds: int, n: int, barrier: Any, out: Any) -> None:
    store = Store.open(url)
    day, label, score = DAYS[who]
    for r in range(rounds):
        items = [Verdict(x, label, score, "loans", (), f"{who.lower()}{r}") for x in numbers(r, n)]
        barrier.wait()
        t = time.monotonic()
        res = store.import_verdicts_result(items, provenance=Provenance("race", "m", day))
        out.put((who, r, len(res.written), res.held_newer_scan, time.monotonic() - t))
    store.close()


def race(url: str, rounds: int, n: int, threads: bool) -> None:
    Store.open(url).close()  # migrated before the workers start
    workers: list[Any]
    if threads:
        barrier: Any = threading.Barrier(2)
        out: Any = queue.Queue()
        workers = [
            threading.Thread(target=worker, args=(url, w, rounds, n, barrier, out)) for w in "AB"
        ]
    else:
        ctx = mp.get_context("spawn")
        barrier, out = ctx.Barrier(2), ctx.Queue()
        workers = [ctx.Process(target=worker, args=(url, w, rounds, n, barrier, out)) for w in "AB"]
    for w in workers:
        w.start()
    res = [out.get(timeout=3600) for _ in range(2 * rounds)]
    for w in workers:
        w.join()
    store = Store.open(url)
    bad_rounds = bad_numbers = split = 0
    with store.read() as conn:
        for r in range(rounds):
            q = (
                sa.select(verdicts.c.number, imports.c.scan_day, verdicts.c.campaign)
                .select_from(verdicts.join(imports, imports.c.id == verdicts.c.import_id))
                .where(verdicts.c.number.in_(numbers(r, n)))
            )
            rows = conn.execute(q).all()
            old = sum(1 for row in rows if row.scan_day == DAYS["B"][0])
            bad_numbers += old
            bad_rounds += bool(old)
            split += len({row.campaign for row in rows}) > 1
        aliases = conn.execute(sa.select(sa.func.count()).select_from(campaign_aliases)).scalar()
    store.close()
    wall = sorted(x[4] for x in res)
    print(
        f"{rounds} rounds x {n} numbers, {'threads' if threads else 'processes'}, "
        f"{'postgresql' if '://' in url else 'sqlite'}: rounds left with day D's verdicts {bad_rounds} "
        f"(numbers {bad_numbers} of {rounds * n}); rounds with more than one campaign id "
        f"{split}; aliases recorded {aliases}; import median {wall[len(wall) // 2]:.3f} s, "
        f"max {wall[-1]:.3f} s"
    )


def main() -> None:
    ap = bench_parser(__doc__, 2, sqlite=True)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--numbers", type=int, default=200, help="numbers a round (at most 10,000)")
    ap.add_argument("--threads", action="store_true", help="two threads, not two processes")
    a = ap.parse_args()
    with fresh_store(a.sqlite, a.url) as url:
        race(url, a.rounds, a.numbers, a.threads)


if __name__ == "__main__":
    main()

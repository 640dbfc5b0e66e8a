"""Two processes open (and so migrate) one PostgreSQL database at once.

    python bench/pg_migrate_race.py [--url URL] [--rounds 10] [--from REVISION]

Each round a fresh database on the PostgreSQL server ``scripts/services`` starts (or on
``--url``'s server), empty or migrated to ``--from`` first (``0007``: an upgrade, as two
``serve`` started together after a release), then two processes released together by a
barrier each ``Store.open`` it. Prints the rounds where an open failed, and the errors
(docs/api.md, "Concurrent imports": two processes on an empty database failed one in 10 of 10
rounds before ``store.db.migrate`` took its advisory lock). To measure other code, put its
``src`` first on ``PYTHONPATH``.
"""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from _pg import bench_parser, fresh_database, server_url
from callwarden.store import make_engine, migrate


def opener(url: str, barrier: Any, out: Any) -> None:
    from callwarden.store import Store

    barrier.wait()
    try:
        Store.open(url).close()
        out.put("ok")
    except Exception as exc:  # counted, not raised
        out.put(type(exc).__name__ + ": " + (str(exc).splitlines() or [""])[0][:100])


def migrate_race(server: str, rounds: int, start: str | None) -> None:
    ctx = mp.get_context("spawn")
    failed = 0
    kinds: dict[str, int] = {}
    for _ in range(rounds):
        with fresh_database(server) as url:
            if start:
                engine = make_engine(url)
                migrate(engine, start)
                engine.dispose()
            barrier, out = ctx.Barrier(2), ctx.Queue()
            procs = [ctx.Process(target=opener, args=(url, barrier, out)) for _ in range(2)]
            for p in procs:
                p.start()
            got = [out.get(timeout=600) for _ in procs]
            for p in procs:
                p.join()
        bad = [x for x in got if x != "ok"]
        failed += bool(bad)
        for b in bad:
            kinds[b] = kinds.get(b, 0) + 1
    print(
        f"{rounds} rounds, two processes opening a database "
        f"{'at ' + start if start else 'empty'}: rounds where an open failed {failed}"
        + "".join(f"\n  {n} x {k}" for k, n in sorted(kinds.items()))
    )


def main() -> None:
    ap = bench_parser(__doc__, 0)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument(
        "--from", dest="start", default=None, help="migrate each database to this revision first"
    )
    a = ap.parse_args()
    migrate_race(server_url(a.url), a.rounds, a.start)


if __name__ == "__main__":
    main()

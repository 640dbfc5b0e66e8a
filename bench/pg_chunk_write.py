"""One 2,000-row verdict-import chunk's write on PostgreSQL, three ways, interleaved.

    python bench/pg_chunk_write.py [--url URL] [--reps 20] [--rows 2000]

On a fresh database (migrated to head: the change-notification triggers on, a thread
LISTENing and draining as another worker's listener does) of the PostgreSQL server
``scripts/services`` starts (or of ``--url``'s server), dropped after, writes ``--rows`` new
verdicts (inserts) and then the same with another score (updates), each its own transaction,
with the import's upsert (rules 1 and 2 in its condition) sent as: an executemany (one
statement a row: the import before 30 Nov), SQLAlchemy's insertmanyvalues with RETURNING (one
multi-row VALUES statement), and ``INSERT ... SELECT FROM unnest(arrays) ... RETURNING`` (what
``store/import_chunks.py:chunk_writer`` sends), the order alternating each repetition. Prints
the median of each (docs/api.md, "Performance and deployment").
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from _pg import bench_parser, fresh_database, server_url
from callwarden.store import make_engine, migrate
from callwarden.store.import_chunks import IMPORT_COLUMNS
from callwarden.store.schema import verdicts

TYPES: dict[str, Any] = IMPORT_COLUMNS  # the store's own columns and array types
COLUMNS = list(TYPES)


def upsert(ins: Any) -> Any:
    v, ex = verdicts.c, ins.excluded
    held = sa.or_(v.protected, sa.and_(v.source == "reports", ex.label == "benign"))
    return ins.on_conflict_do_update(
        index_elements=["number"], set_={c: ex[c] for c in COLUMNS if c != "number"}, where=~held
    )


def ways() -> dict[str, Callable[[sa.Connection, list[dict[str, Any]]], object]]:
    v = verdicts.c
    plain = upsert(postgresql.insert(verdicts))
    values = plain.returning(v.number).execution_options(insertmanyvalues_page_size=10_000)
    arrays = (
        sa.func.unnest(*(sa.bindparam(c, type_=postgresql.ARRAY(t)) for c, t in TYPES.items()))
        .table_valued(*COLUMNS)
        .render_derived()
    )
    unnest = upsert(
        postgresql.insert(verdicts).from_select(COLUMNS, sa.select(*(arrays.c[c] for c in COLUMNS)))
    ).returning(v.number)
    return {
        "executemany": lambda conn, rows: conn.execute(plain, rows),
        "insertmanyvalues": lambda conn, rows: conn.execute(values, rows).all(),
        "unnest": lambda conn, rows: conn.execute(
            unnest, {c: [r[c] for r in rows] for c in COLUMNS}
        ).all(),
    }


def chunk_write(db: str, reps: int, n: int) -> None:
    engine = make_engine(db)
    migrate(engine)
    stop = threading.Event()
    heard = [0]

    def drain() -> None:
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("LISTEN callwarden")
            while not stop.is_set():
                for _ in conn.notifies(timeout=0.2):
                    heard[0] += 1

    listener = threading.Thread(target=drain, daemon=True)
    listener.start()
    how = ways()
    took: dict[str, dict[str, list[float]]] = {k: {"insert": [], "update": []} for k in how}
    base = 0
    for rep in range(reps):
        for name in list(how) if rep % 2 == 0 else list(reversed(how)):
            rows = [
                {
                    "number": f"+86171{base + i:07d}",
                    "label": "fraud",
                    "score": 0.5,
                    "category": "loans",
                    "reasons": "[]",
                    "campaign": "",
                    "source": "model",
                    "updated_at": 1.0,
                    "import_id": None,
                }
                for i in range(n)
            ]
            base += n
            for phase, data in (("insert", rows), ("update", [dict(r, score=0.7) for r in rows])):
                t = time.perf_counter()
                with engine.begin() as conn:
                    how[name](conn, data)
                took[name][phase].append(time.perf_counter() - t)
    stop.set()
    listener.join(5)
    engine.dispose()
    for name, d in took.items():
        print(
            f"{name:17s} insert median {statistics.median(d['insert']) * 1000:7.1f} ms,"
            f" update median {statistics.median(d['update']) * 1000:7.1f} ms"
            f" ({n:,} rows, {reps} repetitions)"
        )
    print(f"notifications heard: {heard[0]:,}")


def main() -> None:
    ap = bench_parser(__doc__, 0)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--rows", type=int, default=2000, help="rows a chunk (at most 10,000)")
    a = ap.parse_args()
    with fresh_database(server_url(a.url)) as db:
        chunk_write(db, max(a.reps, 1), min(max(a.rows, 1), 10_000))


if __name__ == "__main__":
    main()

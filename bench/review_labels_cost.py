"""What ``GET /v1/review/labels`` pays (``Store.live_labels``, audit 31a L3): LABELS live
labels of each source (the screener's, the community's) among OTHERS model verdicts, each
community label with its ``community_label`` audit entry and REPORTS ``report`` entries (the
page reads when each was given from them), on SQLite (/dev/shm) or PostgreSQL.

Timed with the partial indexes of revision 0017 (both on ``(updated_at, number)``), then with
revision 0016's put back in the same store (the screener's on ``updated_at``, the
community's on ``number``): the baseline, in the same run. For each source: the first page
of 100, a page of 1,000 at a deep offset and after a deep cursor (the same labels), the
route's first page of 1,000 (operator key, TestClient); the community sweep's read of every
label (oldest first since 0017, by number before); each page's plan.

    PYTHONPATH=src .venv/bin/python bench/review_labels_cost.py --labels 100000 --others 500000
    ... --url postgresql://...   # PostgreSQL: a fresh database on that server, dropped after
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from functools import partial

import sqlalchemy as sa
from fastapi.testclient import TestClient

from _pg import bench_parser, server_url, store_at
from callwarden.api import ApiSettings, create_app
from callwarden.store import Role, Store
from callwarden.store.schema import audit_log, verdicts

CHUNK = 20_000
NOW = 1_800_000_000.0
REASON = json.dumps(
    [
        {
            "code": "screened_bot_callees",
            "evidence": {"bot_callees": 2, "judged_callees": 3, "share": 0.67, "window_days": 28},
        }
    ]
)
PREFIX = {"screening": "+86171", "reports": "+86172"}
#: revision 0016's indexes (the baseline) and 0017's
INDEXES = {
    "0016": {"screening": "updated_at", "reports": "number"},
    "0017": {"screening": "updated_at, number", "reports": "updated_at, number"},
}
NAME = {"screening": "ix_verdicts_screening_labels", "reports": "ix_verdicts_community_labels"}


def _insert(s: Store, table: sa.Table, rows: list[dict[str, object]]) -> None:
    with s.engine.begin() as c:
        for k in range(0, len(rows), CHUNK):
            c.execute(table.insert(), rows[k : k + CHUNK])


def fill(s: Store, labels: int, others: int, reports: int) -> None:
    """Labels given over the last day (many at the same second), the others older."""
    rows: list[dict[str, object]] = []
    for src, pfx in PREFIX.items():
        rows += [
            {"number": f"{pfx}{i:08d}", "label": "harassment", "score": 0.8, "category": "loans",
             "reasons": REASON if src == "screening" else "[]", "campaign": "", "source": src,
             "protected": False, "updated_at": NOW - (i % 86400) - 0.5, "import_id": None}
            for i in range(labels)
        ]  # fmt: skip
    rows += [
        {"number": f"+86173{i:08d}", "label": "benign", "score": 0.1, "category": "",
         "reasons": "[]", "campaign": "", "source": "model", "protected": False,
         "updated_at": NOW - 5 * 86400, "import_id": None}
        for i in range(others)
    ]  # fmt: skip
    _insert(s, verdicts, rows)
    entries: list[dict[str, object]] = []
    for i in range(labels):
        number, at = f"{PREFIX['reports']}{i:08d}", NOW - (i % 86400) - 0.5
        entries += [
            {"at": at - 60 + k, "actor": "t", "action": "report", "target": number,
             "detail": "{}"}
            for k in range(reports)
        ]  # fmt: skip
        entries.append(
            {"at": at + 1e-6, "actor": "reputation", "action": "community_label",
             "target": number, "detail": "{}"}
        )  # fmt: skip
    _insert(s, audit_log, entries)
    analyse(s)


def analyse(s: Store) -> None:
    """Every table's statistics (the audit log's too: without them PostgreSQL read all of it
    for a page's given times, until autovacuum came by)."""
    with s.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("ANALYZE")


def put_indexes(s: Store, revision: str) -> None:
    with s.engine.begin() as c:
        for src, columns in INDEXES[revision].items():
            c.exec_driver_sql(f"DROP INDEX {NAME[src]}")
            c.exec_driver_sql(
                f"CREATE INDEX {NAME[src]} ON verdicts ({columns}) WHERE source = '{src}'"
            )
    analyse(s)


def ms(f: Callable[[], object], reps: int) -> str:
    took = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        took.append((time.perf_counter() - t) * 1000)
    return f"{statistics.median(took):8.1f} ms (min {min(took):.1f}, max {max(took):.1f})"


def plan(s: Store, source: str) -> str:
    v = verdicts.c
    q = (
        sa.select(verdicts)
        .where(v.source == source, ~v.protected)
        .order_by(v.updated_at, v.number)
        .limit(100)
    )
    with s.engine.connect() as c:
        sql = str(q.compile(c, compile_kwargs={"literal_binds": True}))
        if s.dialect == "sqlite":
            return " | ".join(str(r[-1]) for r in c.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        return " | ".join(str(r[0]).strip() for r in c.exec_driver_sql("EXPLAIN " + sql))


def sweep_read(s: Store, revision: str) -> int:
    """The community sweep's read of every label, in the order of that revision's code."""
    v = verdicts.c
    order = (v.number,) if revision == "0016" else (v.updated_at, v.number)
    q = sa.select(verdicts).where(v.source == "reports", ~v.protected).order_by(*order)
    with s.read() as c:
        return len(c.execute(q).all())


def measure(s: Store, client: TestClient, key: str, src: str, labels: int, reps: int) -> None:
    """One source's pages, and the plan of its first."""
    print(f"    plan {src}: {plan(s, src)}")
    deep = max(labels - 1000, 0)
    last = s.live_labels(src, 1, deep - 1)[0] if deep else None
    after = None if last is None else (last.live_since, last.verdict.number)
    assert s.live_labels(src, 1000, deep) == s.live_labels(src, 1000, after=after)
    h = {"Authorization": f"Bearer {key}"}
    url = f"/v1/review/labels?source={src}&limit=1000"
    r = client.get(url, headers=h)
    assert r.status_code == 200 and len(r.json()) == min(1000, labels), r.text[:300]
    rows = {
        "first 100": lambda: s.live_labels(src, 100),
        f"1,000 at offset {deep:,}": lambda: s.live_labels(src, 1000, deep),
        "1,000 after a cursor there": lambda: s.live_labels(src, 1000, after=after),
        f"GET limit=1000 ({len(r.content):,} B)": lambda: client.get(url, headers=h),
    }
    for what, run in rows.items():
        print(f"    {src:9}  {what:30} {ms(run, reps)}")


def main() -> None:
    ap = bench_parser(__doc__, 0, sqlite=True)
    ap.add_argument("--labels", type=int, default=100_000, help="live labels of each source")
    ap.add_argument("--others", type=int, default=500_000, help="model verdicts")
    ap.add_argument("--reports", type=int, default=5, help="report entries per community label")
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    with store_at(None if a.sqlite else server_url(a.url)) as url:
        s = Store.open(url, clock=lambda: NOW)
        key = s.create_key(Role.OPERATOR)[1]
        t0 = time.perf_counter()
        fill(s, a.labels, a.others, a.reports)
        print(
            f"{s.dialect}: {a.labels:,} labels of each source, {a.others:,} other verdicts, "
            f"{a.labels * (a.reports + 1):,} audit entries "
            f"(filled in {time.perf_counter() - t0:.0f} s)"
        )
        app = create_app(ApiSettings(db=url), s)
        app.state.cw.label_lapse.start = lambda: None  # no sweep while measuring
        with TestClient(app) as client:
            for revision in ("0017", "0016"):
                put_indexes(s, revision)
                base = " (the baseline)" if revision == "0016" else ""
                print(f"  indexes of revision {revision}{base}:")
                for src in PREFIX:
                    measure(s, client, key, src, a.labels, a.reps)
                read = ms(partial(sweep_read, s, revision), a.reps)
                print(f"    {'reports':9}  {'the sweep reads every label':30} {read}")
        s.close()


if __name__ == "__main__":
    main()

"""How a verdict import writes its rows: chunks of IMPORT_CHUNK, one row a number, each
written by an upsert whose own condition holds back a verdict an import may not change
(``verdict_import``: rules 1, 2 and 4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from callwarden.policy import SCREENING_SOURCE
from callwarden.store.schema import verdicts

#: Rows an import writes in one transaction. Between two, the import lets this process's
#: waiting writes (the write-behind's block-log rows, reports, list changes) take SQLite's
#: write lock, so none waits longer than one chunk (docs/api.md, "Durability").
IMPORT_CHUNK = 2000


def last_per_number(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row a number, the last one (one INSERT ... ON CONFLICT statement cannot touch a
    row twice on PostgreSQL; a file listing a number twice meant its last row before)."""
    if len({r["number"] for r in rows}) == len(rows):
        return rows
    return list({r["number"]: r for r in rows}.values())


#: The columns an import writes, and on PostgreSQL the element types of the arrays a chunk
#: is sent as (no length: a cast to VARCHAR(n) would cut a value the column refuses).
IMPORT_COLUMNS: dict[str, Any] = {
    "number": sa.String(),
    "label": sa.String(),
    "score": sa.Float(),
    "category": sa.String(),
    "reasons": sa.Text(),
    "campaign": sa.String(),
    "source": sa.String(),
    "updated_at": sa.Float(),
    "import_id": sa.Integer(),
}


def chunk_writer(
    dialect: str, override_appeals: bool, scan_end: float | None = None
) -> Callable[[sa.Connection, list[dict[str, Any]]], set[str]]:
    """What writes an import's chunk (rows of ``IMPORT_COLUMNS``) as an upsert that holds
    back, by its own condition, a verdict an import may not change (rules 1 and 2, and
    rule 4 when ``scan_end``, the end of the import's scan day, is given: a screener's label
    written at or after it, ``policy.scan_day.keeps_screened_label`` in SQL), and returns
    the numbers it wrote.

    PostgreSQL: one statement a chunk, ``INSERT ... SELECT * FROM unnest(ARRAY, ...) ON
    CONFLICT DO UPDATE ... WHERE ... RETURNING number``: the change-notification triggers
    (migration 0009) fire once a chunk, not once a row as for an executemany (one statement
    a row), and RETURNING names only the rows the statement wrote: an appeal, a community
    label or a screener's label committed on a number since the chunk's read is held by the
    condition, and not counted as written. (Arrays, one parameter a column: a 2,000-row chunk took 71 ms,
    against 213 ms as an executemany and 404 ms as one multi-row VALUES statement.)
    SQLite: an executemany, as before; the chunk's BEGIN IMMEDIATE holds the write lock from
    its read on, so nothing else writes in between and every row sent is written."""
    v = verdicts.c
    columns = list(IMPORT_COLUMNS)
    ins: Any
    if dialect == "postgresql":
        arrays = (
            sa.func.unnest(
                *(sa.bindparam(c, type_=postgresql.ARRAY(t)) for c, t in IMPORT_COLUMNS.items())
            )
            .table_valued(*columns)
            .render_derived()
        )
        ins = postgresql.insert(verdicts).from_select(
            columns, sa.select(*(arrays.c[c] for c in columns))
        )
    else:
        ins = sqlite.insert(verdicts)
    ex = ins.excluded
    kept_by_people = sa.and_(v.source == "reports", ex.label == "benign")
    held_sql = kept_by_people if override_appeals else sa.or_(v.protected, kept_by_people)
    if scan_end is not None:
        held_sql = sa.or_(
            held_sql, sa.and_(v.source == SCREENING_SOURCE, v.updated_at >= float(scan_end))
        )
    updates = {c: ex[c] for c in columns if c != "number"}
    if override_appeals:
        updates["protected"] = sa.false()
    stmt = ins.on_conflict_do_update(index_elements=["number"], set_=updates, where=~held_sql)
    if dialect == "postgresql":
        returning = stmt.returning(v.number)

        def write_pg(conn: sa.Connection, todo: list[dict[str, Any]]) -> set[str]:
            params = {c: [r[c] for r in todo] for c in columns}
            return {n for (n,) in conn.execute(returning, params)}

        return write_pg

    def write_sqlite(conn: sa.Connection, todo: list[dict[str, Any]]) -> set[str]:
        conn.execute(stmt, todo)
        return {r["number"] for r in todo}

    return write_sqlite

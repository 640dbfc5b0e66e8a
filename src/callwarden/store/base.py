"""Shared plumbing of the store: the engine, the clock, dialect-neutral upserts, the audit log,
and the store's own errors (each carries the HTTP status the API answers with)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from callwarden.errors import CallwardenError
from callwarden.store.db import read_connection
from callwarden.store.schema import audit_log


class NotFoundError(CallwardenError):
    status_hint = 404
    code = "not_found"


class ConflictError(CallwardenError):
    status_hint = 409
    code = "conflict"


class RateLimitedError(CallwardenError):
    status_hint = 429
    code = "rate_limited"


class NotEligibleError(CallwardenError):
    """A report from someone who did not receive a call from the number recently."""

    status_hint = 422
    code = "report_not_eligible"


class StoreBase:
    """Holds the engine; the domain mixins (verdicts, reports, ...) add methods over it."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read(self) -> sa.Connection:
        """A connection for reads (on SQLite it never waits for a write in progress)."""
        return read_connection(self.engine)

    def upsert(
        self,
        conn: sa.Connection,
        table: sa.Table,
        rows: Sequence[Mapping[str, Any]],
        keys: Sequence[str],
        update: Mapping[str, Any] | None = None,
    ) -> None:
        """INSERT ... ON CONFLICT (keys) DO UPDATE, on SQLite and PostgreSQL alike.

        ``update`` maps column -> expression over ``excluded``-aware values; None updates every
        non-key column from the incoming row.
        """
        if not rows:
            return
        ins: Any
        if self.dialect == "postgresql":
            ins = postgresql.insert(table)
        elif self.dialect == "sqlite":
            ins = sqlite.insert(table)
        else:  # pragma: no cover - only the two supported dialects reach here
            raise CallwardenError(f"unsupported database dialect {self.dialect}")
        cols = (
            update
            if update is not None
            else {
                c.name: ins.excluded[c.name]
                for c in table.columns
                if c.name not in keys and c.name in rows[0]
            }
        )
        resolved = {k: (v(ins) if callable(v) else v) for k, v in cols.items()}
        stmt = (
            ins.on_conflict_do_update(index_elements=list(keys), set_=resolved)
            if resolved
            else (ins.on_conflict_do_nothing(index_elements=list(keys)))
        )
        for chunk in _chunks(rows, 2000):
            conn.execute(stmt, chunk)

    def audit(
        self, conn: sa.Connection, actor: str, action: str, target: str, detail: Mapping[str, Any]
    ) -> None:
        conn.execute(
            audit_log.insert().values(
                at=self.clock(),
                actor=actor,
                action=action,
                target=target,
                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
            )
        )

    def audit_trail(self, target: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        q = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if target is not None:
            q = q.where(audit_log.c.target == target)
        with self.read() as conn:
            rows = conn.execute(q).mappings().all()
        return [{**r, "detail": json.loads(r["detail"])} for r in rows]


def new_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row an INSERT just wrote."""
    pk = result.inserted_primary_key
    if pk is None:  # pragma: no cover - every insert here is a single-row insert
        raise CallwardenError("insert returned no primary key")
    return int(pk[0])


def _chunks(rows: Sequence[Mapping[str, Any]], n: int) -> Iterable[list[Mapping[str, Any]]]:
    for i in range(0, len(rows), n):
        yield list(rows[i : i + n])

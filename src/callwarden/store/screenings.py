"""Screened calls (``POST /v1/screenings``): one row per call_id, written with the callee's
block-log row of a rejected bot in one transaction, before the API answers.

Idempotent on call_id: the same transcript again (the same sha256) reads the stored row
back, another transcript under a stored call_id is a ConflictError (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from callwarden.store.base import ConflictError, StoreBase
from callwarden.store.schema import block_log, screenings

#: The verdicts a screening row holds, in the order counts are shown.
VERDICTS = ("bot", "human", "unsure")


class ScreeningsMixin(StoreBase):
    def record_screening(
        self, row: Mapping[str, Any], block: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], bool]:
        """Store one screened call (``row``: a ``screenings`` row) and, for a rejected bot,
        the callee's block-log row (``block``), in one transaction. Returns the stored row
        and whether it was written now (False: the same transcript was stored before, and
        nothing is written). Another transcript under a stored call_id is a ConflictError."""
        call_id = str(row["call_id"])
        try:
            with self.engine.begin() as conn:  # (SQLite: BEGIN IMMEDIATE, read and write as one)
                stored = self._screening(conn, call_id)
                if stored is None:
                    conn.execute(screenings.insert().values(**row))
                    if block is not None:
                        conn.execute(block_log.insert().values(**block))
                    return dict(row), True
        except sa.exc.IntegrityError:  # a concurrent twin's insert won (PostgreSQL)
            stored = self.get_screening(call_id)
            if stored is None:  # pragma: no cover - not the key's conflict: let it be seen
                raise
        if stored["transcript_sha256"] != row["transcript_sha256"]:
            raise ConflictError(
                f"call_id {row['call_id']!r} was screened with another transcript; a call is "
                "sent once, and a new call needs its own call_id"
            )
        return stored, False

    def _screening(self, conn: sa.Connection, call_id: str) -> dict[str, Any] | None:
        found = (
            conn.execute(sa.select(screenings).where(screenings.c.call_id == call_id))
            .mappings()
            .first()
        )
        return None if found is None else dict(found)

    def get_screening(self, call_id: str) -> dict[str, Any] | None:
        with self.read() as conn:
            return self._screening(conn, call_id)

    def screening_counts(self, number: str) -> dict[str, int]:
        """The calling number's stored screened calls by verdict (every verdict, 0 for
        none), and ``bot_callees``: the distinct callees that heard it judged a bot."""
        s = screenings.c
        with self.read() as conn:
            by: dict[str, int] = dict(
                conn.execute(
                    sa.select(s.verdict, sa.func.count())
                    .where(s.caller == number)
                    .group_by(s.verdict)
                ).all()
            )
            callees = conn.execute(
                sa.select(sa.func.count(sa.distinct(s.callee))).where(
                    s.caller == number, s.verdict == "bot"
                )
            ).scalar_one()
        return {**{v: int(by.get(v, 0)) for v in VERDICTS}, "bot_callees": int(callees)}

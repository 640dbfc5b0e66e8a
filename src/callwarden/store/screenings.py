"""Screened calls (``POST /v1/screenings``): one row per call_id, each answering the
``screen`` row decide wrote in the callee's block log for that call, linked to it
(``block_log.screening``) in the same transaction, before the API answers.

A screened call needs that row: same caller and callee, decide's time within the window the
route gives (docs/api.md, "Screenings"), not answered by another screened call; without one
it is a :class:`NoScreenDecisionError` (409), so every stored screening is a call decide sent
to the screener. Idempotent on call_id: the same transcript again (the same sha256) reads
the stored row back, another transcript under a stored call_id is a ConflictError (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from callwarden.store.base import ConflictError, StoreBase
from callwarden.store.schema import block_log, screenings

#: The verdicts a screening row holds, in the order counts are shown.
VERDICTS = ("bot", "human", "unsure")


class NoScreenDecisionError(ConflictError):
    """No ``screen`` decision in the callee's block log for a screened call to answer."""

    code = "no_screen_decision"


class ScreeningsMixin(StoreBase):
    def record_screening(
        self, row: Mapping[str, Any], decided: tuple[float, float]
    ) -> tuple[dict[str, Any], bool]:
        """Store one screened call (``row``: a ``screenings`` row) linked to decide's
        ``screen`` row for it in the callee's block log, in one transaction: the latest row
        of that caller to that callee, decided in ``decided`` (epoch seconds, both ends
        included), that no screened call answered yet. Returns the stored row and whether it
        was written now (False: the same transcript was stored before, and nothing is
        written). Another transcript under a stored call_id is a ConflictError; no such
        ``screen`` row, a NoScreenDecisionError (nothing written)."""
        call_id = str(row["call_id"])
        try:
            with self.engine.begin() as conn:  # (SQLite: BEGIN IMMEDIATE, read and write as one)
                stored = self._screening(conn, call_id)
                if stored is None:
                    entry = self._screen_entry(conn, row, decided)
                    conn.execute(screenings.insert().values(**row))
                    b = block_log.c
                    linked = conn.execute(
                        block_log.update()
                        .where(b.id == entry, b.screening.is_(None))
                        .values(screening=call_id)
                    ).rowcount
                    if linked != 1:  # another screened call took it meanwhile (PostgreSQL)
                        raise NoScreenDecisionError(_no_screen(row))
                    return dict(row), True
        except (sa.exc.IntegrityError, NoScreenDecisionError):
            # a concurrent twin's insert won (PostgreSQL), or its link to the screen row was
            # committed after this transaction looked for the call (then it is read back)
            stored = self.get_screening(call_id)
            if stored is None:  # not the key's conflict, or no screen row: let it be seen
                raise
        if stored["transcript_sha256"] != row["transcript_sha256"]:
            raise ConflictError(
                f"call_id {row['call_id']!r} was screened with another transcript; a call is "
                "sent once, and a new call needs its own call_id"
            )
        return stored, False

    def _screen_entry(
        self, conn: sa.Connection, row: Mapping[str, Any], decided: tuple[float, float]
    ) -> int:
        """The id of the ``screen`` row this screened call answers (module docstring)."""
        b = block_log.c
        found = conn.execute(
            sa.select(b.id)
            .where(
                b.subscriber == row["callee"],
                b.caller == row["caller"],
                b.action == "screen",
                b.screening.is_(None),
                b.at >= decided[0],
                b.at <= decided[1],
            )
            .order_by(b.at.desc(), b.id.desc())
            .limit(1)
        ).scalar()
        if found is None:
            raise NoScreenDecisionError(_no_screen(row))
        return int(found)

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


def _no_screen(row: Mapping[str, Any]) -> str:
    return (
        f"no call from {row['caller']} to {row['callee']} was sent to the screener around this"
        " call's start: POST /v1/decide answers `screen` first, and each of its answers takes"
        ' one screened call (docs/api.md, "Screenings"); nothing was stored'
    )

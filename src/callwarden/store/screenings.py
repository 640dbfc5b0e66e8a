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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa

from callwarden.policy import SCREENED_KINDS as KINDS
from callwarden.policy import SERVICE_KINDS, Verdict
from callwarden.store.base import ConflictError, StoreBase
from callwarden.store.schema import SCREENINGS_KEPT_TURNS, block_log, screenings

#: The verdicts a screening row holds, in the order counts are shown.
VERDICTS = ("bot", "human", "unsure")


def bot_call() -> sa.ColumnElement[bool]:
    """A screened call judged a bot whose words are no legitimate service's: the one
    definition of a bot call (GET /v1/numbers, case files, ``callwarden labels``)."""
    s = screenings.c
    return sa.and_(s.verdict == "bot", s.category.not_in(sorted(SERVICE_KINDS)))


def _kind() -> sa.ColumnElement[str]:
    s = screenings.c
    service = sa.and_(s.verdict == "bot", s.category.in_(sorted(SERVICE_KINDS)))
    return sa.case((service, sa.literal("service")), else_=s.verdict)


@dataclass(frozen=True, slots=True)
class ScreenedTally:
    """Screened calls by what they count as (``KINDS``), and distinct callees:
    ``bot_callees`` heard a bot (a service's left out), ``judged_callees`` heard any call
    of it judged (bot, a service's bot, person or unsure: the base of labels' bot share)."""

    bot: int = 0
    service: int = 0
    human: int = 0
    unsure: int = 0
    bot_callees: int = 0
    judged_callees: int = 0

    def counts(self) -> dict[str, int]:
        """The calls by kind, then ``bot_callees`` (GET /v1/numbers' shape)."""
        return {**{k: getattr(self, k) for k in KINDS}, "bot_callees": self.bot_callees}


def screened_tallies(
    conn: sa.Connection, where: sa.ColumnElement[bool]
) -> dict[str, ScreenedTally]:
    """Each calling number's screened calls among the rows ``where`` selects (SQL GROUP BY):
    the one place that says what a bot call and a bot callee are."""
    s = screenings.c
    kind = _kind().label("kind")
    by: dict[str, dict[str, int]] = {}
    for caller, k, n in conn.execute(
        sa.select(s.caller, kind, sa.func.count()).where(where).group_by(s.caller, kind)
    ):
        by.setdefault(caller, {})[str(k)] = int(n)

    def distinct(which: sa.ColumnElement[bool]) -> dict[str, int]:
        q = sa.select(s.caller, sa.func.count(sa.distinct(s.callee)))
        return {c: int(n) for c, n in conn.execute(q.where(where, which).group_by(s.caller))}

    bots = distinct(bot_call())
    judged = distinct(s.verdict.in_(VERDICTS))  # (an unsure callee heard it too)
    return {
        caller: ScreenedTally(
            **{k: n.get(k, 0) for k in KINDS},
            bot_callees=bots.get(caller, 0),
            judged_callees=judged.get(caller, 0),
        )
        for caller, n in by.items()
    }


def bot_callee_set(conn: sa.Connection, where: sa.ColumnElement[bool]) -> set[str]:
    """The callees that heard a bot call (``bot_call``) among the rows ``where`` selects:
    for distinct callees over several queries (a campaign's numbers, in chunks)."""
    s = screenings.c
    return set(conn.execute(sa.select(s.callee).where(where, bot_call()).distinct()).scalars())


class NoScreenDecisionError(ConflictError):
    """No ``screen`` decision in the callee's block log for a screened call to answer."""

    code = "no_screen_decision"


class Recorded(NamedTuple):
    """What ``record_screening`` did: the stored row, whether it was written now, and the
    live verdict storing it gave the caller (``store.screened_label``), if any."""

    row: dict[str, Any]
    created: bool
    labelled: Verdict | None = None


class ScreeningsMixin(StoreBase):
    def _label_from_screenings(self, conn: sa.Connection, row: Mapping[str, Any]) -> Verdict | None:
        """The caller's live label after ``row`` was stored (``store.screened_label``
        overrides this; None here)."""
        return None

    def record_screening(self, row: Mapping[str, Any], decided: tuple[float, float]) -> Recorded:
        """Store one screened call (``row``: a ``screenings`` row) linked to decide's
        ``screen`` row for it in the callee's block log, in one transaction: the oldest row
        of that caller to that callee, decided in ``decided`` (epoch seconds, both ends
        included), that no screened call answered yet (a redial's two calls: the first
        screened is the first answered). Returns the stored row, whether it was written now
        (False: the same transcript was stored before, and nothing is written) and the live
        label it gave the caller (``Recorded``). Another transcript under a stored call_id is
        a ConflictError; no such ``screen`` row, a NoScreenDecisionError (nothing written)."""
        call_id = str(row["call_id"])
        try:
            with self.engine.begin() as conn:  # (SQLite: BEGIN IMMEDIATE, read and write as one)
                if self.dialect == "postgresql":  # the live label's count, after its caller's
                    # lock, must see a concurrent call committed meanwhile (store.screened_label)
                    conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
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
                    return Recorded(dict(row), True, self._label_from_screenings(conn, row))
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
        return Recorded(stored, False)

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
            .order_by(b.at, b.id)  # the oldest: the first call screened is answered first
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
        """The calling number's stored screened calls by kind (``KINDS``, 0 for none), and
        ``bot_callees``: the distinct callees that heard it judged a bot (no service's)."""
        with self.read() as conn:
            got = screened_tallies(conn, screenings.c.caller == number)
        return got.get(number, ScreenedTally()).counts()


def _no_screen(row: Mapping[str, Any]) -> str:
    return (
        f"no call from {row['caller']} to {row['callee']} was sent to the screener around this"
        " call's start: POST /v1/decide answers `screen` first, and each of its answers takes"
        ' one screened call (docs/api.md, "Screenings"); nothing was stored'
    )


def recent_screening_ids(conn: sa.Connection, k: int) -> list[str]:
    """The call_ids of the last ``k`` stored screenings that keep turns, oldest first, in the
    order of the calls' times (``at``, indexed; then call_id): the window the screening route
    judges a call with (docs/screening.md, "Recent screenings with their features kept").
    A call whose turns ``callwarden prune`` emptied is left out, so a worker that kept its
    features before and one that reads it now judge alike."""
    if k <= 0:
        return []
    s = screenings.c
    q = (
        sa.select(s.call_id)
        .where(SCREENINGS_KEPT_TURNS)  # the partial index's own words, not a bound
        # parameter: SQLite uses a partial index only for a term written as its condition
        .order_by(s.at.desc(), s.call_id.desc())
        .limit(k)
    )
    return list(reversed(conn.execute(q).scalars().all()))


def screening_turns(conn: sa.Connection, call_ids: Sequence[str]) -> dict[str, str]:
    """The stored turns (JSON: the kept turns, no callee's) of these screened calls."""
    s = screenings.c
    out: dict[str, str] = {}
    for at in range(0, len(call_ids), 500):  # (bounded IN lists)
        chunk = list(call_ids[at : at + 500])
        q = sa.select(s.call_id, s.turns).where(s.call_id.in_(chunk))
        out.update((str(i), str(t)) for i, t in conn.execute(q))
    return out

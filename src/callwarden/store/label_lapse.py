"""Live labels that lapse: the screener's (``store.screened_label``) and the community's
(``store.reports``). Each label's audit entry records the whole verdict it replaced
(:func:`verdict_record`); when the label lapses that verdict is written back, with the import
that wrote it, or the number's row is deleted when it replaced none
(``policy.verdict_after_lapse``), and the lapse is audited.

A write is guarded by the label's own source and time: a row an appeal, an import or another
sweep changed meanwhile (several ``serve`` workers each sweep one PostgreSQL store) is left
as it is, so a label lapses once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from callwarden.policy import Thresholds, Verdict, verdict_after_lapse
from callwarden.store.db import IMPORTS_LOCK, yield_to_writers
from callwarden.store.operator_settings import read_thresholds
from callwarden.store.schema import audit_log, verdicts
from callwarden.store.verdict_rows import reasons_json, verdict_from_row, verdict_to_row
from callwarden.store.verdicts import VerdictsMixin

#: labels lapsed in one transaction (SQLite's write lock is held that long)
LAPSE_CHUNK = 200

#: asked, in the lapse's transaction, of one label: None when it still stands, else the
#: evidence of why it lapses (written into the audit entry)
Why = Callable[[sa.Connection, Verdict], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class LapsedLabel:
    """A live label that lapsed (or, on a dry run, would): given at ``labelled_at`` (store
    clock), replaced by ``restored`` (None: the number's row deleted)."""

    number: str
    labelled_at: float
    label: Verdict
    restored: Verdict | None
    evidence: Mapping[str, Any] = field(default_factory=dict)


def verdict_record(v: Verdict | None, import_id: int | None) -> dict[str, Any] | None:
    """A label's audit entry's ``verdict_before``: the verdict it replaced, whole, for the
    label's lapse to put back."""
    if v is None:
        return None
    return {
        "label": v.label,
        "score": v.score,
        "source": v.source,
        "category": v.category,
        "campaign": v.campaign,
        "reasons": json.loads(reasons_json(v.reasons)),
        "import_id": import_id,
    }


def _latest_entries(
    conn: sa.Connection, numbers: list[str], action: str
) -> dict[str, dict[str, Any]]:
    """Each number's latest ``action`` audit entry's detail (by ``ix_audit_log_target``); a
    number labelled, lapsed and labelled again has one entry each time."""
    a = audit_log.c
    q = (
        sa.select(a.target, a.detail)
        .where(a.target.in_(numbers), a.action == action)
        .order_by(a.at, a.id)
    )
    return {t: json.loads(d) for t, d in conn.execute(q)}  # (the latest last: it wins)


#: the live labels' sources (``GET /v1/review/labels``), each with the audit action that
#: gives its label (``store.screened_label``, ``store.reports``)
LIVE_SOURCES = {"screening": "screened_label", "reports": "community_label"}


@dataclass(frozen=True, slots=True)
class LiveLabel:
    """A live label standing (``live_labels``): given at ``labelled_at``, the number's
    verdict since ``live_since`` (the row's time: the order of the list, and its keyset).
    The two differ only for a community label that a screener's label gave back (the
    screener's is never given back): ``live_since`` is then when it came back, as the
    lapse's audit entry records it."""

    verdict: Verdict
    labelled_at: float
    live_since: float


def _given_at(conn: sa.Connection, numbers: list[str]) -> dict[str, float]:
    """When each number's latest community label was given (its audit entry, by
    ``ix_audit_log_target``). A label given back came back after it: the earlier time is
    when it was given; otherwise the entry, written after the row, is a moment later."""
    if not numbers:
        return {}
    a = audit_log.c
    q = (
        sa.select(a.target, sa.func.max(a.at))
        .where(a.target.in_(numbers), a.action == LIVE_SOURCES["reports"])
        .group_by(a.target)
    )
    return {t: float(at) for t, at in conn.execute(q)}


class LabelLapseMixin(VerdictsMixin):
    def _put_live_label(self, conn: sa.Connection, v: Verdict, over: Any) -> bool:
        """Write a live label (the screener's or the community's) over no row, or over a row
        that meets ``over`` (a condition on ``verdicts``) at the time of the write: the guard is
        in the upsert itself, so a row an appeal or another label inserted after the
        writer's read (no row to lock then) stays. Refreshes the campaigns the number leaves
        or joins, as ``put_verdict`` does. Whether it was written."""
        old = conn.execute(
            sa.select(verdicts.c.campaign).where(verdicts.c.number == v.number)
        ).scalar()
        row = {**verdict_to_row(v, self.clock()), "import_id": None}
        ins: Any = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(verdicts)
        stmt = ins.values(row).on_conflict_do_update(
            index_elements=["number"],
            set_={c: ins.excluded[c] for c in row if c != "number"},
            where=over,
        )
        if conn.execute(stmt.returning(verdicts.c.number)).first() is None:  # (psycopg's
            return False  # rowcount of an upsert is -1: a row comes back only if written)
        touched = sorted({c for c in (old, v.campaign) if c})
        if touched:
            self._refresh_campaigns(conn, touched)
        return True

    def live_labels(
        self,
        source: str,
        limit: int = 100,
        offset: int = 0,
        after: tuple[float, str] | None = None,
    ) -> list[LiveLabel]:
        """The live labels of ``source`` (the screener's: ``screening``; the community's:
        ``reports``), oldest first (by ``live_since``, then number): an operator's review of
        what the automatic labellers did. ``after`` (a label's ``live_since`` and number)
        starts the page after that label, which the sweeps removing the oldest labels meanwhile
        do not shift, as they shift ``offset`` (audit 31a L3: ten labels standing were on
        neither page). Read by the source's partial index, on ``(updated_at, number)`` since
        revision 0017 (no sort); a community label's given time from its latest
        ``community_label`` audit entry, for the page in one read."""
        if source not in LIVE_SOURCES:
            raise ValueError(f"no live labels of source {source!r}")
        v = verdicts.c
        q = sa.select(verdicts).where(v.source == source, ~v.protected)
        if after is not None:
            q = q.where(sa.tuple_(v.updated_at, v.number) > sa.tuple_(*after))
        q = q.order_by(v.updated_at, v.number).limit(limit).offset(offset)
        with self.read() as conn:
            rows = conn.execute(q).all()
            given = {} if source != "reports" else _given_at(conn, [r.number for r in rows])
        return [
            LiveLabel(
                verdict_from_row(r),
                min(float(r.updated_at), given.get(r.number, float(r.updated_at))),
                float(r.updated_at),
            )
            for r in rows
        ]

    def _lapse_labels(
        self,
        rows: Sequence[Any],
        *,
        label_action: str,
        lapse_action: str,
        apply: bool,
        actor: str,
        why: Why | None = None,
        on_lapsed: Callable[[list[LapsedLabel]], None] | None = None,
        keep_going: Callable[[], bool] | None = None,
    ) -> list[LapsedLabel]:
        """Lapse the labels ``rows`` (verdict rows of one source) whose ``why`` says so (all,
        without one), each put back as its ``label_action`` entry recorded the verdict it
        replaced and audited as ``lapse_action``; a dry run only lists them.

        ``on_lapsed`` hears each chunk's lapses once committed (serve's cache: a later chunk
        that fails must not leave the earlier ones acting there, audit 30a M1); the sweep
        stops between chunks once ``keep_going`` says no (serve stopping). Before each
        chunk the process's writers waiting for SQLite's write lock go first (the lock is not
        fair: a sweep of 10,000 labels kept a report waiting past the 10 s busy timeout,
        audit 30a H1), and on PostgreSQL the chunk waits for a verdict import to end (the
        import's lock, as a transaction lock): both write the same rows and campaigns, a lapse
        in the middle of an import left a campaign's count wrong and could deadlock (audit
        30a L2, L3)."""
        out: list[LapsedLabel] = []
        bands = None
        for start in range(0, len(rows), LAPSE_CHUNK):
            if keep_going is not None and not keep_going():
                break
            chunk = rows[start : start + LAPSE_CHUNK]
            if apply:
                yield_to_writers(self.engine)
            done: list[LapsedLabel] = []
            # SQLite: BEGIN IMMEDIATE to write; a dry run only reads
            with self.engine.begin() if apply else self.read() as conn:
                if apply and self.dialect == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(IMPORTS_LOCK, 0)))
                if bands is None:
                    saved = read_thresholds(conn)
                    bands = saved.thresholds if saved is not None else Thresholds()
                entries = _latest_entries(conn, [r.number for r in chunk], label_action)
                touched: set[str] = set()
                for r in chunk:
                    label = verdict_from_row(r)
                    evidence = {} if why is None else why(conn, label)
                    if evidence is None:
                        continue
                    before = entries.get(r.number, {}).get("verdict_before")
                    lapsed = LapsedLabel(
                        r.number,
                        float(r.updated_at),
                        label,
                        verdict_after_lapse(label, before, bands),
                        evidence,
                    )
                    if apply and not self._put_back(conn, lapsed, before, lapse_action, actor):
                        continue
                    done.append(lapsed)
                    after = lapsed.restored.campaign if lapsed.restored is not None else ""
                    touched.update(c for c in (label.campaign, after) if c)
                if apply and touched:
                    self._refresh_campaigns(conn, sorted(touched))
            out.extend(done)
            if done and on_lapsed is not None:
                on_lapsed(done)
        return out

    def _put_back(
        self,
        conn: sa.Connection,
        lapsed: LapsedLabel,
        before: Mapping[str, Any] | None,
        action: str,
        actor: str,
    ) -> bool:
        """Write ``lapsed.restored`` (or delete the row) if the label is still the row;
        audited. Whether it was."""
        v = verdicts.c
        still = sa.and_(
            v.number == lapsed.number,
            v.source == lapsed.label.source,
            v.updated_at == lapsed.labelled_at,
            ~v.protected,
        )
        restored = lapsed.restored
        if restored is None:
            done = conn.execute(verdicts.delete().where(still)).rowcount
        else:
            import_id = before.get("import_id") if before is not None else None
            row = {**verdict_to_row(restored, self.clock()), "import_id": import_id}
            row.pop("number")
            done = conn.execute(verdicts.update().where(still).values(row)).rowcount
        if done != 1:
            return False
        self.audit(
            conn,
            actor,
            action,
            lapsed.number,
            {
                **lapsed.evidence,
                "labelled_at": lapsed.labelled_at,
                "label": lapsed.label.label,
                "category": lapsed.label.category,
                "score": lapsed.label.score,
                "verdict_after": None
                if restored is None
                else {
                    "label": restored.label,
                    "score": restored.score,
                    "source": restored.source,
                    "category": restored.category,
                },
            },
        )
        return True

"""Reports (one vote per reporter and number, proven by a received call, rate-limited,
weighted by history) and appeals (owner -> operator review queue -> cleared and protected)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from callwarden.errors import InputError
from callwarden.policy import (
    DEFAULT_REPUTATION,
    Reason,
    ReporterHistory,
    ReputationConfig,
    Tally,
    Verdict,
    community_verdict,
    reporter_weight,
)
from callwarden.policy.reputation import meets_community_bar
from callwarden.store.base import (
    ConflictError,
    NotEligibleError,
    NotFoundError,
    RateLimitedError,
    new_id,
)
from callwarden.store.label_lapse import (
    LIVE_SOURCES,
    LabelLapseMixin,
    LapsedLabel,
    verdict_record,
)
from callwarden.store.schema import appeals, received_calls, reports, verdicts
from callwarden.store.subscribers import SubscribersMixin
from callwarden.store.verdict_rows import verdict_from_row

DAY = 86400.0
#: The audit actions of a community label and of its lapse.
COMMUNITY_LABEL = LIVE_SOURCES["reports"]
COMMUNITY_LABEL_LAPSED = "community_label_lapsed"
#: community labels tallied together (bound parameters a statement, far under SQLite's 32,766)
TALLY_CHUNK = 1000
APPEAL_STATUSES = ("pending", "accepted", "rejected")


def appeal_not_found(appeal_id: int) -> NotFoundError:
    """The one answer for an appeal id that is missing, or that the asker may not see (the
    API gives both the same 404, so appeal ids cannot be enumerated)."""
    return NotFoundError(f"no appeal {appeal_id}")


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    report_id: int
    weight: float
    tally: Tally
    verdict: Verdict | None  # the community verdict when this report flipped the number


def _flagged_by_detectors(verdict: Verdict | None) -> bool:
    """The number carries the detectors' or an operator's harassment/fraud label (a
    community label is the reporters' own word: it confirms nothing either way)."""
    return verdict is not None and verdict.label != "benign" and verdict.source != "reports"


class ReportsMixin(SubscribersMixin, LabelLapseMixin):
    reputation: ReputationConfig = DEFAULT_REPUTATION

    def _history(self, conn: sa.Connection, reporter: str) -> ReporterHistory:
        """Confirmed: the reporter's reports on numbers the detectors or operators flag now
        and had not flagged when reported (a label the reporter could already see confirms
        nothing). Refuted: reports on numbers now benign or cleared on appeal."""
        r, v = reports.c, verdicts.c
        row = conn.execute(
            sa.select(
                sa.func.coalesce(
                    sa.func.sum(
                        sa.case(
                            (
                                sa.and_(
                                    v.label != "benign", ~v.protected, ~r.flagged_when_reported
                                ),
                                1,
                            ),
                            else_=0,
                        )
                    ),
                    0,
                ),
                sa.func.coalesce(
                    sa.func.sum(sa.case((sa.or_(v.label == "benign", v.protected), 1), else_=0)), 0
                ),
            )
            .select_from(reports.join(verdicts, v.number == r.number))
            .where(r.reporter == reporter, v.source != "reports")
        ).one()
        return ReporterHistory(confirmed=int(row[0]), refuted=int(row[1]))

    def tally(self, conn: sa.Connection, number: str) -> Tally:
        """The reports against ``number`` and the subscribers it called, over one window
        (four times the report window: 28 days). Reports counted for ever against recent
        recipients let an old mass report label a courier once its calls slowed down."""
        r = reports.c
        since = self.clock() - self.reputation.tally_days * DAY
        recent = (r.number == number) & (r.created_at >= since)
        weighted, n = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(r.weight), 0.0), sa.func.count()).where(recent)
        ).one()
        top = conn.execute(
            sa.select(r.category)
            .where(recent, r.category != "")
            .group_by(r.category)
            .order_by(sa.func.sum(r.weight).desc(), r.category)
            .limit(1)
        ).scalar()
        recipients = self.recipients_since(conn, number, since)
        return Tally(number, float(weighted), int(n), recipients, top or "")

    def add_report(
        self, reporter: str, number: str, category: str, source: str, actor: str
    ) -> ReportOutcome:
        """Record one report; raises when it is not eligible, a repeat, or over the rate limit."""
        if reporter == number:
            raise InputError("a subscriber cannot report their own number")
        cfg = self.reputation
        now = self.clock()
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":  # one reporter's reports one at a time, so the
                # day's count below is not read by two at once (SQLite: BEGIN IMMEDIATE)
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(reporter))))
            self._lock_number(conn, number)  # and a community lapse of it waits (audit 30a M2)
            if not self.received_since(conn, reporter, number, now - cfg.recent_call_days * DAY):
                raise NotEligibleError(
                    f"{reporter} received no call from {number} in the last {cfg.recent_call_days} days"
                )
            r = reports.c
            if conn.execute(
                sa.select(r.id).where(r.reporter == reporter, r.number == number)
            ).first():
                raise ConflictError(f"{reporter} has already reported {number}")
            recent = conn.execute(
                sa.select(sa.func.count()).where(r.reporter == reporter, r.created_at >= now - DAY)
            ).scalar_one()
            if recent >= cfg.max_reports_per_day:
                raise RateLimitedError(
                    f"at most {cfg.max_reports_per_day} reports a day per subscriber"
                )
            weight = reporter_weight(self._history(conn, reporter), cfg)
            before = self.get_verdict(number, conn)
            try:
                rid = new_id(
                    conn.execute(
                        reports.insert().values(
                            reporter=reporter,
                            number=number,
                            category=category,
                            source=source,
                            weight=weight,
                            created_at=now,
                            flagged_when_reported=_flagged_by_detectors(before),
                        )
                    )
                )
            except sa.exc.IntegrityError as exc:  # a concurrent twin won the race (PostgreSQL)
                raise ConflictError(f"{reporter} has already reported {number}") from exc
            tally = self.tally(conn, number)
            q = sa.select(verdicts).where(verdicts.c.number == number)
            if self.dialect == "postgresql":  # an appeal or a screener's label waits (or wins)
                q = q.with_for_update()
            row = conn.execute(q).first()
            current = verdict_from_row(row) if row is not None else None
            flipped = community_verdict(tally, current, cfg)
            if flipped is not None and not self._put_community_label(conn, flipped):
                flipped = None  # a verdict written since the read stands (audit 30b M1)
            if flipped is not None:
                imported = row.import_id if row is not None else None
                self.audit(
                    conn,
                    "reputation",
                    COMMUNITY_LABEL,
                    number,
                    {
                        "weighted": tally.weighted,
                        "reporters": tally.reporters,
                        "recipients": tally.recipients,
                        # the whole verdict, for the label's lapse to put back
                        "verdict_before": verdict_record(current, imported),
                    },
                )
            self.audit(
                conn,
                actor,
                "report",
                number,
                {"reporter": reporter, "category": category, "source": source, "weight": weight},
            )
        return ReportOutcome(int(rid), weight, tally, flipped)

    def _put_community_label(self, conn: sa.Connection, v: Verdict) -> bool:
        """Write the community label only over no verdict or an unprotected benign one
        (``community_verdict``'s own condition), checked by the upsert itself
        (``_put_live_label``): a row an appeal or a screener's label inserted after the read
        stands. On PostgreSQL, a report's unguarded write overwrote an appeal accepted
        meanwhile (audit 30b M1). Whether it was written."""
        benign = sa.and_(~verdicts.c.protected, verdicts.c.label == "benign")
        return self._put_live_label(conn, v, benign)

    def lapse_community_labels(
        self,
        *,
        apply: bool = True,
        actor: str = "serve",
        numbers: Sequence[str] | None = None,
        on_lapsed: Callable[[list[LapsedLabel]], None] | None = None,
        keep_going: Callable[[], bool] | None = None,
    ) -> list[LapsedLabel]:
        """The community labels (of ``numbers``; None: all) whose reports no longer meet the
        bar over the live window (``meets_community_bar`` on today's tally: reports aged out
        of the 28 days, or the number called more people since), each replaced by the
        verdict it had replaced (``store.label_lapse``, which says what ``on_lapsed`` and
        ``keep_going`` do) and audited (action ``community_label_lapsed``, with the tally); a
        dry run (``apply=False``) only lists them. The tallies are read first, for all the
        labels at once (``_under_the_bar``), then each label due is tallied again in the
        transaction that lapses it, after ``add_report``'s lock of the number on PostgreSQL
        (SQLite: BEGIN IMMEDIATE), so a report given in between keeps it (audit 30a M2).
        Read oldest first by ``ix_verdicts_community_labels`` (only the labels)."""
        v = verdicts.c
        q = (
            sa.select(verdicts)
            .where(v.source == "reports", ~v.protected)
            .order_by(v.updated_at, v.number)
        )
        if numbers is not None:
            q = q.where(v.number.in_(sorted(set(numbers))))
        with self.read() as conn:
            rows = conn.execute(q).all()
            under = self._under_the_bar(conn, [r.number for r in rows])
        due = [r for r in rows if r.number in under]

        def why(conn: sa.Connection, label: Verdict) -> dict[str, Any] | None:
            if apply:
                self._lock_number(conn, label.number)
            return self._community_lapse(conn, label.number)

        return self._lapse_labels(
            due,
            label_action=COMMUNITY_LABEL,
            lapse_action=COMMUNITY_LABEL_LAPSED,
            apply=apply,
            actor=actor,
            why=why,
            on_lapsed=on_lapsed,
            keep_going=keep_going,
        )

    def _lock_number(self, conn: sa.Connection, number: str) -> None:
        """On PostgreSQL, one report on ``number`` and one community lapse of it at a time,
        to the end of the transaction (SQLite: BEGIN IMMEDIATE already orders them): the
        lapse's tally sees the report, or the report's sees the lapse and labels again."""
        if self.dialect == "postgresql":
            key = sa.func.hashtext(f"community:{number}")
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))

    def _under_the_bar(self, conn: sa.Connection, numbers: list[str]) -> set[str]:
        """Which of ``numbers`` the reports over the live window no longer label: the tally's
        counts for all of them at once (two GROUP BY reads a chunk of bound parameters, not
        ``tally``'s three reads a number: 1.2 ms a label on PostgreSQL); each one found here
        is tallied again by ``tally`` itself before it lapses."""
        r, rc = reports.c, received_calls.c
        since = self.clock() - self.reputation.tally_days * DAY
        out: set[str] = set()
        for start in range(0, len(numbers), TALLY_CHUNK):
            chunk = numbers[start : start + TALLY_CHUNK]
            weighed = {
                n: (float(w), int(k))
                for n, w, k in conn.execute(
                    sa.select(r.number, sa.func.sum(r.weight), sa.func.count())
                    .where(r.number.in_(chunk), r.created_at >= since)
                    .group_by(r.number)
                )
            }
            recipients: dict[str, int] = dict(
                conn.execute(
                    sa.select(rc.caller, sa.func.count())
                    .where(rc.caller.in_(chunk), rc.last_at >= since)
                    .group_by(rc.caller)
                ).all()
            )
            for n in chunk:
                w, k = weighed.get(n, (0.0, 0))
                if not meets_community_bar(w, k, recipients.get(n, 0), self.reputation):
                    out.add(n)
        return out

    def _community_lapse(self, conn: sa.Connection, number: str) -> dict[str, Any] | None:
        """None while ``number``'s reports meet the community bar, else today's tally."""
        t = self.tally(conn, number)
        if meets_community_bar(t.weighted, t.reporters, t.recipients, self.reputation):
            return None
        return {
            "weighted_reports": round(t.weighted, 2),
            "reporters": t.reporters,
            "recipients": t.recipients,
            "window_days": self.reputation.tally_days,
        }

    def report_summary(self, number: str) -> dict[str, Any]:
        r = reports.c
        with self.read() as conn:
            tally = self.tally(conn, number)
            since = self.clock() - self.reputation.tally_days * DAY
            by_cat = conn.execute(
                sa.select(r.category, sa.func.count())
                .where(r.number == number, r.created_at >= since)
                .group_by(r.category)
            ).all()
        return {
            "reports": tally.reporters,
            "weighted": round(tally.weighted, 3),
            "recipients": tally.recipients,
            "by_category": {c or "unspecified": int(n) for c, n in by_cat},
        }

    def reports_by(self, reporter: str, limit: int = 100) -> list[dict[str, Any]]:
        q = (
            sa.select(reports)
            .where(reports.c.reporter == reporter)
            .order_by(reports.c.id.desc())
            .limit(limit)
        )
        with self.read() as conn:
            return [dict(x) for x in conn.execute(q).mappings()]

    # Appeals ------------------------------------------------------------------------------
    def create_appeal(
        self, number: str, owner: str, contact: str, statement: str, actor: str
    ) -> int:
        a = appeals.c
        with self.engine.begin() as conn:
            if conn.execute(
                sa.select(a.id).where(a.number == number, a.status == "pending")
            ).first():
                raise ConflictError(f"an appeal for {number} is already pending review")
            try:
                aid = new_id(
                    conn.execute(
                        appeals.insert().values(
                            number=number,
                            owner=owner,
                            contact=contact,
                            statement=statement,
                            filed_by=actor,
                            status="pending",
                            created_at=self.clock(),
                        )
                    )
                )
            except sa.exc.IntegrityError as exc:  # uq_appeals_pending_number: a concurrent twin
                raise ConflictError(f"an appeal for {number} is already pending review") from exc
            self.audit(conn, actor, "appeal", number, {"appeal_id": int(aid), "owner": owner})
        return int(aid)

    def get_appeal(self, appeal_id: int) -> dict[str, Any]:
        with self.read() as conn:
            row = (
                conn.execute(sa.select(appeals).where(appeals.c.id == appeal_id)).mappings().first()
            )
        if row is None:
            raise appeal_not_found(appeal_id)
        return dict(row)

    def list_appeals(
        self, status: str | None = None, number: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        q = sa.select(appeals).order_by(appeals.c.created_at, appeals.c.id).limit(limit)
        if status is not None:
            q = q.where(appeals.c.status == status)
        if number is not None:
            q = q.where(appeals.c.number == number)
        with self.read() as conn:
            return [dict(x) for x in conn.execute(q).mappings()]

    def review_appeal(
        self, appeal_id: int, accept: bool, reviewer: str, note: str
    ) -> Verdict | None:
        """Close a pending appeal. Accepting clears the label and protects the number; the
        verdict it replaces stays in the audit log. Returns the new verdict when accepted."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(appeals).where(appeals.c.id == appeal_id)).first()
            if row is None:
                raise appeal_not_found(appeal_id)
            if row.status != "pending":
                raise ConflictError(f"appeal {appeal_id} was already {row.status}")
            status = "accepted" if accept else "rejected"
            # Only a pending appeal is closed: on PostgreSQL (READ COMMITTED) a concurrent
            # review may have closed it since the read above; it then wins, this one is late.
            if not conn.execute(
                appeals.update()
                .where(appeals.c.id == appeal_id, appeals.c.status == "pending")
                .values(
                    status=status, reviewed_at=self.clock(), reviewer=reviewer, review_note=note
                )
            ).rowcount:
                raise ConflictError(f"appeal {appeal_id} was reviewed meanwhile")
            stored = conn.execute(
                sa.select(verdicts).where(verdicts.c.number == row.number)
            ).first()
            before = verdict_from_row(stored) if stored is not None else None
            cleared: Verdict | None = None
            if accept:
                cleared = Verdict(
                    number=row.number,
                    label="benign",
                    score=0.0,
                    category=before.category if before else "",
                    reasons=(Reason("appeal_accepted", {"appeal_id": appeal_id}),),
                    campaign="",
                    source="appeal",
                    protected=True,
                )
                self.put_verdict(conn, cleared)
            self.audit(
                conn,
                reviewer,
                f"appeal_{status}",
                row.number,
                {
                    "appeal_id": appeal_id,
                    "note": note,
                    # the whole verdict overturned, with the import that wrote it (its scan
                    # day and model: GET /v1/numbers' provenance), as a label's entry has it
                    "verdict_before": verdict_record(
                        before, stored.import_id if stored is not None else None
                    ),
                },
            )
        return cleared

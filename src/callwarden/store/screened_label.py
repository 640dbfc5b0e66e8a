"""The screener's live label, written in the transaction that stores a screened bot call
(``ScreeningsMixin.record_screening``), as ``ReportsMixin.add_report`` writes a community
label: the caller's screened calls over the live window are counted
(``training_labels.screened_calls``, the count ``callwarden labels`` reads),
``policy.screened_verdict`` says whether they label it, and the verdict is put and audited
(actor ``screening``, action ``screened_label``). Serve's verdict cache hears of it from the
route (``AppState.set_verdict``) and, on PostgreSQL, every other worker from the verdicts
table's change notification (``api.invalidation``).

A label lapses ``ScreenedBotConfig.label_days`` after it was given
(``lapse_screened_labels``: ``serve``'s thread, ``api.label_lapse``, and ``callwarden prune
--screened-labels-days``): the verdict its audit entry recorded as replaced comes back."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa

from callwarden.detect.feedback_labels import top_category
from callwarden.policy import (
    DEFAULT_SCREENED_BAR,
    FRAUD_KINDS,
    SCREENING_SOURCE,
    SERVICE_KINDS,
    Registration,
    Registry,
    ScreenedBotConfig,
    ScreenedBots,
    Thresholds,
    Verdict,
    screened_verdict,
)
from callwarden.store.io import PatternUse, usable
from callwarden.store.label_lapse import (
    LIVE_SOURCES,
    LabelLapseMixin,
    LapsedLabel,
    verdict_record,
)
from callwarden.store.operator_settings import OperatorSettingsMixin, read_thresholds
from callwarden.store.schema import audit_log, registrations, screenings, verdicts
from callwarden.store.screenings import ScreeningsMixin
from callwarden.store.training_labels import screened_calls
from callwarden.store.verdict_rows import verdict_from_row

DAY = 86400.0
#: The audit action of a screener's live label.
SCREENED_LABEL = LIVE_SOURCES["screening"]
#: The audit action of a label's lapse (``lapse_screened_labels``).
SCREENED_LABEL_LAPSED = "screened_label_lapsed"


class ScreenedLabelMixin(ScreeningsMixin, LabelLapseMixin, OperatorSettingsMixin):
    screened_bar: ScreenedBotConfig = DEFAULT_SCREENED_BAR

    def _label_from_screenings(self, conn: sa.Connection, row: Mapping[str, Any]) -> Verdict | None:
        """After the screened call ``row`` was stored in ``conn``'s transaction: the verdict
        it labels its caller with, put and audited there, or None (module docstring). Only a
        bot call (``store.screenings.bot_call``: no service's) can raise the bot callees."""
        cfg = self.screened_bar
        if not cfg.live or row["verdict"] != "bot" or row["category"] in SERVICE_KINDS:
            return None
        caller, call_id = str(row["caller"]), str(row["call_id"])
        if self.dialect == "postgresql":  # one caller's screened calls counted one at a time,
            # so two concurrent bot calls both see each other (SQLite: BEGIN IMMEDIATE)
            key = sa.func.hashtext(f"screened:{caller}")
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
        since = self.clock() - cfg.window_days * DAY
        where = sa.and_(screenings.c.caller == caller, screenings.c.at >= since)
        s = screened_calls(conn, where, one_caller=True)
        calls = s.get(caller)
        if calls is None:
            return None
        bots = ScreenedBots(
            caller,
            calls.bot_callees,
            calls.judged(),
            top_category(calls.bot_categories, FRAUD_KINDS),
        )
        current, current_import = self._current_verdict(conn, caller)
        bands = read_thresholds(conn)  # on this transaction's connection: a second checkout
        # here held a connection while waiting for another, and a burst of bot calls emptied
        # the pool (503s after 30 s on PostgreSQL, 'database is locked' on SQLite; audit b H1)
        verdict = screened_verdict(
            bots,
            current,
            _registry(conn, caller).lookup(caller) is not None,
            bands.thresholds if bands is not None else Thresholds(),
            cfg,
        )
        if verdict is None or not self._put_label(conn, verdict):
            return None
        self.audit(
            conn,
            "screening",
            SCREENED_LABEL,
            caller,
            {
                "call_id": call_id,
                "label": verdict.label,
                "category": verdict.category,
                **verdict.reasons[0].evidence,
                # the whole verdict, for the label's lapse to put back
                "verdict_before": verdict_record(current, current_import),
            },
        )
        return verdict

    def _current_verdict(
        self, conn: sa.Connection, caller: str
    ) -> tuple[Verdict | None, int | None]:
        """The caller's verdict and the import that wrote it, on PostgreSQL locked to the
        end of the transaction: an appeal accepted meanwhile (``review_appeal``'s upsert)
        waits for the label, then replaces it (SQLite: BEGIN IMMEDIATE already holds every
        other writer)."""
        q = sa.select(verdicts).where(verdicts.c.number == caller)
        if self.dialect == "postgresql":
            q = q.with_for_update()
        row = conn.execute(q).first()
        if row is None:
            return None, None
        return verdict_from_row(row), row.import_id

    def _put_label(self, conn: sa.Connection, v: Verdict) -> bool:
        """Write the label unless the number's row is (by now) cleared on appeal or labelled
        by the screener (``_put_live_label``: an appeal that inserted the row after the read
        above, no row to lock then, still wins). Whether it was written."""
        held = sa.or_(verdicts.c.protected, verdicts.c.source.in_(("appeal", SCREENING_SOURCE)))
        return self._put_live_label(conn, v, ~held)

    def lapse_screened_labels(
        self,
        given_before: float,
        *,
        apply: bool = True,
        actor: str = "serve",
        on_lapsed: Callable[[list[LapsedLabel]], None] | None = None,
        keep_going: Callable[[], bool] | None = None,
    ) -> list[LapsedLabel]:
        """The screener's labels given before ``given_before`` (store clock), each replaced by
        the verdict it had replaced (``store.label_lapse``, which says what ``on_lapsed`` and
        ``keep_going`` do) and audited (action ``screened_label_lapsed``); a dry run
        (``apply=False``) only lists them. A label that had merged over a community label
        gives it back as it was: the caller then asks ``lapse_community_labels`` about those
        numbers (its reports may have aged out meanwhile: audit 30a L1). Read by
        ``ix_verdicts_screening_labels`` (only the labels)."""
        v = verdicts.c
        q = (
            sa.select(verdicts)
            .where(v.source == SCREENING_SOURCE, v.updated_at < given_before, ~v.protected)
            .order_by(v.updated_at, v.number)
        )
        with self.read() as conn:
            rows = conn.execute(q).all()
        return self._lapse_labels(
            rows,
            label_action=SCREENED_LABEL,
            lapse_action=SCREENED_LABEL_LAPSED,
            apply=apply,
            actor=actor,
            on_lapsed=on_lapsed,
            keep_going=keep_going,
        )

    def label_given_at(self, number: str) -> float | None:
        """When ``number``'s screener's label was given (store clock), None when its verdict
        is no such label."""
        v = verdicts.c
        with self.read() as conn:
            at = conn.execute(
                sa.select(v.updated_at).where(v.number == number, v.source == SCREENING_SOURCE)
            ).scalar()
        return None if at is None else float(at)

    def labelled_by_call(self, caller: str, call_id: str) -> bool:
        """Whether storing ``call_id`` labelled ``caller`` (its ``screened_label`` audit entry
        names the call): a repeat of that call answers as the first post did."""
        a = audit_log.c
        with self.read() as conn:
            rows = conn.execute(
                sa.select(a.detail).where(a.target == caller, a.action == SCREENED_LABEL)
            ).scalars()
            return any(json.loads(d).get("call_id") == call_id for d in rows)


def _registry(conn: sa.Connection, number: str) -> Registry:
    """The registrations that could cover ``number`` (as ``load_registry`` reads them): the
    number itself and its prefixes, by the primary key (every registration read and parsed
    on each bot call took 2 s at 100,000 of them)."""
    patterns = [number] + [number[:n] + "*" for n in range(len(number) + 1)]
    regs = conn.execute(sa.select(registrations).where(registrations.c.pattern.in_(patterns))).all()
    keep = set(usable([g.pattern for g in regs], PatternUse.REGISTRATION))
    return Registry.of(
        [
            Registration(g.pattern, g.name, g.category, tuple(json.loads(g.callee_prefixes)))
            for g in regs
            if g.pattern in keep
        ]
    )

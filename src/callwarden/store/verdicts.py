"""Verdicts, campaigns and registered business numbers."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from callwarden.policy import Reason, Registration, Registry, Verdict
from callwarden.store.base import NotFoundError, StoreBase
from callwarden.store.schema import audit_log, campaigns, registrations, verdicts

log = logging.getLogger(__name__)

#: A campaign's representative member, at equal score: the more severe label first.
LABEL_SEVERITY = {"fraud": 0, "harassment": 1, "benign": 2}


def reasons_json(reasons: Iterable[Reason]) -> str:
    return json.dumps(
        [{"code": r.code, "evidence": r.evidence} for r in reasons], ensure_ascii=False
    )


#: the reason that stands in for a stored reasons cell that cannot be read back
UNREADABLE_REASONS = "unreadable_reasons"


def reasons_from_json(text: str) -> tuple[Reason, ...]:
    """Stored reasons back as values. A damaged cell (not JSON, not a list of objects, or
    nested too deep for the decoder, as rows written before evidence was bounded can be)
    reads as one ``unreadable_reasons`` reason: one row must not keep the verdict cache,
    and so the server, from loading."""
    try:
        items = json.loads(text or "[]")
        if not isinstance(items, list):
            raise TypeError(f"a {type(items).__name__}, not a list")
        return tuple(Reason.from_dict(r) for r in items)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        log.warning("stored reasons cannot be read (%s); shown as %s", exc, UNREADABLE_REASONS)
        return (Reason(UNREADABLE_REASONS, {"error": type(exc).__name__}),)


def reasons_list_from_json(text: str) -> list[dict[str, Any]]:
    """Stored reasons as JSON objects (``code``, ``evidence``), read as tolerantly."""
    return [{"code": r.code, "evidence": r.evidence} for r in reasons_from_json(text)]


def verdict_from_row(r: Any) -> Verdict:
    return Verdict(
        number=r.number,
        label=r.label,
        score=float(r.score),
        category=r.category,
        reasons=reasons_from_json(r.reasons),
        campaign=r.campaign,
        source=r.source,
        protected=bool(r.protected),
    )


def _row(v: Verdict, now: float) -> dict[str, Any]:
    return {
        "number": v.number,
        "label": v.label,
        "score": float(v.score),
        "category": v.category,
        "reasons": reasons_json(v.reasons),
        "campaign": v.campaign,
        "source": v.source,
        "protected": v.protected,
        "updated_at": now,
    }


def _latest_entries(conn: sa.Connection, targets: list[str]) -> dict[str, tuple[str, Any]]:
    """Each target's latest audit entry, as (action, detail); targets without one are absent."""
    out: dict[str, tuple[str, Any]] = {}
    a = audit_log.c
    for start in range(0, len(targets), 1000):
        chunk = targets[start : start + 1000]
        last = sa.select(sa.func.max(a.id)).where(a.target.in_(chunk)).group_by(a.target)
        for r in conn.execute(sa.select(a.target, a.action, a.detail).where(a.id.in_(last))):
            try:
                out[r.target] = (r.action, json.loads(r.detail))
            except ValueError:  # a damaged detail cell matches nothing: the entry is written
                continue
    return out


class VerdictsMixin(StoreBase):
    def import_verdicts(
        self, items: Iterable[Verdict], actor: str = "import", override_appeals: bool = False
    ) -> int:
        """Upsert model verdicts and refresh campaigns, by the precedence rule:

        1. an accepted appeal (``protected``, source ``appeal``) is a person's decision: an
           import never changes it, unless an operator imports with ``override_appeals``
           (the number is then the model's again, unprotected);
        2. a label the community gave (source ``reports``) is not undone by a model verdict
           of ``benign``; a model label (harassment, fraud) replaces it;
        3. any other verdict is replaced by the import.

        A model verdict that is held back is recorded in the audit log
        (``model_verdict_held``, with its label, score, category and the source kept), once:
        not again while the number's latest audit entry already records that same held
        verdict (re-importing the same file, as ``serve --verdicts`` does at each restart,
        adds nothing; a different held verdict, or the same one after any other entry on
        the number such as a report or an appeal decision, is recorded). The import's own
        entry counts every row held back (``held``) and those recorded (``held_recorded``).
        Returns the rows read.
        """
        now = self.clock()
        rows = [_row(v, now) for v in items]
        for r in rows:  # the protected flag is the appeal's to set, never an import's
            del r["protected"]
        v = verdicts.c
        ins: Any = (postgresql if self.dialect == "postgresql" else sqlite).insert(verdicts)
        ex = ins.excluded
        kept_by_people = sa.and_(v.source == "reports", ex.label == "benign")
        held_sql = kept_by_people if override_appeals else sa.or_(v.protected, kept_by_people)
        updates = {c: ex[c] for c in rows[0] if c != "number"} if rows else {}
        if override_appeals:
            updates["protected"] = sa.false()
        stmt = ins.on_conflict_do_update(index_elements=["number"], set_=updates, where=~held_sql)
        with self.engine.begin() as conn:
            standing = {
                r.number: r
                for r in conn.execute(
                    sa.select(v.number, v.source, v.protected).where(
                        sa.or_(v.protected, v.source == "reports")
                    )
                )
            }
            held = [
                r
                for r in rows
                if (s := standing.get(r["number"])) is not None
                and (
                    (s.protected and not override_appeals)
                    or (s.source == "reports" and r["label"] == "benign")
                )
            ]
            for start in range(0, len(rows), 2000):
                conn.execute(stmt, rows[start : start + 2000])
            self._refresh_campaigns(conn)
            held_detail = {
                r["number"]: {
                    "label": r["label"],
                    "score": r["score"],
                    "category": r["category"],
                    "kept": standing[r["number"]].source,
                }
                for r in held
            }
            latest = _latest_entries(conn, list(held_detail))
            recorded = 0
            for number, detail in held_detail.items():
                if latest.get(number) != ("model_verdict_held", detail):
                    self.audit(conn, actor, "model_verdict_held", number, detail)
                    recorded += 1
            detail = {
                "rows": len(rows),
                "held": len(held),
                "held_recorded": recorded,
                "override_appeals": override_appeals,
            }
            self.audit(conn, actor, "import_verdicts", "verdicts", detail)
        return len(rows)

    def put_verdict(self, conn: sa.Connection, v: Verdict) -> None:
        self.upsert(conn, verdicts, [_row(v, self.clock())], ["number"])

    def load_verdicts(self) -> dict[str, Verdict]:
        """Every verdict, keyed by E.164 number: the in-memory cache ``decide`` reads."""
        with self.read() as conn:
            return {r.number: verdict_from_row(r) for r in conn.execute(sa.select(verdicts))}

    def protected_numbers(self) -> set[str]:
        """Numbers cleared on appeal (their verdicts are ``protected``)."""
        with self.read() as conn:
            q = sa.select(verdicts.c.number).where(verdicts.c.protected)
            return {r[0] for r in conn.execute(q)}

    def get_verdict(self, number: str, conn: sa.Connection | None = None) -> Verdict | None:
        q = sa.select(verdicts).where(verdicts.c.number == number)
        if conn is not None:
            row = conn.execute(q).first()
        else:
            with self.read() as c:
                row = c.execute(q).first()
        return verdict_from_row(row) if row is not None else None

    def _refresh_campaigns(self, conn: sa.Connection) -> None:
        """One row a campaign: its count of numbers and top score, and the label and category
        of ONE member, its representative: the highest score; at equal score the more severe
        label (fraud, harassment, benign), then the smallest category, then the smallest
        number (each number is one row, so the choice is total). Label and category are never
        mixed from two members. Strings compare bytewise on both databases."""
        conn.execute(campaigns.delete())
        v = verdicts.c
        agg = (
            sa.select(
                v.campaign,
                sa.func.count().label("numbers"),
                sa.func.max(v.score).label("max_score"),
            )
            .where(v.campaign != "")
            .group_by(v.campaign)
            .subquery()
        )
        severity = sa.case(LABEL_SEVERITY, value=v.label, else_=len(LABEL_SEVERITY))
        rank = (
            sa.func.row_number()
            .over(
                partition_by=v.campaign,
                order_by=(
                    v.score.desc(),
                    severity,
                    self._bytewise(v.category),
                    self._bytewise(v.number),
                ),
            )
            .label("member_rank")
        )
        ranked = sa.select(v.campaign, v.label, v.category, rank).where(v.campaign != "").subquery()
        top = (
            sa.select(ranked.c.campaign, ranked.c.label, ranked.c.category)
            .where(ranked.c.member_rank == 1)
            .subquery()
        )
        conn.execute(
            campaigns.insert().from_select(
                ["campaign", "label", "category", "numbers", "max_score", "updated_at"],
                sa.select(
                    agg.c.campaign,
                    top.c.label,
                    top.c.category,
                    agg.c.numbers,
                    agg.c.max_score,
                    sa.literal(self.clock(), sa.Float),
                ).join(top, top.c.campaign == agg.c.campaign),
            )
        )

    def _bytewise(self, col: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        """``col`` ordered by its bytes: SQLite's default; PostgreSQL's "C" collation (its
        default follows the server's locale)."""
        return col.collate("C") if self.dialect == "postgresql" else col

    def list_campaigns(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        q = (
            sa.select(campaigns)
            .order_by(campaigns.c.numbers.desc(), campaigns.c.campaign)
            .limit(limit)
            .offset(offset)
        )
        with self.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def get_campaign(self, campaign: str, max_numbers: int = 1000) -> dict[str, Any]:
        with self.read() as conn:
            row = (
                conn.execute(sa.select(campaigns).where(campaigns.c.campaign == campaign))
                .mappings()
                .first()
            )
            if row is None:
                raise NotFoundError(f"no campaign {campaign!r}")
            nums = conn.execute(
                sa.select(verdicts.c.number, verdicts.c.score)
                .where(verdicts.c.campaign == campaign)
                .order_by(verdicts.c.score.desc())
                .limit(max_numbers)
            ).all()
        return {**row, "members": [{"number": n, "score": float(s)} for n, s in nums]}

    # Registered business numbers -------------------------------------------------------
    def put_registration(self, reg: Registration, actor: str) -> None:
        row = {
            "pattern": reg.pattern,
            "name": reg.name,
            "category": reg.category,
            "callee_prefixes": json.dumps(list(reg.callee_prefixes)),
            "created_at": self.clock(),
        }
        with self.engine.begin() as conn:
            self.upsert(conn, registrations, [row], ["pattern"])
            self.audit(
                conn,
                actor,
                "register_business",
                reg.pattern,
                {"name": reg.name, "category": reg.category},
            )

    def delete_registration(self, pattern: str, actor: str) -> None:
        with self.engine.begin() as conn:
            n = conn.execute(
                registrations.delete().where(registrations.c.pattern == pattern)
            ).rowcount
            if not n:
                raise NotFoundError(f"no registration {pattern!r}")
            self.audit(conn, actor, "unregister_business", pattern, {})

    def list_registrations(self) -> list[Registration]:
        with self.read() as conn:
            rows = conn.execute(sa.select(registrations).order_by(registrations.c.pattern)).all()
        return [
            Registration(r.pattern, r.name, r.category, tuple(json.loads(r.callee_prefixes)))
            for r in rows
        ]

    def load_registry(self) -> Registry:
        """The registrations a call is matched against (``store.io.usable``: an invalid old
        prefix matches nothing; ``list_registrations`` still shows it)."""
        from callwarden.store.io import PatternUse, usable  # store.io imports this module

        regs = self.list_registrations()
        keep = set(usable([r.pattern for r in regs], PatternUse.REGISTRATION))
        return Registry.of([r for r in regs if r.pattern in keep])

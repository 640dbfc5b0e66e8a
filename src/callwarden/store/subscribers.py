"""Per-subscriber data: settings, allow/block lists, the block log (拦截记录), received calls."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from callwarden.policy import ListKind, PatternSet, Protection, SubscriberPolicy
from callwarden.store.base import ConflictError, NotFoundError, StoreBase
from callwarden.store.io import PatternUse, usable
from callwarden.store.schema import block_log, list_entries, received_calls, screenings, settings
from callwarden.store.verdict_rows import reasons_list_from_json

#: The most patterns one subscriber's allow list, or block list, holds: each list is held in
#: memory by every decision worker and sent whole with every change.
MAX_LIST_ENTRIES = 10_000
#: First key of the PostgreSQL advisory lock a list's additions take (the second: the
#: subscriber and list kind's hash).
LIST_LOCK = 0x63770002


class SubscribersMixin(StoreBase):
    # Settings ---------------------------------------------------------------------------
    def get_settings(self, subscriber: str) -> tuple[Protection, list[str]]:
        with self.read() as conn:
            row = conn.execute(
                sa.select(settings).where(settings.c.subscriber == subscriber)
            ).first()
        if row is None:
            return Protection.STANDARD, []
        return Protection(row.protection), list(json.loads(row.refused_categories))

    def put_settings(
        self, subscriber: str, protection: Protection, refused: Sequence[str], actor: str
    ) -> None:
        row = {
            "subscriber": subscriber,
            "protection": protection.value,
            "refused_categories": json.dumps(sorted(set(refused))),
            "updated_at": self.clock(),
        }
        with self.engine.begin() as conn:
            self.upsert(conn, settings, [row], ["subscriber"])
            self.audit(
                conn,
                actor,
                "put_settings",
                subscriber,
                {"protection": protection.value, "refused_categories": sorted(set(refused))},
            )

    # Lists -------------------------------------------------------------------------------
    def list_patterns(self, subscriber: str, kind: ListKind) -> list[dict[str, Any]]:
        le = list_entries.c
        q = (
            sa.select(le.pattern, le.note, le.created_at)
            .where(le.subscriber == subscriber, le.kind == kind.value)
            .order_by(le.pattern)
        )
        with self.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def add_pattern(
        self, subscriber: str, kind: ListKind, pattern: str, note: str, actor: str
    ) -> None:
        row = {
            "subscriber": subscriber,
            "kind": kind.value,
            "pattern": pattern,
            "note": note,
            "created_at": self.clock(),
        }
        le = list_entries.c
        mine = (le.subscriber == subscriber) & (le.kind == kind.value)
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":  # one list's additions one at a time, so two
                # cannot both count 9,999 and pass the cap (SQLite: BEGIN IMMEDIATE)
                key = sa.func.hashtext(f"{subscriber}:{kind.value}")
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LIST_LOCK, key)))
            held = conn.execute(sa.select(sa.func.count()).where(mine)).scalar_one()
            if (
                held >= MAX_LIST_ENTRIES
                and not conn.execute(
                    sa.select(le.pattern).where(mine, le.pattern == pattern)
                ).first()
            ):
                raise ConflictError(
                    f"the {kind.value} list holds {held:,} patterns, the most it can"
                    f" ({MAX_LIST_ENTRIES:,}): remove some, or use a prefix (400*)"
                )
            self.upsert(
                conn, list_entries, [row], ["subscriber", "kind", "pattern"], {"note": note}
            )
            self.audit(conn, actor, f"add_{kind.value}", subscriber, {"pattern": pattern})

    def remove_pattern(self, subscriber: str, kind: ListKind, pattern: str, actor: str) -> None:
        le = list_entries.c
        with self.engine.begin() as conn:
            n = conn.execute(
                list_entries.delete().where(
                    le.subscriber == subscriber, le.kind == kind.value, le.pattern == pattern
                )
            ).rowcount
            if not n:
                raise NotFoundError(f"{pattern!r} is not in the {kind.value} list")
            self.audit(conn, actor, f"remove_{kind.value}", subscriber, {"pattern": pattern})

    def customised_subscribers(self) -> set[str]:
        """Subscribers with any setting or list entry; everyone else has the default policy."""
        with self.read() as conn:
            q = sa.union(sa.select(settings.c.subscriber), sa.select(list_entries.c.subscriber))
            return {r[0] for r in conn.execute(q)}

    def load_policies(self) -> dict[str, SubscriberPolicy]:
        """Every customised subscriber's policy in two bulk reads (cache warm-up)."""
        le = list_entries.c
        with self.read() as conn:
            srows = {r.subscriber: r for r in conn.execute(sa.select(settings))}
            lists: dict[str, tuple[list[str], list[str]]] = {}
            for sub, kind, pat in conn.execute(sa.select(le.subscriber, le.kind, le.pattern)):
                allow, block = lists.setdefault(sub, ([], []))
                (allow if kind == ListKind.ALLOW.value else block).append(pat)
        out: dict[str, SubscriberPolicy] = {}
        for sub in list(srows) + [s for s in lists if s not in srows]:
            out[sub] = _policy(sub, srows.get(sub), *lists.get(sub, ([], [])))
        return out

    def load_policy(self, subscriber: str) -> SubscriberPolicy | None:
        """The subscriber's settings and lists as the pure policy wants them; None if none set."""
        le = list_entries.c
        with self.read() as conn:
            srow = conn.execute(
                sa.select(settings).where(settings.c.subscriber == subscriber)
            ).first()
            entries = conn.execute(
                sa.select(le.kind, le.pattern).where(le.subscriber == subscriber)
            ).all()
        if srow is None and not entries:
            return None
        allow = [p for k, p in entries if k == ListKind.ALLOW.value]
        block = [p for k, p in entries if k == ListKind.BLOCK.value]
        return _policy(subscriber, srow, allow, block)

    # Block log (拦截记录) ----------------------------------------------------------------
    def log_blocks(self, rows: Sequence[dict[str, Any]]) -> None:
        """Batch insert: subscriber, caller, at, action, sip_code, category, reasons (JSON)."""
        if rows:
            with self.engine.begin() as conn:
                conn.execute(block_log.insert(), list(rows))

    def block_log(
        self, subscriber: str, limit: int = 100, before_id: int | None = None
    ) -> list[dict[str, Any]]:
        """The subscriber's entries, newest first; a ``screen`` entry the screener answered
        carries its screened call's ``screened_verdict``, ``screened_category``,
        ``screened_score`` and ``screened_action`` (None otherwise)."""
        s = screenings.c
        q = (
            sa.select(
                block_log,
                s.verdict.label("screened_verdict"),
                s.category.label("screened_category"),
                s.bot_score.label("screened_score"),
                s.action.label("screened_action"),
            )
            .select_from(block_log.outerjoin(screenings, s.call_id == block_log.c.screening))
            .where(block_log.c.subscriber == subscriber)
        )
        if before_id is not None:
            q = q.where(block_log.c.id < before_id)
        q = q.order_by(block_log.c.id.desc()).limit(limit)
        with self.read() as conn:
            rows = conn.execute(q).mappings().all()
        return [{**r, "reasons": reasons_list_from_json(r["reasons"])} for r in rows]

    def rescue(self, subscriber: str, entry_id: int, actor: str) -> str:
        """Mark a blocked call as wanted and put its caller on the subscriber's allow list."""
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(block_log).where(
                    block_log.c.id == entry_id, block_log.c.subscriber == subscriber
                )
            ).first()
            if row is None:
                raise NotFoundError(f"no blocked call {entry_id} for this subscriber")
            now = self.clock()
            conn.execute(
                block_log.update().where(block_log.c.id == entry_id).values(rescued_at=now)
            )
            self.upsert(
                conn,
                list_entries,
                [
                    {
                        "subscriber": subscriber,
                        "kind": ListKind.ALLOW.value,
                        "pattern": row.caller,
                        "note": "rescued from block log",
                        "created_at": now,
                    }
                ],
                ["subscriber", "kind", "pattern"],
            )
            self.audit(
                conn, actor, "rescue", subscriber, {"block_id": entry_id, "caller": row.caller}
            )
            return str(row.caller)

    # Received calls: the proof a reporter really got a call ------------------------------
    def record_calls(self, rows: Sequence[tuple[str, str, float]]) -> int:
        """Upsert (subscriber, caller, at) triples, merged first so each pair is written once."""
        merged: dict[tuple[str, str], list[float]] = {}
        for sub, caller, at in rows:
            m = merged.get((sub, caller))
            if m is None:
                merged[(sub, caller)] = [at, at, 1]
            else:
                m[0] = min(m[0], at)
                m[1] = max(m[1], at)
                m[2] += 1
        return self.import_received(
            [(s, c, f, la, int(n)) for (s, c), (f, la, n) in merged.items()]
        )

    def import_received(self, rows: Sequence[tuple[str, str, float, float, int]]) -> int:
        """Upsert aggregated (subscriber, caller, first_at, last_at, calls) rows."""
        payload = [
            {"subscriber": s, "caller": c, "first_at": f, "last_at": la, "calls": n}
            for s, c, f, la, n in rows
        ]
        rc = received_calls
        least = sa.func.min if self.dialect == "sqlite" else sa.func.least
        greatest = sa.func.max if self.dialect == "sqlite" else sa.func.greatest
        with self.engine.begin() as conn:
            self.upsert(
                conn,
                rc,
                payload,
                ["subscriber", "caller"],
                {
                    "first_at": lambda ins: least(rc.c.first_at, ins.excluded.first_at),
                    "last_at": lambda ins: greatest(rc.c.last_at, ins.excluded.last_at),
                    "calls": lambda ins: rc.c.calls + ins.excluded.calls,
                },
            )
        return len(payload)

    def received_since(
        self, conn: sa.Connection, subscriber: str, caller: str, since: float
    ) -> bool:
        rc = received_calls.c
        row = conn.execute(
            sa.select(rc.last_at).where(
                rc.subscriber == subscriber, rc.caller == caller, rc.last_at >= since
            )
        ).first()
        return row is not None

    def recipients_since(self, conn: sa.Connection, caller: str, since: float) -> int:
        rc = received_calls.c
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(rc.caller == caller, rc.last_at >= since)
            ).scalar_one()
        )


def _policy(subscriber: str, srow: Any, allow: list[str], block: list[str]) -> SubscriberPolicy:
    """A settings row (or None: the defaults) and list patterns as the pure policy's value."""
    return SubscriberPolicy(
        subscriber=subscriber,
        protection=Protection(srow.protection) if srow else Protection.STANDARD,
        refused_categories=frozenset(json.loads(srow.refused_categories)) if srow else frozenset(),
        allow=PatternSet.of(usable(allow, PatternUse.ALLOW)),
        block=PatternSet.of(usable(block, PatternUse.BLOCK)),
    )

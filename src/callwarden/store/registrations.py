"""Registered business numbers: stored with an audit entry, listed, and the registry a
call is matched against."""

from __future__ import annotations

import json

import sqlalchemy as sa

from callwarden.policy import Registration, Registry
from callwarden.store.base import NotFoundError, StoreBase
from callwarden.store.io import PatternUse, usable
from callwarden.store.schema import registrations


class RegistrationsMixin(StoreBase):
    """Registered business numbers: put, delete, list, and the registry calls match."""

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
        regs = self.list_registrations()
        keep = set(usable([r.pattern for r in regs], PatternUse.REGISTRATION))
        return Registry.of([r for r in regs if r.pattern in keep])

"""API keys: only a SHA-256 of each secret is stored; the secret is shown once, at creation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from callwarden.errors import InputError
from callwarden.store.base import NotFoundError, StoreBase, new_id
from callwarden.store.schema import api_keys


class Role(StrEnum):
    OPERATOR = "operator"  # everything, including review and keys
    SUBSCRIBER = "subscriber"  # a subscriber's app: its own settings, lists, block log, reports
    NETWORK = "network"  # the call path: decide, received calls, 607 feedback
    SCREENER = "screener"  # the screening assistant: posts screened calls, nothing else


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    role: Role
    subscriber: str | None
    name: str

    @property
    def actor(self) -> str:
        return f"key:{self.id}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeysMixin(StoreBase):
    def create_key(
        self, role: Role, subscriber: str | None = None, name: str = "", actor: str = "cli"
    ) -> tuple[ApiKey, str]:
        if role is Role.SUBSCRIBER and not subscriber:
            raise InputError("a subscriber key needs the subscriber number it belongs to")
        if role is not Role.SUBSCRIBER and subscriber:
            raise InputError("only subscriber keys are bound to a subscriber")
        secret = "cw_" + secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            kid = new_id(
                conn.execute(
                    api_keys.insert().values(
                        key_hash=hash_secret(secret),
                        role=role.value,
                        subscriber=subscriber,
                        name=name,
                        created_at=self.clock(),
                    )
                )
            )
            self.audit(
                conn,
                actor,
                "create_key",
                f"key:{kid}",
                {"role": role.value, "subscriber": subscriber},
            )
        return ApiKey(int(kid), role, subscriber, name), secret

    def lookup_key(self, secret: str) -> ApiKey | None:
        k = api_keys.c
        with self.read() as conn:
            row = conn.execute(
                sa.select(k.id, k.role, k.subscriber, k.name).where(
                    k.key_hash == hash_secret(secret), k.revoked_at.is_(None)
                )
            ).first()
        return (
            None if row is None else ApiKey(int(row.id), Role(row.role), row.subscriber, row.name)
        )

    def revoke_key(self, key_id: int, actor: str) -> None:
        with self.engine.begin() as conn:
            n = conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            ).rowcount
            if not n:
                raise NotFoundError(f"no active key {key_id}")
            self.audit(conn, actor, "revoke_key", f"key:{key_id}", {})

    def list_keys(self) -> list[ApiKey]:
        k = api_keys.c
        with self.read() as conn:
            rows = conn.execute(
                sa.select(k.id, k.role, k.subscriber, k.name).where(k.revoked_at.is_(None))
            ).all()
        return [ApiKey(int(r.id), Role(r.role), r.subscriber, r.name) for r in rows]

"""Operator-wide settings: the policy's score bands in force and where they came from."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from callwarden.policy import Thresholds
from callwarden.store.base import StoreBase
from callwarden.store.schema import operator_settings

log = logging.getLogger(__name__)

_THRESHOLDS = "thresholds"


@dataclass(frozen=True)
class StoredThresholds:
    thresholds: Thresholds
    source: str  # e.g. "model 3f2a... (flag threshold 0.9776)" or "operator"
    actor: str
    updated_at: float


class OperatorSettingsMixin(StoreBase):
    def save_thresholds(self, thresholds: Thresholds, source: str, actor: str) -> None:
        """Put ``thresholds`` in force (one row, replaced), with an audit entry."""
        row = {
            "key": _THRESHOLDS,
            "value": json.dumps(thresholds.as_dict(), sort_keys=True),
            "source": source[:200],
            "actor": actor[:64],
            "updated_at": self.clock(),
        }
        with self.engine.begin() as conn:
            self.upsert(conn, operator_settings, [row], ["key"])
            self.audit(
                conn,
                actor,
                "thresholds_set",
                _THRESHOLDS,
                {**thresholds.as_dict(), "source": source},
            )

    def load_thresholds(self) -> StoredThresholds | None:
        """The bands last saved, or None when none were (the policy defaults apply)."""
        t = operator_settings
        with self.engine.connect() as conn:
            r = conn.execute(sa.select(t).where(t.c.key == _THRESHOLDS)).mappings().first()
        if r is None:
            return None
        try:
            bands = Thresholds(**json.loads(r["value"]))
        except (ValueError, TypeError) as exc:  # damaged, or saved before bands were ordered
            log.error(
                "the score bands saved by %s (%s) are not valid bands (%s): the policy"
                " defaults apply until they are set again (PUT /v1/thresholds, serve --model)",
                r["actor"],
                r["value"],
                exc,
            )
            return None
        return StoredThresholds(bands, r["source"], r["actor"], float(r["updated_at"]))

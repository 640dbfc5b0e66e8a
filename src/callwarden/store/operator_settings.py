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
#: the source of the model bands last put in force (``serve --model``)
_MODEL_BANDS = "thresholds_model"


@dataclass(frozen=True)
class StoredThresholds:
    thresholds: Thresholds
    source: str  # e.g. "model 3f2a... (flag threshold 0.9776)" or "operator"
    actor: str
    updated_at: float


class OperatorSettingsMixin(StoreBase):
    def save_thresholds(self, thresholds: Thresholds, source: str, actor: str) -> None:
        """Put ``thresholds`` in force (one row, replaced), with an audit entry."""
        with self.engine.begin() as conn:
            self._save_thresholds(conn, thresholds, source, actor)

    def put_model_thresholds(self, thresholds: Thresholds, source: str, actor: str) -> bool:
        """Put a model's bands in force (``serve --model``, ``source`` naming the model) unless
        they were the last model bands put in force: a restart with the same model keeps the
        bands in force, an operator's changes since included; a new model's bands replace
        them (they are on its scale). True when saved."""
        t = operator_settings
        with self.engine.begin() as conn:
            last = conn.execute(sa.select(t.c.source).where(t.c.key == _MODEL_BANDS)).scalar()
            if last == source[:200]:
                return False
            self._save_thresholds(conn, thresholds, source, actor)
            self._put(conn, _MODEL_BANDS, thresholds.as_dict(), source, actor)
        return True

    def _save_thresholds(
        self, conn: sa.Connection, thresholds: Thresholds, source: str, actor: str
    ) -> None:
        self._put(conn, _THRESHOLDS, thresholds.as_dict(), source, actor)
        self.audit(
            conn, actor, "thresholds_set", _THRESHOLDS, {**thresholds.as_dict(), "source": source}
        )

    def _put(
        self, conn: sa.Connection, key: str, value: dict[str, float], source: str, actor: str
    ) -> None:
        row = {
            "key": key,
            "value": json.dumps(value, sort_keys=True),
            "source": source[:200],
            "actor": actor[:64],
            "updated_at": self.clock(),
        }
        self.upsert(conn, operator_settings, [row], ["key"])

    def load_thresholds(self) -> StoredThresholds | None:
        """The bands last saved, or None when none were (the policy defaults apply)."""
        with self.read() as conn:
            return read_thresholds(conn)


def read_thresholds(conn: sa.Connection) -> StoredThresholds | None:
    """The bands last saved, read on ``conn`` (also by ``compare --db``, which has no
    ``Store``), or None when none were or they are not valid (the policy defaults apply)."""
    t = operator_settings
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

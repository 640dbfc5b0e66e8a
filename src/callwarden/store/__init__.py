"""The reputation store: verdicts, campaigns, reports, appeals, subscriber lists and settings,
registered business numbers, block log, screened calls, audit log and API keys (SQLAlchemy
Core).

SQLite by default (one file, WAL, ``synchronous=FULL``); PostgreSQL by URL. Migrations ship in
the package and run at open.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from callwarden.store.base import ConflictError, NotEligibleError, NotFoundError, RateLimitedError
from callwarden.store.db import check_readable, make_engine, migrate, normalise_url
from callwarden.store.keys import ApiKey, KeysMixin, Role
from callwarden.store.operator_settings import OperatorSettingsMixin, StoredThresholds
from callwarden.store.reports import (
    APPEAL_STATUSES,
    ReportOutcome,
    ReportsMixin,
    appeal_not_found,
)
from callwarden.store.screened_label import ScreenedLabelMixin


class Store(ReportsMixin, KeysMixin, ScreenedLabelMixin, OperatorSettingsMixin):
    """One object over the whole store; methods are grouped by domain in the mixins."""

    @classmethod
    def open(
        cls, url_or_path: str, clock: Callable[[], float] = time.time, announce: bool = True
    ) -> Store:
        """The store at ``url_or_path``, migrated to this version's schema. ``announce``
        (SQLite): record this process's changes in the change feed for a ``serve`` on the
        same file (``store.change_feed``); ``serve`` itself passes False."""
        engine = make_engine(url_or_path, announce=announce)
        check_readable(engine, url_or_path)
        migrate(engine)
        return cls(engine, clock)

    def close(self) -> None:
        self.engine.dispose()


__all__ = [
    "APPEAL_STATUSES",
    "ApiKey",
    "ConflictError",
    "NotEligibleError",
    "NotFoundError",
    "RateLimitedError",
    "ReportOutcome",
    "Role",
    "Store",
    "StoredThresholds",
    "appeal_not_found",
    "make_engine",
    "migrate",
    "normalise_url",
]

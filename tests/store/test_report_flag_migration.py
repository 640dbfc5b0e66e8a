"""Migration 0005 (whether a report's number was already flagged when reported) on a store
that holds reports: they stay, read as not flagged then, and still confirm their reporter
when the number is flagged now, as before the revision."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callwarden.policy import Verdict
from callwarden.store import Store
from callwarden.store.db import make_engine, migrate

REPORTER = "+8613900000001"
SPAM = "+8617000000101"


@pytest.fixture
def url(empty_url: str) -> str:
    return empty_url


def test_old_reports_survive_the_upgrade_and_keep_counting(url: str) -> None:
    engine = make_engine(url)
    migrate(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO reports (reporter, number, category, source, weight, created_at) "
                "VALUES (:r, :n, '', 'app', 0.3, 1.0)"
            ),
            {"r": REPORTER, "n": SPAM},
        )
    engine.dispose()
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            flag = conn.execute(sa.text("SELECT flagged_when_reported FROM reports")).scalar_one()
        assert not flag
        store.import_verdicts([Verdict(SPAM, "fraud", 0.99)])
        with store.engine.connect() as conn:
            assert store._history(conn, REPORTER).confirmed == 1
    finally:
        store.close()

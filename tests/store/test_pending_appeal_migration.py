"""Migration 0002 (one pending appeal per number) on a store that already holds two pending
appeals for one number, which the previous code let concurrent requests file on PostgreSQL
(the reason for 0002): the unique index could not be built, so the store could not be opened
and the server did not start. The oldest stays pending; each later one is closed as a
duplicate, with a review note and an audit entry."""

from __future__ import annotations

import pytest

from callwarden.store import Store
from callwarden.store.db import make_engine, migrate
from callwarden.store.schema import appeals

NUMBER = "+8617012345678"
OTHER = "+8617012345679"


@pytest.fixture
def url(empty_url: str) -> str:
    return empty_url


def _appeal(number: str, owner: str, status: str, at: float) -> dict[str, object]:
    return {"number": number, "owner": owner, "contact": "", "statement": "", "filed_by": "key:1",
            "status": status, "created_at": at}  # fmt: skip


def test_duplicate_pending_appeals_do_not_stop_the_upgrade(url: str) -> None:
    engine = make_engine(url)
    migrate(engine, "0001")  # a store as the first release left it
    with engine.begin() as conn:
        conn.execute(
            appeals.insert(),
            [
                _appeal(NUMBER, "顺丰 北京", "pending", 10.0),
                _appeal(NUMBER, "顺丰 北京 (again)", "pending", 11.0),
                _appeal(NUMBER, "顺丰", "rejected", 5.0),
                _appeal(OTHER, "某银行", "pending", 12.0),
                _appeal(NUMBER, "顺丰 (third)", "pending", 13.0),
            ],
        )
    engine.dispose()

    store = Store.open(url)  # raised IntegrityError: could not create the unique index
    try:
        rows = {a["owner"]: a for a in store.list_appeals(number=NUMBER)}
        assert rows["顺丰 北京"]["status"] == "pending"
        first = rows["顺丰 北京"]["id"]
        for dup in ("顺丰 北京 (again)", "顺丰 (third)"):
            assert rows[dup]["status"] == "rejected"
            assert rows[dup]["reviewer"] == "migration:0002"
            assert f"duplicate of appeal {first}" in rows[dup]["review_note"]
        assert rows["顺丰"]["status"] == "rejected" and rows["顺丰"]["reviewer"] is None
        assert [a["status"] for a in store.list_appeals(number=OTHER)] == ["pending"]
        trail = [a for a in store.audit_trail(NUMBER) if a["actor"] == "migration:0002"]
        assert sorted(a["detail"]["appeal_id"] for a in trail) == sorted(
            rows[d]["id"] for d in ("顺丰 北京 (again)", "顺丰 (third)")
        )
        assert all(a["detail"]["kept"] == first for a in trail)
    finally:
        store.close()

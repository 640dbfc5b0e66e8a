"""The change feed of a SQLite store (``change_feed``; PostgreSQL: nothing, it has
LISTEN/NOTIFY, migration 0009).

A ``serve`` on SQLite holds caches (verdicts, subscriber policies, the business registry,
the score bands, API keys) that another process's writes did not reach: labels lapsed by
``callwarden prune``, a key revoked by ``callwarden apikey``, stayed in its cache until it
restarted. Every other callwarden process now writes, from TEMP triggers on its own
connections (``store.change_feed``), one row per changed key into this table, in the
transaction that changed it; ``serve`` reads what is new twice a second and re-reads those
keys (``api.change_feed``). ``AUTOINCREMENT``: ids are never reused, so a reader's "after
id N" stays right after old rows are deleted; SQLite commits one writer at a time, so rows
become visible in id order.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE change_feed ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " at FLOAT NOT NULL,"
        " kind VARCHAR(16) NOT NULL,"
        " key VARCHAR(64) NOT NULL)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TABLE change_feed")

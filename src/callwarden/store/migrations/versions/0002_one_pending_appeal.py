"""At most one pending appeal per number, enforced by the database (a partial unique index),
so two concurrent appeals cannot both enter the queue on PostgreSQL.

A store may already hold such twins (what this revision prevents from now on): the oldest
stays pending and each later one is closed as its duplicate (status ``rejected``, reviewer
``migration:0002``, a note naming the one kept, an audit entry), or the index could not be
built and the store could not be opened.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHERE = sa.text("status = 'pending'")


ACTOR = "migration:0002"


def _close_duplicates() -> None:
    conn = op.get_bind()
    meta = sa.MetaData()
    appeals = sa.Table("appeals", meta, autoload_with=conn)
    audit = sa.Table("audit_log", meta, autoload_with=conn)
    a = appeals.c
    pending = conn.execute(
        sa.select(a.id, a.number).where(a.status == "pending").order_by(a.created_at, a.id)
    ).all()
    kept: dict[str, int] = {}
    now = time.time()
    for aid, number in pending:
        first = kept.setdefault(number, aid)
        if first == aid:
            continue
        note = f"closed by store migration 0002: a duplicate of appeal {first}, still pending"
        conn.execute(
            sa.update(appeals)
            .where(a.id == aid)
            .values(status="rejected", reviewed_at=now, reviewer=ACTOR, review_note=note)
        )
        detail = {"appeal_id": aid, "kept": first, "note": note}
        conn.execute(
            sa.insert(audit).values(
                at=now,
                actor=ACTOR,
                action="appeal_closed_duplicate",
                target=number,
                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
            )
        )


def upgrade() -> None:
    _close_duplicates()
    op.create_index(
        "uq_appeals_pending_number",
        "appeals",
        ["number"],
        unique=True,
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("uq_appeals_pending_number", table_name="appeals")

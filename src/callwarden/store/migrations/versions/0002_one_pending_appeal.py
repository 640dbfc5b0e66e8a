"""At most one pending appeal per number, enforced by the database (a partial unique index),
so two concurrent appeals cannot both enter the queue on PostgreSQL.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHERE = sa.text("status = 'pending'")


def upgrade() -> None:
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

"""Whether a report's number was already flagged when it was reported. A reporter's weight
grows with reports the detectors *later* confirmed; counting any report on a number flagged
now let an account earn weight by reporting numbers whose label it could already see. Rows
stored before this revision read as not flagged then (as they were counted before).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column(
                "flagged_when_reported", sa.Boolean, nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("flagged_when_reported")

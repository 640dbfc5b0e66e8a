"""The tag a subscriber was shown with a blocked or screened call, stored with its block-log
row (JSON ``{"zh", "en"}``). The block log recomputed it from the caller's current verdict,
so it was missing for a rule's verdict (a spoofed caller) and changed after an appeal. Rows
logged before this revision have none (null).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("block_log") as batch:
        batch.add_column(sa.Column("tag", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("block_log") as batch:
        batch.drop_column("tag")

"""The scan day of each stored campaign's traits: a campaign continues by its traits only
from the import's scan day or the day before, and traits are replaced only by an import of
the same or a later scan day (``store.campaign_traits``; docs/api.md, "Campaign ids across
imports"). Traits recorded under revision 0010 have none ("") and continue no campaign until
an import with a scan day records the campaign's again.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_traits") as batch:
        batch.add_column(sa.Column("scan_day", sa.String(10), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("campaign_traits") as batch:
        batch.drop_column("scan_day")

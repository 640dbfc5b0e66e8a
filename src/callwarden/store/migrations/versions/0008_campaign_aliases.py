"""Campaign ids kept across days: ``scan`` derives a campaign's id from its day's callee list,
so one operation gets a new id each day. An import whose new campaign is mostly made of the
members of a campaign the store holds keeps the stored id, and records the new one here as
its alias (``GET /v1/campaigns/{alias}`` answers the stored campaign).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_aliases",
        sa.Column("alias", sa.String(64), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("import_id", sa.Integer),
        sa.Column("at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("campaign_aliases")

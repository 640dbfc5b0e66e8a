"""What each stored campaign looked like at its latest import beyond its members: the
ingresses it entered by and the asserted identities (PAI) only its members' calls carried
(``scan``'s campaigns.csv). An import's new campaign with the same ingresses and one of those
identities keeps the stored id even when it renewed most of its numbers
(``store.campaign_traits``; docs/api.md, "Campaign ids across imports").

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_traits",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("ingresses", sa.Text, nullable=False, server_default=""),
        sa.Column("asserted", sa.Text, nullable=False, server_default=""),
        sa.Column("import_id", sa.Integer),
        sa.Column("at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("campaign_traits")

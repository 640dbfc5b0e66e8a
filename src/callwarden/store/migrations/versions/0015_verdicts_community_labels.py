"""An index of the community's labels (``ix_verdicts_community_labels``, partial: ``source =
'reports'``): ``serve`` re-tallies them every hour in each worker and lapses those whose
reports no longer meet the bar (``Store.lapse_community_labels``); they are a few among
millions of verdicts, which without it is a scan of the whole table. Nothing else changes.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

LABELS = sa.text("source = 'reports'")


def upgrade() -> None:
    op.create_index(
        "ix_verdicts_community_labels",
        "verdicts",
        ["number"],
        sqlite_where=LABELS,
        postgresql_where=LABELS,
    )


def downgrade() -> None:
    op.drop_index("ix_verdicts_community_labels", "verdicts")

"""An index of the screener's live labels by when they were given
(``ix_verdicts_screening_labels``, partial: ``source = 'screening'``): ``serve`` looks for
labels due to lapse every minute in each worker (``store.screened_label``,
``lapse_screened_labels``), and ``compare --db`` reads the labels, a few among millions of
verdicts, which without it is a scan of the whole table. Nothing else changes.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

LABELS = sa.text("source = 'screening'")


def upgrade() -> None:
    op.create_index(
        "ix_verdicts_screening_labels",
        "verdicts",
        ["updated_at"],
        sqlite_where=LABELS,
        postgresql_where=LABELS,
    )


def downgrade() -> None:
    op.drop_index("ix_verdicts_screening_labels", "verdicts")

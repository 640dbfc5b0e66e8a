"""An index of the screened calls that keep their turns, by the call's start
(``ix_screenings_kept_turns``, partial: ``turns != '[]'``): the screening window's read of the
last K such calls (``store.screenings.recent_screening_ids``) walked ``ix_screenings_at``
through every call whose turns ``callwarden prune`` had emptied whenever fewer than K kept
them, on every screened call (1 M rows, 100 kept: 232-257 ms on SQLite, 116 ms on PostgreSQL;
with the index 0.3-0.6 ms and 1.1 ms: ``bench/screening_window_ids.py``). Nothing else
changes.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

KEPT = sa.text("turns != '[]'")


def upgrade() -> None:
    op.create_index(
        "ix_screenings_kept_turns",
        "screenings",
        ["at", "call_id"],
        sqlite_where=KEPT,
        postgresql_where=KEPT,
    )


def downgrade() -> None:
    op.drop_index("ix_screenings_kept_turns", "screenings")

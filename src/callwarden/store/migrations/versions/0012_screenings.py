"""Screened calls the screening assistant sends back (``POST /v1/screenings``): one row per
call_id with the bot test's verdict, reasons, score and category, the action the screener
was told, the sha256 of the transcript judged and its turns (docs/api.md, "Screenings");
and ``block_log.screening``, the call_id of the screened call that answered decide's
``screen`` row (null for every other row). A store at revision 0011 gains the empty table
and the null column; nothing else changes.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screenings",
        sa.Column("call_id", sa.String(200), primary_key=True),
        sa.Column("caller", sa.String(32), nullable=False),
        sa.Column("callee", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("bot_score", sa.Float, nullable=False),
        sa.Column("challenges", sa.Integer, nullable=False),
        sa.Column("category", sa.String(64), nullable=False, server_default=""),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("transcript_sha256", sa.String(64), nullable=False),
        sa.Column("turns", sa.Text, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
    )
    op.create_index("ix_screenings_caller", "screenings", ["caller", "at"])
    # `callwarden labels`' window is on the call's start alone (every caller at once)
    op.create_index("ix_screenings_at", "screenings", ["at"])
    # decide's `screen` row a screened call answers carries the screening's call_id: one
    # block-log entry per call, its outcome read through the link
    with op.batch_alter_table("block_log") as batch:
        batch.add_column(sa.Column("screening", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("block_log") as batch:
        batch.drop_column("screening")
    op.drop_index("ix_screenings_at", "screenings")
    op.drop_index("ix_screenings_caller", "screenings")
    op.drop_table("screenings")

"""Initial reputation store: verdicts, campaigns, received calls, reports, appeals, lists,
settings, registrations, block log, audit log, API keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verdicts",
        sa.Column("number", sa.String(32), primary_key=True),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("category", sa.String(64), nullable=False, server_default=""),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("campaign", sa.String(64), nullable=False, server_default=""),
        sa.Column("source", sa.String(16), nullable=False, server_default="model"),
        sa.Column("protected", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_verdicts_campaign", "verdicts", ["campaign"])
    op.create_table(
        "campaigns",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=False, server_default=""),
        sa.Column("numbers", sa.Integer, nullable=False),
        sa.Column("max_score", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "received_calls",
        sa.Column("subscriber", sa.String(32), primary_key=True),
        sa.Column("caller", sa.String(32), primary_key=True),
        sa.Column("first_at", sa.Float, nullable=False),
        sa.Column("last_at", sa.Float, nullable=False),
        sa.Column("calls", sa.Integer, nullable=False),
    )
    op.create_index("ix_received_calls_caller", "received_calls", ["caller", "last_at"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reporter", sa.String(32), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("category", sa.String(64), nullable=False, server_default=""),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("reporter", "number", name="uq_reports_reporter_number"),
    )
    op.create_index("ix_reports_number", "reports", ["number"])
    op.create_index("ix_reports_reporter_time", "reports", ["reporter", "created_at"])
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False, server_default=""),
        sa.Column("statement", sa.Text, nullable=False, server_default=""),
        sa.Column("filed_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("reviewed_at", sa.Float),
        sa.Column("reviewer", sa.String(64)),
        sa.Column("review_note", sa.Text),
    )
    op.create_index("ix_appeals_number", "appeals", ["number"])
    op.create_index("ix_appeals_status", "appeals", ["status", "created_at"])
    op.create_table(
        "list_entries",
        sa.Column("subscriber", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("pattern", sa.String(40), primary_key=True),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "settings",
        sa.Column("subscriber", sa.String(32), primary_key=True),
        sa.Column("protection", sa.String(16), nullable=False),
        sa.Column("refused_categories", sa.Text, nullable=False, server_default="[]"),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "registrations",
        sa.Column("pattern", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("callee_prefixes", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "block_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subscriber", sa.String(32), nullable=False),
        sa.Column("caller", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("sip_code", sa.Integer),
        sa.Column("category", sa.String(64), nullable=False, server_default=""),
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("rescued_at", sa.Float),
    )
    op.create_index("ix_block_log_subscriber", "block_log", ["subscriber", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_audit_log_target", "audit_log", ["target", "at"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("subscriber", sa.String(32)),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float),
    )


def downgrade() -> None:
    for table in (
        "api_keys",
        "audit_log",
        "block_log",
        "registrations",
        "settings",
        "list_entries",
        "appeals",
        "reports",
        "received_calls",
        "campaigns",
        "verdicts",
    ):
        op.drop_table(table)

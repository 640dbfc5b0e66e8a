"""Where a stored verdict comes from: one ``imports`` row per verdict import (the source
file, the model version and the scan day, as ``scan-summary.json`` names them, the actor
and the time) and ``verdicts.import_id`` pointing to it. Verdicts stored before this
revision have no import (null).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("source_file", sa.String(500), nullable=False, server_default=""),
        sa.Column("model_version", sa.String(200), nullable=False, server_default=""),
        sa.Column("scan_day", sa.String(32), nullable=False, server_default=""),
        sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
    )
    with op.batch_alter_table("verdicts") as batch:
        batch.add_column(sa.Column("import_id", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("verdicts") as batch:
        batch.drop_column("import_id")
    op.drop_table("imports")

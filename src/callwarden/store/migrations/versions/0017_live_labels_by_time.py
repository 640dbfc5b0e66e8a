"""The live labels' partial indexes by when each label became the number's verdict, then its
number (``ix_verdicts_screening_labels`` and ``ix_verdicts_community_labels`` both on
``(updated_at, number)``): ``GET /v1/review/labels`` pages them oldest first, by keyset
(``after``), and until now the community's page sorted every community label (its index
was on ``number``: 282 ms SQLite, 98 ms PostgreSQL for 100 of 100,000, audit 31a L3) and
the screener's sorted each run of labels given at the same instant. The sweeps read the same
indexes in the same order (the screener's by ``updated_at``, as before; the community's
now oldest first, it was by number), and so do import rule 4 and ``compare --db``
(``updated_at`` or the condition alone). Nothing else changes.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

SCREENING = ("ix_verdicts_screening_labels", sa.text("source = 'screening'"))
COMMUNITY = ("ix_verdicts_community_labels", sa.text("source = 'reports'"))


def _index(name: str, where: sa.TextClause, columns: list[str]) -> None:
    op.drop_index(name, "verdicts")
    op.create_index(name, "verdicts", columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    for name, where in (SCREENING, COMMUNITY):
        _index(name, where, ["updated_at", "number"])


def downgrade() -> None:
    _index(*SCREENING, ["updated_at"])
    _index(*COMMUNITY, ["number"])

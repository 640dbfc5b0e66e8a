"""Tables of the reputation store (SQLAlchemy Core). Migrations in ``store/migrations`` create
exactly these; a test compares the migrated database against this metadata.

Times are stored as UTC epoch seconds (float): the same on SQLite and PostgreSQL, cheap to
compare, no time-zone surprises.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

verdicts = sa.Table(
    "verdicts",
    metadata,
    sa.Column("number", sa.String(32), primary_key=True),
    sa.Column("label", sa.String(16), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("category", sa.String(64), nullable=False, server_default=""),
    sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),  # JSON [{code, evidence}]
    sa.Column("campaign", sa.String(64), nullable=False, server_default=""),
    sa.Column("source", sa.String(16), nullable=False, server_default="model"),
    sa.Column("protected", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("updated_at", sa.Float, nullable=False),
    # the import that wrote the verdict (imports.id); None: set by reports or an appeal, or
    # imported before revision 0006
    sa.Column("import_id", sa.Integer),
)
sa.Index("ix_verdicts_campaign", verdicts.c.campaign)
#: the screener's labels, by when they were given (revision 0014), then number (0017): the
#: lapse sweep reads them every minute in each serve worker, GET /v1/review/labels pages them
#: oldest first, and they are a few among millions of verdicts
SCREENING_LABELS = sa.text("source = 'screening'")
sa.Index(
    "ix_verdicts_screening_labels",
    verdicts.c.updated_at,
    verdicts.c.number,
    sqlite_where=SCREENING_LABELS,
    postgresql_where=SCREENING_LABELS,
)
#: the community's labels (revision 0015), by when each became the number's verdict (0017):
#: serve re-tallies them every hour in each worker, GET /v1/review/labels pages them
COMMUNITY_LABELS = sa.text("source = 'reports'")
sa.Index(
    "ix_verdicts_community_labels",
    verdicts.c.updated_at,
    verdicts.c.number,
    sqlite_where=COMMUNITY_LABELS,
    postgresql_where=COMMUNITY_LABELS,
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("source_file", sa.String(500), nullable=False, server_default=""),
    sa.Column("model_version", sa.String(200), nullable=False, server_default=""),
    sa.Column("scan_day", sa.String(32), nullable=False, server_default=""),
    sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("campaign", sa.String(64), primary_key=True),
    sa.Column("label", sa.String(16), nullable=False),
    sa.Column("category", sa.String(64), nullable=False, server_default=""),
    sa.Column("numbers", sa.Integer, nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

#: a campaign id an import's scan gave that the store keeps under an earlier id (the stored
#: campaign held most of its members): alias -> campaign, and the import that met it
campaign_aliases = sa.Table(
    "campaign_aliases",
    metadata,
    sa.Column("alias", sa.String(64), primary_key=True),
    sa.Column("campaign", sa.String(64), nullable=False),
    sa.Column("import_id", sa.Integer),
    sa.Column("at", sa.Float, nullable=False),
)

#: a stored campaign's ingresses and exclusive asserted identities (';'-joined) as the scan of
#: its latest scan day saw them, with that day (revision 0011; "" before: never continued by
#: traits) (``store.campaign_traits``)
campaign_traits = sa.Table(
    "campaign_traits",
    metadata,
    sa.Column("campaign", sa.String(64), primary_key=True),
    sa.Column("ingresses", sa.Text, nullable=False, server_default=""),
    sa.Column("asserted", sa.Text, nullable=False, server_default=""),
    sa.Column("import_id", sa.Integer),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("scan_day", sa.String(10), nullable=False, server_default=""),
)

received_calls = sa.Table(
    "received_calls",
    metadata,
    sa.Column("subscriber", sa.String(32), primary_key=True),
    sa.Column("caller", sa.String(32), primary_key=True),
    sa.Column("first_at", sa.Float, nullable=False),
    sa.Column("last_at", sa.Float, nullable=False),
    sa.Column("calls", sa.Integer, nullable=False),
)
sa.Index("ix_received_calls_caller", received_calls.c.caller, received_calls.c.last_at)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reporter", sa.String(32), nullable=False),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("category", sa.String(64), nullable=False, server_default=""),
    sa.Column("source", sa.String(16), nullable=False),  # app | sip607
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    # the detectors or an operator had labelled the number already: confirming it earns nothing
    sa.Column("flagged_when_reported", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("reporter", "number", name="uq_reports_reporter_number"),
)
sa.Index("ix_reports_number", reports.c.number)
sa.Index("ix_reports_reporter_time", reports.c.reporter, reports.c.created_at)

appeals = sa.Table(
    "appeals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("number", sa.String(32), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("contact", sa.String(200), nullable=False, server_default=""),
    sa.Column("statement", sa.Text, nullable=False, server_default=""),
    sa.Column("filed_by", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | accepted | rejected
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("reviewed_at", sa.Float),
    sa.Column("reviewer", sa.String(64)),
    sa.Column("review_note", sa.Text),
)
sa.Index("ix_appeals_number", appeals.c.number)
sa.Index("ix_appeals_status", appeals.c.status, appeals.c.created_at)
sa.Index(
    "uq_appeals_pending_number",
    appeals.c.number,
    unique=True,
    sqlite_where=sa.text("status = 'pending'"),
    postgresql_where=sa.text("status = 'pending'"),
)

list_entries = sa.Table(
    "list_entries",
    metadata,
    sa.Column("subscriber", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),  # allow | block
    sa.Column("pattern", sa.String(40), primary_key=True),  # E.164 or prefix ending in *
    sa.Column("note", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", sa.Float, nullable=False),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("subscriber", sa.String(32), primary_key=True),
    sa.Column("protection", sa.String(16), nullable=False),
    sa.Column("refused_categories", sa.Text, nullable=False, server_default="[]"),  # JSON list
    sa.Column("updated_at", sa.Float, nullable=False),
)

registrations = sa.Table(
    "registrations",
    metadata,
    sa.Column("pattern", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("callee_prefixes", sa.Text, nullable=False, server_default="[]"),  # JSON list
    sa.Column("created_at", sa.Float, nullable=False),
)

block_log = sa.Table(
    "block_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subscriber", sa.String(32), nullable=False),
    sa.Column("caller", sa.String(32), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("sip_code", sa.Integer),
    sa.Column("category", sa.String(64), nullable=False, server_default=""),
    sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
    sa.Column("rescued_at", sa.Float),
    # the tag the subscriber was shown at decision time, JSON {"zh", "en"}; None: none shown
    # (a personal block), or logged before revision 0007
    sa.Column("tag", sa.Text),
    # a `screen` row's screened call (screenings.call_id) once the screener sent it back
    # (revision 0012); None for every other row
    sa.Column("screening", sa.String(200)),
)
sa.Index("ix_block_log_subscriber", block_log.c.subscriber, block_log.c.at)

#: a screened call the screening assistant sent back (``POST /v1/screenings``, revision 0012):
#: the bot test's verdict, reasons (JSON [{code, evidence}]) and score, the category of the
#: caller's words ("" when none is named), what the screener was told to do, the sha256 of
#: the transcript as judged and its turns (JSON [{speaker, text, start_s, end_s}]);
#: ``at`` the call's start (its start_time, else when it was received)
screenings = sa.Table(
    "screenings",
    metadata,
    sa.Column("call_id", sa.String(200), primary_key=True),
    sa.Column("caller", sa.String(32), nullable=False),
    sa.Column("callee", sa.String(32), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("verdict", sa.String(8), nullable=False),  # bot | human | unsure
    sa.Column("bot_score", sa.Float, nullable=False),
    sa.Column("challenges", sa.Integer, nullable=False),
    sa.Column("category", sa.String(64), nullable=False, server_default=""),
    sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
    sa.Column("action", sa.String(16), nullable=False),  # reject | allow | label
    sa.Column("transcript_sha256", sa.String(64), nullable=False),
    sa.Column("turns", sa.Text, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
)
sa.Index("ix_screenings_caller", screenings.c.caller, screenings.c.at)
sa.Index("ix_screenings_at", screenings.c.at)  # labels' window, over every caller
#: the calls that keep their turns (prune empties them: '[]'), for the screening window's
#: last K (revision 0013); its condition is written as the window's query writes it
SCREENINGS_KEPT_TURNS = sa.text("turns != '[]'")
sa.Index(
    "ix_screenings_kept_turns",
    screenings.c.at,
    screenings.c.call_id,
    sqlite_where=SCREENINGS_KEPT_TURNS,
    postgresql_where=SCREENINGS_KEPT_TURNS,
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
)
sa.Index("ix_audit_log_target", audit_log.c.target, audit_log.c.at)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the secret
    sa.Column("role", sa.String(16), nullable=False),  # operator | subscriber | network | screener
    sa.Column("subscriber", sa.String(32)),  # the only subscriber a subscriber key reaches
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("revoked_at", sa.Float),
)

operator_settings = sa.Table(
    "operator_settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),  # e.g. "thresholds"
    sa.Column("value", sa.Text, nullable=False),  # JSON
    sa.Column("source", sa.String(200), nullable=False, server_default=""),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

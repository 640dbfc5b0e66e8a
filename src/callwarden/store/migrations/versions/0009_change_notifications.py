"""Change notifications for the API workers' caches (PostgreSQL only).

Several ``serve`` workers on one PostgreSQL store each hold caches (verdicts, subscriber
policies, the business registry, the score bands, API keys). Statement-level triggers on the
tables behind them send, on the ``callwarden`` channel (``pg_notify``: delivered when the
writing transaction commits, never for one rolled back), which keys changed; each worker's
listener (``api.invalidation``) re-reads them. Triggers, not the write paths: a write made by
any path (the API, the CLI, an operator's SQL) is announced.

Payload: ``KIND:KEY,KEY,...`` (at most ~7,900 bytes each; a statement's keys are split over
as many payloads as needed), or ``KIND:*`` (refresh that cache whole). Kinds: ``verdict``
(numbers), ``subscriber`` (settings and lists, by subscriber), ``registry`` (always ``*``),
``setting`` (operator settings, by key: ``thresholds``), ``key`` (API keys revoked or deleted,
by key hash). A statement that changes more than ``NOTIFY_BOUND`` rows sends one ``KIND:*``
instead (an operator's bulk SQL costs the queue and the listeners one message, not one a
row; PostgreSQL folds identical payloads of a transaction). The verdict import writes each
2,000-row chunk as one statement (since 30 Nov; one statement a row before, which fired the
trigger and sent a notification once a row): a chunk's numbers go out in a few payloads;
each listener takes a transaction's at once and re-reads them in one batch (docs/api.md).

SQLite: nothing (one ``serve`` per SQLite store, docs/api.md).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: rows one statement announces by key; above, ``KIND:*``
NOTIFY_BOUND = 10_000
#: longest payload sent (PostgreSQL's limit is 8,000 bytes)
PAYLOAD_MAX = 7_900


def _function(table: str, kind: str, col: str, distinct: bool) -> str:
    """The trigger function of one table: static SQL (plpgsql keeps its plans), and a short
    path for what most statements change (a few rows; an import's chunk is 2,000)."""
    if not col:  # the whole cache, whatever changed
        body = f"PERFORM pg_notify('callwarden', '{kind}:*');"
    else:
        agg = f"array_agg({'DISTINCT ' if distinct else ''}{col}::text)"
        body = f"""IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('callwarden', '{kind}:*');
        RETURN NULL;
    END IF;
    SELECT {agg} INTO changed_keys FROM changed;
    IF changed_keys IS NULL THEN  -- no row changed (an upsert held back, say)
        RETURN NULL;
    END IF;
    IF cardinality(changed_keys) > {NOTIFY_BOUND} THEN
        PERFORM pg_notify('callwarden', '{kind}:*');
        RETURN NULL;
    END IF;
    payload := array_to_string(changed_keys, ',');
    IF length(payload) <= {PAYLOAD_MAX} THEN
        PERFORM pg_notify('callwarden', '{kind}:' || payload);
        RETURN NULL;
    END IF;
    SELECT greatest(1, {PAYLOAD_MAX} / (1 + max(length(k))))
        INTO per FROM unnest(changed_keys) AS k;
    PERFORM pg_notify('callwarden', '{kind}:' || string_agg(k, ',' ORDER BY i))
        FROM unnest(changed_keys) WITH ORDINALITY AS u(k, i)
        GROUP BY (i - 1) / per;"""
    return f"""
CREATE OR REPLACE FUNCTION callwarden_notify_{table}() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    changed_keys text[];
    payload text;
    per integer;
BEGIN
    {body}
    RETURN NULL;
END
$fn$
"""


#: table -> (kind, key column ('' for "the whole cache"), keys repeat in a statement, events)
TRIGGERS: dict[str, tuple[str, str, bool, tuple[str, ...]]] = {
    "verdicts": ("verdict", "number", False, ("INSERT", "UPDATE", "DELETE")),
    "settings": ("subscriber", "subscriber", False, ("INSERT", "UPDATE", "DELETE")),
    "list_entries": ("subscriber", "subscriber", True, ("INSERT", "UPDATE", "DELETE")),
    "registrations": ("registry", "", False, ("INSERT", "UPDATE", "DELETE")),
    "operator_settings": ("setting", "key", False, ("INSERT", "UPDATE", "DELETE")),
    "api_keys": ("key", "key_hash", False, ("UPDATE", "DELETE")),
}


def _names(table: str) -> list[str]:
    return [f"callwarden_notify_{table}_{e.lower()}" for e in TRIGGERS[table][3]] + [
        f"callwarden_notify_{table}_truncate"
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, (kind, col, distinct, events) in TRIGGERS.items():
        op.execute(_function(table, kind, col, distinct))
        for event in events:
            # a trigger with transition tables takes one event (PostgreSQL's rule)
            rows = "OLD" if event == "DELETE" else "NEW"
            op.execute(
                f"CREATE TRIGGER callwarden_notify_{table}_{event.lower()}"
                f" AFTER {event} ON {table} REFERENCING {rows} TABLE AS changed"
                f" FOR EACH STATEMENT EXECUTE FUNCTION callwarden_notify_{table}()"
            )
        op.execute(
            f"CREATE TRIGGER callwarden_notify_{table}_truncate AFTER TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION callwarden_notify_{table}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TRIGGERS:
        for name in _names(table):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS callwarden_notify_{table}()")

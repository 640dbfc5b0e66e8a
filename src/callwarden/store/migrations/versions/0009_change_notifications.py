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
by key hash). A transaction that changes more than ``NOTIFY_BOUND`` keys of one kind sends
``KIND:*`` for the rest (one payload: PostgreSQL folds identical payloads of a transaction),
so a bulk write costs the queue and the listeners one message, not millions.

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

#: keys of one kind one transaction announces one by one; above, ``KIND:*``
NOTIFY_BOUND = 10_000

FUNCTION = f"""
CREATE OR REPLACE FUNCTION callwarden_notify() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    kind text := TG_ARGV[0];
    col text := TG_ARGV[1];
    counter text := 'callwarden.notified_' || TG_ARGV[0];
    changed_keys text[];
    total bigint;
    per integer;
BEGIN
    IF col = '' OR TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('callwarden', kind || ':*');
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT array_agg(DISTINCT %I::text) FROM changed', col) INTO changed_keys;
    IF changed_keys IS NULL THEN  -- no row changed (an upsert held back, say)
        RETURN NULL;
    END IF;
    total := coalesce(nullif(current_setting(counter, true), '')::bigint, 0)
        + cardinality(changed_keys);
    PERFORM set_config(counter, total::text, true);
    IF total > {NOTIFY_BOUND} THEN
        PERFORM pg_notify('callwarden', kind || ':*');
        RETURN NULL;
    END IF;
    SELECT greatest(1, (7900 - length(kind)) / (1 + max(length(k))))
        INTO per FROM unnest(changed_keys) AS k;
    PERFORM pg_notify('callwarden', kind || ':' || string_agg(k, ',' ORDER BY i))
        FROM unnest(changed_keys) WITH ORDINALITY AS u(k, i)
        GROUP BY (i - 1) / per;
    RETURN NULL;
END
$fn$
"""

#: table -> (kind, key column; '' for "the whole cache"), events
TRIGGERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "verdicts": ("verdict", "number", ("INSERT", "UPDATE", "DELETE")),
    "settings": ("subscriber", "subscriber", ("INSERT", "UPDATE", "DELETE")),
    "list_entries": ("subscriber", "subscriber", ("INSERT", "UPDATE", "DELETE")),
    "registrations": ("registry", "", ("INSERT", "UPDATE", "DELETE")),
    "operator_settings": ("setting", "key", ("INSERT", "UPDATE", "DELETE")),
    "api_keys": ("key", "key_hash", ("UPDATE", "DELETE")),
}


def _names(table: str) -> list[str]:
    return [f"callwarden_notify_{table}_{e.lower()}" for e in TRIGGERS[table][2]] + [
        f"callwarden_notify_{table}_truncate"
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for table, (kind, col, events) in TRIGGERS.items():
        for event in events:
            # a trigger with transition tables takes one event (PostgreSQL's rule)
            rows = "OLD" if event == "DELETE" else "NEW"
            op.execute(
                f"CREATE TRIGGER callwarden_notify_{table}_{event.lower()}"
                f" AFTER {event} ON {table} REFERENCING {rows} TABLE AS changed"
                f" FOR EACH STATEMENT EXECUTE FUNCTION callwarden_notify('{kind}', '{col}')"
            )
        op.execute(
            f"CREATE TRIGGER callwarden_notify_{table}_truncate AFTER TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION callwarden_notify('{kind}', '')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TRIGGERS:
        for name in _names(table):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS callwarden_notify()")

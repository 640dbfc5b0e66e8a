"""List and registration patterns saved before prefixes were normalised (full-width digits,
a stray trunk ``0`` after +86, ``0086``) never matched a call: they are rewritten in the form
the API now stores (``store.io.pattern``). A pattern that is already stored in its normal
form stays; one whose normal form is stored too is a duplicate and goes; one that is not a
valid pattern at all is left as it is (it matches nothing, as before) and logged.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def _normal(raw: str) -> str | None:
    from callwarden.errors import InputError
    from callwarden.store.io import pattern

    try:
        return pattern(raw)
    except InputError:
        log.warning("pattern %r is not valid and is left as it is", raw)
        return None


def upgrade() -> None:
    conn = op.get_bind()
    meta = sa.MetaData()
    entries = sa.Table("list_entries", meta, autoload_with=conn)
    regs = sa.Table("registrations", meta, autoload_with=conn)

    rows = conn.execute(sa.select(entries.c.subscriber, entries.c.kind, entries.c.pattern)).all()
    present = {(r.subscriber, r.kind, r.pattern) for r in rows}
    for sub, kind, old in rows:
        new = _normal(old)
        if new is None or new == old:
            continue
        where = (
            (entries.c.subscriber == sub) & (entries.c.kind == kind) & (entries.c.pattern == old)
        )
        if (sub, kind, new) in present:
            conn.execute(sa.delete(entries).where(where))
        else:
            conn.execute(sa.update(entries).where(where).values(pattern=new))
            present.add((sub, kind, new))
        present.discard((sub, kind, old))

    reg_rows = conn.execute(sa.select(regs.c.pattern, regs.c.callee_prefixes)).all()
    taken = {r.pattern for r in reg_rows}
    for old, scope_text in reg_rows:
        try:
            scope = [str(p) for p in json.loads(scope_text or "[]")]
        except (ValueError, TypeError):
            scope = []
        new_scope = [(_normal(p.rstrip("*") + "*") or p + "*")[:-1] for p in scope]
        new = _normal(old) or old
        values: dict[str, object] = {}
        if new_scope != scope:
            values["callee_prefixes"] = json.dumps(new_scope)
        if new != old:
            if new in taken:  # the normal form is registered already: this copy goes
                conn.execute(sa.delete(regs).where(regs.c.pattern == old))
                continue
            values["pattern"] = new
            taken.add(new)
            taken.discard(old)
        if values:
            conn.execute(sa.update(regs).where(regs.c.pattern == old).values(**values))


def downgrade() -> None:
    """Nothing to undo: the old spellings matched no call."""

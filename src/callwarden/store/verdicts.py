"""Verdicts one at a time: read (one, some, or every one, as values or as the plain rows
serve's cache starts from; the import that wrote one; those cleared on appeal) and written
by a person or the reports. ``VerdictsMixin`` brings the rest of the verdicts' side into
the store: the import (``verdict_import``), the stored campaigns (``campaigns_db``) and
registered business numbers (``registrations``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from callwarden.policy import Verdict
from callwarden.store.campaigns_db import CampaignsMixin
from callwarden.store.registrations import RegistrationsMixin
from callwarden.store.schema import imports, verdicts
from callwarden.store.verdict_import import VerdictImportMixin
from callwarden.store.verdict_rows import (
    VerdictRow,
    verdict_from_row,
    verdict_from_tuple,
    verdict_to_row,
)


class VerdictsMixin(VerdictImportMixin, CampaignsMixin, RegistrationsMixin):
    """Verdicts read and written one at a time, plus the import, campaigns, registrations."""

    def put_verdict(self, conn: sa.Connection, v: Verdict) -> None:
        """Write one verdict set by a person or the reports (not an import: no provenance),
        and recompute the campaigns the number leaves or joins (an accepted appeal takes it
        out of its campaign at once)."""
        old = conn.execute(
            sa.select(verdicts.c.campaign).where(verdicts.c.number == v.number)
        ).scalar()
        row = {**verdict_to_row(v, self.clock()), "import_id": None}
        self.upsert(conn, verdicts, [row], ["number"])
        touched = sorted({c for c in (old, v.campaign) if c})
        if touched:
            self._refresh_campaigns(conn, touched)

    def verdict_rows(self) -> list[VerdictRow]:
        """Every verdict as a plain row, reasons still JSON text: what serve's verdict cache
        starts from (``api.verdict_cache``), parsing a row only when a call asks for it."""
        v = verdicts.c
        q = sa.select(
            v.number, v.label, v.score, v.category, v.reasons, v.campaign, v.source, v.protected
        )
        with self.read() as conn:  # plain tuples, not rows by attribute
            return [tuple(r) for r in conn.execute(q)]  # type: ignore[misc]

    def load_verdicts(self) -> dict[str, Verdict]:
        """Every verdict, keyed by E.164 number, as values."""
        return {t[0]: verdict_from_tuple(t) for t in self.verdict_rows()}

    def get_verdicts(self, numbers: list[str]) -> dict[str, Verdict]:
        """The stored verdicts of ``numbers`` (those that have one)."""
        out: dict[str, Verdict] = {}
        with self.read() as conn:
            for start in range(0, len(numbers), 1000):
                q = sa.select(verdicts).where(verdicts.c.number.in_(numbers[start : start + 1000]))
                out.update((r.number, verdict_from_row(r)) for r in conn.execute(q))
        return out

    def verdict_provenance(self, number: str) -> dict[str, Any] | None:
        """The import that wrote ``number``'s verdict (id, time, actor, source file, model
        version, scan day), None when no import did (reports, an appeal, or stored before
        imports were recorded)."""
        i = imports.c
        q = (
            sa.select(
                i.id.label("import_id"),
                i.at.label("imported_at"),
                i.actor,
                i.source_file,
                i.model_version,
                i.scan_day,
            )
            .select_from(verdicts.join(imports, imports.c.id == verdicts.c.import_id))
            .where(verdicts.c.number == number)
        )
        with self.read() as conn:
            row = conn.execute(q).mappings().first()
        return dict(row) if row is not None else None

    def protected_numbers(self) -> set[str]:
        """Numbers cleared on appeal (their verdicts are ``protected``)."""
        with self.read() as conn:
            q = sa.select(verdicts.c.number).where(verdicts.c.protected)
            return {r[0] for r in conn.execute(q)}

    def get_verdict(self, number: str, conn: sa.Connection | None = None) -> Verdict | None:
        q = sa.select(verdicts).where(verdicts.c.number == number)
        if conn is not None:
            row = conn.execute(q).first()
        else:
            with self.read() as c:
                row = c.execute(q).first()
        return verdict_from_row(row) if row is not None else None

"""The verdict import: the precedence rules (appeals, community labels, newer scan days,
screener's labels newer than the scan), its chunked writes (``import_chunks``), the audit
of verdicts held back, provenance, and campaign ids kept across days
(``campaign_continuity``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from callwarden.policy import Verdict
from callwarden.policy.scan_day import keeps_screened_label, scan_day_end, scan_day_of
from callwarden.store.base import new_id
from callwarden.store.campaign_continuity import CampaignContinuityMixin
from callwarden.store.campaign_traits import CampaignTraits
from callwarden.store.campaigns_db import CampaignsMixin
from callwarden.store.db import import_lock, yield_to_writers
from callwarden.store.import_chunks import IMPORT_CHUNK, chunk_writer, last_per_number
from callwarden.store.schema import audit_log, campaign_aliases, imports, verdicts
from callwarden.store.traits_db import record_traits
from callwarden.store.verdict_rows import reasons_from_json, verdict_to_row

#: ``ImportResult.traits_unused`` of an import with traits but no usable scan day
TRAITS_NO_SCAN_DAY = "no scan day"
#: refused trait matches named in an import's audit entry (all are counted)
REFUSALS_SHOWN = 20
#: ``model_verdict_held``'s ``rule`` when rule 4 held the row (a screener's label newer
#: than the scan day)
HELD_SCREENED_LABEL = "screened_label_newer"


@dataclass(frozen=True)
class Provenance:
    """Where an import's verdicts come from: the file (or client), the model that scored
    them, the day scanned and its zone (``scan-summary.json``'s ``model_version``, ``day``
    and ``tz``). The zone only places the day's end for rule 4 (``policy.scan_day``): it is
    named in the import's audit entry (``scan_tz``), not kept in the imports table."""

    source_file: str = ""
    model_version: str = ""
    scan_day: str = ""
    tz: str = ""

    def day_end(self) -> float | None:
        """The end of the scan day in its zone (``policy.scan_day.scan_day_end``): a
        screener's label given since is kept by an import of this scan (rule 4); None
        without a usable day."""
        return scan_day_end(self.scan_day, self.tz)

    def as_dict(self) -> dict[str, str]:
        """The columns of the import's row (``schema.imports``)."""
        return {
            "source_file": self.source_file,
            "model_version": self.model_version,
            "scan_day": self.scan_day,
        }


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows read, the verdicts it wrote (as the store now holds them),
    the rows held back (all of them: appeals, community labels, newer scans and newer
    screener's labels), the import's id (its provenance row), and of the rows held back
    those held because a later scan day's import wrote the verdict in force
    (``held_newer_scan``), with the latest of those days (``newer_scan_day``, "" when none),
    and those held for a screener's label newer than the scan (``held_screened_label``)."""

    rows: int
    written: list[Verdict]
    held: int
    import_id: int
    held_newer_scan: int = 0
    newer_scan_day: str = ""
    #: the import's campaign ids kept under a stored campaign's id (alias -> stored id)
    continued: dict[str, str] | None = None
    #: campaigns whose traits the import had (campaigns.csv / ``campaigns``), and why some of
    #: the campaigns.csv's were not read (``store.io.scan_campaign_traits``)
    traits_read: int = 0
    trait_warnings: tuple[str, ...] = ()
    #: why the import's traits were neither compared nor recorded ("" when they were, or
    #: when it had none): ``TRAITS_NO_SCAN_DAY``
    traits_unused: str = ""
    #: of the rows held back, those whose number holds a screener's live label given after
    #: the end of the import's scan day (rule 4)
    held_screened_label: int = 0


def _verdict_of_row(r: dict[str, Any]) -> Verdict:
    """The verdict an import row leaves in the store (unprotected, the import's source)."""
    return Verdict(
        number=r["number"],
        label=r["label"],
        score=float(r["score"]),
        category=r["category"],
        reasons=reasons_from_json(r["reasons"]),
        campaign=r["campaign"],
        source=r["source"],
        protected=False,
    )


def _utc(t: float | None) -> str | None:
    """An epoch time as the audit log shows it: UTC, to the second."""
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def _latest_entries(conn: sa.Connection, targets: list[str]) -> dict[str, tuple[str, Any]]:
    """Each target's latest audit entry, as (action, detail); targets without one are absent."""
    out: dict[str, tuple[str, Any]] = {}
    a = audit_log.c
    for start in range(0, len(targets), 1000):
        chunk = targets[start : start + 1000]
        last = sa.select(sa.func.max(a.id)).where(a.target.in_(chunk)).group_by(a.target)
        for r in conn.execute(sa.select(a.target, a.action, a.detail).where(a.id.in_(last))):
            try:
                out[r.target] = (r.action, json.loads(r.detail))
            except ValueError:  # a damaged detail cell matches nothing: the entry is written
                continue
    return out


class VerdictImportMixin(CampaignContinuityMixin, CampaignsMixin):
    """Verdict imports: the precedence rules, held-back audit, campaign refresh."""

    def import_verdicts(
        self,
        items: Iterable[Verdict],
        actor: str = "import",
        override_appeals: bool = False,
        provenance: Provenance | None = None,
        override_newer_scans: bool = False,
        traits: Mapping[str, CampaignTraits] | None = None,
    ) -> int:
        """Upsert model verdicts and refresh campaigns (see :meth:`import_verdicts_result`).
        Returns the rows read."""
        return self.import_verdicts_result(
            items, actor, override_appeals, provenance, override_newer_scans, traits
        ).rows

    def import_verdicts_result(
        self,
        items: Iterable[Verdict],
        actor: str = "import",
        override_appeals: bool = False,
        provenance: Provenance | None = None,
        override_newer_scans: bool = False,
        traits: Mapping[str, CampaignTraits] | None = None,
    ) -> ImportResult:
        """Upsert model verdicts and refresh campaigns, by the precedence rule:

        1. an accepted appeal (``protected``, source ``appeal``) is a person's decision: an
           import never changes it, unless an operator imports with ``override_appeals``
           (the number is then the model's again, unprotected);
        2. a label the community gave (source ``reports``) is not undone by a model verdict
           of ``benign``; a model label (harassment, fraud) replaces it;
        3. a verdict written by an import of a later scan day than this import's is not
           replaced by it (an older day imported by mistake, or a late file), unless the
           operator imports with ``override_newer_scans``; both days must be written
           YYYY-MM-DD (:func:`scan_day_of`), so an import without a day, and a verdict
           whose import had none, are not compared; a rescan of the same day replaces;
        4. a screener's live label (source ``screening``) given at or after the end of the
           import's scan day is kept: it rests on screened calls newer than the scan, as a
           later scan day's verdict does (``policy.scan_day.keeps_screened_label``, which
           ``compare --db``'s ``CLEARED_SCREENED`` asks too). The day ends at the next
           day's 00:00 in the scan's zone (``Provenance.tz``, ``scan-summary.json``'s
           ``tz``); without a zone that reads, in UTC-12, where the date ends last, so a
           label is kept only when surely newer than the whole day. The label's time is its
           row's ``updated_at`` (the label is written with the store's clock and nothing
           else rewrites a screener's row). An import without a usable scan day is an
           operator's explicit import and replaces the label, as for rule 3.
           ``override_newer_scans`` does not lift this rule: it lets an older scan replace
           a later scan's verdicts, and a label is no scan's; ``serve`` passes it at every
           start, where lifting it would wipe the labels again. A label yields to an import
           of a scan day it does not outlast, to an import without a day, and to an appeal;
        5. any other verdict is replaced by the import.

        A model verdict that is held back is recorded in the audit log
        (``model_verdict_held``, with its label, score, category and the source kept, and
        for rule 3 the two days: ``scan_day``, ``kept_scan_day``; for rule 4 ``rule``
        ``screened_label_newer``, ``scan_day``, ``scan_tz``, ``scan_day_end`` and
        ``labelled_at``, both UTC), once:
        not again while the number's latest audit entry already records that same held
        verdict (re-importing the same file, as ``serve --verdicts`` does at each restart,
        adds nothing; a different held verdict, or the same one after any other entry on
        the number such as a report or an appeal decision, is recorded). The import's own
        entry counts every row held back (``held``), those held by rule 3
        (``held_newer_scan``), by rule 4 (``held_screened_label``) and those recorded
        (``held_recorded``), and names the scan's zone (``scan_tz``).

        A row that the upsert's own condition held back (on PostgreSQL, an appeal accepted, a
        community label given or a screener's label given after the scan day, on the number
        after the chunk's read) is held back like the others, audited and counted as held
        (a label under rule 4), not as written: ``written`` holds only the rows
        the statement returned (``RETURNING``; see :func:`import_chunks.chunk_writer`).

        The import is written ``IMPORT_CHUNK`` rows a transaction (on PostgreSQL one
        statement a chunk, so the change-notification triggers fire once a chunk), yielding
        SQLite's write lock to this process's waiting writes between chunks; a crash part-way
        leaves the chunks before it written (importing the file again completes it: every row is an
        upsert). Only the campaigns the imported rows leave or join are recomputed.
        ``provenance`` (default: the ``provenance`` attribute of ``items``, which
        ``store.io.read_verdicts_csv`` sets from ``scan-summary.json``) is stored once per
        import and each written verdict points to it. Imports run one at a time
        (:func:`store.db.import_lock`): one that starts during another waits for its end, so
        concurrent imports leave what they would one after the other.

        ``traits`` (default: the ``campaign_traits`` attribute of ``items``, which
        ``read_verdicts_csv`` reads from the campaigns.csv beside the file): the import's
        campaigns' ingresses and asserted identities, the second way a campaign keeps a stored
        id (:meth:`_continued_campaigns`); each stored campaign keeps those of its latest scan
        day (``traits_db.record_traits``).
        """
        with import_lock(self.engine):  # one import at a time: see store.db.import_lock
            return self._import_verdicts(
                items,
                actor,
                override_appeals,
                provenance,
                override_newer_scans,
                traits if traits is not None else getattr(items, "campaign_traits", None) or {},
            )

    def _import_verdicts(
        self,
        items: Iterable[Verdict],
        actor: str,
        override_appeals: bool,
        provenance: Provenance | None,
        override_newer_scans: bool,
        traits: Mapping[str, CampaignTraits],
    ) -> ImportResult:
        prov = provenance or getattr(items, "provenance", None) or Provenance()
        day = "" if override_newer_scans else scan_day_of(prov.scan_day)
        # rule 4, override or not: a screener's label given since this end is kept
        end = prov.day_end()
        now = self.clock()
        with self.engine.begin() as conn:
            import_id = new_id(
                conn.execute(imports.insert().values(at=now, actor=actor, rows=0, **prov.as_dict()))
            )
        rows = [verdict_to_row(v, now) for v in items]
        for r in rows:  # the protected flag is the appeal's to set, never an import's
            del r["protected"]
            r["import_id"] = import_id
        sday = scan_day_of(prov.scan_day)  # of the traits too, override or not
        continued, refused = self._continued_campaigns(rows, traits, sday)
        # traits without a scan day continue and record nothing: say so, not silently
        unused = TRAITS_NO_SCAN_DAY if traits and not sday else ""
        renamed: dict[str, str] = {}  # number -> the import's own campaign id (an alias)
        for r in rows:
            if (c := continued.get(r["campaign"])) is not None:
                renamed[r["number"]] = r["campaign"]
                r["campaign"] = c.campaign
        v = verdicts.c
        write = chunk_writer(self.dialect, override_appeals, end)
        written: list[Verdict] = []
        touched: set[str] = set()
        held_count = recorded = newer_count = labelled_count = 0
        newest = ""
        for start in range(0, len(rows), IMPORT_CHUNK):
            chunk = last_per_number(rows[start : start + IMPORT_CHUNK])
            yield_to_writers(self.engine)
            with self.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, read and write as one
                standing = {
                    r.number: r
                    for r in conn.execute(
                        sa.select(
                            v.number,
                            v.source,
                            v.protected,
                            v.campaign,
                            v.updated_at,
                            imports.c.scan_day,
                        )
                        .select_from(verdicts.outerjoin(imports, imports.c.id == v.import_id))
                        .where(v.number.in_([r["number"] for r in chunk]))
                    )
                }
                held = [
                    r
                    for r in chunk
                    if (s := standing.get(r["number"])) is not None
                    and (
                        (s.protected and not override_appeals)
                        or (s.source == "reports" and r["label"] == "benign")
                    )
                ]
                held_numbers = {r["number"] for r in held}
                newer = {  # rule 3: the verdict in force is of a later scan day
                    r["number"]: kept
                    for r in chunk
                    if day
                    and r["number"] not in held_numbers
                    and (s := standing.get(r["number"])) is not None
                    and not (s.protected and override_appeals)
                    and (kept := scan_day_of(s.scan_day)) > day
                }
                held += [r for r in chunk if r["number"] in newer]
                held_numbers.update(newer)
                newest = max([newest, *newer.values()])
                newer_count += len(newer)
                labelled = {  # rule 4: a screener's label given after the scan day
                    r["number"]: float(s.updated_at)
                    for r in chunk
                    if r["number"] not in held_numbers
                    and (s := standing.get(r["number"])) is not None
                    and keeps_screened_label(s.source, float(s.updated_at), end)
                }
                held += [r for r in chunk if r["number"] in labelled]
                held_numbers.update(labelled)
                todo = [r for r in chunk if r["number"] not in held_numbers]
                wrote = write(conn, todo) if todo else set()
                # On PostgreSQL an appeal accepted, a community label or a screener's label
                # given between the read above and this write (its transaction committed
                # meanwhile) is kept by the statement's own condition: such a row was not
                # written, and is held back like the others (before, it was counted and
                # returned as written, so the worker's cache took the import's verdict).
                # SQLite's BEGIN IMMEDIATE leaves none.
                lost = {r["number"] for r in todo} - wrote
                kept_now: dict[str, str] = {}
                if lost:
                    for n, source, at in conn.execute(  # in force now (its writer committed)
                        sa.select(v.number, v.source, v.updated_at).where(
                            v.number.in_(sorted(lost))
                        )
                    ):
                        kept_now[n] = source
                        if keeps_screened_label(source, float(at), end):
                            labelled[n] = float(at)
                    held += [r for r in todo if r["number"] in lost]
                    held_numbers.update(lost)
                labelled_count += len(labelled)
                for r in chunk:
                    if r["number"] in held_numbers:
                        continue
                    written.append(_verdict_of_row(r))
                    old = standing.get(r["number"])
                    touched.update(c for c in (r["campaign"], old and old.campaign) if c)
                held_detail: dict[str, dict[str, Any]] = {
                    r["number"]: {
                        "label": r["label"],
                        "score": r["score"],
                        "category": r["category"],
                        "kept": kept_now.get(r["number"], "")
                        if r["number"] in lost
                        else standing[r["number"]].source,
                    }
                    for r in held
                }
                for number, kept in newer.items():
                    held_detail[number].update(scan_day=day, kept_scan_day=kept)
                for number, at in labelled.items():
                    held_detail[number].update(
                        rule=HELD_SCREENED_LABEL,
                        scan_day=prov.scan_day,
                        scan_tz=prov.tz,
                        scan_day_end=_utc(end),
                        labelled_at=_utc(at),
                    )
                latest = _latest_entries(conn, list(held_detail))
                for number, detail in held_detail.items():
                    if latest.get(number) != ("model_verdict_held", detail):
                        self.audit(conn, actor, "model_verdict_held", number, detail)
                        recorded += 1
                held_count += len(held)
        # an alias only where the import wrote some of its rows (rule 3 may hold them all)
        live = {renamed[w.number] for w in written if w.number in renamed}
        continued = {a: c for a, c in continued.items() if a in live}
        # each campaign the import wrote rows of keeps this import's traits (the next day's
        # campaigns are compared with them), under its stored id
        kept_traits = {
            v.campaign: traits[renamed.get(v.number, v.campaign)]
            for v in written
            if v.campaign and renamed.get(v.number, v.campaign) in traits
        }
        campaigns_done = sorted(touched)
        for batch in self._campaign_batches(campaigns_done):
            yield_to_writers(self.engine)
            with self.engine.begin() as conn:
                self._refresh_campaigns(conn, batch)
        with self.engine.begin() as conn:
            conn.execute(imports.update().where(imports.c.id == import_id).values(rows=len(rows)))
            traits_recorded = record_traits(conn, kept_traits, sday, import_id, now)
            for c in continued.values():
                if c.recorded:
                    continue
                conn.execute(
                    campaign_aliases.insert().values(
                        alias=c.alias, campaign=c.campaign, import_id=import_id, at=now
                    )
                )
                self.audit(
                    conn,
                    actor,
                    "campaign_continued",
                    "verdicts",
                    {
                        "alias": c.alias,
                        "campaign": c.campaign,
                        "shared": c.shared,
                        "alias_members": c.alias_members,
                        "campaign_members": c.campaign_members,
                        "import_id": import_id,
                        "reason": c.reason,
                        "evidence": dict(c.evidence or {}),
                    },
                )
            detail = {
                "rows": len(rows),
                "held": held_count,
                "held_newer_scan": newer_count,
                "held_screened_label": labelled_count,
                "held_recorded": recorded,
                "override_appeals": override_appeals,
                "override_newer_scans": override_newer_scans,
                "import_id": import_id,
                "campaigns_refreshed": len(campaigns_done),
                "campaigns_continued": len(continued),
                "traits_read": len(traits),
                "traits_recorded": traits_recorded,
                # traits that matched a stored campaign's but continued none, and why
                "traits_refused": [r.to_dict() for r in refused[:REFUSALS_SHOWN]],
                "traits_refused_count": len(refused),
                "traits_unused": unused or None,
                **prov.as_dict(),
                "scan_tz": prov.tz,
            }
            self.audit(conn, actor, "import_verdicts", "verdicts", detail)
        return ImportResult(
            len(rows),
            written,
            held_count,
            import_id,
            newer_count,
            newest,
            {a: c.campaign for a, c in continued.items()},
            len(traits),
            tuple(getattr(items, "trait_warnings", ())),
            unused,
            labelled_count,
        )

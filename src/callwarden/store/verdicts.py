"""Verdicts, campaigns and registered business numbers."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from callwarden.policy import Reason, Registration, Registry, Verdict
from callwarden.store.base import NotFoundError, StoreBase, new_id
from callwarden.store.campaign_traits import (
    SAME_INGRESSES_AND_ASSERTED_IDENTITY,
    SHARED_MEMBERS,
    CampaignTraits,
    Refusal,
    match_by_traits,
)
from callwarden.store.db import import_lock, yield_to_writers
from callwarden.store.schema import (
    audit_log,
    campaign_aliases,
    campaigns,
    imports,
    registrations,
    verdicts,
)
from callwarden.store.traits_db import live_traits, record_traits

log = logging.getLogger(__name__)

#: PostgreSQL advisory lock key of campaign refreshes (one at a time).
CAMPAIGNS_LOCK = 0x63770001

#: A campaign's representative member, at equal score: the more severe label first.
LABEL_SEVERITY = {"fraud": 0, "harassment": 1, "benign": 2}


def reasons_json(reasons: Iterable[Reason]) -> str:
    return json.dumps(
        [{"code": r.code, "evidence": r.evidence} for r in reasons], ensure_ascii=False
    )


#: the reason that stands in for a stored reasons cell that cannot be read back
UNREADABLE_REASONS = "unreadable_reasons"


def reasons_from_json(text: str) -> tuple[Reason, ...]:
    """Stored reasons back as values. A damaged cell (not JSON, not a list of objects, or
    nested too deep for the decoder, as rows written before evidence was bounded can be)
    reads as one ``unreadable_reasons`` reason: one row must not keep the verdict cache,
    and so the server, from loading."""
    if not text or text == "[]":  # most stored verdicts (benign ones) have none: no decoder
        return ()
    try:
        items = json.loads(text)
        if not isinstance(items, list):
            raise TypeError(f"a {type(items).__name__}, not a list")
        return tuple(Reason.from_dict(r) for r in items)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        log.warning("stored reasons cannot be read (%s); shown as %s", exc, UNREADABLE_REASONS)
        return (Reason(UNREADABLE_REASONS, {"error": type(exc).__name__}),)


def reasons_list_from_json(text: str) -> list[dict[str, Any]]:
    """Stored reasons as JSON objects (``code``, ``evidence``), read as tolerantly."""
    return [{"code": r.code, "evidence": r.evidence} for r in reasons_from_json(text)]


#: A stored verdict as the cache reads it: number, label, score, category, reasons (JSON
#: text), campaign, source, protected (``VerdictStore.verdict_rows``).
VerdictRow = tuple[str, str, float, str, str, str, str, bool]


def verdict_from_tuple(t: VerdictRow) -> Verdict:
    """A ``VerdictRow`` as a value (its reasons parsed)."""
    n, lab, sc, cat, rs, camp, src, prot = t
    return Verdict(n, lab, float(sc), cat, reasons_from_json(rs), camp, src, bool(prot))


def verdict_from_row(r: Any) -> Verdict:
    return Verdict(
        number=r.number,
        label=r.label,
        score=float(r.score),
        category=r.category,
        reasons=reasons_from_json(r.reasons),
        campaign=r.campaign,
        source=r.source,
        protected=bool(r.protected),
    )


def _row(v: Verdict, now: float) -> dict[str, Any]:
    return {
        "number": v.number,
        "label": v.label,
        "score": float(v.score),
        "category": v.category,
        "reasons": reasons_json(v.reasons),
        "campaign": v.campaign,
        "source": v.source,
        "protected": v.protected,
        "updated_at": now,
    }


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


def _last_per_number(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row a number, the last one (one INSERT ... ON CONFLICT statement cannot touch a
    row twice on PostgreSQL; a file listing a number twice meant its last row before)."""
    if len({r["number"] for r in rows}) == len(rows):
        return rows
    return list({r["number"]: r for r in rows}.values())


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


#: The columns an import writes, and on PostgreSQL the element types of the arrays a chunk
#: is sent as (no length: a cast to VARCHAR(n) would cut a value the column refuses).
_IMPORT_COLUMNS: dict[str, Any] = {
    "number": sa.String(),
    "label": sa.String(),
    "score": sa.Float(),
    "category": sa.String(),
    "reasons": sa.Text(),
    "campaign": sa.String(),
    "source": sa.String(),
    "updated_at": sa.Float(),
    "import_id": sa.Integer(),
}


def _chunk_writer(
    dialect: str, override_appeals: bool
) -> Callable[[sa.Connection, list[dict[str, Any]]], set[str]]:
    """What writes an import's chunk (rows of ``_IMPORT_COLUMNS``) as an upsert that holds
    back, by its own condition, a verdict an import may not change (rules 1 and 2), and
    returns the numbers it wrote.

    PostgreSQL: one statement a chunk, ``INSERT ... SELECT * FROM unnest(ARRAY, ...) ON
    CONFLICT DO UPDATE ... WHERE ... RETURNING number``: the change-notification triggers
    (migration 0009) fire once a chunk, not once a row as for an executemany (one statement
    a row), and RETURNING names only the rows the statement wrote: an appeal or a community
    label committed on a number since the chunk's read is held by the condition, and not
    counted as written. (Arrays, one parameter a column: a 2,000-row chunk took 71 ms,
    against 213 ms as an executemany and 404 ms as one multi-row VALUES statement.)
    SQLite: an executemany, as before; the chunk's BEGIN IMMEDIATE holds the write lock from
    its read on, so nothing else writes in between and every row sent is written."""
    v = verdicts.c
    columns = list(_IMPORT_COLUMNS)
    ins: Any
    if dialect == "postgresql":
        arrays = (
            sa.func.unnest(
                *(sa.bindparam(c, type_=postgresql.ARRAY(t)) for c, t in _IMPORT_COLUMNS.items())
            )
            .table_valued(*columns)
            .render_derived()
        )
        ins = postgresql.insert(verdicts).from_select(
            columns, sa.select(*(arrays.c[c] for c in columns))
        )
    else:
        ins = sqlite.insert(verdicts)
    ex = ins.excluded
    kept_by_people = sa.and_(v.source == "reports", ex.label == "benign")
    held_sql = kept_by_people if override_appeals else sa.or_(v.protected, kept_by_people)
    updates = {c: ex[c] for c in columns if c != "number"}
    if override_appeals:
        updates["protected"] = sa.false()
    stmt = ins.on_conflict_do_update(index_elements=["number"], set_=updates, where=~held_sql)
    if dialect == "postgresql":
        returning = stmt.returning(v.number)

        def write_pg(conn: sa.Connection, todo: list[dict[str, Any]]) -> set[str]:
            params = {c: [r[c] for r in todo] for c in columns}
            return {n for (n,) in conn.execute(returning, params)}

        return write_pg

    def write_sqlite(conn: sa.Connection, todo: list[dict[str, Any]]) -> set[str]:
        conn.execute(stmt, todo)
        return {r["number"] for r in todo}

    return write_sqlite


#: Rows an import writes in one transaction. Between two, the import lets this process's
#: waiting writes (the write-behind's block-log rows, reports, list changes) take SQLite's
#: write lock, so none waits longer than one chunk (docs/api.md, "Durability").
IMPORT_CHUNK = 2000
#: Campaigns refreshed in one transaction after an import: at most this many, with at
#: most about CAMPAIGN_ROWS members together.
CAMPAIGN_CHUNK = 500
CAMPAIGN_ROWS = 10_000


#: A new campaign keeps a stored campaign's id when at least this share of its members in the
#: import are the stored one's (their verdict in force is in it).
CAMPAIGN_CONTINUES = 0.5
#: ... and at least this many members in both: one number that moves from a campaign to a
#: new one (resold, or judged anew) says nothing about the operation.
CAMPAIGN_MIN_SHARED = 2
#: ``ImportResult.traits_unused`` of an import with traits but no usable scan day
TRAITS_NO_SCAN_DAY = "no scan day"
#: refused trait matches named in an import's audit entry (all are counted)
REFUSALS_SHOWN = 20


@dataclass(frozen=True)
class Continued:
    """A campaign id of an import kept under a stored one: ``alias`` (the import's id),
    ``campaign`` (the stored id), ``shared`` members, the two sizes, and why (``reason``, a
    ``campaign_traits`` code, with its ``evidence``)."""

    alias: str
    campaign: str
    shared: int
    alias_members: int
    campaign_members: int
    recorded: bool  # an alias recorded before (a restart re-importing the same file)
    reason: str = SHARED_MEMBERS
    evidence: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Provenance:
    """Where an import's verdicts come from: the file (or client), the model that scored
    them and the day scanned (``scan-summary.json``'s ``model_version`` and ``day``)."""

    source_file: str = ""
    model_version: str = ""
    scan_day: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "source_file": self.source_file,
            "model_version": self.model_version,
            "scan_day": self.scan_day,
        }


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def scan_day_of(text: str | None) -> str:
    """``text`` when it is a calendar day written YYYY-MM-DD (as ``scan-summary.json``'s
    ``day`` is), else "" (a day that cannot be compared: an import without one, or one sent
    in another form, is never held back for its day, nor holds another import back)."""
    if not text or not _DAY.fullmatch(text):
        return ""
    try:
        date.fromisoformat(text)
    except ValueError:
        return ""
    return text


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows read, the verdicts it wrote (as the store now holds them),
    the rows held back (all of them: appeals, community labels and newer scans), the
    import's id (its provenance row), and of the rows held back those held because a later
    scan day's import wrote the verdict in force (``held_newer_scan``), with the latest of
    those days (``newer_scan_day``, "" when none)."""

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


class VerdictsMixin(StoreBase):
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
        4. any other verdict is replaced by the import.

        A model verdict that is held back is recorded in the audit log
        (``model_verdict_held``, with its label, score, category and the source kept, and
        for rule 3 the two days: ``scan_day``, ``kept_scan_day``), once:
        not again while the number's latest audit entry already records that same held
        verdict (re-importing the same file, as ``serve --verdicts`` does at each restart,
        adds nothing; a different held verdict, or the same one after any other entry on
        the number such as a report or an appeal decision, is recorded). The import's own
        entry counts every row held back (``held``), those held by rule 3
        (``held_newer_scan``) and those recorded (``held_recorded``).

        A row that the upsert's own condition held back (on PostgreSQL, an appeal accepted or
        a community label given on the number after the chunk's read) is held back like the
        others, audited and counted as held, not as written: ``written`` holds only the rows
        the statement returned (``RETURNING``; see :func:`_chunk_writer`).

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
        now = self.clock()
        with self.engine.begin() as conn:
            import_id = new_id(
                conn.execute(imports.insert().values(at=now, actor=actor, rows=0, **prov.as_dict()))
            )
        rows = [_row(v, now) for v in items]
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
        write = _chunk_writer(self.dialect, override_appeals)
        written: list[Verdict] = []
        touched: set[str] = set()
        held_count = recorded = newer_count = 0
        newest = ""
        for start in range(0, len(rows), IMPORT_CHUNK):
            chunk = _last_per_number(rows[start : start + IMPORT_CHUNK])
            yield_to_writers(self.engine)
            with self.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, read and write as one
                standing = {
                    r.number: r
                    for r in conn.execute(
                        sa.select(v.number, v.source, v.protected, v.campaign, imports.c.scan_day)
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
                todo = [r for r in chunk if r["number"] not in held_numbers]
                wrote = write(conn, todo) if todo else set()
                # On PostgreSQL an appeal accepted or a community label given between the read
                # above and this write (its transaction committed meanwhile) is kept by the
                # statement's own condition: such a row was not written, and is held back
                # like the others (before, it was counted and returned as written, so the
                # worker's cache took the import's verdict). SQLite's BEGIN IMMEDIATE leaves
                # none.
                lost = {r["number"] for r in todo} - wrote
                kept_now: dict[str, str] = {}
                if lost:
                    kept_now = {  # the source in force now (its writer committed)
                        n: source
                        for n, source in conn.execute(
                            sa.select(v.number, v.source).where(v.number.in_(sorted(lost)))
                        )
                    }
                    held += [r for r in todo if r["number"] in lost]
                    held_numbers.update(lost)
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
        )

    def _continued_campaigns(
        self, rows: list[dict[str, Any]], traits: Mapping[str, CampaignTraits], scan_day: str
    ) -> tuple[dict[str, Continued], list[Refusal]]:
        """The import's campaign ids to keep under a stored campaign's id, by alias.

        ``scan`` derives a campaign's id from its day's callee list, so one operation gets a
        new id each day. An id of the import that the store holds as a campaign stays. An id
        recorded as an alias before (a restart re-importing the same file) takes its stored
        campaign again. Any other id is matched with the stored campaigns its members' verdicts
        in force are in: the one sharing the most members continues, under its stored id, when
        at least ``CAMPAIGN_CONTINUES`` of the import's members of that id, and at least
        ``CAMPAIGN_MIN_SHARED``, are its members; a stored campaign continues at most one id
        of an import, and none that the import itself names. An id left over then continues
        a stored campaign left over whose latest traits have the same ingresses and an
        asserted identity in common with the id's ``traits``, recorded on ``scan_day`` or the
        day before, when that pair is the only one for both and no other stored campaign
        holds ``CAMPAIGN_MIN_SHARED`` or more of the id's members
        (``campaign_traits.match_by_traits``; the refused matches are returned too)."""
        members: dict[str, set[str]] = {}
        for r in rows:
            if r["campaign"]:
                members.setdefault(r["campaign"], set()).add(r["number"])
        if not members:
            return {}, []
        ids = sorted(members)
        v, c, al = verdicts.c, campaigns.c, campaign_aliases.c
        stored: set[str] = set()
        known: dict[str, str] = {}
        sizes: dict[str, int] = {}
        shared: dict[tuple[str, str], int] = {}
        with self.read() as conn:
            for start in range(0, len(ids), 1000):
                part = ids[start : start + 1000]
                stored.update(
                    conn.execute(sa.select(c.campaign).where(c.campaign.in_(part))).scalars()
                )
                known.update(
                    (a, t)
                    for a, t in conn.execute(
                        sa.select(al.alias, al.campaign).where(al.alias.in_(part))
                    )
                )
            fresh = {i: m for i, m in members.items() if i not in stored and i not in known}
            owner = {n: i for i, m in fresh.items() for n in m}
            numbers = sorted(owner)
            for start in range(0, len(numbers), 1000):
                q = sa.select(v.number, v.campaign).where(
                    v.number.in_(numbers[start : start + 1000]), v.campaign != ""
                )
                for number, old in conn.execute(q):
                    if old not in members:  # a campaign the import names stays its own
                        key = (owner[number], old)
                        shared[key] = shared.get(key, 0) + 1
            olds = sorted({old for _, old in shared})
            for start in range(0, len(olds), 1000):
                q = sa.select(c.campaign, c.numbers).where(
                    c.campaign.in_(olds[start : start + 1000])
                )
                sizes.update((name, int(n)) for name, n in conn.execute(q))
        out = {
            a: Continued(a, t, 0, len(members[a]), 0, True)
            for a, t in known.items()
            if a not in stored
        }
        taken = {c.campaign for c in out.values()}
        for (new, old), n in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
            # Half of the import's campaign must already be the stored one's: half of the
            # smaller of the two let a 302-number campaign holding 2 numbers of a stored
            # 4-number one take that one's id (two operations under one id).
            if (
                new in out
                or old in taken
                or old not in sizes  # no campaign row (a stale column): nothing to continue
                or n < max(CAMPAIGN_MIN_SHARED, CAMPAIGN_CONTINUES * len(members[new]))
            ):
                continue
            out[new] = Continued(
                new,
                old,
                n,
                len(members[new]),
                sizes[old],
                False,
                SHARED_MEMBERS,
                {"shared": n, "alias_members": len(members[new])},
            )
            taken.add(old)
        left = {a: traits[a] for a in fresh if a not in out and a in traits and traits[a].usable}
        if not left:
            return out, []
        with self.read() as conn:
            free = live_traits(conn, taken | set(members))
        elsewhere: dict[str, dict[str, int]] = {}
        for (new, old), n in shared.items():
            # a live stored campaign holds n of the new one's members: evidence against the
            # traits from the member rule's own minimum on (1 stray number refused a match)
            if old in sizes and n >= CAMPAIGN_MIN_SHARED:
                elsewhere.setdefault(new, {})[old] = n
        matched, refused = match_by_traits(
            left, {name: f[0] for name, f in free.items()}, scan_day, elsewhere
        )
        for a, m in matched.items():
            n = shared.get((a, m.campaign), 0)
            out[a] = Continued(
                a,
                m.campaign,
                n,
                len(members[a]),
                free[m.campaign][1],
                False,
                SAME_INGRESSES_AND_ASSERTED_IDENTITY,
                {**m.evidence(), "shared": n, "alias_members": len(members[a])},
            )
        return out, refused

    def put_verdict(self, conn: sa.Connection, v: Verdict) -> None:
        """Write one verdict set by a person or the reports (not an import: no provenance),
        and recompute the campaigns the number leaves or joins (an accepted appeal takes it
        out of its campaign at once)."""
        old = conn.execute(
            sa.select(verdicts.c.campaign).where(verdicts.c.number == v.number)
        ).scalar()
        row = {**_row(v, self.clock()), "import_id": None}
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

    def _campaign_batches(self, names: list[str]) -> Iterable[list[str]]:
        """``names`` in batches of at most CAMPAIGN_CHUNK campaigns and about CAMPAIGN_ROWS
        members (a campaign larger than that alone): a refresh's time grows with its
        members (about 0.4 s for 10,000 on a loaded 2 M-verdict SQLite store), and each
        batch is one transaction holding the write lock."""
        v = verdicts.c
        sizes: dict[str, int] = {}
        with self.read() as conn:
            for start in range(0, len(names), 1000):
                q = (
                    sa.select(v.campaign, sa.func.count())
                    .where(v.campaign.in_(names[start : start + 1000]))
                    .group_by(v.campaign)
                )
                sizes.update((c, int(n)) for c, n in conn.execute(q))
        batch: list[str] = []
        rows = 0
        for name in names:
            size = sizes.get(name, 0)
            if batch and (rows + size > CAMPAIGN_ROWS or len(batch) >= CAMPAIGN_CHUNK):
                yield batch
                batch, rows = [], 0
            batch.append(name)
            rows += size
        if batch:
            yield batch

    def refresh_campaigns(self) -> None:
        """Recompute every campaign row from the verdicts (one transaction)."""
        with self.engine.begin() as conn:
            self._refresh_campaigns(conn)

    def _refresh_campaigns(self, conn: sa.Connection, only: list[str] | None = None) -> None:
        """Recompute the campaign rows of ``only`` (None: every campaign). One row a campaign: its count of numbers and top score, and the label and category
        of ONE member, its representative: the highest score; at equal score the more severe
        label (fraud, harassment, benign), then the smallest category, then the smallest
        number (each number is one row, so the choice is total). Label and category are never
        mixed from two members. Strings compare bytewise on both databases."""
        if self.dialect == "postgresql":  # two refreshes at once would insert one row twice
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(CAMPAIGNS_LOCK)))
        v = verdicts.c
        mine = v.campaign != ""
        if only is None:
            conn.execute(campaigns.delete())
        else:
            conn.execute(campaigns.delete().where(campaigns.c.campaign.in_(only)))
            mine = v.campaign.in_(only)
        agg = (
            sa.select(
                v.campaign,
                sa.func.count().label("numbers"),
                sa.func.max(v.score).label("max_score"),
            )
            .where(mine)
            .group_by(v.campaign)
            .subquery()
        )
        severity = sa.case(LABEL_SEVERITY, value=v.label, else_=len(LABEL_SEVERITY))
        rank = (
            sa.func.row_number()
            .over(
                partition_by=v.campaign,
                order_by=(
                    v.score.desc(),
                    severity,
                    self._bytewise(v.category),
                    self._bytewise(v.number),
                ),
            )
            .label("member_rank")
        )
        ranked = sa.select(v.campaign, v.label, v.category, rank).where(mine).subquery()
        top = (
            sa.select(ranked.c.campaign, ranked.c.label, ranked.c.category)
            .where(ranked.c.member_rank == 1)
            .subquery()
        )
        conn.execute(
            campaigns.insert().from_select(
                ["campaign", "label", "category", "numbers", "max_score", "updated_at"],
                sa.select(
                    agg.c.campaign,
                    top.c.label,
                    top.c.category,
                    agg.c.numbers,
                    agg.c.max_score,
                    sa.literal(self.clock(), sa.Float),
                ).join(top, top.c.campaign == agg.c.campaign),
            )
        )

    def _bytewise(self, col: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        """``col`` ordered by its bytes: SQLite's default; PostgreSQL's "C" collation (its
        default follows the server's locale)."""
        return col.collate("C") if self.dialect == "postgresql" else col

    def list_campaigns(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        q = (
            sa.select(campaigns)
            .order_by(campaigns.c.numbers.desc(), campaigns.c.campaign)
            .limit(limit)
            .offset(offset)
        )
        with self.read() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def campaign_names(self, campaign: str) -> tuple[str, list[str]]:
        """The stored id ``campaign`` is or is an alias of, and that id's aliases (the ids
        scans gave it on the days imports continued it), oldest first."""
        al = campaign_aliases.c
        with self.read() as conn:
            target = conn.execute(sa.select(al.campaign).where(al.alias == campaign)).scalar()
            stored = target or campaign
            aliases = conn.execute(
                sa.select(al.alias).where(al.campaign == stored).order_by(al.at, al.alias)
            ).scalars()
            return stored, list(aliases)

    def get_campaign(self, campaign: str, max_numbers: int = 1000) -> dict[str, Any]:
        """A stored campaign and its members, by its id or by an alias an import recorded
        for it (the answer names the stored id)."""
        with self.read() as conn:
            row = (
                conn.execute(sa.select(campaigns).where(campaigns.c.campaign == campaign))
                .mappings()
                .first()
            )
            if row is None:
                target = conn.execute(
                    sa.select(campaign_aliases.c.campaign).where(
                        campaign_aliases.c.alias == campaign
                    )
                ).scalar()
                if target is not None:
                    campaign = target
                    row = (
                        conn.execute(sa.select(campaigns).where(campaigns.c.campaign == target))
                        .mappings()
                        .first()
                    )
            if row is None:
                raise NotFoundError(f"no campaign {campaign!r}")
            nums = conn.execute(
                sa.select(verdicts.c.number, verdicts.c.score)
                .where(verdicts.c.campaign == campaign)
                .order_by(verdicts.c.score.desc())
                .limit(max_numbers)
            ).all()
        return {**row, "members": [{"number": n, "score": float(s)} for n, s in nums]}

    # Registered business numbers -------------------------------------------------------
    def put_registration(self, reg: Registration, actor: str) -> None:
        row = {
            "pattern": reg.pattern,
            "name": reg.name,
            "category": reg.category,
            "callee_prefixes": json.dumps(list(reg.callee_prefixes)),
            "created_at": self.clock(),
        }
        with self.engine.begin() as conn:
            self.upsert(conn, registrations, [row], ["pattern"])
            self.audit(
                conn,
                actor,
                "register_business",
                reg.pattern,
                {"name": reg.name, "category": reg.category},
            )

    def delete_registration(self, pattern: str, actor: str) -> None:
        with self.engine.begin() as conn:
            n = conn.execute(
                registrations.delete().where(registrations.c.pattern == pattern)
            ).rowcount
            if not n:
                raise NotFoundError(f"no registration {pattern!r}")
            self.audit(conn, actor, "unregister_business", pattern, {})

    def list_registrations(self) -> list[Registration]:
        with self.read() as conn:
            rows = conn.execute(sa.select(registrations).order_by(registrations.c.pattern)).all()
        return [
            Registration(r.pattern, r.name, r.category, tuple(json.loads(r.callee_prefixes)))
            for r in rows
        ]

    def load_registry(self) -> Registry:
        """The registrations a call is matched against (``store.io.usable``: an invalid old
        prefix matches nothing; ``list_registrations`` still shows it)."""
        from callwarden.store.io import PatternUse, usable  # store.io imports this module

        regs = self.list_registrations()
        keep = set(usable([r.pattern for r in regs], PatternUse.REGISTRATION))
        return Registry.of([r for r in regs if r.pattern in keep])

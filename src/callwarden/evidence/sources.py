"""The I/O edge of case files: reads the scan's output folder, the CDRs of the scan's day and
the reputation store into the values :mod:`callwarden.evidence.assemble` takes.

CSV files and CDRs are read with DuckDB, filtered to the case's numbers (a province's
``verdicts.csv`` has millions of rows); the store is read with plain SELECTs. Every input
file is fingerprinted (sha256), cached by path, size and modification time so a server
answering many case files hashes each file once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callwarden.errors import InputError
from callwarden.evidence.assemble import (
    MAX_ITEMS,
    SAMPLE_ROWS,
    CallFacts,
    CaseNotFoundError,
    InputFile,
    ScanFacts,
    Sources,
    StoreFacts,
)

if TYPE_CHECKING:
    import duckdb

    from callwarden.store import Store

log = logging.getLogger(__name__)

#: The scan's output files a case reads, by role (``scan --out`` writes them).
SCAN_FILES = {
    "scan summary": "scan-summary.json",
    "verdicts": "verdicts.csv",
    "campaigns": "campaigns.csv",
    "campaign members": "campaign_members.csv",
    "spoofed calls": "spoofed_calls.csv",
    "bridged calls": "bridged_calls.csv",
}
#: The local day's offset from UTC (hours east) of a scan whose summary records none: every
#: scan before ``--tz`` (30 Nov) took its day at UTC+8.
TZ_HOURS = 8
#: SQL parameters per IN (...) list (SQLite's old limit is 999).
CHUNK = 500

_hash_lock = threading.Lock()
_hashes: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class CaseSources:
    """Where a server finds what case files are made from (``serve --verdicts``'s folder and
    ``--cdrs``); either may be None, and the case file then says what it lacks."""

    scan_dir: Path | None
    cdrs: Path | None


def sha256_file(path: Path) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _hash_lock:
        hit = _hashes.get(key)
    if hit is not None:
        return hit
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    with _hash_lock:
        _hashes[key] = digest
    return digest


def _input(role: str, path: Path, root: Path) -> InputFile:
    name = path.name if path == root else path.relative_to(root).as_posix()
    return InputFile(role, name, sha256_file(path), path.stat().st_size)


@contextmanager
def _duck() -> Iterator[duckdb.DuckDBPyConnection]:
    from callwarden.features.duckdb_backend import connection

    with connection() as con:
        yield con


def _csv(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    return f"read_csv('{quoted}', header=true, all_varchar=true, quote='\"', escape='\"')"


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description or ()]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _numbers_table(con: duckdb.DuckDBPyConnection, numbers: Sequence[str]) -> None:
    import pyarrow as pa

    con.register("case_numbers", pa.table({"number": pa.array(sorted(set(numbers)), pa.string())}))


def check_scan_dir(scan_dir: Path) -> Path:
    if not scan_dir.is_dir():
        raise InputError(f"--scan-dir {scan_dir} is not a folder (scan --out writes one)")
    if not (scan_dir / "verdicts.csv").is_file():
        raise InputError(f"--scan-dir {scan_dir} holds no verdicts.csv: pass scan's --out folder")
    return scan_dir


def read_summary(scan_dir: Path) -> dict[str, Any]:
    path = scan_dir / SCAN_FILES["scan summary"]
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not JSON: {exc}") from exc
    return data if isinstance(data, dict) else {}


#: scan-summary.json ``inputs`` keys that name a file or folder (hashed when present here).
RECORDED_INPUTS = ("model", "cdrs", "features", "registry", "transcripts")


def recorded_inputs(summary: dict[str, Any]) -> list[InputFile]:
    """The files of the inputs scan-summary.json names (model, CDRs, features, registry,
    transcripts), hashed where they exist on this machine (role ``scan input: <key>``); the
    paths themselves are copied into the case by the assembler."""
    inputs = summary.get("inputs")
    if not isinstance(inputs, dict):
        return []
    out: list[InputFile] = []
    for key in RECORDED_INPUTS:
        raw = inputs.get(key)
        if not raw or not isinstance(raw, str):
            continue
        path = Path(raw)
        try:
            if path.is_file():
                out.append(_input(f"scan input: {key}", path, path))
            elif path.is_dir():
                found = (
                    cdr_files(path)
                    if key in ("cdrs", "features")
                    else [f for f in sorted(path.rglob("*")) if f.is_file()]
                )
                out += [_input(f"scan input: {key}", f, path) for f in found]
        except OSError as exc:  # unreadable: named, not hashed
            log.warning("scan input %s (%s) not hashed: %s", key, path, exc)
    return out


def campaign_numbers(scan_dir: Path, campaign: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """A campaign's campaigns.csv row and its campaign_members.csv rows, or CaseNotFoundError."""
    camp = scan_dir / SCAN_FILES["campaigns"]
    if not camp.is_file():
        raise CaseNotFoundError(f"campaign {campaign!r}: {scan_dir} holds no campaigns.csv")
    with _duck() as con:
        rows = _rows(con, f"SELECT * FROM {_csv(camp)} WHERE campaign_id = ?", [campaign])
        if not rows:
            known = [
                r[0]
                for r in con.execute(f"SELECT campaign_id FROM {_csv(camp)} ORDER BY 1").fetchall()
            ]
            raise CaseNotFoundError(
                f"campaign {campaign!r} is not in {camp} (campaigns there: "
                f"{', '.join(known[:10]) or 'none'}{', ...' if len(known) > 10 else ''})"
            )
        members_csv = scan_dir / SCAN_FILES["campaign members"]
        members = (
            _rows(con, f"SELECT * FROM {_csv(members_csv)} WHERE campaign_id = ?", [campaign])
            if members_csv.is_file()
            else []
        )
    if not members:  # no members file: the campaign's own list
        members = [
            {"campaign_id": campaign, "number": n}
            for n in str(rows[0].get("numbers") or "").split(";")
            if n
        ]
    return rows[0], members


def read_scan(
    scan_dir: Path,
    numbers: Sequence[str],
    campaign_rows: dict[str, dict[str, str]] | None = None,
    members: dict[str, list[dict[str, Any]]] | None = None,
) -> tuple[ScanFacts, list[InputFile]]:
    """The scan's facts about ``numbers`` (and their campaigns), and the files read."""
    summary = read_summary(scan_dir)
    files = {role: scan_dir / name for role, name in SCAN_FILES.items()}
    used = [_input(role, p, scan_dir) for role, p in files.items() if p.is_file()]
    used += recorded_inputs(summary)
    with _duck() as con:
        _numbers_table(con, numbers)
        verdicts = {
            r["number"]: r
            for r in _rows(
                con,
                f"SELECT * FROM {_csv(files['verdicts'])} WHERE number IN (SELECT number FROM case_numbers)",
            )
        }
        camps = dict(campaign_rows or {})
        mem = dict(members or {})
        wanted = sorted(
            {str(v.get("campaign") or "") for v in verdicts.values()} - {""} - set(camps)
        )
        if wanted and files["campaigns"].is_file():
            for r in _rows(
                con,
                f"SELECT * FROM {_csv(files['campaigns'])} WHERE campaign_id IN "
                f"({', '.join('?' for _ in wanted)})",
                wanted,
            ):
                camps[r["campaign_id"]] = r
        todo = sorted(set(camps) - set(mem))
        if todo and files["campaign members"].is_file():
            for r in _rows(
                con,
                f"SELECT * FROM {_csv(files['campaign members'])} WHERE campaign_id IN "
                f"({', '.join('?' for _ in todo)}) ORDER BY campaign_id, number",
                todo,
            ):
                mem.setdefault(r["campaign_id"], []).append(r)
        extra = sorted(
            {str(r.get("number")) for rows in mem.values() for r in rows} - set(verdicts)
        )
        if extra:  # the members' own verdicts (label and score in the member list)
            _numbers_table(con, extra)
            for r in _rows(
                con,
                f"SELECT * FROM {_csv(files['verdicts'])} WHERE number IN (SELECT number FROM case_numbers)",
            ):
                verdicts[r["number"]] = r
            _numbers_table(con, numbers)
        spoofed = (
            _rows(
                con,
                f"SELECT * FROM {_csv(files['spoofed calls'])} WHERE caller IN "
                "(SELECT number FROM case_numbers) ORDER BY call_id",
            )
            if files["spoofed calls"].is_file()
            else []
        )
        bridged = (
            _rows(
                con,
                f"SELECT * FROM {_csv(files['bridged calls'])} WHERE agent IN "
                "(SELECT number FROM case_numbers) ORDER BY pair_key, call_id",
            )
            if files["bridged calls"].is_file()
            else []
        )
    return ScanFacts(summary, verdicts, camps, mem, spoofed, bridged), used


def cdr_files(cdrs: Path) -> list[Path]:
    if cdrs.is_file():
        return [cdrs]
    root = cdrs / "cdrs" if (cdrs / "cdrs").is_dir() else cdrs
    if (cdrs / "cdrs.parquet").is_file():
        return [cdrs / "cdrs.parquet"]
    return sorted(root.rglob("*.parquet"))


def scan_offset(
    summary: Mapping[str, Any], day: str, cdrs: Path | None = None
) -> tuple[int, str | None]:
    """Hours east of UTC of the local ``day`` as the scan took its day (``scan --tz``), and a
    note when the summary does not say: its ``tz`` at ``day`` (``features.local_time``; a
    zone with daylight saving time has its own offset on another ``--day``), else its
    ``utc_offset_hours``; without a summary, the zone recorded with ``cdrs``
    (``DIR/dataset.json``: what a scan of them takes by default), else UTC+8 (a summary
    written before ``--tz``, or none)."""
    from callwarden.features.local_time import offset_hours

    if not summary and cdrs is not None:
        from callwarden.cdr.dataset import read_zone_record

        try:
            rec = read_zone_record(cdrs)
            if rec is not None and rec.tz is not None:
                return offset_hours(rec.tz, day), (
                    "the scan's scan-summary.json is missing: the calls' day and hours are "
                    f"taken in {rec.tz}, the zone recorded with the CDRs ({rec.path})"
                )
        except InputError:
            pass  # a record that does not read, or a zone not whole hours: UTC+8, said

    tz, hours = summary.get("tz"), summary.get("utc_offset_hours")
    if isinstance(tz, str) and tz:
        try:
            return offset_hours(tz, day), None
        except InputError:
            pass  # a zone this machine does not know: the recorded offset
    if isinstance(hours, int) and not isinstance(hours, bool):
        return hours, None
    said = "records no UTC offset (a scan before --tz)" if summary else "is missing"
    return TZ_HOURS, (
        f"the scan's scan-summary.json {said}: the calls' day and hours are taken at "
        f"UTC{TZ_HOURS:+d}, the only offset scans had then"
    )


def read_calls(
    cdrs: Path,
    numbers: Sequence[str],
    day: str,
    *,
    with_caller: bool = False,
    tz_hours: int = TZ_HOURS,
) -> tuple[CallFacts, list[InputFile]]:
    """The calls ``numbers`` placed on the local ``day`` (``tz_hours`` east of UTC, the
    scan's own offset: ``scan_offset``): counts and an even sample."""
    from callwarden.cdr import cdr_relation_sql
    from callwarden.cli._args import check_day
    from callwarden.features.sql import AsOf, day_range_sql

    check_day(day, "the scan's day")
    relation = cdr_relation_sql(cdrs)  # InputError when they are not canonical CDRs
    used = [_input("cdrs", p, cdrs) for p in cdr_files(cdrs)]
    tz = int(tz_hours)
    with _duck() as con:
        _numbers_table(con, numbers)
        cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
        answered = "answered" if "answered" in cols else "(duration_s > 0)"
        ingress = "coalesce(ingress, '')" if "ingress" in cols else "''"
        cause = "coalesce(CAST(release_cause AS VARCHAR), '')" if "release_cause" in cols else "''"
        call_id = "call_id" if "call_id" in cols else "NULL"
        con.execute(
            f"CREATE TEMP TABLE c AS SELECT *, {answered} AS _answered, {ingress} AS _ingress, "
            f"{cause} AS _cause, {call_id} AS _call_id FROM {relation} "
            f"WHERE {day_range_sql(AsOf(day, tz))} AND caller IN (SELECT number FROM case_numbers)"
        )
        total, ans, callees, dur = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE _answered), count(DISTINCT callee), "
            "coalesce(sum(duration_s), 0) FROM c"
        ).fetchone() or (0, 0, 0, 0.0)
        by_hour = {
            int(h): (int(n), int(a))
            for h, n, a in con.execute(
                f"SELECT hour(start_time + INTERVAL '{tz}' HOUR), count(*), "
                "count(*) FILTER (WHERE _answered) FROM c GROUP BY 1"
            ).fetchall()
        }
        by_ingress = {
            str(i): (int(n), int(a))
            for i, n, a in con.execute(
                "SELECT _ingress, count(*), count(*) FILTER (WHERE _answered) FROM c GROUP BY 1"
            ).fetchall()
        }
        by_cause = {
            str(k): int(n)
            for k, n in con.execute("SELECT _cause, count(*) FROM c GROUP BY 1").fetchall()
        }
        by_caller = {
            str(k): int(n)
            for k, n in con.execute("SELECT caller, count(*) FROM c GROUP BY 1").fetchall()
        }
        shown = ["call_id", "start_time"] + (["caller"] if with_caller else []) + ["callee"]
        shown += [
            c
            for c in ("duration_s", "answered", "release_cause", "ingress", "asserted_caller",
                      "attestation")
            if c in cols
        ]  # fmt: skip
        n, k = int(total), min(int(total), SAMPLE_ROWS)
        # exactly k rows, the i-th at position floor(i * n / k) (0-based) of the day's calls
        pick = f"((_rn - 1) * {k} + {n} - 1) // {max(n, 1)}"
        select = ", ".join(
            "_call_id AS call_id" if c == "call_id" else
            "strftime(start_time, '%Y-%m-%dT%H:%M:%S.%fZ') AS start_time" if c == "start_time"
            else c
            for c in shown
        )  # fmt: skip
        sample = _rows(
            con,
            f"SELECT {select} FROM (SELECT *, row_number() OVER (ORDER BY start_time, _call_id, "
            f"callee) AS _rn FROM c) WHERE {pick} < {max(k, 1)} AND ({pick}) * {n} // {max(k, 1)} "
            f"= _rn - 1 ORDER BY _rn LIMIT {SAMPLE_ROWS}",
        )
    facts = CallFacts(
        day=day,
        tz_hours=tz,
        calls=int(total),
        answered=int(ans),
        callees=int(callees),
        duration_s=float(dur),
        by_hour=by_hour,
        by_ingress=by_ingress,
        by_release_cause=by_cause,
        sample=sample,
        by_caller=by_caller,
    )
    return facts, used


def read_store(store: Store, numbers: Sequence[str]) -> StoreFacts:
    """The stored verdicts, reports, appeals, block-log counts, screened calls by kind (bot,
    a service's bot, human, unsure: store/screenings.py) and audit entries of ``numbers``."""
    import sqlalchemy as sa

    from callwarden.store.schema import (
        appeals,
        audit_log,
        block_log,
        imports,
        reports,
        screenings,
        verdicts,
    )
    from callwarden.store.screenings import bot_callee_set, screened_tallies

    nums = sorted(set(numbers))
    chunks = [nums[i : i + CHUNK] for i in range(0, len(nums), CHUNK)]
    stored: dict[str, dict[str, Any]] = {}
    rep: list[dict[str, Any]] = []
    app: list[dict[str, Any]] = []
    aud: list[dict[str, Any]] = []
    blocks: dict[str, int] = {}
    rescued = 0
    screened: dict[str, int] = {}
    bot_callees: set[str] = set()
    audit_total = 0
    imported: dict[str, dict[str, Any]] = {}
    with store.read() as conn:
        for part in chunks:
            i = imports.c
            for r in conn.execute(
                sa.select(
                    verdicts.c.number, i.id.label("import_id"), i.at.label("imported_at"),
                    i.actor, i.source_file, i.model_version, i.scan_day, i.rows,
                )
                .select_from(verdicts.join(imports, imports.c.id == verdicts.c.import_id))
                .where(verdicts.c.number.in_(part))
            ).mappings():  # fmt: skip
                imported[r["number"]] = {k: v for k, v in r.items() if k != "number"}
            for r in conn.execute(
                sa.select(verdicts).where(verdicts.c.number.in_(part))
            ).mappings():
                stored[r["number"]] = dict(r)
            rep += [
                dict(r)
                for r in conn.execute(
                    sa.select(reports).where(reports.c.number.in_(part)).order_by(reports.c.id)
                ).mappings()
            ]
            app += [
                dict(r)
                for r in conn.execute(
                    sa.select(appeals).where(appeals.c.number.in_(part)).order_by(appeals.c.id)
                ).mappings()
            ]
            aud += [
                dict(r)
                for r in conn.execute(
                    sa.select(audit_log)
                    .where(audit_log.c.target.in_(part))
                    .order_by(audit_log.c.id)
                    .limit(MAX_ITEMS)
                ).mappings()
            ]
            audit_total += int(
                conn.execute(
                    sa.select(sa.func.count()).where(audit_log.c.target.in_(part))
                ).scalar_one()
            )
            for action, n in conn.execute(
                sa.select(block_log.c.action, sa.func.count())
                .where(block_log.c.caller.in_(part))
                .group_by(block_log.c.action)
            ).all():
                blocks[str(action)] = blocks.get(str(action), 0) + int(n)
            rescued += int(
                conn.execute(
                    sa.select(sa.func.count()).where(
                        block_log.c.caller.in_(part), block_log.c.rescued_at.is_not(None)
                    )
                ).scalar_one()
            )
            mine = screenings.c.caller.in_(part)  # (store/screenings.py: what a bot call is)
            for tally in screened_tallies(conn, mine).values():
                for kind, n in tally.counts().items():
                    if kind != "bot_callees":
                        screened[kind] = screened.get(kind, 0) + n
            bot_callees.update(bot_callee_set(conn, mine))
    return StoreFacts(
        stored, rep, app, blocks, rescued, aud, audit_total, imported, screened, len(bot_callees)
    )


def gather(
    numbers: Sequence[str],
    scan_dir: Path | None,
    cdrs: Path | None,
    store: Store | None,
    *,
    campaign: str | None = None,
    day: str | None = None,
    strict: bool = True,
) -> Sources:
    """Everything a case is made from. ``strict`` (the CLI): an unreadable input is an error;
    otherwise (a server) it is left out and named in the case's notes."""
    missing: list[str] = []
    inputs: list[InputFile] = []
    nums = list(numbers)
    camp_rows: dict[str, dict[str, str]] = {}
    members: dict[str, list[dict[str, Any]]] = {}
    if campaign is not None and scan_dir is None:
        if store is None:
            raise CaseNotFoundError(
                f"campaign {campaign!r}: campaign case files need the scan's output folder"
            )
        folder, _, note = scan_of_campaign(store, campaign, None)
        if folder is None:
            sources = _store_campaign(store, campaign)
            return replace(sources, missing=[*sources.missing, *([note] if note else [])])
        scan_dir = folder
        missing.append(str(note))
    if campaign is not None and scan_dir is not None:
        name = campaign
        try:
            row, rows = campaign_numbers(scan_dir, campaign)
        except CaseNotFoundError as not_in_scan:
            if store is None:
                raise
            folder, found, note = scan_of_campaign(store, campaign, scan_dir)
            if folder is None or found is None:
                try:  # another day's campaign: what the store holds of it
                    sources = _store_campaign(store, campaign)
                except CaseNotFoundError:
                    raise CaseNotFoundError(f"{not_in_scan}; nor is it in the store") from None
                gone = (
                    f"campaign {campaign!r} is not in {scan_dir}'s campaigns.csv (another day's "
                    "scan): the store's members and verdicts only"
                )
                notes = [gone, *([note] if note else [])]
                return replace(sources, missing=[*sources.missing, *notes])
            # another day's campaign, read from the folder of the import that wrote it
            scan_dir, name = folder, found
            missing.append(str(note))
            row, rows = campaign_numbers(scan_dir, name)
        # under the id asked for (the case's subject); the row keeps the scan's own id
        camp_rows[campaign], members[campaign] = row, rows
        nums = sorted({str(r["number"]) for r in rows})
    if campaign is None and store is not None and len(nums) == 1:
        scan_dir, note = scan_of_verdict_in_force(store, nums[0], scan_dir)
        if note:
            missing.append(note)
    scan: ScanFacts | None = None
    if scan_dir is not None:
        try:
            scan, used = read_scan(check_scan_dir(scan_dir), nums, camp_rows, members)
            inputs += used
        except InputError as exc:
            if strict:
                raise
            missing.append(f"scan output not read: {exc.message}")
    the_day = day or (str(scan.summary.get("day")) if scan and scan.summary.get("day") else None)
    calls: CallFacts | None = None
    if cdrs is not None and the_day is None:
        msg = "the scan's day is unknown (no scan-summary.json): pass --day"
        if strict:
            raise InputError(msg)
        missing.append(f"CDRs not read: {msg}")
    elif cdrs is not None and the_day is not None:
        hours, said = scan_offset(scan.summary if scan is not None else {}, the_day, cdrs)
        try:
            calls, used = read_calls(
                cdrs, nums, the_day, with_caller=campaign is not None, tz_hours=hours
            )
            inputs += used
            if said:
                missing.append(said)
        except InputError as exc:
            if strict:
                raise
            missing.append(f"CDRs not read: {exc.message}")
    facts = read_store(store, nums) if store is not None else None
    return Sources(scan, calls, facts, inputs, missing)


def _same_folder(a: Path, b: Path | None) -> bool:
    if b is None:
        return False
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def scan_of_verdict_in_force(
    store: Store, number: str, served: Path | None
) -> tuple[Path | None, str | None]:
    """The scan folder a number's case is made from, and a note when it is not ``served``.

    The verdict in force may have been written by an earlier day's import than the folder
    the server was started with (a number scanned on 11-03 and not on 11-04 keeps its 11-03
    verdict): its case then reads the folder of that import's ``source_file`` (its
    ``verdicts.csv``, campaigns, spoofed and bridged calls, and its day's calls), when that
    file is still a scan's ``verdicts.csv`` of the import's day; otherwise ``served``, with a
    note saying why. A verdict no import wrote (reports, an appeal), or imported from
    ``served`` itself: ``served``, no note."""
    imp = store.verdict_provenance(number)
    if imp is None:
        return served, None
    folder, why = _import_folder(imp, served)
    if folder is None or _same_folder(folder, served):
        return served, why and f"the verdict in force {why}"
    return folder, f"the verdict in force {why}"


def _import_folder(imp: Mapping[str, Any], served: Path | None) -> tuple[Path | None, str | None]:
    """The scan folder an import (``verdict_provenance``'s row) read, when it is still that
    scan's (``source_file`` an absolute path to a ``verdicts.csv`` on disk whose folder's
    ``scan-summary.json`` names the import's day), or None; and the end of a note ("was
    imported from ... : the scan and calls sections are of ..."), None when the folder is
    ``served`` or there is nothing to say."""
    source = str(imp.get("source_file") or "")
    day = str(imp.get("scan_day") or "")
    served_day = str(read_summary(served).get("day") or "") if served is not None else ""
    where = f"{served} (day {served_day or 'unknown'})" if served is not None else "no scan folder"
    said = f"import {imp['import_id']}, scan day {day or 'unknown'}"
    if not source:
        if served is None or not day or day == served_day:
            return None, None
        return None, (
            f"was imported without a source file ({said}): the scan and calls sections are "
            f"of {where}"
        )
    path = Path(source)
    if served is not None and _same_folder(path.parent, served):
        return served, None
    why = ""
    if not path.is_absolute():
        why = "a path relative to the importing client"
    elif path.name != SCAN_FILES["verdicts"] or not path.is_file():
        why = "not on disk here" if not path.exists() else "not a scan's verdicts.csv"
    else:
        try:
            found = str(read_summary(path.parent).get("day") or "")
        except InputError:
            found = "unreadable"
        if day and found != day:
            why = f"its folder now holds the scan of {found or 'an unknown day'}"
    if why:
        return None, (
            f"was imported from {source} ({said}), {why}: the scan and calls sections are of "
            f"{where}"
        )
    instead = f"not of {where}" if served is not None else "(no scan folder was given)"
    return path.parent, (
        f"was imported from {source} ({said}): the scan and calls sections are of that "
        f"scan's folder, {path.parent}, {instead}"
    )


def scan_of_campaign(
    store: Store, campaign: str, served: Path | None
) -> tuple[Path | None, str | None, str | None]:
    """The scan folder a stored campaign's case is read from when ``served`` does not hold
    it (another day's campaign), the id that folder's scan gave it, and a note.

    The folder is that of the latest import that wrote one of its members' verdicts in
    force (the campaign as last seen), read as a number's (``_import_folder``: still on
    disk, still that day's scan), under the stored id or one of its aliases
    (``store.campaign_names``), latest first. None for the folder, with a note when there is
    something to say, when the store does not hold the campaign or that folder cannot be read:
    the case is then the store's alone."""
    import sqlalchemy as sa

    from callwarden.store.schema import campaigns, imports, verdicts

    stored, aliases = store.campaign_names(campaign)
    i = imports.c
    with store.read() as conn:
        if (
            conn.execute(
                sa.select(campaigns.c.campaign).where(campaigns.c.campaign == stored)
            ).first()
            is None
        ):
            return None, None, None
        row = (
            conn.execute(
                sa.select(
                    i.id.label("import_id"), i.source_file, i.scan_day,
                    sa.func.count().label("members"),
                )
                .select_from(verdicts.join(imports, imports.c.id == verdicts.c.import_id))
                .where(verdicts.c.campaign == stored)
                .group_by(i.id, i.source_file, i.scan_day)
                .order_by(i.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )  # fmt: skip
    if row is None:  # no member's verdict in force came from an import
        return None, None, None
    folder, why = _import_folder(dict(row), served)
    if folder is None or _same_folder(folder, served):
        return None, None, why and f"the campaign's latest import {why}"
    for name in [campaign, stored, *reversed(aliases)]:
        if _in_scan(folder, name):
            named = "" if name == campaign else f" (as {name!r}, the id that scan gave it)"
            return folder, name, f"the campaign's latest import{named} {why}"
    return (
        None,
        None,
        (
            f"the campaign's latest import was imported from {row['source_file']} (import "
            f"{row['import_id']}, scan day {row['scan_day'] or 'unknown'}), whose campaigns.csv "
            f"holds none of its ids ({', '.join(dict.fromkeys([stored, *aliases]))})"
        ),
    )


def scan_campaign_id(
    store: Store | None, scan_dir: Path | None, campaign: str
) -> tuple[str, str | None]:
    """The id under which ``scan_dir`` holds the store's campaign ``campaign``, and a note
    when it is not ``campaign`` itself. An import keeps a campaign's stored id across days
    and records each day's scan id as an alias (``store.campaign_names``): asked for the
    stored id, the case is the scan's campaign under its alias of that day (the latest
    such alias); asked for an alias, under the stored id if that is the scan's."""
    if store is None or scan_dir is None or _in_scan(scan_dir, campaign):
        return campaign, None
    stored, aliases = store.campaign_names(campaign)
    for name in [stored, *reversed(aliases)]:
        if name != campaign and _in_scan(scan_dir, name):
            return name, (
                f"the store's campaign {stored!r} is {name!r} in {scan_dir} (the id this scan "
                f"gave it; asked for {campaign!r})"
            )
    return campaign, None


def _in_scan(scan_dir: Path, campaign: str) -> bool:
    try:
        campaign_numbers(scan_dir, campaign)
    except CaseNotFoundError:
        return False
    return True


def _store_campaign(store: Store, campaign: str) -> Sources:
    """A campaign as the store alone knows it (a server started without the scan's folder):
    its category and members with their verdicts; no reasons, calls, spoofing or bridging."""
    from callwarden.store import NotFoundError

    try:
        found = store.get_campaign(campaign, max_numbers=2000)
    except NotFoundError as exc:
        raise CaseNotFoundError(f"campaign {campaign!r} is not in the store") from exc
    numbers = sorted(str(m["number"]) for m in found["members"])
    facts = read_store(store, numbers)
    row = {
        "campaign_id": campaign,
        "category": str(found.get("category") or ""),
        "members": str(found.get("numbers", len(numbers))),
        "numbers": ";".join(numbers),
    }
    members = [{"campaign_id": campaign, "number": n} for n in numbers]
    scan = ScanFacts({}, {n: dict(v) for n, v in facts.verdicts.items()}, {campaign: row},
                     {campaign: members})  # fmt: skip
    note = (
        "no scan output folder: the campaign and its members are the store's (no campaign "
        "reasons, calls, spoofed or bridged calls)"
    )
    return Sources(scan, None, facts, (), [note])

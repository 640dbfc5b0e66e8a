"""Ingest: input files -> canonical Parquet dataset partitioned by day, quarantine, summary.

Layout of ``DIR``::

    cdrs/day=YYYY-MM-DD/part-<run>-<n>.parquet      canonical rows (day = UTC date of start_time)
    quarantine.csv                                   run, source, line, reason, detail, raw
    ingest-summary.json                              the latest run's counts
    ingest-log.jsonl                                 one summary line per run
    dataset.json                                     the zone(s) naive times were read in

``dataset.json`` (``dataset.ZoneRecord``) is what the commands that take a local day from
the CDRs default their ``--tz`` to: ``{"tz": ..., "zones": [...], "unrecorded_runs": ...}``,
each run's ``--tz`` added when it keeps rows; ``tz`` is null once the runs differ. A run
without ``--tz`` reads naive times in the recorded zone (else Asia/Shanghai); a ``--tz`` the
folder does not record is refused unless ``allow_mixed_zones``.

Idempotent by ``call_id``: rows whose id is already stored for their day (or seen earlier in
the run) are counted as duplicates and not written again when they are the same call (start
second, caller and callee; not the duration, on which exports differ); a row whose id names
another call is quarantined as ``conflicting_call_id``, and so are its repeats. A row without
a call_id (its id derived from the call, duration included) is also a duplicate when it is,
one to one, a call held before its file with the same start second, caller and callee (held
calls the file repeats under their own id claim themselves first), in a file that is a
re-export for its kind of row (``is_reexport``: such rows are set aside until the file's end,
then dropped or written): a re-export writing the durations otherwise adds nothing
(``dedupe.Identities``), a new file keeps its calls. So is a row whose call_id is not held,
taken in the same way for a held call whose id was derived (stored from an export without
ids; the stored version stays). A run's parts
are written under temporary names and renamed together at its end, so a failed or crashed run
adds nothing.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from callwarden.errors import InputError
from callwarden.numbers import plan_for

from .canonical import (
    REASON_COLUMN,
    RESERVED_COLUMNS,
    Canonical,
    Reason,
    canonicalize,
    check_columns,
    reserved_hint,
    with_number_keys,
)
from .dataset import add_zone, read_zone_record
from .dedupe import (
    Identities,
    KeySet,
    StoredDay,
    add,
    call_identity,
    call_pairs,
    split_repeats,
)
from .mapping import Mapping
from .readers import Job, RawBatch, Reader, expand_inputs, open_reader
from .schema import NUMBER_KEY_COLUMNS, PARTITION_COLUMN

log = logging.getLogger(__name__)

QUARANTINE_COLUMNS = ("run", "source", "line", "reason", "detail", "raw")
_QUARANTINE_CSV = pcsv.WriteOptions(include_header=False, quoting_style="needed")


@dataclass
class IngestSummary:
    run: str
    out: str
    #: the zone this run read times without an offset in: its --tz, else the folder's
    #: recorded zone, else Asia/Shanghai (in ingest-summary.json and each ingest-log line)
    tz: str = ""
    files: int = 0
    rows_read: int = 0
    rows_kept: int = 0
    rows_duplicate: int = 0
    rows_quarantined: int = 0
    #: rows whose call_id already names another call of their day (also quarantined, as
    #: ``conflicting_call_id``)
    rows_conflicting: int = 0
    #: of the duplicates: rows taken for calls held before their file (same start second,
    #: caller and callee, any duration) in a file judged a re-export: rows without call_id,
    #: and rows whose call_id is not held taken for calls stored without one
    rows_reexport_matched: int = 0
    #: of the kept rows: rows like a held call in the same way, in a file that is no
    #: re-export (too few of its rows are held calls again: ``REEXPORT_SHARE``, ``REEXPORT_MIN``)
    rows_kept_like_held: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    fields_nulled: dict[str, int] = field(default_factory=dict)
    #: call_id and ingress values refused as unsafe text (a spreadsheet formula or a control
    #: character: canonical.UNSAFE_CHECKED), per column; the calls are kept
    fields_unsafe: dict[str, int] = field(default_factory=dict)
    blank_lines: int = 0
    empty_files: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)
    #: advice printed under the counts (a file whose call_id is a per-switch serial)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def render(self) -> str:
        rate = self.rows_read / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"ingested {self.files} file(s) into {self.out} in {self.seconds:.1f} s ({rate:,.0f} rows/s)",
            f"  rows read        {self.rows_read:>12,}",
            f"  kept (new)       {self.rows_kept:>12,}",
            f"  duplicates       {self.rows_duplicate:>12,}  (the same call stored before or earlier in the run)",
            f"  quarantined      {self.rows_quarantined:>12,}",
        ]
        if self.rows_reexport_matched:
            lines.insert(
                4,
                f"    re-export matched{self.rows_reexport_matched:>10,}  (rows taken for held "
                "calls: same start second, caller and callee; no call_id, or one not stored)",
            )
        if self.rows_kept_like_held:
            lines.insert(
                3,
                f"    like a held call{self.rows_kept_like_held:>11,}  (same start second, caller "
                "and callee; their file is not a re-export)",
            )
        for reason, n in sorted(self.quarantined_by_reason.items(), key=lambda kv: -kv[1]):
            lines.append(f"    {reason:<22} {n:>10,}")
        for col, n in sorted(self.fields_nulled.items()):
            if col == "answered":  # (canonical.canonicalize fills it from the talk time)
                lines.append(f"  unreadable answered derived from duration_s > 0: {n:,}")
            else:
                lines.append(f"  unreadable {col} set to null: {n:,}")
        for col, n in sorted(self.fields_unsafe.items()):
            instead = "derived instead" if col == "call_id" else "set to null"
            lines.append(
                f"  unsafe {col} (a spreadsheet formula or a control character) {instead}: {n:,}"
            )
        if self.blank_lines:
            lines.append(f"  blank lines skipped: {self.blank_lines:,}")
        if self.empty_files:
            lines.append(f"  empty files: {', '.join(self.empty_files)}")
        if self.days:
            span = self.days[0] if len(self.days) == 1 else f"{self.days[0]} .. {self.days[-1]}"
            lines.append(f"  days (UTC): {span} ({len(self.days)} partition(s))")
        return "\n".join(lines)  # (the CLI prints the warnings on stderr)


class _DayWriters:
    """One Parquet writer per day for the file being ingested; dedupe across runs (by call_id,
    and a derived call_id's row by its call's identity: ``dedupe``).

    Gathering each day's rows and Parquet encoding run on a background thread while the main
    thread canonicalises the next batch (the machine has two cores; both stay busy).
    """

    def __init__(self, root: Path, run: str) -> None:
        self.root, self.run = root, run
        self.known: dict[str, tuple[KeySet, Identities]] = {}
        # One part per (day, schema) for the whole run: many small inputs make few files.
        self.writers: dict[tuple[str, str], tuple[pq.ParquetWriter, Path, Path]] = {}
        self.days: set[str] = set()
        self.parts = 0
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet")
        self.jobs: list[Future[None]] = []
        #: the current file's candidates for held calls, set aside on disk (which are taken,
        #: and whether the file is a re-export, is known only at its end): a part per (day,
        #: schema), their (start second, identity, pair, derived, place in the file) per part,
        #: and once settled, which of them are taken
        self.aside: dict[tuple[str, str], tuple[pq.ParquetWriter, Path, pa.Schema]] = {}
        self.aside_keys: dict[tuple[str, str], list[tuple[np.ndarray, ...]]] = {}
        self.taken: dict[tuple[str, str], np.ndarray] = {}
        self.file_rows = 0  # rows of the current file so far (their place in it)

    def _folder(self, day: str, *, make: bool = False) -> Path:
        folder = self.root / f"{PARTITION_COLUMN}={day}"
        if make:
            folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _known(self, day: str) -> tuple[KeySet, Identities]:
        if day not in self.known:
            folder = self._folder(day)
            files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
            stored = StoredDay(files) if files else None
            keys = KeySet(stored.pairs if stored is not None else None)
            if stored is not None:
                for j in range(len(files)):
                    keys.chunks = add(keys.chunks, np.sort(stored.id_keys(j)))
            self.known[day] = keys, Identities(stored)
        return self.known[day]

    def settle(self) -> tuple[int, int]:
        """Which of the file's candidates are taken for held calls (``Identities.assign``,
        per day); returns how many of them have a derived id and how many a given one."""
        self.flush()
        by_day: dict[str, list[tuple[str, str]]] = {}
        for key in self.aside_keys:
            by_day.setdefault(key[0], []).append(key)
        n_derived = n_given = 0
        for day, keys in by_day.items():
            cols = [self._aside_cols(k) for k in keys]
            derived = np.concatenate([c[3] for c in cols])
            taken = self.known[day][1].assign(
                np.concatenate([c[1] for c in cols]), derived, np.concatenate([c[4] for c in cols])
            )
            n_derived += int(np.count_nonzero(taken & derived))
            n_given += int(np.count_nonzero(taken & ~derived))
            for k, piece in zip(
                keys, np.split(taken, np.cumsum([len(c[0]) for c in cols])[:-1]), strict=True
            ):
                self.taken[k] = piece
        return n_derived, n_given

    def _aside_cols(self, key: tuple[str, str]) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate(x) for x in zip(*self.aside_keys[key], strict=True))

    def end_file(self, reexport_derived: bool, reexport_given: bool) -> None:
        """Settle the rows the file set aside (after :meth:`settle`): the taken rows of a kind
        of row (derived or given ids) that makes the file a re-export are dropped, the others
        written with the file's other rows. Then the calls the file kept are held, for the
        next files, as stored ones."""
        self.flush()
        for key, (writer, tmp, schema) in self.aside.items():
            writer.close()
            day = key[0]
            second, identity, pairs, derived, _, ids = self._aside_cols(key)
            keep = ~(self.taken[key] & np.where(derived, reexport_derived, reexport_given))
            if not keep.all():  # dropped: their ids were known for the file's own repeats only
                self.known[day][0].discard_sorted(np.sort(ids[~keep]), np.sort(pairs[~keep]))
            if keep.any():  # streamed into the run's part of the day: few files, low memory
                main, at = self._writer(day, schema), 0
                for batch in pq.ParquetFile(tmp).iter_batches():
                    m = keep[at : at + batch.num_rows]
                    at += batch.num_rows
                    if m.all():
                        main.write_batch(batch)
                    elif m.any():
                        main.write_batch(batch.filter(pa.array(m)))
                self.days.add(day)
                self.known[day][1].record(
                    second[keep], identity[keep], np.sort(pairs[keep]), derived[keep]
                )
            tmp.unlink()
        self.aside, self.aside_keys, self.taken, self.file_rows = {}, {}, {}, 0
        for _, identities in self.known.values():
            identities.end_file()

    def write(
        self, table: pa.Table, keys: np.ndarray, derived: np.ndarray
    ) -> tuple[int, int, int, int, np.ndarray]:
        """Write the rows that are new calls; returns how many rows were duplicates (the same
        call under its id), how many of those have a derived id, how many rows have a given
        id not held (the id check would write them), how many were set aside (candidates for
        a call held before this file by start second, caller and callee: :meth:`settle` and
        :meth:`end_file` decide them), and the rows (indices into ``table``) whose call_id is
        already taken by another call of their day, in order: those are not written."""
        n = table.num_rows
        conflicts: list[np.ndarray] = []
        if n == 0:
            return 0, 0, 0, 0, np.zeros(0, np.int64)
        second, identity = call_identity(table)
        pairs = call_pairs(identity, keys)
        day_num = pc.cast(pc.cast(table["start_time"], pa.date32()), pa.int32()).to_numpy()
        if (day_num[1:] >= day_num[:-1]).all():  # time-ordered export: days are slices
            order = None
            day_sorted = day_num
        else:
            order = np.argsort(day_num, kind="stable")  # radix sort: rows grouped by day
            day_sorted = day_num[order]
        bounds = np.flatnonzero(np.diff(day_sorted)) + 1
        dupes = derived_dupes = given_new = aside = 0
        base, self.file_rows = self.file_rows, self.file_rows + n
        for a, b in zip(np.r_[0, bounds], np.r_[bounds, n], strict=True):
            day = (_EPOCH + timedelta(days=int(day_sorted[a]))).isoformat()
            rows = order[a:b] if order is not None else np.arange(a, b)
            part_keys = keys[rows]
            sk = np.sort(part_keys)
            known, identities = self._known(day)
            repeats = rows[:0]
            if (sk[1:] == sk[:-1]).any() or known.any_in(sk):  # rare: sort out the repeats
                rows, clash, repeats = split_repeats(rows, part_keys, pairs[rows], known)
                dupes += len(repeats)
                derived_dupes += int(np.count_nonzero(derived[repeats]))
                conflicts.append(clash)
                sk = np.sort(keys[rows])
            given_new += int(np.count_nonzero(~derived[rows]))
            same = identities.match(second, identity, pairs, derived, rows, repeats)
            if same.any():  # maybe held calls again under other ids: set aside, and their
                # ids are known, so their repeats are duplicates by id
                taken = rows[same]
                aside += len(taken)
                known.add_sorted(np.sort(keys[taken]), np.sort(pairs[taken]))
                self.aside_keys.setdefault((day, str(table.schema)), []).append(
                    (
                        second[taken],
                        identity[taken],
                        pairs[taken],
                        derived[taken],
                        base + taken,
                        keys[taken],
                    )
                )
                self._submit(self._aside(day, table.schema), table, taken)
                rows = rows[~same]
                sk = np.sort(keys[rows])
            if len(rows) == 0:
                continue
            sp = np.sort(pairs[rows])
            known.add_sorted(sk, sp)
            identities.record(second[rows], identity[rows], sp, derived[rows])
            self._submit(self._writer(day, table.schema), table, rows)
            self.days.add(day)
        clashes = np.sort(np.concatenate(conflicts)) if conflicts else np.zeros(0, np.int64)
        return dupes, derived_dupes, given_new, aside, clashes

    def _aside(self, day: str, schema: pa.Schema) -> pq.ParquetWriter:
        key = (day, str(schema))
        if key not in self.aside:
            folder = self._folder(day, make=True)
            # a hidden .inprogress name: a crashed run's is removed by the next (_exclusive)
            tmp = folder / f".aside-{self.run}-{len(self.aside):04d}.parquet.inprogress"
            self.aside[key] = (pq.ParquetWriter(tmp, schema, compression="lz4"), tmp, schema)
        return self.aside[key][0]

    def _submit(self, writer: pq.ParquetWriter, table: pa.Table, rows: np.ndarray) -> None:
        while len(self.jobs) >= 4:  # bound the memory held by queued batches
            self.jobs.pop(0).result()
        lo = int(rows[0])
        if bool((np.diff(rows) == 1).all()):  # contiguous rows: a zero-copy slice
            self.jobs.append(
                self.pool.submit(_write_rows, writer, table.slice(lo, len(rows)), None)
            )
        else:
            self.jobs.append(self.pool.submit(_write_rows, writer, table, rows))

    def _writer(self, day: str, schema: pa.Schema) -> pq.ParquetWriter:
        key = (day, str(schema))
        if key not in self.writers:
            folder = self._folder(day, make=True)
            final = folder / f"part-{self.run}-{self.parts:04d}.parquet"
            self.parts += 1
            tmp = folder / f".{final.name}.inprogress"
            low_cardinality = [c for c in _DICTIONARY_COLUMNS if c in schema.names]
            writer = pq.ParquetWriter(
                tmp, schema, compression="lz4", use_dictionary=low_cardinality
            )
            self.writers[key] = (writer, tmp, final)
        return self.writers[key][0]

    def flush(self) -> None:
        for job in self.jobs:
            job.result()
        self.jobs = []

    def commit(self) -> None:
        """Finish every part and give it its final name: the run's rows appear at once."""
        self.flush()
        for writer, tmp, final in self.writers.values():
            writer.close()
            os.replace(tmp, final)
        self.writers = {}

    def shutdown(self) -> None:
        """Stop the writer thread; parts not committed keep their temporary names."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        for writer, _, _ in self.writers.values():
            writer.close()
        for writer, tmp, _ in self.aside.values():
            writer.close()
            tmp.unlink(missing_ok=True)
        self.writers, self.aside = {}, {}


def _write_rows(writer: pq.ParquetWriter, table: pa.Table, rows: np.ndarray | None) -> None:
    writer.write_table(table if rows is None else table.take(pa.array(rows)))


_EPOCH = date(1970, 1, 1)
_WORKERS = 2  # batches canonicalised at once (the target machine has two cores)
#: Columns worth Parquet dictionary encoding; numbers and ids are nearly unique per row.
_DICTIONARY_COLUMNS = ("ingress", "attestation", "caller_region", "callee_region", "release_cause")


def ingest(
    inputs: list[Path],
    out: Path,
    *,
    mapping: Mapping | None = None,
    tz: str | None = None,
    region: str = "CN",
    encoding: str | None = None,
    batch_rows: int = 1_000_000,
    progress: Callable[[str], None] | None = None,
    allow_mixed_zones: bool = False,
) -> IngestSummary:
    """Ingest ``inputs`` (files or folders) into the dataset at ``out``; see the module
    docstring. ``tz``: the zone of naive times; by default the zone ``out`` records, else
    Asia/Shanghai. Another zone than the one ``out`` records is refused before anything is
    written unless ``allow_mixed_zones`` (the folder's days then have no single zone)."""
    t0 = time.perf_counter()
    from callwarden.features.local_time import iana_name

    zone_of_run = _zone_for(out, tz, allow_mixed_zones)  # (before anything is written)
    iana_name(zone_of_run)  # an offset no IANA name holds fails here too
    plan_for(region)
    files = expand_inputs(inputs, exclude=out)
    # Open every file first: a missing required column fails before anything is written.
    readers = [open_reader(f, mapping, encoding, batch_rows) for f in files]
    for r in readers:
        if not r.empty and r.checkable:
            check_columns(r.columns, mapping, str(r.path))
            _check_reserved(r.columns, mapping, str(r.path))
    run = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder {out}: {exc}") from exc
    with _exclusive(out):
        # decided again under the lock: an ingest that ran meanwhile may have recorded a zone
        zone_of_run = _zone_for(out, tz, allow_mixed_zones)
        read_in = iana_name(zone_of_run)  # a zone name, or a whole-hour offset as Etc/GMT-8
        held_before = any((out / "cdrs").rglob("*.parquet"))
        return _run(
            readers, out, run, files, mapping, read_in, region, progress, t0,
            record=(zone_of_run, held_before),
        )  # fmt: skip


def _zone_for(out: Path, tz: str | None, allow_mixed: bool) -> str:
    """The zone this run reads naive times in: ``tz``, else the one ``out`` records, else
    Asia/Shanghai; an InputError (before anything is written) when ``out`` records another
    zone and mixing is not asked for, or records none single and ``tz`` is not given."""
    from callwarden.features.local_time import DEFAULT_TZ, zone

    if tz is not None:
        zone(tz)  # an unknown zone is named as such first
    rec = read_zone_record(out) if out.is_dir() else None
    if rec is None:
        return DEFAULT_TZ if tz is None else tz
    if rec.notes:  # (rewriting it would lose what a later version wrote)
        raise InputError(
            f"{rec.path} is a zone record this version cannot add to ({'; '.join(rec.notes)}): "
            "ingest into it with the version that wrote it, or into another folder. Nothing "
            "was written"
        )
    if tz is None:
        if rec.tz is None:
            raise InputError(
                f"{out} records no single zone: it holds {rec.mixed()}; pass --tz, the zone "
                f"this run's times without an offset are written in{rec.fix()}"
            )
        return rec.tz
    if allow_mixed or rec.recorded(tz):
        return tz
    theirs = (
        f"{rec.tz}, the zone" if rec.tz is not None else f"any of the zones ({rec.described()})"
    )
    raise InputError(
        f"--tz {tz} is not {theirs} {out}'s CDRs were ingested with "
        f"({rec.path}): this run's times without an offset would be read in another zone and "
        "the folder's local days would have no single zone, so its readers would need --tz. "
        f"Leave --tz out (or pass --tz {rec.zones[0]}) when these files are in that zone too; "
        "pass --allow-mixed-zones if they really are written in another. Nothing was written"
    )


def _record_zone(out: Path, tz: str, held_before: bool, summary: IngestSummary) -> None:
    """``out/dataset.json`` gains ``tz`` (``dataset.add_zone``); a folder left with no single
    zone is a warning (also in ingest-summary.json): its readers then need ``--tz``."""
    rec = add_zone(out, tz, held_before=held_before)
    if rec.tz is None:
        summary.warnings.append(
            f"{out} now holds {rec.mixed()}: its local days have no single zone, so scan, "
            f"replay, train and the other readers of it need --tz{rec.fix()}"
        )
    from callwarden.features.local_time import neighbours, not_whole_hours, utc_label

    if (bad := not_whole_hours(tz, summary.days)) is not None:
        summary.warnings.append(
            f"--tz {tz} is {utc_label(bad[1])} on {bad[0]}: the times were read in it (and "
            f"it is recorded in {rec.path}), but scan, train, replay, evaluate and compare "
            "take local days whole hours from UTC: they will stop unless given "
            f"{neighbours(bad[1])} (each day then starts that much off local midnight); "
            f"campaigns and serve read the roaming list's naive times in {tz}"
        )


def _check_reserved(columns: list[str], mapping: Mapping | None, source: str) -> None:
    """A pass-through column bearing a reserved name would be overwritten or hidden: refused,
    naming it and how a mapping renames or drops it, before anything is written."""
    if REASON_COLUMN in columns:  # a NUL in a column name: no export holds one
        raise InputError(f"{source}: a column is named {REASON_COLUMN!r}, the readers' own name")
    kept = [c for c in columns if mapping is None or c not in mapping.drop]
    if mapping is not None:
        kept = [mapping.rename.get(c, c) for c in kept]
    for name in kept:
        # (number-key columns are checked by their values: canonical.with_number_keys)
        if name in RESERVED_COLUMNS and name not in NUMBER_KEY_COLUMNS.values():
            raise InputError(
                f"{source}: column {name!r} cannot be stored: {RESERVED_COLUMNS[name]}; "
                f"{reserved_hint(name)}"
            )


@contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One ingest per folder at a time (an OS lock, released even if the process dies);
    parts a crashed run left half-written are removed under it."""
    with (out / ".ingest.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise InputError(f"another ingest is writing to {out}; wait for it to finish") from exc
        for stale in (out / "cdrs").glob("*/.*.inprogress"):
            log.warning("removing %s, left by an interrupted ingest", stale)
            stale.unlink()
        yield


def _run(
    readers: list[Reader],
    out: Path,
    run: str,
    files: list[Path],
    mapping: Mapping | None,
    tz: str,
    region: str,
    progress: Callable[[str], None] | None,
    t0: float,
    record: tuple[str, bool] | None = None,
) -> IngestSummary:
    """The run, under the folder's lock; ``record``: (the ``--tz`` as given, whether the
    folder held CDRs before), for ``dataset.json`` when the run keeps rows."""
    summary = IngestSummary(run=run, out=str(out), files=len(files))
    summary.tz = record[0] if record is not None else tz
    writers = _DayWriters(out / "cdrs", run)
    qpath = out / "quarantine.csv"
    new_q = not qpath.exists()
    with qpath.open("ab") as qf:
        if new_q:
            qf.write((",".join(QUARANTINE_COLUMNS) + "\n").encode())
        workers = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="canonicalize")
        try:
            for reader in readers:
                _ingest_file(reader, workers, writers, qf, summary, mapping, tz, region)
                if progress:
                    progress(f"{reader.path}: {summary.rows_read:,} rows read so far")
            summary.days = sorted(writers.days)
            if record is not None and summary.rows_kept:
                # before the parts get their names: no row is ever held without its zone
                _record_zone(out, *record, summary)
            writers.commit()
        finally:
            workers.shutdown(wait=True, cancel_futures=True)
            writers.shutdown()
    summary.seconds = round(time.perf_counter() - t0, 3)
    doc = json.dumps(summary.to_dict(), ensure_ascii=False, indent=2)
    (out / "ingest-summary.json").write_text(doc + "\n", encoding="utf-8")
    with (out / "ingest-log.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(summary.to_dict(), ensure_ascii=False) + "\n")
    return summary


def _ingest_file(
    reader: Reader,
    workers: ThreadPoolExecutor,
    writers: _DayWriters,
    qf: BinaryIO,
    summary: IngestSummary,
    mapping: Mapping | None,
    tz: str,
    region: str,
) -> None:
    source = str(reader.path)
    if reader.empty:
        summary.empty_files.append(source)
        return
    pending: list[tuple[np.ndarray, list[str], list[str | None], list[str]]] = []

    def work(job: Job) -> tuple[RawBatch, Canonical]:
        batch = job()
        result = canonicalize(batch.table, tz=tz, region=region, mapping=mapping)
        # The integer number keys are stored with the rows (readers group on them).
        return batch, dataclasses.replace(result, table=with_number_keys(result.table))

    # Two batches are decoded and canonicalised at once (Arrow kernels release the GIL);
    # results are taken in order, so dedupe and line numbers stay deterministic.
    in_flight: deque[Future[tuple[RawBatch, Canonical]]] = deque()

    def done() -> Iterator[tuple[RawBatch, Canonical]]:
        for job in reader.jobs():
            in_flight.append(workers.submit(work, job))
            if len(in_flight) >= _WORKERS:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()

    read_before, conflicts = summary.rows_read, 0
    # rows set aside; rows without call_id and their repeats by id; rows whose call_id is not
    # held; rows quarantined for their values (none of them counted in a share)
    aside = derived = again = given = quarantined = 0
    for batch, result in done():
        summary.rows_read += batch.table.num_rows
        summary.blank_lines += batch.blank_lines
        dupes, derived_dupes, given_new, held, clash = writers.write(
            result.table, result.keys, result.derived
        )
        summary.rows_duplicate += dupes
        summary.rows_kept += result.table.num_rows - dupes - held - len(clash)
        aside += held
        derived += int(np.count_nonzero(result.derived))
        again += derived_dupes
        given += given_new
        quarantined += result.quarantine.num_rows
        if len(clash):
            conflicts += len(clash)
            pending.append(_conflict_rows(reader, batch, result, clash))
        for col, n in result.nulled.items():
            summary.fields_nulled[col] = summary.fields_nulled.get(col, 0) + n
        for col, n in result.unsafe.items():
            summary.fields_unsafe[col] = summary.fields_unsafe.get(col, 0) + n
        if result.quarantine.num_rows:
            pending.append(_quarantine_rows(reader, batch, result))
    # Each kind of row by its own evidence: rows without call_id by session 19's rule (held
    # calls again, by derived id or by call, among them); rows whose call_id is not held by
    # how many of them are taken for calls stored without id (a row held again under its own
    # id says nothing of the file's new calls: an overlapping export re-sends some).
    taken_derived, taken_given = writers.settle()
    reexport_derived = is_reexport(taken_derived + again, derived)
    reexport_given = is_reexport(taken_given, given)
    writers.end_file(reexport_derived, reexport_given)
    dropped = taken_derived * reexport_derived + taken_given * reexport_given
    summary.rows_duplicate += dropped
    summary.rows_reexport_matched += dropped
    summary.rows_kept += aside - dropped
    summary.rows_kept_like_held += taken_derived + taken_given - dropped
    if dropped:
        summary.warnings.append(
            _reexport_warning(
                source,
                (taken_derived if reexport_derived else 0, taken_derived + again, derived),
                (taken_given if reexport_given else 0, given),
                # every row out of the shares: quarantined for its values, malformed, or a
                # call_id naming another call (conflicting_call_id, quarantined too)
                quarantined + len(reader.malformed) + conflicts,
            )
        )
    summary.rows_conflicting += conflicts
    if conflicts:
        summary.warnings.append(
            _conflict_warning(source, conflicts, summary.rows_read - read_before)
        )
    summary.rows_read += len(reader.malformed)
    summary.blank_lines += reader.blank_lines
    lines = [reader.malformed_lines()]
    reasons = [m.reason for m in reader.malformed]
    details = [m.detail for m in reader.malformed]
    raws = [m.text for m in reader.malformed]
    for b_lines, b_reasons, b_details, b_raws in pending:
        lines.append(reader.fix_lines(b_lines))
        reasons.extend(b_reasons)
        details.extend(d or "" for d in b_details)
        raws.extend(b_raws)
    if not reasons:
        return
    line_arr = np.concatenate(lines)
    order = np.argsort(line_arr, kind="stable")
    n = len(order)
    table = pa.table(
        {
            "run": pa.array(np.full(n, summary.run, dtype=object), pa.string()),
            "source": pa.array(np.full(n, source, dtype=object), pa.string()),
            "line": pa.array(line_arr[order]),
            "reason": pa.array(reasons, pa.string()).take(pa.array(order)),
            "detail": pa.array(details, pa.string()).take(pa.array(order)),
            "raw": pa.array(raws, pa.string()).take(pa.array(order)),
        }
    )
    pcsv.write_csv(table, qf, write_options=_QUARANTINE_CSV)
    summary.rows_quarantined += n
    by_reason = Counter(reasons)
    for reason, count in by_reason.items():
        summary.quarantined_by_reason[reason] = summary.quarantined_by_reason.get(reason, 0) + count
    if n == summary.rows_read - read_before:  # not one row of the file was kept
        summary.warnings.append(_nothing_kept(source, by_reason, reasons, details))


def _nothing_kept(
    source: str, by_reason: Counter[str], reasons: list[str], details: list[str]
) -> str:
    """Why no row of a file was kept, and where a time format is the likely cause, how a
    mapping reads it."""
    top, count = by_reason.most_common(1)[0]
    text = f"{source}: every row ({len(reasons):,}) was quarantined, most as {top} ({count:,})"
    if top == Reason.BAD_START_TIME.value:
        example = next(d for r, d in zip(reasons, details, strict=True) if r == top)
        text += (
            f", e.g. start_time {example!r}: a time in another form is read with a mapping "
            "(--mapping FILE holding convert: {start_time: {time_format: '%Y%m%d%H%M%S'}}, "
            "Python strptime codes, or epoch_unit: s | ms | us); see docs/ingest.md, "
            "'Mapping files'"
        )
    return text + "; the rows and their reasons are in quarantine.csv"


def _conflict_rows(
    reader: Reader, batch: RawBatch, result: Canonical, clash: np.ndarray
) -> tuple[np.ndarray, list[str], list[str | None], list[str]]:
    """Quarantine entries (as :func:`_quarantine_rows`) for kept rows ``clash`` of ``result``
    whose call_id another call of their day holds: the detail is the call_id."""
    rows = result.kept_rows[clash]
    return (
        batch.lines[rows],
        [Reason.CONFLICTING_CALL_ID.value] * len(rows),
        result.table["call_id"].take(pa.array(clash)).to_pylist(),
        reader.raw_text(batch, rows),
    )


#: Share of a file's rows reusing call_ids past which the ids look like a switch's serials.
_SERIAL_SHARE = 0.01
#: A file's rows of one kind are a re-export when at least this share of them, and at least
#: this many, are held calls again; then its rows of that kind taken for held calls by start
#: second, caller and callee are duplicates. Rows without call_id: held again under their
#: derived id or taken, among the file's rows without call_id (session 19's rule). Rows whose
#: call_id is not held: taken for a call stored without id, among them (a row held again
#: under its own given id is no evidence: an overlapping export re-sends some, and its new
#: calls must stay). A new export meets held calls so only by chance (two calls in one
#: second, a minute-precision clock): 3 of 183,254 rows, 30 of 48,523 (docs/ingest.md); a
#: re-export, on nearly all. Rows quarantined for their values count in neither share.
REEXPORT_SHARE = 0.1
REEXPORT_MIN = 2


def is_reexport(matched: int, rows: int) -> bool:
    """Whether ``rows`` rows of one kind, ``matched`` of them held calls again, are a
    re-export rather than new calls."""
    return matched >= REEXPORT_MIN and matched >= REEXPORT_SHARE * rows


def _reexport_warning(
    source: str,
    without_id: tuple[int, int, int],
    with_id: tuple[int, int],
    quarantined: int,
) -> str:
    """``without_id``: (rows dropped, held calls again by derived id or by call, rows without
    call_id); ``with_id``: (rows dropped, rows whose call_id is not held)."""
    parts = []
    dropped, matched, rows = without_id
    if dropped:
        parts.append(
            f"{dropped:,} of its {rows:,} rows without call_id ({matched:,} of those {rows:,} "
            "are held calls again, by id or by call)"
        )
    dropped, rows = with_id
    if dropped:
        parts.append(
            f"{dropped:,} of its {rows:,} rows that have a call_id not stored (their calls were "
            "stored without one and keep their derived ids; for the switch's ids, ingest the "
            "file into a fresh folder)"
        )
    text = (
        f"{source}: a re-export: {' and '.join(parts)} were taken for calls held before the "
        "file (the same start second, caller and callee, another duration or id) and not "
        "stored (docs/ingest.md, 'A re-export without ids')"
    )
    if quarantined:
        text += f"; counts of rows read and not quarantined ({quarantined:,} quarantined)"
    return text


def _conflict_warning(source: str, conflicts: int, rows: int) -> str:
    text = (
        f"{source}: {conflicts:,} row(s) reuse a call_id that another call of the same day "
        "holds (a different start second, caller or callee): quarantined as conflicting_call_id"
    )
    if conflicts >= max(10, _SERIAL_SHARE * rows):
        text += (
            "; call_id is not unique in this export (a per-switch or per-day serial?): ingest "
            "it into a fresh folder with a mapping that drops the column (drop: [call_id]) so "
            "each call's id is derived from its time, numbers and duration (docs/ingest.md, "
            "'Idempotent')"
        )
    return text


def _quarantine_rows(
    reader: Reader, batch: RawBatch, result: Canonical
) -> tuple[np.ndarray, list[str], list[str | None], list[str]]:
    rows = result.quarantine["row"].to_numpy()
    return (
        batch.lines[rows],
        result.quarantine["reason"].to_pylist(),
        result.quarantine["detail"].to_pylist(),
        reader.raw_text(batch, rows),
    )

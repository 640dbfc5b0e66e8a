"""Reading canonical CDRs back: an ingest output folder, one Parquet file, or a folder of them;
and the folder's zone record (``dataset.json``: the ``--tz`` ingest read naive times in)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from callwarden.errors import InputError

from .schema import CANONICAL_TYPES, NUMBER_KEY_COLUMNS, PARTITION_COLUMN, REQUIRED_COLUMNS

_MAGIC = b"PAR1"  # a Parquet file starts and ends with it


def _resolve(path: str | Path) -> tuple[str, bool]:
    """(glob or file, hive-partitioned?) for the CDRs at ``path``."""
    p = Path(path)
    if p.is_file():
        return str(p), False
    if not p.is_dir():
        raise InputError(f"no CDRs at {p}: expected an ingest output folder or a Parquet file")
    if (p / "cdrs").is_dir():
        if not any((p / "cdrs").rglob("*.parquet")):
            raise InputError(
                f"no CDRs in {p} yet: {p / 'cdrs'} holds no committed part (an ingest that "
                "failed or is still running leaves only .inprogress files)"
            )
        return str(p / "cdrs" / "**" / "*.parquet"), True
    if (p / "cdrs.parquet").is_file():
        return str(p / "cdrs.parquet"), False
    if (p / "ingest-summary.json").is_file() and not any(p.rglob("*.parquet")):
        raise InputError(  # an ingest that kept no row makes no cdrs/ folder
            f"no CDRs in {p} yet: its ingests kept no row (see {p / 'ingest-summary.json'} "
            f"and the rows' reasons in {p / 'quarantine.csv'})"
        )
    if not any(p.rglob("*.parquet")):
        raise InputError(f"no Parquet files under {p}")
    hive = any(c.is_dir() and c.name.startswith(f"{PARTITION_COLUMN}=") for c in p.iterdir())
    return str(p / "**" / "*.parquet"), hive


def same_cdrs_key(path: str | Path) -> str:
    """What two spellings of the same CDRs have in common: the file or glob ``_resolve``
    reads, absolute (``D`` and ``D/cdrs.parquet`` are one input; an ingest folder ``D`` and
    its ``D/cdrs`` are one glob). A path that no longer holds CDRs keeps its own absolute
    spelling, so it still equals itself."""
    p = Path(path).resolve()
    try:
        target = _resolve(p)[0]
    except (InputError, OSError):
        return str(p)
    # the file a folder resolves to may itself be a link (D/cdrs.parquet -> elsewhere)
    return target if "**" in target else str(Path(target).resolve())


def _first_file(target: str) -> Path:
    """The file ``_resolve`` named, or the first (sorted) file its glob matches."""
    if "**" not in target:
        return Path(target)
    root = Path(target.split("**", 1)[0])
    return min(root.rglob("*.parquet"))


def check_parquet(file: Path) -> None:
    """An InputError unless ``file`` is Parquet with the canonical required columns.

    Reads the first bytes and the footer (the schema) only: a CSV handed in as CDRs, or
    another Parquet (the simulator's ``call_truth.parquet``), is named as such instead of
    failing deep inside DuckDB."""
    try:
        with file.open("rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise InputError(f"CDR file {file} cannot be read: {exc}") from exc
    if head != _MAGIC:
        raise InputError(
            f"CDR file {file} is not Parquet: CDRs are read from canonical Parquet; convert "
            f"CSV or JSON Lines first with `callwarden ingest {file} --out DIR` and pass DIR"
        )
    parquet_columns(
        file, REQUIRED_COLUMNS, f"CDR file {file}",
        "pass CDRs written by `callwarden ingest` or the simulator's cdrs.parquet",
    )  # fmt: skip


def parquet_columns(file: Path, required: Sequence[str], what: str, hint: str) -> list[str]:
    """The column names of a Parquet file from its footer alone, or an InputError naming
    the ``required`` columns it lacks (``what`` names the file in the message, ``hint``
    says what to pass instead)."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(file).names
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{what} is not a readable Parquet file: {exc}") from exc
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(
            f"{what} lacks column(s) {', '.join(missing)} (found: {', '.join(names[:12])}"
            f"{', ...' if len(names) > 12 else ''}); {hint}"
        )
    return names


def cdr_relation_sql(path: str | Path) -> str:
    """A DuckDB FROM-clause expression over the canonical CDRs at ``path``.

    Ingest output gets ``hive_partitioning=true`` (a ``day`` column, the UTC date, lets DuckDB
    skip whole days); files with different pass-through extras are unioned by name.
    """
    target, hive = _resolve(path)
    check_parquet(_first_file(target))
    quoted = target.replace("'", "''")
    opts = ", hive_partitioning=true, union_by_name=true" if hive else ", union_by_name=true"
    return f"read_parquet('{quoted}'{opts})"


def load_cdrs(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """All canonical CDRs at ``path`` as one Arrow table (canonical columns first, then extras;
    the derived number keys only when ``columns`` names them)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        rel = con.sql(f"SELECT * FROM {cdr_relation_sql(path)}")
        table = rel.to_arrow_table()
    finally:
        con.close()
    if PARTITION_COLUMN in table.column_names and PARTITION_COLUMN not in CANONICAL_TYPES:
        table = table.drop_columns([PARTITION_COLUMN])
    # The derived number keys are a storage detail (scan's query reads them in place).
    derived = [c for c in NUMBER_KEY_COLUMNS.values() if c in table.column_names]
    if derived and not (columns and set(derived) & set(columns)):
        table = table.drop_columns(derived)
    if "start_time" in table.column_names:
        idx = table.column_names.index("start_time")
        table = table.set_column(
            idx, "start_time", table["start_time"].cast(CANONICAL_TYPES["start_time"])
        )
    order = [c for c in CANONICAL_TYPES if c in table.column_names]
    order += [c for c in table.column_names if c not in CANONICAL_TYPES]
    if columns is not None:
        missing = [c for c in columns if c not in table.column_names]
        if missing:
            raise InputError(f"CDRs at {path} lack column(s) {', '.join(missing)}")
        order = columns
    return table.select(order)


# --- the zone record --------------------------------------------------------------------

#: ``DIR/dataset.json``: the zone(s) ingest read the folder's naive times in (its ``--tz``).
ZONE_RECORD = "dataset.json"


@dataclass(frozen=True)
class ZoneRecord:
    """What ``DIR/dataset.json`` says of the zone naive times were read in: ``zones``, each
    ``--tz`` an ingest into the folder kept rows with (first seen first, one spelling per
    zone), and ``unrecorded_runs``, true when the folder already held CDRs of ingests from
    before the record (whose zone nobody wrote down). ``declared``: a ``tz`` the file names
    (by hand, or as ingest wrote it), which is the folder's zone whatever ``zones`` say;
    ``extra``: keys this version does not know, kept when ingest rewrites the file;
    ``notes``: parts of the file not understood (a later version's shape), said as warnings."""

    path: Path
    zones: tuple[str, ...]
    unrecorded_runs: bool = False
    declared: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def tz(self) -> str | None:
        """The folder's one zone, or None when it has none: ``declared`` when the file names
        one, else None when its runs read naive times in different zones, or it holds
        unrecorded runs beside a zone other than Asia/Shanghai (the zone those runs were read
        in by default; with it the folder's default is the one it had before the record)."""
        from callwarden.features.local_time import DEFAULT_TZ, same_zone

        if self.declared is not None:
            return self.declared
        if len(self.zones) != 1:
            return None
        if self.unrecorded_runs and not same_zone(self.zones[0], DEFAULT_TZ):
            return None
        return self.zones[0]

    def described(self) -> str:
        """The zones for an error line: ``America/New_York, UTC+8 and runs before the record``."""
        said = list(self.zones) + (
            ["ingests before the record (zone unknown)"] * self.unrecorded_runs
        )
        return ", ".join(said[:-1]) + (" and " if len(said) > 1 else "") + said[-1]

    def mixed(self) -> str:
        """What a folder without one zone holds, for its error and warning lines."""
        if self.unrecorded_runs and len(self.zones) == 1:
            return (
                "ingests from before the zone record (2 Dec: their zone was not written down; "
                f"Asia/Shanghai unless they were given --tz) and ingests in {self.zones[0]} "
                f"({self.path})"
            )
        return f"ingests read in different zones ({self.described()}; {self.path})"

    def fix(self) -> str:
        """The way out beside ``--tz`` when the zone is only unknown (earlier runs)."""
        if self.unrecorded_runs and len(self.zones) == 1:
            z = self.zones[0]
            said = f'{{"tz": "{z}"}}'
            return f"; or, if the earlier ingests were in {z} too, write {said} into {self.path}"
        return ""

    def recorded(self, tz: str) -> bool:
        """``tz`` is a zone the folder's runs were read in, or its declared zone."""
        from callwarden.features.local_time import same_zone

        return any(same_zone(tz, z) for z in (*self.zones, *filter(None, [self.declared])))

    def to_dict(self) -> dict[str, object]:
        return {
            **self.extra,
            "tz": self.tz,
            "zones": list(self.zones),
            "unrecorded_runs": self.unrecorded_runs,
        }


def zone_record_path(path: str | Path) -> Path | None:
    """Where the zone record of the CDRs at ``path`` is: ``DIR/dataset.json`` for an ingest
    (or simulator) folder ``DIR``, its ``DIR/cdrs`` folder, a day partition
    ``DIR/cdrs/day=.../`` or one part file in it, and the simulator's ``DIR/cdrs.parquet``;
    None for any other file (a bare Parquet file has no record)."""
    p = Path(path)
    inner = p.parent if p.is_file() and p.suffix == ".parquet" else p
    if inner.name.startswith(f"{PARTITION_COLUMN}="):
        inner = inner.parent
    if inner.name == "cdrs" and (inner.parent / ZONE_RECORD).is_file():
        return inner.parent / ZONE_RECORD
    if p.is_dir():
        return p / ZONE_RECORD
    if p.name == "cdrs.parquet":
        return p.parent / ZONE_RECORD
    return None


def data_days(path: str | Path) -> list[str]:
    """The UTC days (YYYY-MM-DD) the CDRs at ``path`` span, from what costs no scan: an
    ingest folder's ``day=`` partitions, else the ``start_time`` statistics in the Parquet
    footers (the simulator's one file); [] when neither says."""
    from datetime import datetime, timedelta

    import pyarrow.parquet as pq

    try:
        target, hive = _resolve(path)
    except (InputError, OSError):
        return []
    if "**" in target:
        files = sorted(Path(target.split("**", 1)[0]).rglob("*.parquet"))
    else:
        files = [Path(target)]
    if hive:
        names = {f.parent.name for f in files if f.parent.name.startswith(f"{PARTITION_COLUMN}=")}
        return sorted(n[len(PARTITION_COLUMN) + 1 :] for n in names)
    lo, hi = None, None
    if len(files) > 64:  # (footers enough: an unknown span)
        return []
    for f in files:
        try:
            meta = pq.ParquetFile(f).metadata
            col = meta.schema.to_arrow_schema().get_field_index("start_time")
            for g in range(meta.num_row_groups):
                st = meta.row_group(g).column(col).statistics
                if st is None or not st.has_min_max:
                    return []
                lo = st.min if lo is None else min(lo, st.min)
                hi = st.max if hi is None else max(hi, st.max)
        except (pa.ArrowException, OSError, ValueError, IndexError):
            return []
    if not isinstance(lo, datetime) or not isinstance(hi, datetime):
        return []
    first, last = lo.date(), hi.date()
    return [(first + timedelta(days=k)).isoformat() for k in range((last - first).days + 1)]


def read_zone_record(path: str | Path) -> ZoneRecord | None:
    """The zone record of the CDRs at ``path`` (``zone_record_path``), or None when there is
    none (a folder ingested before the record, the simulator's at UTC+8, a bare file).
    ``{"tz": "America/New_York"}`` written by hand gives an older folder its record, and a
    ``tz`` the file names is the folder's zone whatever its ``zones`` say. A ``zones`` or
    ``unrecorded_runs`` of another shape (a later version's) is a note, not an error, while
    the file still names a zone; a file that does not read, names no zone, or names a zone
    that is none is an ``InputError`` saying how to fix it."""
    import json

    from callwarden.features.local_time import zone

    file = zone_record_path(path)
    if file is None or not file.is_file():
        return None
    fix = 'write it as {"tz": "America/New_York"} (the --tz its CDRs were ingested with)'
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{file} does not read as JSON ({exc}); {fix}") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{file} names no zone (a JSON object with 'tz'); {fix}")

    def checked(z: str) -> str:
        try:
            zone(z)
        except InputError as exc:
            raise InputError(f"{file}: {exc}; {fix}") from exc
        return z.strip()

    notes: list[str] = []
    tz = doc.get("tz")
    declared = checked(tz) if isinstance(tz, str) and tz.strip() else None
    zones = doc.get("zones")
    if zones is None:
        zones = []
    elif not (isinstance(zones, list) and all(isinstance(z, str) and z.strip() for z in zones)):
        notes.append("its 'zones' is not a list of zone names (a later version's record?)")
        zones = []
    unrecorded = doc.get("unrecorded_runs", False)
    if not isinstance(unrecorded, bool):
        notes.append("its 'unrecorded_runs' is not true or false")
        unrecorded = False
    if not zones and declared is None:
        raise InputError(f"{file} names no zone (a 'tz' zone name); {fix}")
    got = tuple(checked(z) for z in zones) or (declared,)
    rec = ZoneRecord(file, tuple(z for z in got if z is not None), unrecorded)
    if notes and declared is not None:
        notes[-1] += f": its 'tz', {declared}, is taken"
    known = {"tz", "zones", "unrecorded_runs"}
    extra = {k: v for k, v in doc.items() if k not in known}
    # a tz as ingest wrote it (the zones' own, or null) declares nothing of its own
    own = declared is not None and rec.tz is not None and declared == rec.tz
    return ZoneRecord(file, rec.zones, unrecorded, None if own else declared, extra, tuple(notes))


def add_zone(out: Path, tz: str, *, held_before: bool) -> ZoneRecord:
    """Record in ``out/dataset.json`` that an ingest read naive times in ``tz`` (kept once
    per zone, in the spelling first given); ``held_before``: ``out`` held CDRs before this
    run, so a folder without a record gets ``unrecorded_runs``. Written whole, then renamed."""
    import json

    file = out / ZONE_RECORD
    old = read_zone_record(out)
    if old is None:
        rec = ZoneRecord(file, (tz.strip(),), held_before)
    elif old.recorded(tz):
        return old
    else:  # (a declared zone covers the runs it was written for, not this one)
        rec = ZoneRecord(file, (*old.zones, tz.strip()), old.unrecorded_runs, extra=old.extra)
    tmp = out / f".{ZONE_RECORD}.tmp"
    try:
        tmp.write_text(json.dumps(rec.to_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
        tmp.replace(file)
    except OSError as exc:
        if tmp.is_file():
            tmp.unlink()
        raise InputError(
            f"cannot write the zone record {file} ({exc}); this run's rows were not kept "
            f"(their parts are removed by the next ingest): make {out} writable and ingest again"
        ) from exc
    return rec

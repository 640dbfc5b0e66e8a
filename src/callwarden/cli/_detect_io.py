"""File handling shared by ``train``, ``scan`` and ``evaluate`` (the edge of detect)."""

from __future__ import annotations

import codecs
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from callwarden.errors import InputError

#: Bytes read to tell a file's kind, encoding and delimiter (as the CDR reader does).
_SNIFF_BYTES = 1 << 20


@dataclass(frozen=True)
class Sniffed:
    """What the start of a table file says: Parquet or CSV, and a CSV's encoding and
    delimiter (UTF-8 or GB18030/GBK; the one of , tab | ; most frequent in the header)."""

    parquet: bool
    encoding: str = "utf8"
    delimiter: str = ","


def sniff_table(path: Path, what: str) -> Sniffed:
    """Parquet by its magic bytes (any suffix), else CSV (also .gz): encoding from the
    first MiB (``cdr.readers.detect_encoding``), delimiter from the header line. An Excel
    workbook is an InputError saying to save it as CSV."""
    from callwarden.cdr.readers import detect_encoding, sniff_delimiter

    if not path.is_file():
        raise InputError(f"{what} {path} does not exist")
    with pa.input_stream(str(path), compression="detect") as f:
        head = f.read(_SNIFF_BYTES)
    if head.startswith(b"PAR1"):
        return Sniffed(parquet=True)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InputError(
            f"{what} {path} is an Excel workbook (or another zip file), not CSV or Parquet; "
            "save the sheet as CSV (UTF-8) first"
        )
    enc = detect_encoding(head)
    first = head.removeprefix(codecs.BOM_UTF8).decode(enc, errors="replace").partition("\n")[0]
    return Sniffed(False, "utf8" if enc == "utf-8" else enc, sniff_delimiter(first))


def _read_csv(path: Path, sniffed: Sniffed, what: str, **convert: Any) -> pa.Table:
    import pyarrow.csv as pcsv

    try:
        return pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(encoding=sniffed.encoding),
            parse_options=pcsv.ParseOptions(delimiter=sniffed.delimiter),
            convert_options=pcsv.ConvertOptions(**convert),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"{what} {path} cannot be read as CSV: {exc}") from exc


def read_csv_strings(path: Path, what: str) -> pa.Table:
    """A CSV (or Parquet) table with every column as text (numbers keep their ``+`` and
    leading zeros); a CSV may be GB18030/GBK and use , tab | or ; as its delimiter."""
    import pyarrow.parquet as pq

    sniffed = sniff_table(path, f"{what} file")
    if sniffed.parquet:
        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{what} file {path} cannot be read: {exc}") from exc
        table = pa.table({n: pc.cast(table[n], pa.string()) for n in table.column_names})
    else:
        names = _csv_header(path, sniffed, f"{what} file")
        types = dict.fromkeys(names, pa.string())
        table = _read_csv(path, sniffed, f"{what} file", column_types=types)
    return _unique_columns(table, f"{what} file {path}")


def _csv_header(path: Path, sniffed: Sniffed, what: str) -> list[str]:
    """The column names of a CSV ``sniff_table`` has read the encoding and delimiter of."""
    import pyarrow.csv as pcsv

    try:
        with pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(encoding=sniffed.encoding),
            parse_options=pcsv.ParseOptions(delimiter=sniffed.delimiter),
        ) as reader:
            return list(reader.schema.names)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"{what} {path} cannot be read as CSV: {exc}") from exc


def _unique_columns(table: pa.Table, what: str) -> pa.Table:
    """``table``, or an InputError naming the columns its header repeats (a column looked up
    by name would be ambiguous)."""
    names = table.column_names
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"{what} repeats column(s) {', '.join(map(repr, repeated))} in its header")
    return table


def read_table(path: Path, id_column: str | None = None) -> pa.Table:
    """A carrier feature table: CSV (types inferred; UTF-8 or GB18030/GBK; , tab | or ;
    delimited; also .gz) or Parquet (told by its content). ``id_column`` is read as text, so
    ids keep their leading zeros and ``+``."""
    import pyarrow.parquet as pq

    sniffed = sniff_table(path, "feature table")
    if sniffed.parquet:
        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"feature table {path} cannot be read: {exc}") from exc
    else:
        types = None
        if id_column:  # (also a header that names it but for spaces or case, as scan reads it)
            names = _csv_header(path, sniffed, "feature table")
            want = id_column.strip().lower()
            types = {n: pa.string() for n in names if n.strip().lower() == want}
            types[id_column] = pa.string()
        table = _read_csv(path, sniffed, "feature table", column_types=types)
    return _unique_columns(table, f"feature table {path}")


def cdr_features(
    cdrs: Path,
    registry: Path | None,
    days: list[str] | None,
    threads: int | None = None,
    tz: str | None = None,
) -> pa.Table:
    """Features for each as-of day of the CDRs (all days when ``days`` is None); ``tz``: the
    local time of days and hours (``features.local_time``; None: UTC+8)."""
    from callwarden.cdr import cdr_relation_sql
    from callwarden.features.duckdb_backend import connection, feature_days

    relation = cdr_relation_sql(cdrs)
    with connection(threads=threads) as con:
        facts, regions = number_facts(con, relation, registry)
        return feature_days(con, relation, days, tz=tz, caller_facts=facts, home_regions=regions)


def model_offsets(manifest: dict[str, Any]) -> list[int]:
    """The UTC offsets (hours) of a CDR model's training days: its manifest's
    ``utc_offset_hours``, or [8] for a model written before ``--tz`` (UTC+8 was fixed)."""
    return [int(h) for h in manifest.get("utc_offset_hours") or [8]]


def warn_offset_differs(
    model_dir: Path, manifest: dict[str, Any], tz: str, hours: int, command: str
) -> None:
    """Warn when this ``command``'s day is at a UTC offset the model never trained at."""
    trained = model_offsets(manifest)
    if hours in trained:
        return
    from callwarden.features.local_time import describe

    warn(
        f"model {model_dir} was trained on days at {describe(manifest.get('tz') or 'UTC+8', trained)}"
        f" and this {command} takes its day at {describe(tz, [hours])}: the day's bounds and"
        " the night hours differ from what the model learnt, so verdicts may shift; train with"
        " the same --tz"
    )


def number_facts(
    con: Any, relation: str, registry: Path | None, as_of: Any = None
) -> tuple[Any, Any]:
    """Register the callers' allocation flags (from ``registry``, if given) and home
    provinces on ``con``: the ``caller_facts`` and ``home_regions`` the feature SQL joins.
    ``as_of`` (an ``AsOf``, scan's one day) also counts each caller's calls that day."""
    from callwarden.features.duckdb_backend import register_number_facts

    if registry is None:
        return register_number_facts(con, relation, None, _province_of, as_of)
    from callwarden.numbers import AllocationRegistry

    reg = AllocationRegistry.from_csv(registry)
    warn_unparsed(registry, reg, "the calls of those numbers count as unallocated")
    seen: list[tuple[int, int, int]] = []  # (callers asked, judged, judged and listed)

    def unallocated(numbers: pa.Array) -> Any:
        judged, listed = reg.judge_array(numbers)
        bad = judged & ~listed
        seen.append((len(bad), int(judged.sum()), int((judged & ~bad).sum())))
        return bad

    facts = register_number_facts(con, relation, unallocated, _province_of, as_of)
    asked, judged, found = (sum(t[i] for t in seen) for i in range(3))
    codes = ", ".join(f"+{c}" for c in reg.scope) or "none"
    if asked and not judged:
        warn(
            f"registry {registry} speaks for country codes {codes} only, which none of the "
            f"{asked:,} callers' numbers has: no caller is judged unallocated (空号); is it "
            "the registry for these CDRs?"
        )
    elif judged and not found:
        warn(
            f"registry {registry} lists none of the {judged:,} callers' numbers of its "
            f"country codes ({codes}): every one counts as unallocated (空号, rule "
            "UNALLOCATED_CALLER); is it the registry for these CDRs, with numbers written as "
            "E.164 or national digits?"
        )
    return facts


def match_labels(numbers: list[str], labels: pa.Table, column: str) -> list[Any]:
    """Each label row's key among ``numbers`` (``detect.labels.match_labels``); warns about
    rows that match none or do not parse, and refuses labels of which none matches."""
    from callwarden.detect.labels import match_labels as match

    found = match(numbers, labels[column])
    found.check("the verdicts")
    for line in found.notes():
        warn(line)
    return found.keys


def warn(message: str) -> None:
    """One warning line on stderr (the commands' output stays on stdout)."""
    import typer

    typer.echo(f"warning: {message}", err=True)


def warn_unparsed(registry: Path, reg: Any, consequence: str = "") -> None:
    """Warn when some of the registry's numbers do not parse (``AllocationRegistry.unparsed``:
    they are left out); ``consequence`` says what that means for the command."""
    if (bad := reg.unparsed) is None:
        return
    tail = f"; {consequence}" if consequence else ""
    warn(
        f"registry {registry}: {bad.count:,} of {bad.total:,} numbers do not parse and are "
        f"left out (e.g. {bad.example!r} on line {bad.row + 1}){tail}"
    )


def _province_of(numbers: pa.Array) -> pa.Array:
    from callwarden.numbers import describe_array

    return describe_array(numbers)["province"].combine_chunks()


def json_ready(obj: Any) -> Any:
    """``obj`` with NaN and infinite floats as None (JSON has no NaN: Python writes a bare
    ``NaN`` that strict readers, jq and JavaScript's JSON.parse refuse)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    return obj


def write_json(path: Path, obj: Any) -> None:
    """``obj`` as indented UTF-8 JSON (a figure that is not a number, e.g. the ARI of no
    numbers, is null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(json_ready(obj), indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def check_exclusive(
    cdrs: Path | None, features: Path | None, id_column: str | None, need_id: bool = True
) -> str:
    """'cdr' or 'table', from which input options were given; ``need_id``: a table needs
    ``--id-column`` (scan takes the model's when it is not given)."""
    if (cdrs is None) == (features is None):
        raise InputError("give exactly one of --cdrs or --features")
    if need_id and features is not None and not id_column:
        raise InputError("--features needs --id-column")
    return "cdr" if cdrs is not None else "table"

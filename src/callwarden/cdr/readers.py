"""Readers: CSV (also .gz; UTF-8 or GB18030/GBK), Parquet and JSON lines, in bounded batches.

A reader yields :class:`RawBatch` es: the source's own columns (text, or typed for Parquet),
the source line of every row, and the rows it could not split (wrong field count). CSV goes
through Arrow's multithreaded reader; exact line numbers survive malformed rows by one cheap
single-threaded rescan of the files that have any.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.errors import InputError

from .canonical import REASON_COLUMN, RESERVED_COLUMNS, Reason
from .mapping import Mapping
from .parse import mask
from .schema import CANONICAL_TYPES

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
_SNIFF_BYTES = 1 << 20


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in (".gz", ".bz2", ".zst"):
        name = name.removesuffix(suffix)
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(JSON_SUFFIXES):
        return "jsonl"
    return None


def expand_inputs(inputs: list[Path], exclude: Path | None = None) -> list[Path]:
    """Files named, and every readable file under folders named (sorted), in order; files
    under ``exclude`` (the output folder, when it lies inside an input folder) are skipped."""
    files: list[Path] = []
    skip = exclude.resolve() if exclude is not None else None

    def wanted(f: Path) -> bool:
        if not f.is_file() or not kind_of(f) or f.name.startswith("."):
            return False
        return skip is None or not f.resolve().is_relative_to(skip)

    for p in inputs:
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if wanted(f))
            if not found:
                raise InputError(f"folder {p} holds no CSV, Parquet or JSON-lines file")
            files.extend(found)
        elif p.is_file():
            if kind_of(p) is None:
                raise InputError(
                    f"{p}: unknown file type (expected .csv, .csv.gz, .parquet, .jsonl)"
                )
            files.append(p)
        else:
            raise InputError(f"input {p} does not exist")
    return files


@dataclass
class RawBatch:
    table: pa.Table
    lines: np.ndarray  # source line (CSV, JSON lines) or row number (Parquet) of each row
    raw: list[str] | None = None  # original text per row, when the reader kept it
    blank_lines: int = 0  # blank lines dropped from this batch


#: A batch still to be decoded: calling it does the work (on a worker thread, in ingest).
Job = Callable[[], RawBatch]


@dataclass
class Malformed:
    line: int | None
    text: str
    reason: str = Reason.MALFORMED_ROW.value
    detail: str = ""  # what is wrong (quarantine ``detail``): the field count, the JSON error


@dataclass
class Reader:
    """Base: ``columns`` (source names), ``batches()``, ``malformed`` after iteration."""

    path: Path
    mapping: Mapping | None = None
    encoding: str | None = None
    batch_rows: int = 1_000_000
    columns: list[str] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    blank_lines: int = 0
    empty: bool = False
    checkable: bool = True  # whether ``columns`` can be checked (False: no row was read)

    def jobs(self) -> Iterator[Job]:
        """The file's batches as jobs, in order; cheap to produce, decoded when called."""
        raise NotImplementedError

    def batches(self) -> Iterator[RawBatch]:
        for job in self.jobs():
            yield job()

    def raw_text(self, batch: RawBatch, rows: np.ndarray) -> list[str]:
        """The rows as text for the quarantine file (JSON object of the fields)."""
        if batch.raw is not None:
            return [batch.raw[i] for i in rows]
        sub = batch.table.take(pa.array(rows, pa.int64())).to_pylist()
        return [json.dumps(r, ensure_ascii=False, default=str) for r in sub]

    def fix_lines(self, lines: np.ndarray) -> np.ndarray:
        """Final line numbers for rows whose provisional ones were handed out (CSV overrides)."""
        return lines

    def malformed_lines(self) -> np.ndarray:
        """The source line of each ``malformed`` row (after the batches are all done)."""
        return np.array([m.line or 0 for m in self.malformed], np.int64)


def open_reader(
    path: Path, mapping: Mapping | None, encoding: str | None, batch_rows: int
) -> Reader:
    kind = kind_of(path)
    cls = {"csv": CsvReader, "parquet": ParquetReader, "jsonl": JsonLinesReader}[kind or "csv"]
    reader = cls(path=path, mapping=mapping, encoding=encoding, batch_rows=batch_rows)
    try:
        reader.open()  # type: ignore[attr-defined]
    except (OSError, pa.ArrowInvalid, UnicodeError) as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from exc
    return reader


# --- CSV ------------------------------------------------------------------------------------


def _decode_stats(head: bytes, enc: str, final: bool) -> tuple[int, int]:
    """(bytes that do not decode, non-ASCII characters that do) of ``head`` in ``enc``; a
    character cut at the sample's end is neither unless ``final`` (the sample is the file)."""
    text = codecs.getincrementaldecoder(enc)(errors="surrogateescape").decode(head, final=final)
    cp = np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), np.uint32)
    bad = int(np.count_nonzero((cp >= 0xDC80) & (cp <= 0xDCFF)))
    return bad, int(np.count_nonzero(cp > 0x7F)) - bad


def detect_encoding(head: bytes, final: bool = False) -> str:
    """The encoding of a sample (``final``: the whole file): utf-8 or gb18030.

    UTF-8 when the sample decodes as UTF-8 (a character cut at its end allowed), or nearly:
    its undecodable bytes are under a fifth of its non-ASCII characters (one damaged value
    in UTF-8 text; text in another encoding read as UTF-8 fails on most of its characters).
    Otherwise the one of the two that leaves fewer bytes undecoded (GB18030 reads most UTF-8
    text without an error, as other characters, so it is never chosen on that alone). The
    rows whose bytes do not decode in the encoding chosen are quarantined one by one."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    u_bad, u_chars = _decode_stats(head, "utf-8", final)
    if u_bad * 5 <= u_chars:  # (u_bad == 0 included)
        return "utf-8"
    g_bad, _ = _decode_stats(head, "gb18030", final)
    return "gb18030" if g_bad < u_bad else "utf-8"


def _normal_encoding(name: str) -> str:
    try:
        name = codecs.lookup(name).name
    except LookupError as exc:
        raise InputError(f"unknown encoding {name!r} (use utf-8, gb18030 or gbk)") from exc
    return "gb18030" if name in ("gbk", "gb2312", "cp936") else name


class CsvReader(Reader):
    def open(self) -> None:
        import pyarrow.csv as pcsv

        with pa.input_stream(str(self.path), compression="detect") as f:
            head = f.read(_SNIFF_BYTES)
        whole = len(head) < _SNIFF_BYTES  # the sample is the whole file
        if not head.removeprefix(codecs.BOM_UTF8).strip():
            self.empty = True
            return
        m = self.mapping
        enc = self.encoding or (m.encoding if m else None)
        self.enc = _normal_encoding(enc) if enc else detect_encoding(head, final=whole)
        # A first MiB of ASCII only tells nothing: each batch holding bytes that are not
        # UTF-8 has its encoding detected from its own values (``_batch``).
        self.undecided = not enc and not whole and head.isascii()
        if self.enc not in ("utf-8", "gb18030", "ascii"):
            raise InputError(
                f"{self.path}: encoding {self.enc} is not supported (utf-8, gb18030/gbk)"
            )
        text = head.removeprefix(codecs.BOM_UTF8).decode(self.enc, errors="replace")
        first = text.partition("\n")[0].removesuffix("\r")
        lines = text.splitlines()
        self.suspect = _has_malformed(lines, self.delimiter_hint(m, first))
        # Quoted fields may hold line breaks: a record then spans several lines, and the
        # line numbers after it are counted from the fields (only for files that quote).
        self.quoted = '"' in text.partition("\n")[2]
        # One Arrow block per batch: no concatenation copy when a batch is handed on.
        per_row = max(16, len(head) // max(1, len(lines)))
        self.block_size = int(min(256 << 20, max(1 << 20, per_row * self.batch_rows * 1.05)))
        self.delimiter = (m.delimiter if m and m.delimiter else None) or sniff_delimiter(first)
        self.header = m.header if m else True
        # A header and nothing else (an hour without calls; often no final newline): no rows,
        # but its columns are still checked. Arrow cannot skip a header that has no line end.
        self.no_rows = self.header and whole and not text.partition("\n")[2].strip()
        # A delimiter that can be the trail byte of a GB18030 character (|: 東 is 96 7C) must
        # be found in decoded text: such files are transcoded to UTF-8 as they are read.
        self.transcode = self.enc == "gb18030" and ord(self.delimiter) >= 0x40
        if self.header:
            names = [c.strip() for c in next(csv.reader([first], delimiter=self.delimiter))]
            _check_duplicates(names, m, self.path)
            self.columns = _dedupe(names)
        else:
            if not (m and m.columns):
                raise InputError(
                    f"{self.path}: a mapping with header: false must list read.columns"
                )
            self.columns = list(m.columns)
        self._pcsv = pcsv

    @staticmethod
    def delimiter_hint(m: Mapping | None, first: str) -> str:
        return (m.delimiter if m and m.delimiter else None) or sniff_delimiter(first)

    def _source(self, transcode: bool) -> tuple[pa.NativeFile, _Transcoder | None]:
        """The file's bytes, or (``transcode``) its text re-encoded as UTF-8, undecodable
        bytes marked (``_MARK``) so that their rows are quarantined as ``bad_encoding``."""
        raw = pa.input_stream(str(self.path), compression="detect")
        if not transcode:
            return raw, None
        tr = _Transcoder("utf-8-sig" if self.enc == "utf-8" else self.enc)
        return pa.TransformInputStream(raw, tr), tr

    def _stream(
        self,
        source: pa.NativeFile,
        use_threads: bool,
        handler: object,
        include: list[str] | None = None,
    ) -> pa.RecordBatchReader:
        pcsv = self._pcsv
        return pcsv.open_csv(
            source,
            read_options=pcsv.ReadOptions(
                use_threads=use_threads,
                block_size=self.block_size,
                column_names=self.columns,
                skip_rows=1 if self.header else 0,
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=self.delimiter, invalid_row_handler=handler, ignore_empty_lines=False
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.binary() for c in self.columns},
                include_columns=include,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    def jobs(self) -> Iterator[Job]:
        self.malformed = []
        self._multiline: list[tuple[np.ndarray, np.ndarray]] = []
        self._shifts: tuple[np.ndarray, np.ndarray] | None = None
        if self.empty or self.no_rows:
            return
        first_line = 2 if self.header else 1
        self._first_line = first_line
        threaded_bad: list[str] = []

        def numbered(row: object) -> str:
            text: str = row.text  # type: ignore[attr-defined]
            got, want = row.actual_columns, row.expected_columns  # type: ignore[attr-defined]
            detail = f"{got} field{'s' if got != 1 else ''}, {want} expected"
            self.malformed.append(Malformed(row.number, _unmark(text) or "", detail=detail))  # type: ignore[attr-defined]
            return "skip"

        def unnumbered(row: object) -> str:
            threaded_bad.append(row.text)  # type: ignore[attr-defined]
            return "skip"

        _quiet_row_text_errors(numbered, unnumbered)
        # Arrow's threaded reader cannot number bad rows: a file whose first MiB already has
        # some is read on one thread (numbered as it goes), others threaded, rescanned if needed.
        threaded = not self.suspect
        transcode = self.transcode
        seen = 0  # valid rows handed out as batches
        while True:
            pending: list[pa.RecordBatch] = []
            pending_rows, skip = 0, seen
            try:
                source, tr = self._source(transcode)
                for rb in self._stream(source, threaded, unnumbered if threaded else numbered):
                    if skip:  # a second pass: rows already handed out are not read again
                        if rb.num_rows <= skip:
                            skip -= rb.num_rows
                            continue
                        rb, skip = rb.slice(skip), 0
                    pending.append(rb)
                    pending_rows += rb.num_rows
                    if pending_rows >= self.batch_rows:
                        yield partial(self._batch, pending, seen, tr)
                        seen += pending_rows
                        pending, pending_rows = [], 0
                if pending:
                    yield partial(self._batch, pending, seen, tr)
                    seen += pending_rows
                if threaded_bad:
                    source, _ = self._source(transcode)
                    for _ in self._stream(source, False, numbered, include=[self.columns[0]]):
                        pass
                break
            except (pa.ArrowInvalid, OSError) as exc:
                if transcode or not isinstance(exc, pa.ArrowInvalid):
                    raise InputError(f"{self.path}: cannot be read as CSV: {exc}") from exc
                # Arrow hands a malformed row to the handler as UTF-8 text, and cannot when
                # its bytes are not: read again as transcoded text (one thread, numbered),
                # after the rows already handed out.
                transcode, threaded = True, False
                self.malformed, threaded_bad[:] = [], []
        self._bad_lines = np.array(sorted(m.line or 0 for m in self.malformed), np.int64)

    def _records(self, lines: np.ndarray) -> np.ndarray:
        """Provisional lines of valid rows -> their record numbers among all records."""
        bad = getattr(self, "_bad_lines", None)
        if bad is None or len(bad) == 0:
            return lines
        # Valid record k sits at record first + k + (malformed records before it).
        k = lines - self._first_line
        before = bad - self._first_line - np.arange(len(bad))
        return lines + np.searchsorted(before, k, side="right")

    def _line_shift(self, records: np.ndarray) -> np.ndarray:
        """Line breaks inside the quoted fields of the records before each one."""
        if self._shifts is None:
            starts = [self._records(prov) for prov, _ in self._multiline]
            extras = [extra for _, extra in self._multiline]
            ml = [(m.line or 0, m.text.count("\n")) for m in self.malformed if "\n" in m.text]
            if ml:
                starts.append(np.array([r for r, _ in ml], np.int64))
                extras.append(np.array([e for _, e in ml], np.int64))
            at = np.concatenate(starts) if starts else np.empty(0, np.int64)
            order = np.argsort(at, kind="stable")
            more = np.concatenate(extras)[order] if extras else np.empty(0, np.int64)
            self._shifts = (at[order], np.concatenate([[0], np.cumsum(more)]))
        at, cum = self._shifts
        if len(at) == 0:
            return np.zeros(len(records), np.int64)
        return cum[np.searchsorted(at, records, side="left")]

    def fix_lines(self, lines: np.ndarray) -> np.ndarray:
        rec = self._records(lines)
        return rec + self._line_shift(rec) if self.quoted else rec

    def malformed_lines(self) -> np.ndarray:
        rec = super().malformed_lines()
        return rec + self._line_shift(rec) if self.quoted else rec

    def _batch(self, pending: list[pa.RecordBatch], seen: int, tr: _Transcoder | None) -> RawBatch:
        table = pa.Table.from_batches(pending).combine_chunks()
        n = table.num_rows
        lines = np.arange(seen, seen + n, dtype=np.int64) + self._first_line
        raw = {
            name: table[name].chunk(0) if table[name].num_chunks else pa.array([], pa.binary())
            for name in table.column_names
        }
        enc = self.enc if tr is None else "marked" if tr.marked else "utf-8"
        cols, bad_enc = _decode_all(raw, enc, n)
        if tr is None and self.undecided and bad_enc.any():
            enc = _values_encoding(raw.values())
            if enc != self.enc:
                cols, bad_enc = _decode_all(raw, enc, n)
        if self.quoted:  # records whose quoted fields hold line breaks (numbering, fix_lines)
            breaks = np.zeros(n, np.int64)
            for arr in cols.values():
                breaks += pc.fill_null(pc.count_substring(arr, "\n"), 0).to_numpy(
                    zero_copy_only=False
                )
            if breaks.any():
                at = np.flatnonzero(breaks)
                self._multiline.append((lines[at], breaks[at]))
        out = pa.table(cols)
        # A blank line is no call: drop it (counted) rather than quarantine it.
        blank = ~_nonempty(out[out.column_names[0]])
        if blank.any():
            for name in out.column_names[1:]:
                blank &= ~_nonempty(out[name])
        n_blank = int(blank.sum())
        if n_blank:
            keep = pa.array(np.flatnonzero(~blank))
            out, lines, bad_enc = out.take(keep), lines[~blank], bad_enc[~blank]
        if bad_enc.any():
            reason = np.where(bad_enc, Reason.BAD_ENCODING.value, np.array(None, dtype=object))
            out = out.append_column(REASON_COLUMN, pa.array(reason, pa.string()))
        return RawBatch(out, lines, blank_lines=n_blank)

    def raw_text(self, batch: RawBatch, rows: np.ndarray) -> list[str]:
        """The fields re-joined with the file's delimiter; CSV quoting only where needed."""
        cols = [c for c in batch.table.column_names if c != REASON_COLUMN]
        sub = batch.table.select(cols).take(pa.array(rows, pa.int64()))
        fields = [pc.fill_null(sub[c].combine_chunks(), "") for c in cols]
        joined = pc.binary_join_element_wise(*fields, self.delimiter)
        special = "[" + re.escape(self.delimiter) + '"\\r\\n]'
        needs = np.zeros(len(rows), bool)
        for f in fields:
            needs |= np.asarray(
                pc.match_substring_regex(f, special).to_numpy(zero_copy_only=False), bool
            )
        out = joined.to_pylist()
        if needs.any():  # rare: fields holding the delimiter or quotes go through csv
            buf = io.StringIO()
            w = csv.writer(buf, delimiter=self.delimiter, lineterminator="\n")
            for i in np.flatnonzero(needs):
                buf.seek(0)
                buf.truncate()
                w.writerow([f[int(i)].as_py() for f in fields])
                out[i] = buf.getvalue().rstrip("\n")
        return out


def _decode_all(
    raw: dict[str, pa.Array], enc: str, n: int
) -> tuple[dict[str, pa.Array], np.ndarray]:
    """Every column decoded (``_decode``), and the rows any of whose values did not."""
    cols: dict[str, pa.Array] = {}
    bad_enc = np.zeros(n, bool)
    for name, arr in raw.items():
        cols[name], bad = _decode(arr, enc)
        bad_enc |= bad
    return cols, bad_enc


def _values_encoding(columns: Iterable[pa.Array]) -> str:
    """The encoding of binary columns, detected from their distinct non-ASCII values."""
    parts: list[bytes] = []
    size = 0
    for arr in columns:
        for v in pc.unique(arr).to_pylist():
            if v and not v.isascii():
                parts.append(v)
                size += len(v) + 1
                if size >= _SNIFF_BYTES:
                    return detect_encoding(b"\n".join(parts), final=True)
    return detect_encoding(b"\n".join(parts), final=True)


def _nonempty(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(
        pc.fill_null(pc.greater(pc.utf8_length(col), 0), False).to_numpy(zero_copy_only=False), bool
    )


def _decode(arr: pa.Array, enc: str) -> tuple[pa.Array, np.ndarray]:
    """Binary field values -> text, and the mask of values that do not decode: those are
    kept as text with the bytes escaped (``\\xd6``) for the quarantine file. ``marked``:
    UTF-8 from a transcoded stream whose undecodable bytes are ``_MARK`` characters."""
    n = len(arr)
    if enc == "marked":
        s = arr.cast(pa.string())
        bad = mask(pc.match_substring_regex(s, _MARK_RE))
        if not bad.any():
            return s, bad
        enc_arr = pc.dictionary_encode(s)
        dic = pa.array([_unmark(v) for v in enc_arr.dictionary.to_pylist()], pa.string())
        return pc.take(dic, enc_arr.indices), bad
    if enc in ("utf-8", "ascii"):
        try:
            return arr.cast(pa.string()), np.zeros(n, bool)
        except pa.ArrowInvalid:
            pass
    else:
        try:  # ASCII is the same bytes in GB18030: only the other columns need Python's codec
            s = arr.cast(pa.string())
            if pc.all(pc.string_is_ascii(s)).as_py() is not False:
                return s, np.zeros(n, bool)
        except pa.ArrowInvalid:
            pass
    enc_arr = pc.dictionary_encode(arr)
    decoded: list[str | None] = []
    failed: list[bool] = []
    for v in enc_arr.dictionary.to_pylist():
        try:
            decoded.append(v.decode(enc) if v is not None else None)
            failed.append(False)
        except UnicodeDecodeError:
            decoded.append(v.decode(enc, errors="backslashreplace"))
            failed.append(True)
    out = pc.take(pa.array(decoded, pa.string()), enc_arr.indices)
    bad = pc.take(pa.array(failed, pa.bool_()), enc_arr.indices)
    return out, mask(bad)


def _has_malformed(lines: list[str], delimiter: str) -> bool:
    """Whether the sample's complete lines disagree on their field count."""
    if len(lines) < 3:
        return False
    counts = {len(r) for r in csv.reader(lines[:-1], delimiter=delimiter) if r}
    return len(counts) > 1


def sniff_delimiter(first_line: str) -> str:
    """The one of , tab | ; a header line holds most of (``,`` when none)."""
    counts = {d: first_line.count(d) for d in (",", "\t", "|", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _check_duplicates(names: list[str], m: Mapping | None, path: Path) -> None:
    """A header naming a column that callwarden reads twice: which one holds the calls'
    values cannot be known, so the file is refused (other repeats become ``name_2``...)."""
    read = set(CANONICAL_TYPES) | set(RESERVED_COLUMNS)
    if m is not None:
        read |= set(m.rename) | set(m.drop)
        if m.swap is not None:
            sw = m.swap
            read |= {sw.column, sw.subscriber, sw.other}
            read |= {c for c in (sw.subscriber_region, sw.subscriber_imei) if c}
    counts = Counter(names)
    twice = [n for n in counts if counts[n] > 1 and n in read]
    if twice:
        raise InputError(
            f"{path}: the header names column {twice[0]!r} {counts[twice[0]]} times; which "
            "one holds the calls' values cannot be told: rename or remove the others in the "
            "export (or read the file with a mapping with header: false and columns: [...])"
        )


def _dedupe(names: list[str]) -> list[str]:
    """Unique column names: a blank one is ``column_<n>``, a repeated one ``name_2``..."""
    taken = set(names)
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        if name in seen:
            k = seen[name]
            while f"{name}_{k + 1}" in taken:
                k += 1
            seen[name] = k + 1
            name = f"{name}_{k + 1}"
            taken.add(name)
        else:
            seen[name] = 1
        out.append(name)
    return out


#: Undecodable bytes in transcoded text: byte b becomes U+100000 + b (plane 16 private use,
#: never in a CDR), so the row is found and the byte shown again (``_unmark``).
_MARK_BASE = 0x100000
_MARK_RE = "[\\x{100000}-\\x{1000ff}]"
_MARK_PY = re.compile("[\U00100000-\U001000ff]")
_marks = threading.local()


def _mark_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _marks.count = getattr(_marks, "count", 0) + 1
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(_MARK_BASE + b) for b in bad), exc.end


codecs.register_error("callwarden.mark", _mark_bytes)


def _unmark(text: str | None) -> str | None:
    """Marked undecodable bytes back as ``\\xNN`` escapes."""
    if text is None or not _MARK_PY.search(text):
        return text
    return _MARK_PY.sub(lambda m: f"\\x{ord(m.group()) - _MARK_BASE:02x}", text)


class _Transcoder:
    """A stream transform: bytes in ``enc`` -> UTF-8, undecodable bytes marked."""

    def __init__(self, enc: str) -> None:
        self._decoder = codecs.getincrementaldecoder(enc)(errors="callwarden.mark")
        self.marked = False  # whether any byte did not decode (then batches are checked)

    def __call__(self, buf: pa.Buffer) -> bytes:
        before = getattr(_marks, "count", 0)
        text = self._decoder.decode(bytes(buf), final=len(buf) == 0)
        if getattr(_marks, "count", 0) != before:
            self.marked = True
        return text.encode("utf-8")


def _quiet_row_text_errors(*handlers: object) -> None:
    """Arrow reports a malformed row whose bytes are not UTF-8 by printing a decoding
    traceback before it fails the read; the read is then retried as transcoded text, so
    those reports (for ``handlers`` only) are not printed."""
    for h in handlers:
        h._callwarden_quiet = True  # type: ignore[attr-defined]
    hook = sys.unraisablehook
    if getattr(hook, "_callwarden_quiet", False):
        return

    def quiet(u: sys.UnraisableHookArgs) -> None:
        if getattr(u.object, "_callwarden_quiet", False) and u.exc_type is UnicodeDecodeError:
            return
        hook(u)

    quiet._callwarden_quiet = True  # type: ignore[attr-defined]
    sys.unraisablehook = quiet


# --- Parquet and JSON lines -------------------------------------------------------------------


class ParquetReader(Reader):
    def open(self) -> None:
        import pyarrow.parquet as pq

        try:
            self._file = pq.ParquetFile(self.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{self.path}: cannot be read as Parquet: {exc}") from exc
        schema = self._file.schema_arrow
        self.columns = list(schema.names)
        self.empty = self._file.metadata.num_rows == 0
        # Plain BINARY columns (Hive's and Impala's default for strings) hold bytes, UTF-8 or
        # not: they are decoded as CSV is (--encoding, the mapping's, else detected).
        self.binary = [f.name for f in schema if _is_binary(f.type)]
        self.enc = "utf-8"
        if self.binary and not self.empty:
            enc = self.encoding or (self.mapping.encoding if self.mapping else None)
            self.enc = _normal_encoding(enc) if enc else self._detect()
            if self.enc not in ("utf-8", "gb18030", "ascii"):
                raise InputError(
                    f"{self.path}: encoding {self.enc} is not supported (utf-8, gb18030/gbk)"
                )

    def _detect(self) -> str:
        """The encoding of the binary columns, from their values in the first batch."""
        rb = next(self._file.iter_batches(batch_size=65_536, columns=self.binary))
        return _values_encoding(_as_binary(c) for c in rb.columns)

    def jobs(self) -> Iterator[Job]:
        seen = 0
        for rb in self._file.iter_batches(batch_size=self.batch_rows):
            n = rb.num_rows
            lines = np.arange(seen + 1, seen + n + 1, dtype=np.int64)
            yield partial(self._batch, rb, lines)
            seen += n

    def _batch(self, rb: pa.RecordBatch, lines: np.ndarray) -> RawBatch:
        table = pa.Table.from_batches([rb])
        if not self.binary:
            return RawBatch(table, lines)
        bad_enc = np.zeros(rb.num_rows, bool)
        for name in self.binary:
            i = table.schema.get_field_index(name)
            text, bad = _decode(_as_binary(rb.column(i)), self.enc)
            table = table.set_column(i, name, text)
            bad_enc |= bad
        if bad_enc.any():
            reason = np.where(bad_enc, Reason.BAD_ENCODING.value, np.array(None, dtype=object))
            table = table.append_column(REASON_COLUMN, pa.array(reason, pa.string()))
        return RawBatch(table, lines)


def _is_binary(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)


def _as_binary(arr: pa.Array) -> pa.Array:
    """A binary-like column (dictionary, large, fixed size) as plain ``binary``."""
    return arr if arr.type == pa.binary() else pc.cast(arr, pa.binary())


class JsonLinesReader(Reader):
    """JSON lines, one object a line; parsed in Python (the slow format: ~0.3M rows/s). A
    ``.json`` file that holds one JSON array (of objects, one call each) or one object is
    read as that, pretty-printed or not."""

    def open(self) -> None:
        enc = self.encoding or (self.mapping.encoding if self.mapping else None)
        self._rows: list[dict[str, object]] = []
        self._lines: list[int] = []
        self._raw: list[str] = []
        self._keys: dict[str, None] = {}
        with pa.input_stream(str(self.path), compression="detect") as f:
            data = f.read()
        # The encoding is detected as for CSV; a line whose bytes do not decode is
        # quarantined (bad_encoding), the rest of the file is read.
        self.enc = (
            _normal_encoding(enc)
            if enc
            else detect_encoding(data[:_SNIFF_BYTES], final=len(data) <= _SNIFF_BYTES)
        )
        data = data.removeprefix(codecs.BOM_UTF8)
        if not (self._is_document(data) and self._read_document(data)):
            self._read_lines(data)
        self.columns = list(self._keys)
        # A file of unreadable lines only is not empty: its lines are quarantined.
        self.empty = not self._rows and not self.malformed
        self.checkable = bool(self._rows)

    def _is_document(self, data: bytes) -> bool:
        """A ``.json`` file starting with ``[`` or ``{`` (perhaps one JSON document)."""
        name = self.path.name.lower()
        for suffix in (".gz", ".bz2", ".zst"):
            name = name.removesuffix(suffix)
        return name.endswith(".json") and data.lstrip()[:1] in (b"[", b"{")

    def _add(self, line: int, obj: object, raw: str) -> None:
        if not isinstance(obj, dict):
            what = "null" if obj is None else type(obj).__name__
            self.malformed.append(Malformed(line, raw, detail=f"not a JSON object ({what})"))
            return
        if _SURROGATE.search(raw):  # bytes that did not decode (a JSON document's value)
            self.malformed.append(
                Malformed(
                    line, _escape_bytes(raw), Reason.BAD_ENCODING.value, f"not {self.enc} text"
                )
            )
            return
        for k in obj:
            self._keys.setdefault(k, None)
        self._rows.append(obj)
        self._lines.append(line)
        self._raw.append(raw)

    def _read_document(self, data: bytes) -> bool:
        """One JSON array of objects (each a call, at the line where it starts), or one
        object; False when the file is not one JSON document (JSON lines then)."""
        text = data.decode(self.enc, errors="surrogateescape")
        pos = len(text) - len(text.lstrip())
        if text[pos] == "{":
            try:
                obj = json.loads(text)
            except json.JSONDecodeError:
                return False  # JSON lines in a .json file
            self._add(1 + text.count("\n", 0, pos), obj, json.dumps(obj, ensure_ascii=False))
            return True
        dec = json.JSONDecoder()
        line, at = 1, 0
        pos += 1

        def skip(i: int) -> int:
            while i < len(text) and text[i] in " \t\r\n":
                i += 1
            return i

        try:
            pos = skip(pos)
            if pos < len(text) and text[pos] == "]":
                pos += 1
            else:
                while True:
                    line += text.count("\n", at, pos)
                    at = pos
                    obj, end = dec.raw_decode(text, pos)
                    self._add(line, obj, json.dumps(obj, ensure_ascii=False))
                    pos = skip(end)
                    if pos < len(text) and text[pos] == ",":
                        pos = skip(pos + 1)
                        continue
                    if pos < len(text) and text[pos] == "]":
                        pos += 1
                        break
                    raise json.JSONDecodeError("Expecting ',' or ']'", text, pos)
            if skip(pos) < len(text):
                raise json.JSONDecodeError("Extra data after the array", text, skip(pos))
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{self.path}: a JSON array that is not valid JSON at line {exc.lineno} "
                f"column {exc.colno} ({exc.msg}); nothing was read from it"
            ) from exc
        return True

    def _read_lines(self, data: bytes) -> None:
        # Lines end at \n only: U+2028, U+0085... are legal inside JSON strings.
        chunks = data.split(b"\n")
        if chunks and not chunks[-1]:
            chunks.pop()  # (nothing after the final newline)
        for i, raw_line in enumerate(chunks, start=1):
            try:
                line = raw_line.decode(self.enc).removesuffix("\r")
            except UnicodeDecodeError:
                text = raw_line.decode(self.enc, errors="backslashreplace").removesuffix("\r")
                self.malformed.append(
                    Malformed(i, text, Reason.BAD_ENCODING.value, f"not {self.enc} text")
                )
                continue
            if not line.strip():
                self.blank_lines += 1
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                msg = f"not JSON: {exc.msg} (column {exc.colno})"
                self.malformed.append(Malformed(i, line, detail=msg))
                continue
            self._add(i, obj, line)

    def jobs(self) -> Iterator[Job]:
        for lo in range(0, len(self._rows), self.batch_rows):
            yield partial(self._batch, lo)

    def _batch(self, lo: int) -> RawBatch:
        rows = self._rows[lo : lo + self.batch_rows]
        cols = {c: pa.array([_jtext(r.get(c)) for r in rows], pa.string()) for c in self.columns}
        return RawBatch(
            pa.table(cols),
            np.array(self._lines[lo : lo + self.batch_rows], np.int64),
            self._raw[lo : lo + self.batch_rows],
        )


_SURROGATE = re.compile("[\udc80-\udcff]")


def _escape_bytes(text: str) -> str:
    """Undecoded bytes (``surrogateescape``) as ``\\xNN`` escapes."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def _jtext(v: object) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)

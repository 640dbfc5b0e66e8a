"""Ingest's dedupe (docs/ingest.md, "Idempotent"): 64-bit keys per row, kept per day as sorted
NumPy chunks, so millions of rows are compared without a Python loop or a string hash.

- a row's *id key* (``parse.id_keys``) and *pair key* (id key with the call's identity) tell a
  call stored again under its id (a duplicate) from another call under that id (a conflict):
  :func:`split_repeats`;
- a row's *identity key* (start second, caller, callee) matches a row whose id was derived
  (the export gave none) with a call that earlier runs or the run's earlier files hold under
  any id, one to one: :class:`Identities`. A derived id hashes the exact duration, which
  re-exports write otherwise (milliseconds times 0.001, whole seconds, minutes), so the id
  alone would store such a call twice; the ids themselves stay as they were. A row whose
  id is given and not held matches, the same way, only a held call whose id was derived (an
  export without ids stored it first): whether a stored id was derived is not stored, it is
  recomputed from the row (``parse.derived_id_mask``). At the file's end the held calls the
  file repeats under their own id claim themselves first, the matched rows take what is left
  in file order (:meth:`Identities.assign`), and whether the taken rows are duplicates is
  settled per kind of row, derived or given (``ingest.is_reexport``).

Stored parts are read only when a run needs them: their pair keys when a run meets their ids
again, their identity keys when a row to match falls in their span of start seconds (the
Parquet statistics), so appending later hours of a day cut by start time reads nothing back
(files cut by end time overlap the stored spans and read the parts they meet). Rows with
given ids are matched only in a day where a stored part holds an id of a derived id's form
(16 hex digits; the ids are read anyway) or the run's earlier files kept a derived one: a
folder stored with the switch's ids reads nothing more for them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import parse
from .canonical import number_keys
from .schema import NUMBER_KEY_COLUMNS

_UNITS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_SEED = np.uint64(0x243F6A8885A308D3)
_NONE = np.zeros(0, np.int64)


def mix(h: np.ndarray, v: np.ndarray) -> np.ndarray:
    """64-bit hash combine (wrapping multiply and xor-shift, as in splitmix64)."""
    h = (h ^ v.astype(np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
    return h ^ (h >> np.uint64(29))


def number_hash(table: pa.Table, column: str) -> np.ndarray:
    """A 64-bit value per normalised number: its digits where it has a number key (nearly
    every row), else a hash of its text."""
    numbers = table[column]
    key_column = NUMBER_KEY_COLUMNS[column]
    keys = table[key_column] if key_column in table.column_names else number_keys(numbers)
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    out = pc.fill_null(keys, 0).to_numpy(zero_copy_only=False).astype(np.uint64)
    if keys.null_count:
        missing = np.flatnonzero(~parse.mask(pc.is_valid(keys)))
        arr = numbers.combine_chunks() if isinstance(numbers, pa.ChunkedArray) else numbers
        out[missing] = parse.id_keys(pc.fill_null(arr.take(pa.array(missing)), "")) | np.uint64(1)
    return out


def call_identity(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """(start second, identity key) per row: the key hashes the start time to the whole
    second (an export that drops the fraction is the same call), the caller and the callee,
    and not the duration, on which exports of one call disagree (milliseconds times 0.001 is
    not bit-equal to the seconds; billing rounds to whole seconds, up, or to the minute)."""
    start = pc.cast(table["start_time"], pa.int64()).to_numpy(zero_copy_only=False)
    second = np.floor_divide(start, _UNITS_PER_SECOND[table.schema.field("start_time").type.unit])
    h = mix(np.full(len(second), _SEED), second.view(np.uint64))
    h = mix(h, number_hash(table, "caller"))
    return second, mix(h, number_hash(table, "callee"))


def call_pairs(identity: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """A 64-bit key of each row's (call_id key, identity): rows with equal call_id keys and
    different pairs are different calls under one id (an id reused by a switch's serial names
    a call at another time or between other numbers)."""
    return mix(identity, keys)


def any_in(chunks: list[np.ndarray], sorted_keys: np.ndarray) -> bool:
    # Sorted queries keep the binary searches cache-friendly.
    for c in chunks:
        pos = np.minimum(np.searchsorted(c, sorted_keys), len(c) - 1)
        if (c[pos] == sorted_keys).any():
            return True
    return False


def contains(chunks: list[np.ndarray], keys: np.ndarray) -> np.ndarray:
    hit = np.zeros(len(keys), bool)
    for c in chunks:
        if len(c):
            pos = np.minimum(np.searchsorted(c, keys), len(c) - 1)
            hit |= c[pos] == keys
    return hit


def count(chunks: list[np.ndarray], keys: np.ndarray) -> np.ndarray:
    """How many times each key occurs in the sorted chunks (a multiset)."""
    n = np.zeros(len(keys), np.int64)
    for c in chunks:
        n += np.searchsorted(c, keys, "right") - np.searchsorted(c, keys, "left")
    return n


def add(chunks: list[np.ndarray], sorted_keys: np.ndarray) -> list[np.ndarray]:
    if not len(sorted_keys):
        return chunks
    chunks = [*chunks, sorted_keys]
    return [np.sort(np.concatenate(chunks))] if len(chunks) > 8 else chunks


def discard(chunks: list[np.ndarray], sorted_keys: np.ndarray) -> list[np.ndarray]:
    """The multiset ``chunks`` less one occurrence of each of ``sorted_keys`` (all present)."""
    if not len(sorted_keys) or not chunks:
        return chunks
    merged = np.sort(np.concatenate(chunks))
    values, counts = np.unique(sorted_keys, return_counts=True)
    first = np.searchsorted(merged, values, "left")
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = np.ones(len(merged), bool)
    keep[np.repeat(first, counts) + offsets] = False
    return [merged[keep]]


class StoredDay:
    """The parts earlier runs stored for one day; their contents are read on demand, once."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        self.spans = [_second_span(f) for f in files]
        #: per part, whether any of its ids has a derived id's form (``id_keys`` tells)
        self.hex_ids = [True] * len(files)
        self._identity: dict[Path, np.ndarray] = {}
        self._derived: dict[Path, np.ndarray] = {}

    def id_keys(self, j: int) -> np.ndarray:
        """The call_id keys of part ``j`` (read once per run, by ingest's stored-keys look-up)."""
        ids = pq.read_table(self.files[j], columns=["call_id"])["call_id"].combine_chunks()
        keys, hexa = parse.id_keys_hex(ids)
        self.hex_ids[j] = bool(hexa.any())
        return keys

    def identity(self, f: Path) -> np.ndarray:
        if f not in self._identity:
            self._read(f, derived=False)
        return self._identity[f]

    def derived(self, j: int) -> np.ndarray:
        """Per row of part ``j``: whether its call_id was derived (the export gave none). Not
        stored: the id is recomputed from the row (``parse.derived_id_mask``) and compared, only in
        parts holding an id of that form."""
        f = self.files[j]
        if f not in self._derived:
            if not self.hex_ids[j]:
                self._derived[f] = np.zeros(len(self.identity(f)), bool)
            else:
                self._read(f, derived=True)
        return self._derived[f]

    def _read(self, f: Path, *, derived: bool) -> None:
        names = pq.read_schema(f).names
        wanted = [] if f in self._identity else list(NUMBER_KEY_COLUMNS.values())
        wanted += ["start_time", "caller", "callee"]
        if derived:
            wanted += ["call_id", "duration_s"]
        t = pq.read_table(f, columns=[c for c in wanted if c in names]).combine_chunks()
        if f not in self._identity:
            self._identity[f] = call_identity(t)[1]
        if derived:
            keys, hexa = parse.id_keys_hex(t["call_id"].combine_chunks())
            self._derived[f] = parse.derived_id_mask(
                keys, t["start_time"], t["caller"], t["callee"], t["duration_s"], hexa
            )

    def pairs(self) -> np.ndarray:
        parts = [np.zeros(0, np.uint64)]
        for f in self.files:
            ids = pq.read_table(f, columns=["call_id"])["call_id"].combine_chunks()
            parts.append(call_pairs(self.identity(f), parse.id_keys(ids)))
        return np.concatenate(parts)


def _second_span(f: Path) -> tuple[int, int] | None:
    """The first and last start second of a stored part from its Parquet statistics (the
    footer alone), or None where they are missing (the part is then always read)."""
    md = pq.read_metadata(f)
    unit = md.schema.to_arrow_schema().field("start_time").type.unit
    lo, hi = None, None
    for g in range(md.num_row_groups):
        group = md.row_group(g)
        col = next(
            (group.column(j) for j in range(group.num_columns)
             if group.column(j).path_in_schema == "start_time"),
            None,
        )  # fmt: skip
        stats = col.statistics if col is not None else None
        if stats is None or not stats.has_min_max:
            return None
        lo = stats.min_raw if lo is None else min(lo, stats.min_raw)
        hi = stats.max_raw if hi is None else max(hi, stats.max_raw)
    if lo is None or hi is None:
        return None
    per = _UNITS_PER_SECOND[unit]
    return int(lo) // per, int(hi) // per


class KeySet:
    """call_id keys of one day, as sorted NumPy chunks (merged when they pile up), and the
    keys of (call_id, call identity) pairs, which tell a repeat of a call from another call
    under the same id. The pairs of rows stored by earlier runs are read only when a key of
    the run is found among theirs (``load_pairs``): re-ingesting reads the contents, a fresh
    day does not."""

    def __init__(self, load_pairs: Callable[[], np.ndarray] | None = None) -> None:
        self.chunks: list[np.ndarray] = []
        self.pair_chunks: list[np.ndarray] = []
        self._load_pairs = load_pairs

    def any_in(self, sorted_keys: np.ndarray) -> bool:
        return any_in(self.chunks, sorted_keys)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        return contains(self.chunks, keys)

    def contains_pairs(self, pairs: np.ndarray) -> np.ndarray:
        if self._load_pairs is not None:
            self.pair_chunks.append(np.sort(self._load_pairs()))
            self._load_pairs = None
        return contains(self.pair_chunks, pairs)

    def add_sorted(self, sorted_keys: np.ndarray, sorted_pairs: np.ndarray) -> None:
        self.chunks = add(self.chunks, sorted_keys)
        self.pair_chunks = add(self.pair_chunks, sorted_pairs)

    def discard_sorted(self, sorted_keys: np.ndarray, sorted_pairs: np.ndarray) -> None:
        """Take back keys added for rows that were then not written (a re-export's rows set
        aside): the next files of the run must see the day as the next run would."""
        self.chunks = discard(self.chunks, sorted_keys)
        self.pair_chunks = discard(self.pair_chunks, sorted_pairs)


def split_repeats(
    rows: np.ndarray, part_keys: np.ndarray, part_pairs: np.ndarray, known: KeySet
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows to write, rows whose call_id another call holds, rows that repeat a call) of one
    day's rows in which some call_id repeats or is already known. A call_id belongs to the
    call stored under it, else to the first call of the run's rows bearing it; a repeat of
    that call is a duplicate and any other call under the id conflicts, repeats included, so
    the counts do not depend on where batches end."""
    stored = known.contains_pairs(part_pairs)
    fresh = np.flatnonzero(~stored)  # rows that are not a stored call again
    keys, pairs = part_keys[fresh], part_pairs[fresh]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    free = ~known.contains(keys[first])  # ids no stored call holds
    owner = free[inverse] & (pairs == pairs[first][inverse])
    write = np.sort(first[free])
    owner[write] = False  # what is left of the owners are repeats of the rows written
    repeats = np.sort(np.concatenate([np.flatnonzero(stored), fresh[owner]]))
    return rows[fresh[write]], rows[fresh[~(owner | _mask(len(fresh), write))]], rows[repeats]


def _mask(n: int, idx: np.ndarray) -> np.ndarray:
    m = np.zeros(n, bool)
    m[idx] = True
    return m


class Identities:
    """Identity keys of one day's calls held before the file being ingested (a multiset:
    parts stored by earlier runs, read on demand, and the rows the run's earlier files kept),
    those of them whose id was derived (a second multiset), and the current file's
    candidates and repeats.

    A row may be taken for a held call with its start second, caller and callee: a row whose
    id is derived, any held call; a row whose id is given and not held (the id check would
    write it), only a held call whose id was derived (an export without ids stored it first),
    never one with a given id (two given ids are two calls by the switch's word). Such rows
    are candidates (:meth:`match`), set aside; at the file's end (:meth:`assign`) the held
    calls met again under their own id (a given id, or a derived id repeated exactly) claim
    themselves first, wherever they are in the file, and the candidates take what is left,
    one to one, in file order: batch-independent. Taken rows are duplicates only if their
    kind of row makes the file a re-export (``ingest.is_reexport``); else they are kept.
    Calls sharing an identity inside one file are distinct records (a switch's partial
    records of one long call; two calls in one second), as they always were.
    """

    def __init__(self, stored: StoredDay | None) -> None:
        self.stored = stored
        self._unread = list(range(len(stored.files))) if stored is not None else []
        #: parts whose derived ids are not yet in ``before_derived`` (read for given rows only)
        self._unread_derived = list(self._unread)
        self.before: list[np.ndarray] = []  # sorted chunks, repeats kept (a multiset)
        self.before_derived: list[np.ndarray] = []  # of calls whose id was derived
        #: whether a held call may have a derived id (else no given row can be taken)
        self.derived_held = stored is not None and any(stored.hex_ids)
        #: the run's earlier files' identities (all, of derived ids) with their span of start
        #: seconds, unsorted until a row of their span needs them (a run of one file, or of
        #: hourly files, never)
        self.earlier: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        self.kept: list[np.ndarray] = []  # identities the current file wrote (unsorted)
        self.kept_derived: list[np.ndarray] = []  # of them, those of derived ids
        self.kept_span: tuple[int, int] | None = None  # and their first and last start second
        #: pair keys of the current file's rows written or set aside (sorted chunks): a
        #: repeat of one of them is no held call met again
        self.file_pairs: list[np.ndarray] = []
        #: (pairs, identities, derived) of the file's rows repeated under their id
        self.repeats: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def held(self) -> bool:
        """Whether any call was held before this file (else no row can match one)."""
        return bool(self._unread) or bool(self.before) or bool(self.earlier)

    def match(
        self,
        second: np.ndarray,
        identity: np.ndarray,
        pairs: np.ndarray,
        derived: np.ndarray,
        write: np.ndarray,
        repeats: np.ndarray,
    ) -> np.ndarray:
        """Which of ``write`` (rows the id check would write) are candidates for a held call
        (set aside until :meth:`assign`); ``repeats`` are the rows the id check found
        repeated (a held call under its id, or a repeat of a row of this file). Arrays are
        indexed by row."""
        hit = np.zeros(len(write), bool)
        if not self.held():
            return hit
        if len(repeats):
            self.repeats.append((pairs[repeats], identity[repeats], derived[repeats]))
        by_id = derived[write]
        cand = write[by_id]  # derived ids: any held call
        given = write[~by_id] if self.derived_held else write[:0]  # only calls of derived ids
        if len(cand) or len(given):
            both = np.concatenate([cand, given])
            self._read(int(second[both].min()), int(second[both].max()))
            hit[by_id] = self._held(self.before, identity[cand])
        if len(given):
            self._read_derived(int(second[given].min()), int(second[given].max()))
            hit[~by_id] = self._held(self.before_derived, identity[given])
        if hit.any():
            self.file_pairs = add(self.file_pairs, np.sort(pairs[write[hit]]))
        return hit

    def assign(self, identity: np.ndarray, derived: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Which of the file's candidates (their identities, derived-id mask and place in the
        file) are taken for held calls: the held calls met under their own id first (each
        once), then the candidates in file order while a one-to-one assignment remains."""
        taken = np.zeros(len(identity), bool)
        if not len(identity):
            return taken
        claimed, claimed_derived = self._met()
        order = np.lexsort((pos, identity))  # by identity, then file order
        ident, given = identity[order], ~derived[order]
        starts = np.flatnonzero(np.r_[True, ident[1:] != ident[:-1]])
        # Hall's condition per identity: a given row needs a held call of a derived id left
        # over, every row a held call left over. Both counts only grow, so a row refused by
        # one refuses every later row it counts for: ranks over all rows suffice.
        fits = ~given | (
            count(claimed_derived, ident) + _rank(given, starts)
            <= count(self.before_derived, ident)
        )
        taken[order] = fits & (
            count(claimed, ident) + _rank(fits, starts) <= count(self.before, ident)
        )
        return taken

    def _met(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Identities (all, of derived ids) of the held calls the file repeats under their
        own id, each once: repeats of the file's own rows are not held calls."""
        if not self.repeats:
            return [], []
        p = np.concatenate([a for a, _, _ in self.repeats])
        i = np.concatenate([b for _, b, _ in self.repeats])
        d = np.concatenate([c for _, _, c in self.repeats])
        new = ~contains(self.file_pairs, p)
        p, i, d = p[new], i[new], d[new]
        _, first = np.unique(p, return_index=True)
        return [np.sort(i[first])], [np.sort(i[first][d[first]])]

    def record(
        self,
        second: np.ndarray,
        identity: np.ndarray,
        sorted_pairs: np.ndarray,
        derived: np.ndarray,
    ) -> None:
        """The start seconds, identities, sorted pair keys and derived-id mask of rows the
        current file writes."""
        self.kept.append(identity)
        if derived.any():
            self.kept_derived.append(identity[derived])
        lo, hi = int(second.min()), int(second.max())
        if self.kept_span is not None:
            lo, hi = min(lo, self.kept_span[0]), max(hi, self.kept_span[1])
        self.kept_span = lo, hi
        if self.held():
            self.file_pairs = add(self.file_pairs, sorted_pairs)

    def end_file(self) -> None:
        """The file's rows are held before the next file; its matches start afresh."""
        if self.kept_span is not None:
            kd = np.concatenate(self.kept_derived) if self.kept_derived else np.zeros(0, np.uint64)
            self.earlier.append((*self.kept_span, np.concatenate(self.kept), kd))
            self.derived_held |= len(kd) > 0
        self.kept_span = None
        self.kept, self.kept_derived, self.file_pairs, self.repeats = [], [], [], []

    @staticmethod
    def _held(chunks: list[np.ndarray], keys: np.ndarray) -> np.ndarray:
        hit = np.zeros(len(keys), bool)
        if chunks and len(keys):
            o = np.argsort(keys)  # sorted queries: cache-friendly binary searches
            hit[o] = contains(chunks, keys[o])
        return hit

    def _read(self, lo: int, hi: int) -> None:
        """Sort in the identities of the stored parts and of the run's earlier files whose
        start seconds meet [lo, hi], reading the parts."""
        later = []
        for a, b, ident, ident_derived in self.earlier:
            if a <= hi and lo <= b:
                self.before = add(self.before, np.sort(ident))
                self.before_derived = add(self.before_derived, np.sort(ident_derived))
            else:
                later.append((a, b, ident, ident_derived))
        self.earlier = later
        if self.stored is not None:
            self._unread = self._meet(self._unread, lo, hi, self._add_stored)

    def _read_derived(self, lo: int, hi: int) -> None:
        """Sort in the identities of the calls of derived ids of the stored parts whose start
        seconds meet [lo, hi] (after :meth:`_read` of a span holding it)."""
        if self.stored is not None:
            self._unread_derived = self._meet(self._unread_derived, lo, hi, self._add_derived)

    def _meet(self, parts: list[int], lo: int, hi: int, read: Callable[[int], None]) -> list[int]:
        assert self.stored is not None
        unread = []
        for j in parts:
            span = self.stored.spans[j]
            if span is None or (span[0] <= hi and lo <= span[1]):
                read(j)
            else:
                unread.append(j)
        return unread

    def _add_stored(self, j: int) -> None:
        assert self.stored is not None
        self.before = add(self.before, np.sort(self.stored.identity(self.stored.files[j])))

    def _add_derived(self, j: int) -> None:
        assert self.stored is not None
        d = self.stored.derived(j)
        if d.any():
            ident = self.stored.identity(self.stored.files[j])[d]
            self.before_derived = add(self.before_derived, np.sort(ident))


def _rank(flag: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per row of rows grouped from ``starts`` on: how many rows of its group up to it
    (itself included) have ``flag``."""
    c = np.cumsum(flag)
    before = np.r_[0, c][starts]  # flagged rows before each group
    return c - np.repeat(before, np.diff(np.r_[starts, len(flag)]))

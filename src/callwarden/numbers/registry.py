"""The allocation registry: which numbers exist (the basis of spoof and 空号 detection).

A registry speaks for the country calling codes of the numbers and ranges it lists (its
``scope``): a number of another country is not judged by it (a national registry of +86
blocks cannot say that a +1 number is spoofed), while a number of its own country that it
does not list is unallocated, and so is a displayed value that is no number at all.

Numbers are kept as integer keys ``digits * 1 + length * 10**16`` in sorted NumPy arrays, so a
look-up is a binary search and a range never spans numbers of another length
(``+8613800000000..+8613899999999`` says nothing about 12-digit landlines).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.errors import InputError

from ._normalize import _as_string_array, normalize_array

_LEN_SHIFT = 10**16  # E.164 has at most 15 digits
_POW10 = 10 ** np.arange(1, 19, dtype=np.int64)  # 10 .. 10**18
#: Appended to the region in the cache key: 2 since files with unparseable rows are not cached
#: (their warning is given on every load) and an all-unparseable file is an error, not an
#: empty registry a version-1 cache may still hold; 3 since ``00`` reads as ``+`` in China (a
#: version-2 cache may hold ``0019175550123`` as the Chinese mobile ``+8619175550123``).
_CACHE_KEY = "3"


@dataclass(frozen=True)
class UnparsedRows:
    """Registry rows whose number does not parse: how many of how many, and the first one.

    ``row`` is 1-based among the data rows (the CSV line is ``row + 1`` after the header)."""

    count: int
    total: int
    example: str
    row: int


def _keys(e164: pa.Array | pa.ChunkedArray | list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(key, ok) per value; ok is False for null or malformed values.

    Integer values are numbers' E.164 digits (the canonical ``caller_key``: ``'+' || digits``
    without a leading zero), keyed without going through strings."""
    if isinstance(e164, pa.Array | pa.ChunkedArray) and pa.types.is_integer(e164.type):
        digits = pc.fill_null(e164, 0).to_numpy(zero_copy_only=False).astype(np.int64)
        ok = (digits > 0) & (digits < _POW10[14])  # 1-15 digits
        lengths = np.searchsorted(_POW10, digits, side="right") + 1  # digits < 10**length
        ok &= pc.is_valid(e164).to_numpy(zero_copy_only=False)
        return np.where(ok, digits + lengths * _LEN_SHIFT, 0), ok
    arr = _as_string_array(e164)
    ok = pc.fill_null(pc.match_substring_regex(arr, r"^\+\d{1,15}$"), False)
    digits = pc.if_else(ok, pc.utf8_slice_codeunits(arr, 1), "0")
    values = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
    lengths = pc.utf8_length(digits).to_numpy(zero_copy_only=False).astype(np.int64)
    return values + lengths * _LEN_SHIFT, ok.to_numpy(zero_copy_only=False)


def _assigned_codes() -> np.ndarray:
    """The assigned country calling codes (libphonenumber's table), sorted: they are
    prefix-free, so a number's code is the one of its first 1-3 digits in this set."""
    import phonenumbers

    return np.array(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE), np.int64)


_CODES = _assigned_codes()
_ASSIGNED = frozenset(int(c) for c in _CODES)


def _code_table() -> np.ndarray:
    """The calling code of a number from its first three digits (``head``) and its length
    capped at 4, as a table indexed ``head * 8 + min(length, 4)``; 0 for none. A code is
    shorter than its number, and E.164 digits never begin with 0."""
    table = np.zeros(1000 * 8, np.int64)
    for capped in range(1, 5):
        n = min(capped, 3)  # digits in the head
        for head in range(10 ** (n - 1), 10**n):
            text = str(head)
            for k in range(1, min(n, capped - 1) + 1):
                if int(text[:k]) in _ASSIGNED:  # prefix-free: one k at most
                    table[head * 8 + capped] = int(text[:k])
    return table


_CODE_OF = _code_table()
_POW10_0 = 10 ** np.arange(0, 19, dtype=np.int64)  # 1 .. 10**18


def calling_codes(keys: np.ndarray) -> np.ndarray:
    """The country calling code of each key (``_keys``'s), 0 where its digits begin with
    no assigned code. One table look-up per number (vectorised; no sort)."""
    keys = np.asarray(keys, np.int64)
    length = keys // _LEN_SHIFT
    head = (keys - length * _LEN_SHIFT) // _POW10_0[np.clip(length - 3, 0, 18)]
    return _CODE_OF[np.clip(head, 0, 999) * 8 + np.clip(length, 0, 4)]


class AllocationRegistry:
    """Allocated numbers and inclusive number ranges; ``is_allocated`` answers membership,
    ``is_unallocated`` whether a displayed number is spoofed by the registry's word (within
    its ``scope``)."""

    def __init__(self, numbers: np.ndarray | None = None, ranges: np.ndarray | None = None) -> None:
        self._numbers = np.unique(numbers) if numbers is not None else np.empty(0, np.int64)
        starts, ends = (
            (ranges[:, 0], ranges[:, 1])
            if ranges is not None and len(ranges)
            else (
                np.empty(0, np.int64),
                np.empty(0, np.int64),
            )
        )
        order = np.argsort(starts, kind="stable")
        starts, ends = starts[order], ends[order]
        # Merge overlapping ranges so one binary search answers each look-up.
        if len(starts):
            run_end = np.maximum.accumulate(ends)
            new = np.empty(len(starts), bool)
            new[0] = True
            new[1:] = starts[1:] > run_end[:-1]
            group = np.cumsum(new) - 1
            starts = starts[new]
            ends = np.maximum.reduceat(ends, np.flatnonzero(new)) if len(group) else ends
        self._starts, self._ends = starts, ends
        self.unparsed: UnparsedRows | None = None
        self._scope: np.ndarray | None = None

    def __len__(self) -> int:
        """Allocated numbers: listed ones plus the sizes of the ranges."""
        return int(len(self._numbers) + np.sum(self._ends - self._starts + 1))

    def listed(self) -> pa.StringArray:
        """The listed numbers (not the ranges) in E.164, ascending by length, then value."""
        lengths = self._numbers // _LEN_SHIFT
        text = pc.cast(pa.array(self._numbers % _LEN_SHIFT), pa.string())
        short = np.flatnonzero(pc.utf8_length(text).to_numpy(zero_copy_only=False) != lengths)
        if len(short):  # leading zeros (E.164 has none; a key does not forbid them)
            values = text.to_pylist()
            for i in short:
                values[i] = values[i].zfill(int(lengths[i]))
            text = pa.array(values, pa.string())
        return pc.binary_join_element_wise("+", text, "")

    @classmethod
    def from_numbers(cls, numbers: pa.Array | list[str], region: str = "CN") -> AllocationRegistry:
        """Listed numbers; those that do not normalise (blank ones too) are left out and
        counted in ``unparsed`` (the caller decides whether that is an error: see
        ``from_csv``)."""
        keys, ok = _keys(normalize_array(numbers, region))
        reg = cls(numbers=keys[ok])
        bad = ~ok
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = numbers[i]
            example = value.as_py() if isinstance(value, pa.Scalar) else value
            reg.unparsed = UnparsedRows(int(bad.sum()), len(bad), str(example), i + 1)
        return reg

    @classmethod
    def from_ranges(
        cls, starts: pa.Array | list[str], ends: pa.Array | list[str], region: str = "CN"
    ) -> AllocationRegistry:
        s_norm, e_norm = normalize_array(starts, region), normalize_array(ends, region)
        s_keys, s_ok = _keys(s_norm)
        e_keys, e_ok = _keys(e_norm)
        bad = ~(s_ok & e_ok) | (s_keys // _LEN_SHIFT != e_keys // _LEN_SHIFT) | (s_keys > e_keys)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"allocation range {i + 1} ({starts[i]}..{ends[i]}) is not two valid numbers "
                "of the same length in ascending order"
            )
        return cls(ranges=np.stack([s_keys, e_keys], axis=1))

    @classmethod
    def _from_sorted(
        cls, numbers: np.ndarray, starts: np.ndarray, ends: np.ndarray
    ) -> AllocationRegistry:
        """From arrays already unique, sorted and merged (what the constructor leaves)."""
        reg = cls.__new__(cls)
        reg._numbers, reg._starts, reg._ends = numbers, starts, ends
        reg.unparsed = None
        reg._scope = None
        return reg

    @classmethod
    def from_csv(cls, path: str | Path, region: str = "CN") -> AllocationRegistry:
        """Read a CSV with a ``number`` column, or ``range_start,range_end`` columns (E.164).

        Rows whose number does not parse are left out and counted in ``unparsed`` (the CLI
        prints it); when more than half of the rows do not parse the file is an InputError,
        not a registry that lists (almost) nothing and so makes every caller unallocated.

        The parsed arrays are cached by the file's content (``_registry_cache``): a second
        load of the same file skips the parse. A file with unparseable rows is not cached, so
        every load reports them.
        """
        from . import _registry_cache as cache

        path = Path(path)
        if not path.is_file():
            raise InputError(f"registry file {path} does not exist")
        if not cache.enabled():
            return cls._parse_csv(path, region)
        where = cache.cache_path(path, f"{region}\x1f{_CACHE_KEY}")
        if (arrays := cache.load(where)) is not None:
            return cls._from_sorted(*arrays)
        reg = cls._parse_csv(path, region)
        if reg.unparsed is None:
            cache.save(where, reg._numbers, reg._starts, reg._ends)
        return reg

    @classmethod
    def _parse_csv(cls, path: Path, region: str) -> AllocationRegistry:
        import pyarrow.csv as pcsv

        try:
            table = pcsv.read_csv(
                path,
                convert_options=pcsv.ConvertOptions(
                    column_types={c: pa.string() for c in ("number", "range_start", "range_end")}
                ),
            )
        except pa.ArrowInvalid as exc:
            raise InputError(f"registry file {path} cannot be read as CSV: {exc}") from exc
        names = set(table.column_names)
        has_ranges = {"range_start", "range_end"} <= names

        def filled(column: str) -> pa.Array:
            values = table[column].combine_chunks()
            return pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(values), ""), False)

        parts: list[AllocationRegistry] = []
        if "number" in names:
            numbers, rows = table["number"], None
            if has_ranges:  # a row holds a number, a range, or both: a blank cell is no row
                rows = np.flatnonzero(filled("number").to_numpy(zero_copy_only=False))
                numbers = numbers.take(pa.array(rows))
            listed = cls.from_numbers(numbers, region)
            bad = listed.unparsed
            if rows is not None and bad is not None:  # the file's row, not the kept one
                bad = listed.unparsed = UnparsedRows(
                    bad.count, bad.total, bad.example, int(rows[bad.row - 1]) + 1
                )
            if bad is not None and 2 * bad.count > bad.total:
                raise InputError(
                    f"registry file {path}: {bad.count:,} of {bad.total:,} numbers do not parse "
                    f"as phone numbers (e.g. {bad.example!r} on line {bad.row + 1}); write them "
                    "as E.164 (+8613800000000) or national digits, as text (a spreadsheet may "
                    "have turned them into decimals such as 8613800000000.0)"
                )
            parts.append(listed)
        if has_ranges:
            ranged = pc.or_(filled("range_start"), filled("range_end"))  # blank rows skipped
            starts = pc.filter(table["range_start"], ranged)
            ends = pc.filter(table["range_end"], ranged)
            parts.append(cls.from_ranges(starts, ends, region))
        if not parts:
            raise InputError(
                f"registry file {path} needs a 'number' column or 'range_start,range_end' columns "
                f"(found: {', '.join(table.column_names)})"
            )
        if len(parts) == 1:
            return parts[0]
        reg = parts[0].merged(parts[1])
        reg.unparsed = parts[0].unparsed
        return reg

    def merged(self, other: AllocationRegistry) -> AllocationRegistry:
        ranges = np.concatenate(
            [np.stack([self._starts, self._ends], 1), np.stack([other._starts, other._ends], 1)]
        )
        return AllocationRegistry(np.concatenate([self._numbers, other._numbers]), ranges)

    def is_allocated(self, e164: str) -> bool:
        """One number, for the per-call path: no Arrow round trip (same rule as the array form)."""
        digits = e164[1:]
        if not (
            e164[:1] == "+" and 1 <= len(digits) <= 15 and digits.isascii() and digits.isdigit()
        ):
            return False
        key = int(digits) + len(digits) * _LEN_SHIFT
        nums = self._numbers
        if len(nums):
            i = int(np.searchsorted(nums, key))
            if i < len(nums) and int(nums[i]) == key:
                return True
        if len(self._starts):
            j = int(np.searchsorted(self._starts, key, side="right")) - 1
            if j >= 0 and key <= int(self._ends[j]):
                return True
        return False

    def is_allocated_array(self, e164: pa.Array | pa.ChunkedArray | list[str]) -> np.ndarray:
        """Boolean NumPy array: True where the number is listed or inside a listed range.

        ``e164``: E.164 strings, or an integer array of their digits (``caller_key``).

        The keys are searched in ascending order, so the binary searches walk the registry's
        arrays in order: for 2.6 M callers in no particular order the two searches took 1.8
        CPU-s in input order, the whole call 0.66 with the int64 sort (cheaper than handing
        in strings sorted by the engine). Any sorting permutation serves (each answer goes
        back to its own row), so the sort need not be stable: 0.22 s against 0.46 here.
        """
        keys, ok = _keys(e164)
        return self._listed(keys) & ok

    def _listed(self, keys: np.ndarray) -> np.ndarray:
        """Whether each key is listed or inside a listed range (the searches of
        ``is_allocated_array``, on keys already made)."""
        order = np.argsort(keys)
        keys = keys[order]
        found = np.zeros(len(keys), bool)
        if len(self._numbers):
            pos = np.searchsorted(self._numbers, keys)
            pos_c = np.minimum(pos, len(self._numbers) - 1)
            found |= self._numbers[pos_c] == keys
        if len(self._starts):
            pos = np.searchsorted(self._starts, keys, side="right") - 1
            valid = pos >= 0
            pos_c = np.maximum(pos, 0)
            found |= valid & (keys <= self._ends[pos_c])
        hit = np.empty(len(keys), bool)
        hit[order] = found
        return hit

    @property
    def scope(self) -> tuple[int, ...]:
        """The country calling codes the registry speaks for: those of its listed numbers and
        of its ranges' first and last numbers."""
        return tuple(int(c) for c in self._scope_codes())

    def _scope_codes(self) -> np.ndarray:
        if self._scope is None:
            codes = calling_codes(np.concatenate([self._numbers, self._starts, self._ends]))
            self._scope = np.unique(codes[codes > 0])
        return self._scope

    def speaks_for_array(self, e164: pa.Array | pa.ChunkedArray | list[str]) -> np.ndarray:
        """True where the registry may judge the number: its country calling code is in
        ``scope``, or the value is no valid number (no code, or malformed), which no
        registry allocates."""
        return self.judge_array(e164)[0]

    def judge_array(
        self, e164: pa.Array | pa.ChunkedArray | list[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(judged, listed) per value, the keys made once: ``speaks_for_array`` and
        ``is_allocated_array`` together (scan counts both for its warnings)."""
        keys, ok = _keys(e164)
        codes = calling_codes(keys)
        ours = np.zeros(1000, bool)
        ours[self._scope_codes()] = True
        return ~ok | (codes == 0) | ours[codes], self._listed(keys) & ok

    def is_unallocated_array(self, e164: pa.Array | pa.ChunkedArray | list[str]) -> np.ndarray:
        """True where the displayed number is spoofed by the registry's word: a number of a
        country it speaks for that it does not list, or a value that is no number."""
        judged, listed = self.judge_array(e164)
        return judged & ~listed

    def is_unallocated(self, e164: str) -> bool:
        """One number, for the per-call path (the rule of ``is_unallocated_array``)."""
        if self.is_allocated(e164):
            return False
        digits = e164[1:]
        if not (
            e164[:1] == "+" and 1 <= len(digits) <= 15 and digits.isascii() and digits.isdigit()
        ):
            return True
        scope = self._scope_codes()
        for k in (1, 2, 3):
            if len(digits) > k:
                code = int(digits[:k])
                if code in _ASSIGNED:
                    return bool(np.isin(code, scope))
        return True

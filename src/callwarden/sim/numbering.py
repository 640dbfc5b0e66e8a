"""The simulated number plan: real Chinese number blocks, allocated and not.

Every number a run touches lives in one append-only :class:`NumberTable`; populations refer to
numbers by row index and strings are built once at the end (vectorised), so a run never
formats a number per call. Subscribers are allocated inside 1,000-number blocks (an 8-digit
mobile prefix, or area code plus the leading local digits) with a fill rate below one, which is
what makes a number-sequential purchased list hit dead entries (空号, Q.850 cause 1).

Mobile prefixes and their 归属地 come from ``data/mobile_blocks.csv`` (generated from the
``phonenumbers`` metadata by :mod:`callwarden.sim.numberdata`), so ``phonenumbers`` gives every
simulated number its real region.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BLOCK = 1000

#: Operator codes of a number's owner; "fixed" lines are the incumbent's (China Telecom).
OPERATORS = ("cmcc", "cucc", "ctcc", "fixed")
OWN_OPERATOR = 0  # the simulated carrier is China Mobile's Hunan network


class NumberKind(IntEnum):
    MOBILE = 0
    FIXED = 1
    SERVICE = 2  # 95xxx / 10xxx short service numbers
    NONGEO = 3  # 400 / 800


@dataclass(frozen=True)
class City:
    """A city of the home province: where subscribers live and are served."""

    region: str  # 归属地 string as phonenumbers writes it for a mobile (湖南省长沙市)
    area_code: str
    local_digits: int
    weight: float  # share of the province's population


#: Hunan's cities with their population weights (millions, 2020 census, rounded).
HOME_CITIES: tuple[City, ...] = (
    City("湖南省长沙市", "731", 8, 10.0),
    City("湖南省株洲市", "731", 8, 3.9),
    City("湖南省湘潭市", "731", 8, 2.7),
    City("湖南省衡阳市", "734", 7, 6.6),
    City("湖南省邵阳市", "739", 7, 6.6),
    City("湖南省岳阳市", "730", 7, 5.1),
    City("湖南省常德市", "736", 7, 5.3),
    City("湖南省张家界市", "744", 7, 1.5),
    City("湖南省益阳市", "737", 7, 3.9),
    City("湖南省郴州市", "735", 7, 4.7),
    City("湖南省永州市", "746", 7, 5.3),
    City("湖南省怀化市", "745", 7, 4.6),
    City("湖南省娄底市", "738", 7, 3.8),
    City("湖南省湘西土家族苗族自治州", "743", 7, 2.5),
)

#: Cities robocall operations like to display (the article's 深圳, 株洲, 上海, 杭州 ...).
DISPLAY_AREAS: dict[str, tuple[str, int]] = {
    "广东省深圳市": ("755", 8),
    "上海市": ("21", 8),
    "浙江省杭州市": ("571", 8),
    "北京市": ("10", 8),
    "广东省广州市": ("20", 8),
    "广东省东莞市": ("769", 8),
    "江苏省苏州市": ("512", 8),
    "湖北省武汉市": ("27", 8),
    "四川省成都市": ("28", 8),
}

#: Bank and insurer service hotlines (all real 95xxx numbers).
SERVICE_HOTLINES: dict[str, str] = {
    "95588": "工商银行",
    "95533": "建设银行",
    "95599": "农业银行",
    "95566": "中国银行",
    "95559": "交通银行",
    "95555": "招商银行",
    "95561": "兴业银行",
    "95528": "浦发银行",
    "95511": "平安",
    "95519": "中国人寿",
    "95518": "人保财险",
}


@lru_cache(maxsize=1)
def mobile_blocks() -> dict[tuple[str, str], np.ndarray]:
    """(region, operator) -> 7-digit mobile prefixes, from the shipped CSV."""
    out: dict[tuple[str, str], list[int]] = {}
    text = resources.files("callwarden.sim").joinpath("data/mobile_blocks.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        out.setdefault((row["region"], row["operator"]), []).append(int(row["prefix"]))
    return {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}


def other_province_prefixes(operator: str) -> np.ndarray:
    """Mobile prefixes outside the home province (remote contacts, fraud SIM cards)."""
    blocks = mobile_blocks()
    parts = [
        v for (region, op), v in blocks.items() if op == operator and not region.startswith("湖南")
    ]
    return np.concatenate(parts)


#: Columns of the number table and their dtypes.
_COLUMNS = {
    "nsn": np.int64,
    "alloc": np.bool_,
    "region": np.int32,
    "kind": np.int8,
    "operator": np.int8,
    "city": np.int16,
}


class NumberTable:
    """Every number of a run: national significant number, allocation, region and kind.

    Columns live in buffers that grow by doubling, so :meth:`origin` hands out views of the
    rows so far instead of concatenating the whole table after every addition."""

    def __init__(self) -> None:
        self._cols: dict[str, np.ndarray] = {
            k: np.empty(1 << 16, dtype=t) for k, t in _COLUMNS.items()
        }
        self._lock = threading.Lock()
        self.size = 0
        self.regions: list[str] = []
        self._region_ix: dict[str, int] = {}
        self._used_blocks: set[int] = set()
        self._sparse = np.zeros(0, dtype=np.int64)  # sorted: every sparse number so far

    def region_id(self, region: str) -> int:
        if region not in self._region_ix:
            self._region_ix[region] = len(self.regions)
            self.regions.append(region)
        return self._region_ix[region]

    def add(
        self,
        nsn: np.ndarray,
        allocated: np.ndarray | bool,
        region: int | np.ndarray,
        kind: NumberKind,
        operator: int = -1,
        city: int = -1,
    ) -> np.ndarray:
        """Appends numbers; ``operator`` (see :data:`OPERATORS`) and ``city`` (index into
        :data:`HOME_CITIES`) say where a call from them originates, -1 for neither."""
        n, lo = len(nsn), self.size
        with self._lock:  # the subscriber graph routes calls while other populations add numbers
            cap = len(self._cols["nsn"])
            if lo + n > cap:  # grow: rows already handed out stay valid in the old buffers
                cap = max(2 * cap, lo + n)
                for k, col in self._cols.items():
                    grown = np.empty(cap, dtype=col.dtype)
                    grown[:lo] = col[:lo]
                    self._cols[k] = grown
            values = {
                "nsn": nsn,
                "alloc": allocated,
                "region": region,
                "kind": int(kind),
                "operator": operator,
                "city": city,
            }
            for k, v in values.items():
                self._cols[k][lo : lo + n] = v
            self.size = lo + n
        return np.arange(lo, lo + n, dtype=np.int64)

    def _column(self, name: str) -> np.ndarray:
        return self._cols[name][: self.size]

    def origin(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(operator, city, region, allocated) per row so far, for populations to route calls."""
        with self._lock:
            return tuple(self._column(k) for k in ("operator", "city", "region", "alloc"))  # type: ignore[return-value]

    # -- dense blocks (subscribers, platforms) ---------------------------------------------
    def mobile_block_numbers(
        self, rng: np.random.Generator, region: str, operator: str, n_blocks: int
    ) -> np.ndarray:
        """``n_blocks`` fresh 1,000-number mobile blocks of ``region``: their NSNs in order."""
        prefixes = mobile_blocks().get((region, operator))
        if prefixes is None:
            prefixes = mobile_blocks()[(region, "cmcc")]
        starts: list[int] = []
        while len(starts) < n_blocks:
            cand = int(prefixes[rng.integers(len(prefixes))]) * 10 + int(rng.integers(10))
            if cand not in self._used_blocks:
                self._used_blocks.add(cand)
                starts.append(cand * BLOCK)
        return (np.asarray(starts, dtype=np.int64)[:, None] + np.arange(BLOCK)).ravel()

    def fixed_block_numbers(
        self, rng: np.random.Generator, area_code: str, local_digits: int, n_blocks: int
    ) -> np.ndarray:
        base = int(area_code) * 10**local_digits
        starts: list[int] = []
        while len(starts) < n_blocks:
            head = int(rng.integers(2 * 10 ** (local_digits - 4), 9 * 10 ** (local_digits - 4)))
            cand = base + head * BLOCK
            if cand // BLOCK not in self._used_blocks:
                self._used_blocks.add(cand // BLOCK)
                starts.append(cand)
        return (np.asarray(starts, dtype=np.int64)[:, None] + np.arange(BLOCK)).ravel()

    # -- sparse numbers (spoofed caller IDs, remote contacts, SIM cards) ----------------------
    def sparse_fixed(
        self, rng: np.random.Generator, area_code: str, local_digits: int, n: int
    ) -> np.ndarray:
        """``n`` distinct random fixed-line numbers of an area, outside every dense block."""
        base = int(area_code) * 10**local_digits
        lo, hi = 2 * 10 ** (local_digits - 1), 9 * 10 ** (local_digits - 1)
        return self._sparse_draw(
            lambda k: valid_fixed(base + rng.integers(lo, hi, size=k), local_digits), n
        )

    def sparse_mobile(self, rng: np.random.Generator, prefixes: np.ndarray, n: int) -> np.ndarray:
        return self._sparse_draw(
            lambda k: (
                prefixes[rng.integers(len(prefixes), size=k)] * 10_000
                + rng.integers(0, 10_000, size=k)
            ),
            n,
        )

    def _sparse_draw(self, draw: Callable[[int], np.ndarray], n: int) -> np.ndarray:
        """The first ``n`` candidates, in drawing order, that are outside every dense block,
        not drawn before and not repeated within the draw."""
        out: list[np.ndarray] = []
        need = n
        while need > 0:
            cand = np.asarray(draw(2 * need + 8), dtype=np.int64)
            blocks = np.fromiter(self._used_blocks, np.int64, len(self._used_blocks))
            ok = ~np.isin(cand // BLOCK, blocks)
            pos = np.minimum(np.searchsorted(self._sparse, cand), len(self._sparse) - 1)
            if len(self._sparse):
                ok &= self._sparse[pos] != cand
            first = np.zeros(len(cand), dtype=bool)
            first[np.unique(cand, return_index=True)[1]] = True
            taken = cand[ok & first][:need]
            # timsort merges the sorted runs in linear time
            self._sparse = np.sort(np.concatenate([self._sparse, taken]), kind="stable")
            out.append(taken)
            need -= len(taken)
        return np.concatenate(out) if out else np.zeros(0, np.int64)

    def finish(self) -> Numbers:
        return Numbers(
            nsn=self._column("nsn").copy(),
            allocated=self._column("alloc").copy(),
            region=self._column("region").copy(),
            kind=self._column("kind").copy(),
            regions=tuple(self.regions),
        )


def valid_fixed(nsn: np.ndarray, local_digits: int) -> np.ndarray:
    """``nsn`` with the numbers the national plan leaves unassigned moved to assigned ones
    (Beijing's and Shanghai's local 800xxxxx: ``+861080042864`` fails libphonenumber's
    check, so ingest would quarantine its calls). An unassigned number moves up by steps of
    ``10**(local_digits - 2)`` (800xxxxx -> 810xxxxx), wrapping within its area's 2..8
    leading digits; valid numbers stay as drawn, and no random draw is consumed, so the rest
    of a run is unchanged."""
    from callwarden.numbers import normalize_array

    nsn = np.asarray(nsn, dtype=np.int64).copy()
    step = 10 ** (local_digits - 2)
    scale = 10**local_digits
    for _ in range(70):  # the 2..8 leading digits hold 70 such steps
        bad = np.flatnonzero(pc.is_null(normalize_array(e164_strings(nsn))).to_numpy(False))
        if len(bad) == 0:
            return nsn
        area, local = np.divmod(nsn[bad] + step, scale)
        local = np.where(local >= 9 * scale // 10, local - 7 * scale // 10, local)
        nsn[bad] = area * scale + local
    raise ValueError("no assigned fixed-line number in the area")  # (no such area is used)


@dataclass(frozen=True)
class Numbers:
    """The frozen number table of a finished run."""

    nsn: np.ndarray
    allocated: np.ndarray
    region: np.ndarray
    kind: np.ndarray
    regions: tuple[str, ...]

    def e164(self) -> pa.StringArray:
        return e164_strings(self.nsn)

    def region_strings(self) -> pa.StringArray:
        return pa.array(list(self.regions), pa.string())  # type: ignore[return-value]


def _digits_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """ASCII decimal digits of non-negative ints, right-aligned in ``width`` columns.

    Works on 9-digit int32 chunks: NumPy divides int32 by a constant far faster than int64.
    """
    values = np.asarray(values, dtype=np.int64)
    out = np.empty((len(values), width), dtype=np.uint8)
    col = width
    rest = values
    while col > 0:
        take_n = min(9, col)
        chunk = (rest % 10**take_n).astype(np.int32)
        rest = rest // 10**take_n
        for k in range(col - 1, col - take_n - 1, -1):
            q = chunk // 10
            out[:, k] = chunk - q * 10
            chunk = q
        col -= take_n
    out += ord("0")
    return out


def e164_strings(nsn: np.ndarray) -> pa.StringArray:
    """``+86`` plus the decimal NSN for every value: Arrow's integer-to-string cast and a join,
    no per-row Python call and no digit matrices in between."""
    nsn = np.ascontiguousarray(nsn, dtype=np.int64)
    if len(nsn) == 0:
        return pa.array([], pa.string())  # type: ignore[return-value]
    ints = pa.Array.from_buffers(pa.int64(), len(nsn), [None, pa.py_buffer(nsn)])  # zero-copy
    digits = pc.cast(ints, pa.string())
    return pc.binary_join_element_wise("+86", digits, "")  # type: ignore[no-any-return]


def fixed_width_ids(prefix: str, values: np.ndarray, width: int) -> pa.StringArray:
    """``prefix`` plus zero-padded decimals (call ids, IMEIs), vectorised."""
    values = np.asarray(values, dtype=np.int64)
    n = len(values)
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    full = np.concatenate([np.tile(pre, (n, 1)), _digits_matrix(values, width)], axis=1)
    step = len(pre) + width
    offsets = np.arange(0, (n + 1) * step, step, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(full.tobytes()))


def fixed_width_gather(values: np.ndarray, width: int, idx: np.ndarray) -> pa.StringArray:
    """Zero-padded decimals of ``values[idx]`` (IMEIs per call), null where ``idx < 0``: the
    fixed-width rows are gathered by NumPy, with no string dictionary to chase per row."""
    digits = _digits_matrix(values, width)
    valid = idx >= 0
    data = digits[idx[valid]]
    offsets = np.zeros(len(idx) + 1, dtype=np.int32)
    np.cumsum(valid, dtype=np.int32, out=offsets[1:])
    offsets *= width
    bitmap = np.packbits(valid, bitorder="little")
    return pa.StringArray.from_buffers(
        len(idx),
        pa.py_buffer(offsets),
        pa.py_buffer(data),
        pa.py_buffer(bitmap),
        null_count=len(idx) - len(data),
    )


def sequential_ids(prefix: str, n: int, width: int) -> pa.StringArray:
    """``prefix`` plus the zero-padded numbers 0 .. n-1 (call ids): digit columns of a counter
    are repeats and tiles of 0-9, so no division runs over the rows."""
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    step = len(pre) + width
    full = np.empty((n, step), dtype=np.uint8)
    full[:, : len(pre)] = pre
    digits = np.arange(10, dtype=np.uint8) + ord("0")
    for k in range(width):
        period = 10**k
        if period >= n:
            full[:, step - 1 - k] = ord("0")
            continue
        col = np.repeat(digits, period)
        full[:, step - 1 - k] = np.tile(col, -(-n // len(col)))[:n]
    offsets = np.arange(0, (n + 1) * step, step, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(full.tobytes()))


#: Digit sum of twice a digit (Luhn's doubled positions).
_LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)


def luhn_complete(body: np.ndarray) -> np.ndarray:
    """Append the Luhn check digit to 14-digit IMEI bodies (TAC + serial)."""
    body = np.asarray(body, dtype=np.int64)
    d = _digits_matrix(body, 14) - np.uint8(ord("0"))
    # From the right of the body, every first digit is doubled (the check digit comes next).
    total = d[:, 0::2].sum(axis=1, dtype=np.int32) + _LUHN_DOUBLE[d[:, 1::2]].sum(
        axis=1, dtype=np.int32
    )
    return body * 10 + (10 - total % 10) % 10

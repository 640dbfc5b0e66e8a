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


class NumberTable:
    """Every number of a run: national significant number, allocation, region and kind."""

    def __init__(self) -> None:
        self._nsn: list[np.ndarray] = []
        self._alloc: list[np.ndarray] = []
        self._region: list[np.ndarray] = []
        self._kind: list[np.ndarray] = []
        self._operator: list[np.ndarray] = []
        self._city: list[np.ndarray] = []
        self._snap: tuple[np.ndarray, ...] | None = None
        self._lock = threading.Lock()
        self.size = 0
        self.regions: list[str] = []
        self._region_ix: dict[str, int] = {}
        self._used_blocks: set[int] = set()
        self._sparse: set[int] = set()

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
        n = len(nsn)
        with self._lock:
            self._snap = None
            self._append(nsn, allocated, region, kind, operator, city)
        idx = np.arange(self.size, self.size + n, dtype=np.int64)
        self.size += n
        return idx

    def _append(
        self,
        nsn: np.ndarray,
        allocated: np.ndarray | bool,
        region: int | np.ndarray,
        kind: NumberKind,
        operator: int,
        city: int,
    ) -> None:
        n = len(nsn)
        self._operator.append(np.full(n, operator, dtype=np.int8))
        self._city.append(np.full(n, city, dtype=np.int16))
        self._nsn.append(np.asarray(nsn, dtype=np.int64))
        self._alloc.append(np.broadcast_to(np.asarray(allocated, dtype=bool), (n,)).copy())
        self._region.append(np.broadcast_to(np.asarray(region, dtype=np.int32), (n,)).copy())
        self._kind.append(np.full(n, int(kind), dtype=np.int8))

    def origin(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(operator, city, region, allocated) per row so far, for populations to route calls."""
        with self._lock:  # the subscriber graph routes calls while other populations add numbers
            if self._snap is None:
                self._snap = (
                    np.concatenate(self._operator),
                    np.concatenate(self._city),
                    np.concatenate(self._region),
                    np.concatenate(self._alloc),
                )
            return self._snap  # type: ignore[return-value]

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
        return self._sparse_draw(lambda k: base + rng.integers(lo, hi, size=k), n)

    def sparse_mobile(self, rng: np.random.Generator, prefixes: np.ndarray, n: int) -> np.ndarray:
        return self._sparse_draw(
            lambda k: (
                prefixes[rng.integers(len(prefixes), size=k)] * 10_000
                + rng.integers(0, 10_000, size=k)
            ),
            n,
        )

    def _sparse_draw(self, draw: object, n: int) -> np.ndarray:
        out: list[int] = []
        while len(out) < n:
            for v in draw(2 * (n - len(out)) + 8).tolist():  # type: ignore[operator]
                if v // BLOCK in self._used_blocks or v in self._sparse:
                    continue
                self._sparse.add(v)
                out.append(v)
                if len(out) == n:
                    break
        return np.asarray(out, dtype=np.int64)

    def finish(self) -> Numbers:
        return Numbers(
            nsn=np.concatenate(self._nsn) if self._nsn else np.zeros(0, np.int64),
            allocated=np.concatenate(self._alloc) if self._alloc else np.zeros(0, bool),
            region=np.concatenate(self._region) if self._region else np.zeros(0, np.int32),
            kind=np.concatenate(self._kind) if self._kind else np.zeros(0, np.int8),
            regions=tuple(self.regions),
        )


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
    nsn = np.asarray(nsn, dtype=np.int64)
    if len(nsn) == 0:
        return pa.array([], pa.string())  # type: ignore[return-value]
    digits = pc.cast(pa.array(nsn), pa.string())
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


def luhn_complete(body: np.ndarray) -> np.ndarray:
    """Append the Luhn check digit to 14-digit IMEI bodies (TAC + serial)."""
    d = _digits_matrix(np.asarray(body, dtype=np.int64), 14).astype(np.int64) - ord("0")
    # From the right of the body, every first digit is doubled (the check digit comes next).
    doubled = d[:, 1::2] * 2
    total = d[:, 0::2].sum(axis=1) + (doubled // 10 + doubled % 10).sum(axis=1)
    return np.asarray(body, dtype=np.int64) * 10 + (10 - total % 10) % 10

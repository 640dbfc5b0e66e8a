"""An expiring hash table of int64 keys -> dense row indices, for the stream's state.

Numbers, (caller, callee) pairs, (caller, ingress) routes, handset records and day-callee
blocks are all int64 keys whose records live in parallel NumPy arrays; this table maps a key
to its row, hands out rows (reusing freed ones) and forgets deleted keys.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

import numpy as np


def grow(arr: np.ndarray, n: int, fill: float | int = 0) -> np.ndarray:
    """``arr`` with room for ``n`` rows (at least doubled, new rows ``fill``); itself if it
    has room."""
    if n <= len(arr):
        return arr
    out = np.full((max(n, 2 * len(arr)),) + arr.shape[1:], fill, dtype=arr.dtype)
    out[: len(arr)] = arr
    return out


def _int64_table(n: int = 0) -> Any:
    """pandas' C hash table of int64 -> int64 (what ``pd.Index.get_indexer`` is built on):
    a whole array of keys is looked up in C, about 20 times faster than ``dict.get`` per key
    here. A private pandas API, so the import is guarded: without it ``KeyTable`` uses the dict
    alone (same answers, slower)."""
    try:
        from pandas._libs.hashtable import Int64HashTable
    except ImportError:  # pragma: no cover - pandas moved it
        return None
    return Int64HashTable(max(n, 1024))


class KeyTable:
    """An expiring hash table of int64 keys -> dense indices with a free list.

    A C table answers the vectorised ``lookup`` of every CDR's numbers, pairs, routes and
    handsets; ``keys`` holds each index's key (-1 when free), so the table can be rebuilt
    without the deleted keys, which stay in it mapped to -1 (absent) until then. The online
    path's one-key look-ups (``get``) ask the C table for one item, as fast as a dict (a dict
    mirror cost 0.4 µs a key on every insert). Without pandas' table a dict does everything
    (same answers, slower).
    """

    def __init__(self) -> None:
        self._fast = _int64_table()
        self.index: dict[int, int] | None = {} if self._fast is None else None
        self._free = np.zeros(0, np.int64)  # freed indices, a stack (the top is the end)
        self._nfree = 0
        self.size = 0  # high-water mark of indices handed out
        self.keys = np.full(1024, -1, np.int64)
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def get(self, key: int, default: int = -1) -> int:
        if self._fast is not None:
            try:
                v = int(self._fast.get_item(key))  # one key, ~0.1 µs: no array round trip
            except (KeyError, OverflowError):
                return default
            # a deleted key maps to -1, which get_item hands back as an unsigned 2**64 - 1
            return v if 0 <= v < self.size else default
        assert self.index is not None
        return self.index.get(key, default)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        if self._fast is not None:
            return np.asarray(self._fast.lookup(np.ascontiguousarray(keys, np.int64)), np.int64)
        assert self.index is not None
        # map() calls dict.get in C, without a Python frame per key
        found = list(map(self.index.get, keys.tolist(), repeat(-1, len(keys))))
        return np.array(found, dtype=np.int64)

    def insert(self, keys: np.ndarray) -> np.ndarray:
        n = len(keys)
        r = min(n, self._nfree)  # the most recently freed indices first, then new ones
        idx = np.empty(n, np.int64)
        idx[:r] = self._free[self._nfree - r : self._nfree]
        self._nfree -= r
        idx[r:] = np.arange(self.size, self.size + n - r)
        self.size += n - r
        keys = np.ascontiguousarray(keys, np.int64)
        self.keys = grow(self.keys, self.size, -1)
        self.keys[idx] = keys
        self._live += n
        if self.index is not None:
            self.index.update(zip(keys.tolist(), idx.tolist(), strict=True))
        if self._fast is not None:
            self._fast.map_keys_to_values(keys, idx)
        return idx

    def delete(self, keys: np.ndarray, idx: np.ndarray) -> None:
        """Remove keys (all present) held at indices ``idx``."""
        keys = np.ascontiguousarray(keys, np.int64)
        if self.index is not None:
            pop = self.index.pop
            for k in keys.tolist():
                pop(k, None)
        self._free = grow(self._free, self._nfree + len(idx))
        self._free[self._nfree : self._nfree + len(idx)] = idx
        self._nfree += len(idx)
        self.keys[idx] = -1
        self._live -= len(keys)
        if self._fast is not None:
            if len(self._fast) > 2 * self._live + 4096:  # mostly deleted keys: rebuild
                held = np.flatnonzero(self.keys[: self.size] >= 0)
                self._fast = _int64_table(2 * len(held))
                self._fast.map_keys_to_values(self.keys[held], held.astype(np.int64))
            else:
                self._fast.map_keys_to_values(keys, np.full(len(keys), -1, np.int64))

    def nbytes_per_key(self) -> float:
        """Bytes per live key: the C table, the key array, the dict if any (CPython
        slot + int key + int value, measured with sys.getsizeof)."""
        live = max(self._live, 1)
        fast = self._fast.sizeof() / live if self._fast is not None else 0.0
        return fast + self.keys.nbytes / live + (104.0 if self.index is not None else 0.0)

"""Canonical CDRs as NumPy columns for the engine (one conversion per table, vectorised).

The engine works on integer keys: a number's key is its E.164 digits as an int64 (the same
key the batch feature SQL groups on); an ingress is a small int from an :class:`Interner`; a
handset's key is its IMEI's digits as an int64 (:func:`imei_keys`), which the state maps to
rows of a bounded table that forgets handsets no record refers to any more.
Per-call columns follow ``callwarden.features.definitions.CALL_COLUMNS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.cdr.canonical import number_keys as canonical_keys


class Interner:
    """Stable small ints for strings (ingress names); -1 for null or empty."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {}
        self.names: list[str] = []

    def get(self, name: str) -> int:
        c = self.code.get(name)
        if c is None:
            c = self.code[name] = len(self.names)
            self.names.append(name)
        return c

    def encode(self, values: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Codes for an Arrow string column; each distinct value is interned once."""
        arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        enc = pc.dictionary_encode(arr.cast(pa.string()))
        dict_codes = np.array([self.get(s) if s else -1 for s in enc.dictionary.to_pylist()] + [-1])
        idx = enc.indices.fill_null(len(enc.dictionary)).to_numpy(zero_copy_only=False)
        return dict_codes[idx].astype(np.int32)


def number_keys(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """int64 key per E.164 string (digits after '+'); -1 where the value is not E.164: the
    rule of the canonical key columns and of the batch features (``+`` and 1-15 digits
    without a leading zero; before, 1-18 digits with leading zeros, so ``+0861...`` shared
    ``+861...``'s state)."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    keys = pc.fill_null(canonical_keys(arr.cast(pa.string())), -1)
    return np.asarray(keys.to_numpy(zero_copy_only=False), dtype=np.int64)


#: Keys of IMEIs that are not 1-18 digits (hashed) have this bit set: never a digits key.
HASHED_IMEI = 1 << 62


def imei_keys(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """int64 key per IMEI string, -1 for null or empty: its digits (IMEI and IMEISV are 15
    and 16), else a 62-bit hash of the text with bit 62 set (pandas' fixed-key SipHash, the
    same in every process). Intrinsic keys, not interned codes: an interner grew by every
    handset ever seen, while the state forgets handsets idle for the window."""
    import pandas as pd

    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    enc = pc.dictionary_encode(arr.cast(pa.string()))
    uniq = enc.dictionary
    digits = pc.fill_null(pc.match_substring_regex(uniq, r"^\d{1,18}$"), False)
    keys = np.array(pc.cast(pc.if_else(digits, uniq, "-1"), pa.int64()), np.int64)  # writable
    other = np.flatnonzero(~digits.to_numpy(zero_copy_only=False))
    if len(other):
        text = np.asarray(uniq.take(pa.array(other)).to_pylist(), dtype=object)
        h = pd.util.hash_array(text).astype(np.int64) & (HASHED_IMEI - 1)
        keys[other] = np.where(text == "", -1, h | HASHED_IMEI)
    keys = np.append(keys, -1)  # the last cell: null
    return keys[enc.indices.fill_null(len(uniq)).to_numpy(zero_copy_only=False)]


def _col(table: pa.Table, name: str, typ: pa.DataType) -> pa.ChunkedArray:
    if name in table.column_names:
        return table[name].cast(typ)
    return pa.chunked_array([pa.nulls(table.num_rows, typ)])


@dataclass
class Calls:
    """Columns of a run of call attempts (set-up data and, for CDRs, the outcome)."""

    caller: np.ndarray  # object: E.164 strings (policy and campaign index speak strings)
    callee: np.ndarray  # object
    caller_key: np.ndarray  # int64
    callee_key: np.ndarray  # int64
    ingress: np.ndarray  # int32 code, -1 = unknown
    ingress_name: np.ndarray  # object
    asserted: np.ndarray  # object or None per call
    mismatch: np.ndarray  # int8: asserted identity present and different (set-up data)
    attest_a: np.ndarray  # int8
    attest_c: np.ndarray  # int8
    ts: np.ndarray  # float64 set-up time in whole seconds since 1970 UTC (the batch's EPOCH_S)
    start: np.ndarray  # float64 exact set-up time: when the call is decided
    # outcome (known only once the CDR is written, at ``end_ts``)
    end_ts: np.ndarray  # float64 exact release time, start + ring + duration: CDR written
    end_sec: np.ndarray  # float64 ts + ring + duration: the batch features' end (overlaps)
    ans: np.ndarray  # int8
    talk: np.ndarray  # float64, duration of answered calls
    dead: np.ndarray  # int8 cause 1
    rejected: np.ndarray  # int8 cause 21
    region_mismatch: np.ndarray  # int8: served outside the displayed number's home province
    imei: np.ndarray  # int64 handset key (:func:`imei_keys`), -1 unknown

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, idx: np.ndarray) -> Calls:
        return Calls(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})

    def slice(self, start: int, stop: int) -> Calls:
        """Rows ``start:stop`` as views (no copy): the replay's runs of calls and of CDRs."""
        return Calls(**{k: getattr(self, k)[start:stop] for k in self.__dataclass_fields__})


#: Characters of an E.164 number that fix its home province (as the batch features use).
HOME_PREFIX = 10


def region_mismatch(caller: pa.ChunkedArray, region: pa.ChunkedArray) -> np.ndarray:
    """1 where the serving region does not start with the displayed number's home province
    (归属地 by its first ``HOME_PREFIX`` characters); 0 where either is unknown."""
    from callwarden.numbers import describe_array

    pair = pa.table({"p": pc.utf8_slice_codeunits(caller, 0, HOME_PREFIX), "r": region})
    keys = pc.binary_join_element_wise(
        pc.fill_null(pair["p"], ""), pc.fill_null(pair["r"], ""), "\x1f"
    )
    enc = pc.dictionary_encode(keys.combine_chunks())
    uniq = [k.split("\x1f") for k in enc.dictionary.to_pylist()]
    home: dict[str, str] = {}
    # one representative number per prefix, the smallest real one as the batch query picks
    # (``register_home_regions``): a made-up number (the prefix padded with zeros) is no
    # valid fixed-line number, and landline callers then had no home province at all
    numbers = pc.unique(caller.combine_chunks()).drop_null()
    prefix = pc.utf8_slice_codeunits(numbers, 0, HOME_PREFIX)
    reps = (
        pa.table({"p": prefix, "n": numbers})
        .filter(pc.greater(pc.utf8_length(prefix), 0))
        .group_by("p")
        .aggregate([("n", "min")])
    )
    if reps.num_rows:
        prov = describe_array(reps["n_min"].combine_chunks())["province"].to_pylist()
        home = {p: h for p, h in zip(reps["p"].to_pylist(), prov, strict=True) if h}
    flags = np.array(
        [1 if r and home.get(p) and not r.startswith(home[p]) else 0 for p, r in uniq] + [0],
        dtype=np.int8,
    )
    idx = enc.indices.fill_null(len(uniq)).to_numpy(zero_copy_only=False)
    return flags[idx]


def calls_from_arrow(table: pa.Table, ingresses: Interner) -> Calls:
    """Encode a canonical CDR table (any row order) into :class:`Calls`."""
    caller = _col(table, "caller", pa.string())
    callee = _col(table, "callee", pa.string())
    asserted = _col(table, "asserted_caller", pa.string())
    ts_us = pc.cast(_col(table, "start_time", pa.timestamp("us", tz="UTC")), pa.int64())
    start = ts_us.to_numpy().astype(np.float64) / 1e6
    # Counters use whole seconds, as the batch's EPOCH_S; when a call is set up and when its
    # CDR is written use the exact times (a CDR written after a call's set-up, in the same
    # second, counted as written before it when both were floored)
    ts = np.floor(start)
    dur = pc.fill_null(_col(table, "duration_s", pa.float64()), 0.0).to_numpy()
    ring = pc.fill_null(_col(table, "ring_s", pa.float64()), 0.0).to_numpy()
    positive = pc.greater(pc.fill_null(_col(table, "duration_s", pa.float64()), 0.0), 0.0)
    ans = pc.coalesce(_col(table, "answered", pa.bool_()), positive).to_numpy().astype(np.int8)
    cause = pc.fill_null(_col(table, "release_cause", pa.int32()), 0).to_numpy()
    att = _col(table, "attestation", pa.string())
    mism = pc.fill_null(
        pc.and_(pc.not_equal(asserted, ""), pc.not_equal(asserted, caller)), False
    ).to_numpy()
    # one spelling of an ingress everywhere: trimmed, as /v1/decide's request trims it and
    # ingresses.csv's names are read (" IGW-1 " was no gateway here)
    ingress = pc.utf8_trim_whitespace(_col(table, "ingress", pa.string()))
    return Calls(
        caller=caller.to_numpy(zero_copy_only=False),
        callee=callee.to_numpy(zero_copy_only=False),
        caller_key=number_keys(caller),
        callee_key=number_keys(callee),
        ingress=ingresses.encode(ingress),
        ingress_name=ingress.to_numpy(zero_copy_only=False),
        asserted=asserted.to_numpy(zero_copy_only=False),
        mismatch=mism.astype(np.int8),
        attest_a=pc.fill_null(pc.equal(att, "A"), False).to_numpy().astype(np.int8),
        attest_c=pc.fill_null(pc.equal(att, "C"), False).to_numpy().astype(np.int8),
        ts=ts,
        start=start,
        end_ts=start + ring + dur,
        end_sec=ts + ring + dur,
        ans=ans,
        talk=np.where(ans == 1, dur, 0.0),
        dead=(cause == 1).astype(np.int8),
        rejected=(cause == 21).astype(np.int8),
        region_mismatch=region_mismatch(caller, _col(table, "caller_region", pa.string())),
        imei=imei_keys(_col(table, "imei", pa.string())),
    )

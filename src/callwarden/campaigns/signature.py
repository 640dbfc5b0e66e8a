"""MinHash signatures of callee lists, in NumPy (one vectorised pass per campaign).

A signature is ``k`` minima of universal hashes over the callee ids; two lists' Jaccard
similarity is the share of equal positions. Rendered as hex for records and CSV.
"""

from __future__ import annotations

import hashlib

import numpy as np

_PRIME = np.uint64((1 << 61) - 1)
_RNG = np.random.default_rng(20261128)
_K = 16
_A = _RNG.integers(1, (1 << 61) - 2, size=_K, dtype=np.uint64)
_B = _RNG.integers(0, (1 << 61) - 2, size=_K, dtype=np.uint64)


def _mix(x: np.ndarray) -> np.ndarray:
    # splitmix64 finaliser: spreads sequential numbers before the affine hashes.
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def minhash(values: np.ndarray) -> np.ndarray:
    """``_K`` 32-bit minima over ``values`` (int64 ids); all-ones when empty."""
    if len(values) == 0:
        return np.full(_K, 0xFFFFFFFF, dtype=np.uint64)
    h = _mix(np.asarray(values, dtype=np.int64).view(np.uint64))
    with np.errstate(over="ignore"):
        hashed = (h[:, None] * _A[None, :] + _B[None, :]) % _PRIME
    return (hashed.min(axis=0) & np.uint64(0xFFFFFFFF)).astype(np.uint64)


def signature_hex(values: np.ndarray) -> str:
    return "".join(f"{int(v):08x}" for v in minhash(values))


def jaccard_estimate(sig_a: str, sig_b: str) -> float:
    """Share of equal 32-bit positions of two hex signatures."""
    parts_a = [sig_a[i : i + 8] for i in range(0, len(sig_a), 8)]
    parts_b = [sig_b[i : i + 8] for i in range(0, len(sig_b), 8)]
    if not parts_a or len(parts_a) != len(parts_b):
        return 0.0
    return sum(x == y for x, y in zip(parts_a, parts_b, strict=True)) / len(parts_a)


def campaign_id(signature: str, taken: set[str]) -> str:
    """A short stable id from the list signature; suffixed when two campaigns share a list."""
    base = "C" + hashlib.sha1(signature.encode()).hexdigest()[:8]
    cid, i = base, 1
    while cid in taken:
        i += 1
        cid = f"{base}-{i}"
    taken.add(cid)
    return cid

"""Which rows a model was trained on, kept as keyed hashes so `evaluate` can say when the
verdicts it scores were scored on the model's own training rows.

A model remembers its training rows: the Sichuan table trained, scanned and evaluated on
itself scores macro-F1 1.0000. `train` writes one 64-bit hash per training row (a CDR
model's row is a number on a day, ``number@YYYY-MM-DD``; a table model's is the id), keyed
by the training data's fingerprint; `evaluate` hashes the verdicts' rows the same way.
Numbers are not stored in clear, but a hash of a phone number can be found by trying every
number: treat the model directory as the data it was trained on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

FILE = "training_rows.u64"


def _hashes(keys: Iterable[str], fingerprint: str) -> np.ndarray:
    salt = fingerprint.encode()[:64]  # BLAKE2b takes a key of at most 64 bytes
    return np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8, key=salt).digest(), "little")
            for k in keys
        ),
        dtype=np.uint64,
    )


def row_hashes(keys: Iterable[str], fingerprint: str) -> np.ndarray:
    """Sorted unique uint64 hashes of ``keys`` (BLAKE2b-64 keyed by ``fingerprint``)."""
    return np.unique(_hashes(keys, fingerprint))


def write_rows(model_dir: Path, keys: Iterable[str], fingerprint: str) -> int:
    """Write the training rows' hashes into ``model_dir``; returns how many."""
    hashes = row_hashes(keys, fingerprint)
    (model_dir / FILE).write_bytes(hashes.astype("<u8").tobytes())
    return len(hashes)


def read_rows(model_dir: Path) -> np.ndarray | None:
    """The stored hashes, or None for a model written without them (before 30 Nov) or with a
    damaged file (its length not a whole number of hashes)."""
    path = model_dir / FILE
    if not path.is_file():
        return None
    data = path.read_bytes()
    if len(data) % 8:
        return None
    return np.frombuffer(data, dtype="<u8").astype(np.uint64)


def in_training(keys: list[str], stored: np.ndarray, fingerprint: str) -> np.ndarray:
    """A boolean per key: is it one of the training rows."""
    return np.isin(_hashes(keys, fingerprint), stored)

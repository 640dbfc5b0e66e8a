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
from typing import Any

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
    """Write the training rows' hashes into ``model_dir`` and record the file's count, size
    and SHA-256 in its manifest (``training_rows``: ``check_rows`` tells a damaged or missing
    file from a model written without one); returns how many."""
    hashes = row_hashes(keys, fingerprint)
    data = hashes.astype("<u8").tobytes()
    (model_dir / FILE).write_bytes(data)
    manifest_path = model_dir / "manifest.json"
    if manifest_path.is_file():
        from callwarden.detect.io import _read_json, _write_json  # (the model's own JSON)

        manifest = _read_json(manifest_path)
        manifest["training_rows"] = {
            "rows": len(hashes),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        _write_json(manifest_path, manifest)
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


def check_rows(
    model_dir: Path, manifest: dict[str, Any], trained_rows: int | None
) -> tuple[np.ndarray | None, str | None]:
    """(the stored hashes, None), or (None, why they cannot be used). The manifest's record
    (models since 30 Nov, session 18) gives the file's size and SHA-256; a model written
    before it is checked by shape: whole 8-byte hashes, sorted and distinct as written, no
    more of them than ``trained_rows`` (``metrics.json``'s rows) and some when it is not 0."""
    path = model_dir / FILE
    recorded = manifest.get("training_rows")
    recorded = recorded if isinstance(recorded, dict) else None
    if not path.is_file():
        if recorded is not None:
            return None, f"{path} is missing, though the manifest records it"
        return None, (
            f"{model_dir} has no {FILE} (a model trained before 30 Nov, or the file was "
            "removed): retrain to have verdicts checked against its training rows"
        )
    data = path.read_bytes()
    if recorded is not None:
        if len(data) != recorded.get("bytes"):
            return None, (
                f"{path} is damaged: {len(data):,} bytes, the manifest records "
                f"{recorded.get('bytes')!r}"
            )
        if hashlib.sha256(data).hexdigest() != recorded.get("sha256"):
            return None, f"{path} is damaged: its SHA-256 is not the one the manifest records"
        return np.frombuffer(data, dtype="<u8").astype(np.uint64), None
    if len(data) % 8:
        return None, f"{path} is damaged: {len(data):,} bytes, not a whole number of hashes"
    hashes = np.frombuffer(data, dtype="<u8").astype(np.uint64)
    if len(hashes) == 0 and trained_rows:
        return None, f"{path} is empty, though the model was trained on {trained_rows:,} rows"
    if trained_rows is not None and len(hashes) > trained_rows:
        return None, (
            f"{path} is damaged: {len(hashes):,} hashes for {trained_rows:,} training rows"
        )
    if len(hashes) > 1 and not bool((hashes[1:] > hashes[:-1]).all()):
        return None, f"{path} is damaged: its hashes are not the sorted list train writes"
    return hashes, None


def in_training(keys: list[str], stored: np.ndarray, fingerprint: str) -> np.ndarray:
    """A boolean per key: is it one of the training rows."""
    return np.isin(_hashes(keys, fingerprint), stored)

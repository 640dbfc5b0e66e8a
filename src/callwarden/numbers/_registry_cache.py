"""A parsed allocation registry cached on disk, keyed by the CSV's content.

Parsing and normalising a 4-million-row registry CSV costs several CPU seconds (7.6 on the
scan benchmark's 84 MB file); loading the sorted key arrays back costs a few hundredths. The
key is a hash of the file's bytes and the region (0.05 s for 84 MB), so an edited file is
never served stale, whatever its mtime. The cache lives under
``$XDG_CACHE_HOME/callwarden/registry`` (``~/.cache`` by default), next to the compiled trees;
``CALLWARDEN_NO_CACHE=1`` turns it off. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from callwarden.cache import cache_dir as shared_cache_dir

log = logging.getLogger(__name__)

#: Bumped when the arrays' meaning changes, so old cache files are not read.
_FORMAT = "1"


def cache_dir() -> Path:
    return shared_cache_dir("registry")


def enabled() -> bool:
    return os.environ.get("CALLWARDEN_NO_CACHE", "") in ("", "0")


def cache_path(csv: Path, region: str) -> Path:
    h = hashlib.sha1(usedforsecurity=False)
    with csv.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    h.update(f"\x1f{region}\x1f{_FORMAT}".encode())
    return cache_dir() / f"{h.hexdigest()}.npz"


def load(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(numbers, starts, ends)`` from a cache file, or None when absent or unreadable."""
    try:
        with np.load(path) as z:
            return z["numbers"], z["starts"], z["ends"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None


def save(path: Path, numbers: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
    """Write atomically (a half-written file is never read); failures only log."""
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, numbers=numbers, starts=starts, ends=ends)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)  # a disk-full write leaves no stray file
        log.debug("registry cache not written (%s): %s", path, exc)

"""The demo's operator key is written readable by its owner only (security audit, 30 Nov:
api-keys.txt was created with the umask's mode, world-readable under the usual 022)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from callwarden.cli.demo import write_secret


def test_the_key_file_is_made_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        write_secret(tmp_path / "api-keys.txt", "operator s3cret\n")
    finally:
        os.umask(old)
    path = tmp_path / "api-keys.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == "operator s3cret\n"


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "api-keys.txt"
    path.write_text("someone else's\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_secret(path, "operator s3cret\n")
    assert path.read_text(encoding="utf-8") == "someone else's\n"

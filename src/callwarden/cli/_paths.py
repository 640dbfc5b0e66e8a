"""Output paths checked before a command starts its work.

Every command that writes calls :func:`output_dir` or :func:`output_file` on its output
options first, so a path that cannot be written is one ``error:`` line at once, not a
traceback after minutes of work (and lost results). The checks create nothing; the writers
create missing folders (``mkdir(parents=True)``) when they write.
"""

from __future__ import annotations

import os
from pathlib import Path

from callwarden.errors import InputError


def _existing_ancestor(path: Path, option: str) -> Path:
    """The nearest part of ``path`` (itself or a parent) that exists."""
    p = path.absolute()
    try:
        while not p.exists() and p != p.parent:
            p = p.parent
    except OSError as exc:  # a name too long, a loop of links ...
        raise InputError(f"{option} {path} cannot be used: {exc.strerror or exc}") from exc
    return p


def _creatable(folder: Path, option: str, shown: Path) -> None:
    """``folder`` exists as a writable folder or can be created under one."""
    base = _existing_ancestor(folder, option)
    if not base.is_dir():
        raise InputError(f"{option} {shown} cannot be written: {base} is a file, not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise InputError(f"{option} {shown} cannot be written: no write permission in {base}")


def output_dir(path: Path, option: str = "--out") -> Path:
    """Check an output folder: it exists as a folder or can be created (with its parents)."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path} is a file; a folder is needed")
    _creatable(path, option, path)
    return path


def output_file(path: Path, option: str = "--out") -> Path:
    """Check an output file: not an existing folder, and its folder exists or can be created."""
    if path.is_dir():
        raise InputError(f"{option} {path} is a folder; a file path is needed")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{option} {path} cannot be written: no write permission")
    _creatable(path.parent, option, path)
    return path

"""Output paths checked before a command starts its work.

Every command that writes calls :func:`output_dir` or :func:`output_file` on its output
options first, so a path that cannot be written is one ``error:`` line at once, not a
traceback after minutes of work (and lost results). The checks create nothing; the writers
create missing folders (``mkdir(parents=True)``) when they write.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
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


def sqlite_files(db: str, what: str | None = None) -> list[tuple[Path, str]]:
    """The files of a SQLite store named by ``db`` (path or sqlite URL): the database and
    its -wal, -shm and -journal companions, each with what it is (``what``, default "the
    store --db DB", and the companion's name); [] for a server's store."""
    import sqlalchemy as sa

    from callwarden.store.db import normalise_url

    try:
        url = sa.engine.make_url(normalise_url(db))
    except sa.exc.ArgumentError:
        return []  # not a URL: the store's own check says so
    if not url.drivername.startswith("sqlite") or not url.database:
        return []
    store = Path(url.database).expanduser()
    return [
        (
            store.with_name(store.name + s),
            (what or f"the store --db {db}") + (f" ({s[1:]})" if s else ""),
        )
        for s in ("", "-wal", "-shm", "-journal")
    ]


def _same(a: Path, b: Path) -> bool:
    """``a`` and ``b`` are one file: the same resolved path, or one inode (a hard link)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def not_an_input(
    target: Path,
    option: str,
    files: Sequence[tuple[Path, str]],
    trees: Sequence[tuple[Path, str]] = (),
) -> None:
    """Refuse an output file that is one of the command's inputs (``files``: path and what
    it is) or lies under an input folder (``trees``): the write would overwrite what was
    read, after the command said it had succeeded (audit 22c: ``compare --out store.db``)."""
    for path, what in files:
        if _same(target, path):
            raise InputError(f"{option} {target} is {what}; write it elsewhere")
    for folder, what in trees:
        root = folder.resolve()
        if root.is_dir() and target.resolve().is_relative_to(root):
            raise InputError(f"{option} {target} is inside {what}; write it elsewhere")

"""Reading a small carrier list (``ingresses.csv``, ``roaming.csv``): UTF-8 (a BOM allowed),
a header of known columns in any order and case; every failure an InputError naming the file."""

from __future__ import annotations

import csv
from pathlib import Path

from callwarden.errors import InputError


def read_rows(
    path: str | Path, what: str, columns: tuple[str, ...]
) -> tuple[list[list[str]], dict[str, int]]:
    """The data rows of ``path`` (line 2 onwards) and each column's position in them."""
    p = Path(path)
    named = ",".join(columns)
    if not p.is_file():
        raise InputError(f"{what} file {p} does not exist")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{what} file {p} cannot be read as UTF-8 text: {exc}") from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise InputError(f"{what} file {p} is empty: it needs the header '{named}'")
    header = [h.strip().lower() for h in rows[0]]
    if sorted(header) != sorted(columns):
        raise InputError(
            f"{what} file {p}: the header is {','.join(rows[0])!r}; it must be '{named}'"
        )
    return rows[1:], {c: header.index(c) for c in columns}

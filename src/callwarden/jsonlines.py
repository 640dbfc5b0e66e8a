"""JSON-lines files of objects (transcripts), read as ingest reads CSV: UTF-8 (a BOM
allowed) or GB18030/GBK, found from the first 64 KiB; a line that is not one JSON object is
an ``InputError`` naming the file and line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from callwarden.cdr.readers import detect_encoding
from callwarden.errors import InputError


def read_objects(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of ``path``."""
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    with path.open("rb") as head:
        encoding = detect_encoding(head.read(1 << 16))
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    with path.open("rb") as fh:  # (b"\n" is never inside a UTF-8 or GB18030 character)
        for i, raw in enumerate(fh, start=1):
            try:
                line = raw.decode(codec if i == 1 else encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{path}:{i}: not {encoding} text ({exc.reason}); JSON lines must be "
                    "UTF-8 or GB18030"
                ) from exc
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{i}: not valid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{i}: each line must be a JSON object")
            yield i, obj

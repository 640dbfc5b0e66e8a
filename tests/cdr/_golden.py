"""Helpers shared by the cdr tests: golden-file comparison of canonical tables."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa

DATA = Path(__file__).resolve().parents[1] / "data" / "cdr"


def rows_of(table: pa.Table) -> list[dict[str, object]]:
    """Canonical rows as JSON-ready dicts, sorted by call_id (stable across readers)."""
    out = []
    for row in table.to_pylist():
        out.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
    return sorted(out, key=lambda r: str(r["call_id"]))


def check_golden(name: str, table: pa.Table) -> None:
    """Compare with ``tests/data/cdr/<name>``; ``UPDATE_GOLDEN=1`` rewrites it."""
    path = DATA / name
    got = rows_of(table)
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in got), encoding="utf-8"
        )
    expected = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert got == expected

"""Fixtures of the case-file tests: two days of scans imported into one store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callwarden.store import Store
from callwarden.store.io import read_verdicts_csv
from tests.evidence import world
from tests.evidence.world import COURIER


def _later_day(root: Path) -> Path:
    """The scan of 2026-11-03: the courier only (ROBO1 placed no calls that day)."""
    scan = root / "scan"
    scan.mkdir(parents=True)
    (scan / "verdicts.csv").write_text(
        f"number,label,score,category,reasons,campaign\n{COURIER},benign,0.002,,[],\n",
        encoding="utf-8",
    )
    (scan / "scan-summary.json").write_text(
        json.dumps({"day": "2026-11-03", "model_version": "m0001", "kind": "cdr", "tz": "UTC+8"}),
        encoding="utf-8",
    )
    return scan


@pytest.fixture
def days(tmp_path: Path) -> dict[str, Path]:
    first = world.scan_dir(tmp_path / "d02")
    second = _later_day(tmp_path / "d03")
    cdrs = world.cdrs(tmp_path)
    db = tmp_path / "cw.db"
    store = Store.open(str(db))
    for scan in (first, second):  # serve --verdicts d02/..., then d03/... the next day
        store.import_verdicts(read_verdicts_csv(scan / "verdicts.csv"), actor="cli:serve")
    store.close()
    return {"first": first, "second": second, "cdrs": cdrs, "db": db}

"""Fixtures of the case-file tests: two days of scans imported into one store."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.store import Store
from callwarden.store.io import read_verdicts_csv
from tests.evidence import world


@pytest.fixture
def days(tmp_path: Path) -> dict[str, Path]:
    first = world.scan_dir(tmp_path / "d02")
    second = world.later_day(tmp_path / "d03")
    cdrs = world.cdrs(tmp_path)
    db = tmp_path / "cw.db"
    store = Store.open(str(db))
    for scan in (first, second):  # serve --verdicts d02/..., then d03/... the next day
        store.import_verdicts(read_verdicts_csv(scan / "verdicts.csv"), actor="cli:serve")
    store.close()
    return {"first": first, "second": second, "cdrs": cdrs, "db": db}

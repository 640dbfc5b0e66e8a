"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL server that
``scripts/services`` installs (if needed) and starts; each test gets a fresh database."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from callwarden.store import Store

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """A settable clock, so recency windows and rate limits are tested without sleeping."""

    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="session")
def pg_url() -> str:
    proc = subprocess.run(
        [str(ROOT / "scripts" / "services"), "start"], capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        pytest.fail(f"scripts/services could not start PostgreSQL:\n{proc.stderr[-2000:]}")
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[str]:
    name = f"cw_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(
        pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    if request.param == "sqlite":
        url = str(tmp_path / "store.db")
    else:
        url = request.getfixturevalue("pg_database")
    s = Store.open(url, clock=clock)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it yet, on SQLite and PostgreSQL: for tests that build a
    store at an old migration and upgrade it."""
    if request.param == "sqlite":
        yield str(tmp_path / "old.db")
    else:
        yield request.getfixturevalue("pg_database")

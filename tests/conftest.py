"""Fixtures for every test folder: a real PostgreSQL server that ``scripts/services``
installs (if needed) and starts on loopback, and a fresh database on it for each test."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]


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

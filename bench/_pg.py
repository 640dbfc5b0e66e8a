"""Stores for the store benches: a fresh PostgreSQL database on the server ``scripts/services``
starts (or on ``--url``), dropped after, or a fresh SQLite file in a temporary folder."""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]


def server_url(url: str | None = None) -> str:
    """``url``, or the URL of the PostgreSQL server ``scripts/services`` starts (installing it
    when missing, as the store tests do)."""
    if url:
        return url
    out = subprocess.run(
        [str(ROOT / "scripts" / "services"), "start"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


@contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new database on the server of ``url`` (its URL), dropped after."""
    name = f"cw_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_store(sqlite: bool, url: str | None = None) -> Iterator[str]:
    """A store URL: a new SQLite file (``sqlite``) or a new PostgreSQL database."""
    if sqlite:
        with tempfile.TemporaryDirectory(prefix="cw_bench_") as tmp:
            yield str(Path(tmp) / "store.db")
        return
    with fresh_database(server_url(url)) as db:
        yield db


@contextmanager
def store_at(database_url: str | None) -> Iterator[str]:
    """A store URL: a new database on the PostgreSQL server ``database_url`` (dropped after),
    else a new SQLite file in /dev/shm (else the temporary folder), as a store on a fast disk."""
    if database_url:
        with fresh_database(database_url) as url:
            yield url
        return
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(prefix="cw_bench_", dir=shm) as tmp:
        yield f"{tmp}/store.db"


def bench_parser(
    doc: str | None, paragraph: int, *, sqlite: bool = False
) -> argparse.ArgumentParser:
    """The store benches' parser: paragraph ``paragraph`` of the script's docstring as its
    description, ``--url`` (a PostgreSQL server) and, with ``sqlite``, ``--sqlite``."""
    ap = argparse.ArgumentParser(
        description=(doc or "").split("\n\n")[paragraph].replace("\n", " "),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--url", help="a PostgreSQL server (default: scripts/services')")
    if sqlite:
        ap.add_argument("--sqlite", action="store_true", help="a fresh SQLite file instead")
    return ap

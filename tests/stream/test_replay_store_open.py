"""``callwarden replay --db`` reads a store and writes nothing to it. Before, it opened the
database as ``serve`` does, migrating it: a SQLite file that is not a store got callwarden's
13 tables written into it and was replayed as an empty store ('0 subscribers ...', exit 0),
and a file that is not a database or a server that does not answer stopped the command with
a SQLAlchemy traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner, Result

from callwarden.cli.main import app
from callwarden.store import Store


def _replay(world: Path, db: str) -> Result:
    return CliRunner().invoke(
        app,
        [
            "replay", "--cdrs", str(world / "s2"), "--model", str(world / "model"),
            "--db", db, "--batch-s", "600", "--campaign-every-s", "0",
        ],
    )  # fmt: skip


def _tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as c:
        return sorted(r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'"))


def test_replay_refuses_a_sqlite_file_that_is_no_store_and_leaves_it_alone(
    world: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE notes (x)")
    res = _replay(world, str(other))
    assert res.exit_code == 2, res.output
    assert "error:" in res.output and "not a callwarden store" in res.output
    assert "replayed" not in res.output
    assert _tables(other) == ["notes"]


def test_replay_refuses_a_file_that_is_not_a_database(world: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not a database\n", encoding="utf-8")
    res = _replay(world, str(bad))
    assert res.exit_code == 2, res.output
    assert "error:" in res.output and "cannot be read" in res.output
    assert "Traceback" not in res.output


def test_replay_refuses_an_unreachable_server_without_showing_the_password(
    world: Path,
) -> None:
    res = _replay(world, "postgresql://u:s3cret@127.0.0.1:1/store")
    assert res.exit_code == 2, res.output
    assert "error:" in res.output and "cannot be read" in res.output
    assert "s3cret" not in res.output


def test_replay_reads_a_current_store(world: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    Store.open(str(db)).close()
    res = _replay(world, str(db))
    assert res.exit_code == 0, res.output
    assert "0 subscribers with their own settings" in res.output

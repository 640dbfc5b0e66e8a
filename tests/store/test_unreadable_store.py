"""A store that cannot be read (a file that is not a database, a server that refuses) is one
ConfigError naming it, password hidden, for Store.open and so for `serve`, `apikey` and
`demo`; before, they stopped with a SQLAlchemy traceback (`replay --db` had its own check)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.errors import ConfigError
from callwarden.store import Store

REFUSED = "postgresql://cw:s3cret@127.0.0.1:1/nowhere"  # nothing listens on port 1


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"\x00\x01 not sqlite at all " * 20)
    with pytest.raises(ConfigError, match="notes.db cannot be read: file is not a database"):
        Store.open(str(bad))
    assert bad.read_bytes() == b"\x00\x01 not sqlite at all " * 20  # nothing written


def test_a_server_that_does_not_answer_hides_the_password() -> None:
    with pytest.raises(ConfigError, match=r"cw:\*\*\*@127.0.0.1:1/nowhere cannot be read") as e:
        Store.open(REFUSED)
    assert "s3cret" not in str(e.value)


@pytest.mark.parametrize("command", [["apikey", "--role", "operator"], ["serve", "--port", "9"]])
def test_the_cli_says_so_in_one_line(tmp_path: Path, command: list[str]) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"\x00" * 200)
    res = CliRunner().invoke(app, [*command, "--db", str(bad)])
    assert res.exit_code == 2, res.output
    assert "error: store" in res.output and "file is not a database" in res.output
    assert "Traceback" not in res.output

"""Every command has help text and appears in the README (sqlite-utils habit)."""

from __future__ import annotations

from pathlib import Path

import typer.main
from typer.testing import CliRunner

from callwarden.cli.main import app

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands() -> dict[str, object]:
    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


def test_root_help() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "callwarden" in result.output.lower()


def test_every_command_has_help_and_is_in_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for name, cmd in _commands().items():
        assert (cmd.help or "").strip(), f"command {name!r} has no help text"  # type: ignore[attr-defined]
        assert f"callwarden {name}" in readme, f"command {name!r} is not in README.md"

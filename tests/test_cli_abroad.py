"""The CLI's edge of the international-gateway rule: files found beside the CDRs, and the
rule off (with a warning) without a registry: domestic is never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.cli._abroad import abroad_rule


def _files(folder: Path, roaming: bool = True) -> None:
    (folder / "ingresses.csv").write_text("ingress,kind\nIGW-1,international\n", encoding="utf-8")
    if roaming:
        (folder / "roaming.csv").write_text(
            "number,from,until\n+8613800138000,2026-11-30T00:00:00Z,\n", encoding="utf-8"
        )


def test_found_beside_the_cdrs(tmp_path: Path) -> None:
    _files(tmp_path)
    setup = abroad_rule(tmp_path / "cdrs.parquet", None, None, (86,))
    assert setup.rule is not None and setup.rule.roaming is not None
    assert setup.files == {
        "ingresses": str(tmp_path / "ingresses.csv"),
        "roaming": str(tmp_path / "roaming.csv"),
    }
    assert "rejected as spoofed unless roaming (1 numbers" in setup.line
    (tmp_path / "bare").mkdir()
    _files(tmp_path / "bare", roaming=False)
    setup = abroad_rule(tmp_path / "bare", None, None, (86,))
    assert setup.rule is not None and setup.rule.roaming is None and "labelled" in setup.line


def test_off_without_a_registry_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _files(tmp_path)
    setup = abroad_rule(tmp_path, None, None, None)
    assert setup.rule is None and setup.line == ""
    assert "without --registry no number is known to be domestic" in capsys.readouterr().err


def test_off_without_an_ingresses_file(tmp_path: Path) -> None:
    setup = abroad_rule(tmp_path, None, None, (86,))
    assert setup.rule is None and setup.files == {"ingresses": "", "roaming": ""}

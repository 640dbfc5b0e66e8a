"""``scripts/demo`` stops at the first step that fails, with that step's exit status: it
went on and exited 0 after ingest refused the simulator's file (30 Nov), so scan, evaluate
and replay each failed on the missing folder and the run still looked successful."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from callwarden.cli.demo import _run


def test_a_failing_step_stops_the_demo(tmp_path: Path) -> None:
    with pytest.raises(typer.Exit) as stop:
        _run(["scan", "--cdrs", str(tmp_path / "none"), "--model", str(tmp_path), "--out",
              str(tmp_path / "s")])  # fmt: skip
    assert stop.value.exit_code == 2


def test_a_step_that_works_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    _run(["number", "13800138000"])
    assert "+8613800138000" in capsys.readouterr().out


def test_the_demos_simulate_then_ingest(tmp_path: Path) -> None:
    """The demo's first steps on a small day: ingest takes the simulator's own file (its
    integer number keys included)."""
    sim, out = tmp_path / "sim", tmp_path / "cdrs"
    _run(["simulate", "--scenario", "article", "--seed", "2", "--subscribers", "2000",
          "--out", str(sim)])  # fmt: skip
    _run(["ingest", str(sim / "cdrs.parquet"), "--out", str(out)])
    assert any((out / "cdrs").rglob("*.parquet"))

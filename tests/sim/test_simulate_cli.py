"""``callwarden simulate``: an output folder that cannot be created is one error line (exit
2), before the run; the help names every population and the smallest --subscribers."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_an_out_folder_that_cannot_be_created_is_one_error_line() -> None:
    res = CliRunner().invoke(
        app, ["simulate", "--seed", "1", "--subscribers", "1000", "--out", "/proc/cw-x"]
    )
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "/proc/cw-x" in errors[0], res.output


def test_help_names_every_population_and_the_smallest_run() -> None:
    text = " ".join(CliRunner().invoke(app, ["simulate", "--help"]).output.split())
    for word in ("couriers", "AXB", "banks", "clinics", "schools", "sales", "1000"):
        assert word in text, text


def test_help_names_every_shipped_scenario() -> None:
    from callwarden.sim.scenario import SHIPPED

    text = " ".join(CliRunner().invoke(app, ["simulate", "--help"]).output.split())
    for name in SHIPPED:  # `padded` was missing from the list until session 23
        assert name in text, (name, text)

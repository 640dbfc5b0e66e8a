"""A small simulated world (seed 1 to train, seed 2 to replay) and a quickly trained model."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

SUBSCRIBERS = 3000


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from callwarden.sim import simulate, write_sim

    root = tmp_path_factory.mktemp("stream_world")
    for seed in (1, 2):
        write_sim(
            simulate("article", seed=seed, days=1, subscribers=SUBSCRIBERS), root / f"s{seed}"
        )
    s1 = root / "s1"
    result = CliRunner().invoke(
        app,
        [
            "train", "--cdrs", str(s1), "--labels", str(s1 / "labels.csv"),
            "--registry", str(s1 / "registry.csv"), "--rounds", "60", "--seed", "1",
            "--out", str(root / "model"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="session")
def model(world: Path):  # type: ignore[no-untyped-def]
    from callwarden.detect.io import load_model

    return load_model(world / "model")[0]

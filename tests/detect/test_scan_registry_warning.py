"""scan says so when the model learnt with a registry and the scan has none (audit B: the
5,000-subscriber seed-2 day scanned without --registry flagged 322 numbers instead of 328
and no fraud, with UNALLOCATED_CALLER silent, exit 0 and no word about it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

pytestmark = pytest.mark.slow


def test_scan_without_the_registry_the_model_learnt_with_warns(tmp_path: Path) -> None:
    from callwarden.sim import simulate, write_sim

    sim = write_sim(simulate("article", seed=1, subscribers=1500), tmp_path / "s1")
    runner = CliRunner()

    def run(args: list[str]) -> str:
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output + repr(res.exception)
        return res.output

    common = ["--cdrs", str(sim), "--labels", str(sim / "labels.csv"), "--rounds", "3",
              "--folds", "2"]  # fmt: skip
    run(["train", *common, "--registry", str(sim / "registry.csv"), "--out", str(tmp_path / "r")])
    run(["train", *common, "--out", str(tmp_path / "n")])
    warning = "was trained with an allocation registry (--registry) and this scan has none"
    scan = ["scan", "--cdrs", str(sim), "--top", "0"]
    assert warning in run([*scan, "--model", str(tmp_path / "r"), "--out", str(tmp_path / "a")])
    reg = ["--registry", str(sim / "registry.csv")]
    for model in ("r", "n"):
        out = run([*scan, *reg, "--model", str(tmp_path / model), "--out", str(tmp_path / "b")])
        assert warning not in out
    assert warning not in run([*scan, "--model", str(tmp_path / "n"), "--out", str(tmp_path / "c")])

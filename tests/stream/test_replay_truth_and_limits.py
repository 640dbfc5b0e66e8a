"""replay finds the call truth beside a Parquet file as beside a folder, says when it has
no truth at all, and refuses non-finite intervals; train refuses a non-finite
--partial-days-s (streaming audit of 29 Nov: `--cdrs s4/cdrs.parquet` without --labels
counted every call benign, 17.8 % "benign calls rejected", exit 0 and no word; --batch-s inf
ran and wrote Infinity into the JSON report; --partial-days-s nan trained and wrote NaN into
manifest.json)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from callwarden.cli.main import app
from callwarden.sim import simulate, write_sim


def _run(args: Sequence[object]) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("replay-truth")
    sim = write_sim(simulate("article", seed=4, subscribers=1000), root / "s")
    model = root / "m"
    res = _run(["train", "--cdrs", sim, "--labels", sim / "labels.csv", "--registry",
                sim / "registry.csv", "--rounds", "10", "--folds", "2", "--out", model])  # fmt: skip
    assert res.exit_code == 0, res.output
    return sim, model


def _replay(sim: Path, model: Path, cdrs: Path, out: Path, *extra: object) -> Result:
    return _run(["replay", "--cdrs", cdrs, "--model", model, "--registry", sim / "registry.csv",
                 "--batch-s", "300", "--campaign-every-s", "0", "--out", out, *extra])  # fmt: skip


def test_the_truth_beside_a_parquet_file_is_found(world: tuple[Path, Path], tmp_path: Path) -> None:
    sim, model = world
    folder = _replay(sim, model, sim, tmp_path / "folder.json")
    single = _replay(sim, model, sim / "cdrs.parquet", tmp_path / "file.json")
    assert folder.exit_code == single.exit_code == 0, single.output
    a = json.loads((tmp_path / "folder.json").read_text())["summary"]
    b = json.loads((tmp_path / "file.json").read_text())["summary"]
    assert a == b and a["unwanted_calls"] > 0


def test_no_truth_at_all_is_said(world: tuple[Path, Path], tmp_path: Path) -> None:
    sim, model = world
    alone = tmp_path / "cdrs.parquet"
    shutil.copy(sim / "cdrs.parquet", alone)
    res = _replay(sim, model, alone, tmp_path / "r.json")
    assert res.exit_code == 0 and "no --labels and no --truth" in res.output, res.output


@pytest.mark.parametrize("option", ["--batch-s", "--campaign-every-s"])
def test_non_finite_intervals_are_refused(
    world: tuple[Path, Path], tmp_path: Path, option: str
) -> None:
    sim, model = world
    res = _replay(sim, model, sim, tmp_path / "r.json", option, "inf")
    assert res.exit_code == 2 and option in res.output, res.output


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_train_refuses_a_non_finite_partial_day(
    world: tuple[Path, Path], tmp_path: Path, value: str
) -> None:
    sim, _ = world
    res = _run(["train", "--cdrs", sim, "--labels", sim / "labels.csv", "--partial-days-s", value,
                "--out", tmp_path / "m"])  # fmt: skip
    assert res.exit_code == 2 and "--partial-days-s" in res.output, res.output

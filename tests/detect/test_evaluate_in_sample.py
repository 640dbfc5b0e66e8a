"""evaluate says when the verdicts score rows the model was trained on (a model remembers
them: the Sichuan table trained, scanned and evaluated on itself scores macro-F1 1.0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.detect.training_rows import FILE, in_training, read_rows, row_hashes


def _table(path: Path, ids: range, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, len(ids))
    x = y * 1.0 + rng.normal(0, 0.8, len(ids))
    pacsv.write_csv(
        pa.table(
            {"id": [f"n{i}" for i in ids], "x": x, "z": rng.normal(0, 1, len(ids)), "label": y}
        ),
        path,
    )
    return path


def _run(args: list[str]) -> str:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output + repr(res.exception)
    return res.output


def test_hashes_find_their_rows_only() -> None:
    stored = row_hashes(["a@2026-11-02", "b@2026-11-02"], "f" * 64)
    got = in_training(["a@2026-11-02", "a@2026-11-03", "c@2026-11-02"], stored, "f" * 64)
    assert got.tolist() == [True, False, False]
    # another model's key makes other hashes
    assert not in_training(["a@2026-11-02"], stored, "e" * 64).any()


def _train(table: Path, model: Path) -> None:
    _run(["train", "--features", str(table), "--id-column", "id", "--label-column", "label",
          "--objective", "f1", "--rounds", "30", "--folds", "2", "--out", str(model)])  # fmt: skip


def _scan(table: Path, model: Path, out: Path) -> None:
    _run(["scan", "--features", str(table), "--id-column", "id", "--model", str(model),
          "--out", str(out)])  # fmt: skip


def _evaluate(out: Path, table: Path) -> tuple[str, dict[str, Any]]:
    """evaluate's output (stderr too) and its evaluation.json."""
    text = _run(["evaluate", "--verdicts", str(out / "verdicts.csv"), "--labels", str(table),
                 "--id-column", "id", "--label-column", "label"])  # fmt: skip
    return text, json.loads((out / "evaluation.json").read_text())


@pytest.mark.slow
def test_evaluate_names_in_sample_verdicts(tmp_path: Path) -> None:
    train = _table(tmp_path / "train.csv", range(400), 0)
    held = _table(tmp_path / "held.csv", range(400, 700), 1)
    model = tmp_path / "m"
    _train(train, model)
    stored = read_rows(model)
    assert stored is not None and len(stored) == 400 and (model / FILE).stat().st_size == 3200

    _scan(train, model, tmp_path / "same")
    text, report = _evaluate(tmp_path / "same", train)
    assert report["in_sample"]["rows_in_training"] == 400 and report["in_sample"]["share"] == 1.0
    assert "warning: in-sample: 400 of 400 verdicts (100.00%) are of training rows" in text
    _scan(held, model, tmp_path / "held")
    text, report = _evaluate(tmp_path / "held", held)
    assert report["in_sample"]["rows_in_training"] == 0 and "in-sample" not in text


@pytest.mark.slow
def test_a_model_retrained_into_the_scans_folder_is_not_checked(tmp_path: Path) -> None:
    """Retraining nightly into one folder: the verdicts were scored by the model that was
    there, so the hashes of the one there now say nothing about them."""
    first = _table(tmp_path / "a.csv", range(300), 0)
    second = _table(tmp_path / "b.csv", range(300, 600), 1)
    model = tmp_path / "m"
    _train(second, model)
    _scan(first, model, tmp_path / "s")
    _train(first, model)  # the folder now holds a model of the scanned rows
    text, report = _evaluate(tmp_path / "s", first)
    assert report["in_sample"]["checked"] is False and "warning: in-sample" not in text
    assert "in-sample: not checked" in text

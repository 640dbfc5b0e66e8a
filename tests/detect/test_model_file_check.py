"""A damaged model directory is a ModelError before LightGBM parses it (audit 3, item 4: a
truncated model.txt aborted the process, rc 134, or segfaulted, rc 139; a non-UTF-8
manifest.json raised UnicodeDecodeError)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from callwarden.detect.io import load_model, save_model
from callwarden.detect.model import TrainedModel, train
from callwarden.errors import ModelError
from tests.detect.test_model import CONFIG, synthetic


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    return train(synthetic(300), CONFIG)


def _legacy(d: Path) -> None:
    """What a directory written before the checksum looks like (format 1, no model_txt)."""
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    del manifest["model_txt"]
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_manifest_records_size_and_sha256(model: TrainedModel, tmp_path: Path) -> None:
    d = save_model(model, tmp_path / "m", kind="cdr")
    text = (d / "model.txt").read_bytes()
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == 1
    assert manifest["model_txt"] == {
        "bytes": len(text),
        "sha256": hashlib.sha256(text).hexdigest(),
    }


@pytest.mark.parametrize("keep", [0.5, 0.05, 1000])
@pytest.mark.parametrize("legacy", [False, True])
def test_truncated_model_txt_is_a_model_error(
    model: TrainedModel, tmp_path: Path, keep: float, legacy: bool
) -> None:
    d = save_model(model, tmp_path / "m", kind="cdr")
    if legacy:
        _legacy(d)
    text = (d / "model.txt").read_bytes()
    (d / "model.txt").write_bytes(text[: int(keep if keep > 1 else len(text) * keep)])
    with pytest.raises(ModelError, match="model.txt is damaged"):
        load_model(d)


def test_same_size_changed_bytes_fail_the_checksum(model: TrainedModel, tmp_path: Path) -> None:
    d = save_model(model, tmp_path / "m", kind="cdr")
    text = bytearray((d / "model.txt").read_bytes())
    i = text.index(b"leaf_value=") + len(b"leaf_value=")
    text[i] = ord("9") if text[i] != ord("9") else ord("8")
    (d / "model.txt").write_bytes(bytes(text))
    with pytest.raises(ModelError, match="SHA-256 does not match"):
        load_model(d)


def test_format_1_directory_without_checksum_still_loads(
    model: TrainedModel, tmp_path: Path
) -> None:
    d = save_model(model, tmp_path / "m", kind="cdr")
    _legacy(d)
    loaded, manifest = load_model(d)
    assert "model_txt" not in manifest
    X = synthetic(50, seed=3).X
    assert np.array_equal(loaded.booster.predict(X), model.booster.predict(X))


def test_non_utf8_manifest_is_a_model_error(model: TrainedModel, tmp_path: Path) -> None:
    d = save_model(model, tmp_path / "m", kind="cdr")
    (d / "manifest.json").write_bytes(b"\xff\xfe{" + (d / "manifest.json").read_bytes())
    with pytest.raises(ModelError, match="manifest.json is not UTF-8"):
        load_model(d)


def test_models_of_the_same_rows_with_other_settings_have_other_versions(tmp_path: Path) -> None:
    """The version names the data, the trees and the thresholds (CLI audit: models trained on
    the same rows with 50 or 300 rounds, or another target precision, shared one version)."""
    from dataclasses import replace

    from callwarden.detect.io import saved_version

    data = synthetic(300)
    first, again = train(data, CONFIG), train(data, CONFIG)
    fewer = train(data, replace(CONFIG, num_boost_round=CONFIG.num_boost_round // 2))
    a = saved_version(save_model(first, tmp_path / "a", kind="cdr"))
    b = saved_version(save_model(again, tmp_path / "again", kind="cdr"))
    c = saved_version(save_model(fewer, tmp_path / "fewer", kind="cdr"))
    assert first.fingerprint == fewer.fingerprint  # the same rows
    assert a == b and a != c and len(a) == 12

"""The HTTP path decides with the stream engine's bands: ``serve --model`` (and the demo) put
in force exactly what the engine derives from the same model, so the replay's figures
describe what ``/v1/decide`` does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callwarden.cli.serve import bands_from_model, describe_bands
from callwarden.detect.io import saved_version
from callwarden.errors import ModelError
from callwarden.store import Store
from callwarden.stream import Scorer, StreamEngine


def test_serve_puts_the_engines_bands_in_force(world: Path, model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bands, source = bands_from_model(world / "model")
    engine = StreamEngine(Scorer(model))
    assert bands == engine.thresholds
    assert bands.label_at == float(model.threshold.value)
    assert saved_version(world / "model") in source

    store = Store.open(str(tmp_path / "s.db"))
    assert "policy defaults" in describe_bands(store)
    store.save_thresholds(bands, source, actor="test")
    assert store.load_thresholds().thresholds == engine.thresholds  # type: ignore[union-attr]
    assert f"label at {bands.label_at:.6g}" in describe_bands(store)
    store.close()


def test_a_bad_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):  # one error line (cli.main)
        bands_from_model(tmp_path / "nope")


def test_serve_warns_when_the_bands_do_not_come_from_the_verdicts_model(
    world: Path,
    model,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from callwarden.cli.serve import bands_mismatch
    from callwarden.policy import Thresholds

    scan = tmp_path / "scan"
    scan.mkdir()
    verdicts = scan / "verdicts.csv"
    verdicts.write_text("number,label,score\n", encoding="utf-8")
    store = Store.open(str(tmp_path / "s.db"))
    assert bands_mismatch(store, verdicts) is None  # no scan-summary.json: nothing to tell
    version = saved_version(world / "model")
    (scan / "scan-summary.json").write_text(
        json.dumps({"model_version": version, "threshold": float(model.threshold.value)}),
        encoding="utf-8",
    )
    warning = bands_mismatch(store, verdicts)
    assert warning is not None and "the policy defaults" in warning and version in warning
    store.save_thresholds(Thresholds(0.6, 0.95, 0.9), "operator op: by hand", actor="op")
    assert "operator op" in (bands_mismatch(store, verdicts) or "")
    store.save_thresholds(*bands_from_model(world / "model"), actor="test")
    assert bands_mismatch(store, verdicts) is None
    store.close()

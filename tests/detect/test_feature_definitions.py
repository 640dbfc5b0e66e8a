"""A model directory records what its features computed (session 24): a model trained on
other definitions of the same names (``attempts_by_caller_1h`` was the busiest clock hour)
is refused with the reason and the fix, not silently fed the new values."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from callwarden.detect.io import ACCEPT_CHANGED, load_model, save_model
from callwarden.detect.model import TrainedModel, train
from callwarden.errors import ModelError
from callwarden.features.definitions import DEFINITION_DIGESTS
from tests.detect.test_model import CONFIG, synthetic

#: The synthetic model's columns, one of them the 1h window.
NAMES = (
    "attempts_by_caller_1d", "answer_rate_by_caller_1d", "callback_rate_by_caller_1d",
    "unallocated_by_caller_1d", "attempts_by_caller_1h", "noise",
)  # fmt: skip


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    return train(dataclasses.replace(synthetic(300), feature_names=NAMES), CONFIG)


def _edit(d: Path, change) -> None:  # type: ignore[no-untyped-def]
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_manifest_records_each_catalogue_feature(model: TrainedModel, tmp_path: Path) -> None:
    d = save_model(model, tmp_path / "m", kind="cdr")
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == 1
    want = {n: DEFINITION_DIGESTS[n] for n in NAMES if n != "noise"}
    assert manifest["feature_definitions"] == want
    assert json.loads((d / "features.json").read_text()) == list(NAMES)  # still names only
    load_model(d)  # today's model loads


def test_a_model_from_before_the_record_is_refused(
    model: TrainedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No record: trained on the clock hour. The message names the feature and the fix."""
    monkeypatch.delenv(ACCEPT_CHANGED, raising=False)
    d = save_model(model, tmp_path / "m", kind="cdr")
    _edit(d, lambda m: m.pop("feature_definitions"))
    with pytest.raises(ModelError) as err:
        load_model(d)
    text = str(err.value)
    assert "attempts_by_caller_1h was the busiest clock hour" in text
    assert "callwarden train" in text and ACCEPT_CHANGED in text
    # ... and scores with a warning when the operator says so
    monkeypatch.setenv(ACCEPT_CHANGED, "1")
    with pytest.warns(UserWarning, match="busiest clock hour"):
        _, manifest = load_model(d)
    assert manifest["feature_definitions_changed"] == ["attempts_by_caller_1h"]
    # ... or hands the warning to the caller (the CLI prints one 'warning:' line)
    said: list[str] = []
    load_model(d, on_changed=said.append)
    assert len(said) == 1 and "busiest clock hour" in said[0]


@pytest.mark.parametrize("value", ["true", "yes", "2"])
def test_an_override_other_than_1_is_named_as_not_understood(
    model: TrainedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ACCEPT_CHANGED, value)
    d = save_model(model, tmp_path / "m", kind="cdr")
    _edit(d, lambda m: m.pop("feature_definitions"))
    with pytest.raises(ModelError, match=f"{ACCEPT_CHANGED}='{value}' is not understood"):
        load_model(d)
    monkeypatch.setenv(ACCEPT_CHANGED, "0")  # a plain no: not remarked on
    with pytest.raises(ModelError) as err:
        load_model(d)
    assert "not understood" not in str(err.value)


def test_a_changed_digest_is_refused(
    model: TrainedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ACCEPT_CHANGED, raising=False)
    d = save_model(model, tmp_path / "m", kind="cdr")
    _edit(d, lambda m: m["feature_definitions"].update(answer_rate_by_caller_1d="0" * 12))
    with pytest.raises(
        ModelError, match=r"other definitions of its features \(answer_rate_by_caller_1d\)"
    ):
        load_model(d)


def test_an_old_model_without_the_1h_window_still_loads(tmp_path: Path) -> None:
    """Only the features a model uses count: one without the 1h window is unaffected."""
    old = train(synthetic(300), CONFIG)  # (tests/detect/test_model.py's columns: no 1h)
    d = save_model(old, tmp_path / "m", kind="cdr")
    _edit(d, lambda m: m.pop("feature_definitions"))
    load_model(d)


def test_a_table_model_is_not_checked(model: TrainedModel, tmp_path: Path) -> None:
    """A --features table's columns are whatever the carrier computed: nothing recorded."""
    d = save_model(model, tmp_path / "m", kind="table")
    assert "feature_definitions" not in json.loads((d / "manifest.json").read_text())
    load_model(d)

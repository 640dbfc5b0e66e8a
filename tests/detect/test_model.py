"""Training determinism, the model directory and its errors, reasons and rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from callwarden.detect.io import load_model, save_model
from callwarden.detect.model import Dataset, TrainConfig, TrainedModel, train
from callwarden.detect.reasons import Reason, top_reasons
from callwarden.detect.rules import RuleConfig
from callwarden.detect.verdicts import score_numbers
from callwarden.errors import ModelError
from callwarden.reasons import render

NAMES = (
    "attempts_by_caller_1d", "answer_rate_by_caller_1d", "callback_rate_by_caller_1d",
    "unallocated_by_caller_1d", "attempts_by_ingress_1d", "noise",
)  # fmt: skip
CONFIG = TrainConfig(num_boost_round=40, folds=3, target_precision=0.99)


def synthetic(n: int = 900, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=[0.8, 0.15, 0.05])
    X = np.column_stack(
        [
            rng.poisson(np.where(y > 0, 400, 20)),
            np.clip(rng.normal(np.where(y > 0, 0.2, 0.7), 0.1), 0, 1),
            np.clip(rng.normal(np.where(y == 2, 0.3, np.where(y == 1, 0.0, 0.4)), 0.05), 0, 1),
            (rng.random(n) < np.where(y > 0, 0.3, 0.0)).astype(float),
            rng.poisson(1000, n).astype(float),
            rng.random(n),
        ]
    ).astype(float)
    X[rng.random(n) < 0.05, 2] = np.nan  # missing values are part of the contract
    ids = np.array([f"+86138{i:08d}" for i in range(n)], dtype=object)
    return Dataset(ids, X, y, ("benign", "harassment", "fraud"), NAMES, ids)


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    return train(synthetic(), CONFIG)


def test_training_ignores_row_order(model: TrainedModel) -> None:
    data = synthetic()
    perm = np.random.default_rng(1).permutation(len(data.ids))
    again = train(data.take(perm), CONFIG)
    assert again.booster.model_to_string() == model.booster.model_to_string()
    assert again.threshold == model.threshold
    assert again.fingerprint == model.fingerprint
    a = score_numbers(model, data.ids, data.X).to_arrow()
    b = score_numbers(again, data.ids, data.X).to_arrow()
    assert a.equals(b)


def test_different_seed_gives_a_different_model(model: TrainedModel) -> None:
    other = train(
        synthetic(), TrainConfig(num_boost_round=40, folds=3, seed=5, feature_fraction=0.5)
    )
    assert other.booster.model_to_string() != model.booster.model_to_string()


def test_model_directory_round_trip(model: TrainedModel, tmp_path: Path) -> None:
    save_model(model, tmp_path / "m", kind="cdr")
    loaded, manifest = load_model(tmp_path / "m")
    assert manifest["kind"] == "cdr" and manifest["format_version"] == 1
    assert manifest["training_fingerprint"] == model.fingerprint
    data = synthetic(200, seed=9)
    np.testing.assert_allclose(loaded.proba(data.X), model.proba(data.X))
    assert loaded.threshold == model.threshold


def _break(d: Path, how: str) -> None:
    if how == "missing_file":
        (d / "thresholds.json").unlink()
    elif how == "bad_json":
        (d / "manifest.json").write_text("{not json", encoding="utf-8")
    elif how == "future_version":
        m = json.loads((d / "manifest.json").read_text())
        m["format_version"] = 99
        (d / "manifest.json").write_text(json.dumps(m))
    elif how == "feature_mismatch":
        (d / "features.json").write_text(json.dumps(list(NAMES[:-1]) + ["other"]))
    elif how == "not_lightgbm":
        (d / "model.txt").write_text("hello", encoding="utf-8")
    elif how == "bad_threshold":
        (d / "thresholds.json").write_text("{}", encoding="utf-8")


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("missing_file", "missing thresholds.json"),
        ("bad_json", "manifest.json is not valid JSON"),
        ("future_version", "format version 99"),
        ("feature_mismatch", "features.json does not match"),
        ("not_lightgbm", "not a LightGBM model"),
        ("bad_threshold", "malformed"),
    ],
)
def test_malformed_model_directory(
    model: TrainedModel, tmp_path: Path, how: str, message: str
) -> None:
    d = save_model(model, tmp_path / "m", kind="cdr")
    _break(d, how)
    with pytest.raises(ModelError, match=message):
        load_model(d)


def test_missing_model_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelError, match="not a directory"):
        load_model(tmp_path / "file")
    shutil.rmtree(tmp_path)


def test_verdicts_reasons_and_rules(model: TrainedModel) -> None:
    data = synthetic(300, seed=4)
    res = score_numbers(model, data.ids, data.X, rules=RuleConfig())
    flagged = res.flagged
    assert flagged.any() and (~flagged).any()
    for i in np.flatnonzero(flagged):
        assert 1 <= len(res.reasons[i]) <= 4
        assert res.labels[i] in ("harassment", "fraud")
    assert all(not res.reasons[i] for i in np.flatnonzero(~flagged))
    # the hard rule flags an unallocated displayed number whatever the model says
    X = data.X.copy()
    quiet = int(np.flatnonzero(~flagged)[0])
    X[quiet, 3] = 1.0
    res2 = score_numbers(model, data.ids, X, rules=RuleConfig())
    assert res2.flagged[quiet] and res2.reasons[quiet][0].code == "UNALLOCATED_CALLER"
    assert res2.scores[quiet] >= RuleConfig().score_floor
    table = res.to_arrow()
    assert table.column_names == ["number", "label", "score", "category", "reasons", "campaign"]
    json.loads(table["reasons"][int(np.flatnonzero(flagged)[0])].as_py())


def test_reason_codes_and_rendering() -> None:
    contrib = np.array([[0.1, 2.0, 1.5, 0.0, 0.3, -1.0]])
    X = np.array([[500.0, 0.11, 0.0, 0.0, 900.0, 0.5]])
    ref = {n: v for n, v in zip(NAMES, (20.0, 0.7, 0.4, 0.0, 1000.0, 0.5), strict=True)}
    (reasons,) = top_reasons(contrib, X, NAMES, ref, k=3)
    assert [r.code for r in reasons] == [
        "LOW_ANSWER_RATE",
        "LOW_CALLBACK_RATE",
        "LOW_INGRESS_ATTEMPTS",
    ]
    assert reasons[0].evidence == {"answer_rate_by_caller_1d": 0.11, "benign_median": 0.7}
    assert render(reasons[0], "en") == "low answer rate (day): 0.11 (benign median 0.7)"
    assert render(reasons[0], "zh") == "当日接通率偏低：0.11（正常号码中位数 0.7）"
    rule = Reason("UNALLOCATED_CALLER", {"unallocated_by_caller_1d": 1}, source="rule")
    assert "空号" in render(rule, "zh") and "not allocated" in render(rule, "en")

"""Confident learning (``confident_rows``): training rows whose label the out-of-fold scores
confidently contradict are left out of the fit (opt-in: --prune-label-noise)."""

from __future__ import annotations

import numpy as np

from callwarden.detect.model import TABLE_PRESET, Dataset, TrainConfig, confident_rows, train


def test_the_confident_joint_by_hand() -> None:
    # thresholds: benign rows' own probabilities 0.9, 0.8, 0.5 -> t0 = 0.7333;
    # fraud rows' 0.9, 0.2 -> t1 = 0.55
    y = np.array([0, 0, 0, 1, 1])
    p_fraud = np.array([0.1, 0.2, 0.5, 0.9, 0.2])
    proba = np.column_stack([1 - p_fraud, p_fraud])
    keep = confident_rows(y, proba)
    # row 2 (benign, own 0.5) reaches neither threshold (0.5 < t0, 0.5 < t1): kept;
    # row 4 (fraud, own 0.2) has benign 0.8 >= t0: counted as benign, dropped
    assert keep.tolist() == [True, True, True, True, False]
    # three classes: a row counts under the likeliest class that reaches its threshold
    y3 = np.array([0, 1, 2, 2])
    p3 = np.array([[0.8, 0.1, 0.1], [0.1, 0.6, 0.3], [0.1, 0.2, 0.7], [0.1, 0.6, 0.3]])
    assert confident_rows(y3, p3).tolist() == [True, True, True, False]


def _table(seed: int, flip: int) -> Dataset:
    rng = np.random.default_rng(seed)
    n = 600
    y = (rng.random(n) < 0.3).astype(np.int64)
    X = np.column_stack([y * 2.0 + rng.normal(0, 1, n), rng.normal(0, 1, n)])
    noisy = y.copy()
    noisy[rng.choice(np.flatnonzero(y == 1), flip, replace=False)] = 0  # missed frauds
    return Dataset(
        np.array([f"n{i}" for i in range(n)], dtype=object), X, noisy, ("benign", "fraud"),
        ("x", "z"), np.array([f"n{i}" for i in range(n)], dtype=object),
    )  # fmt: skip


def test_table_training_leaves_out_contradicted_rows_deterministically() -> None:
    data = _table(0, flip=40)
    assert not TrainConfig(**TABLE_PRESET).prune_label_noise  # opt-in
    config = TrainConfig(
        **{**TABLE_PRESET, "num_boost_round": 60, "folds": 3, "prune_label_noise": True}
    )
    model = train(data, config)
    pruned = model.metrics["label_noise_pruned"]
    assert pruned["benign"] > 0  # some of the 40 frauds labelled benign are left out
    again = train(data, config)
    assert again.booster.model_to_string() == model.booster.model_to_string()
    off = train(data, TrainConfig(**{**TABLE_PRESET, "num_boost_round": 60, "folds": 3,
                                     "prune_label_noise": False}))  # fmt: skip
    assert "label_noise_pruned" not in off.metrics
    assert off.booster.model_to_string() != model.booster.model_to_string()
    assert TrainConfig.from_dict({**off.config.to_dict()}).prune_label_noise is False
    legacy = {k: v for k, v in config.to_dict().items() if k != "prune_label_noise"}
    assert TrainConfig.from_dict(legacy).prune_label_noise is False  # older manifests

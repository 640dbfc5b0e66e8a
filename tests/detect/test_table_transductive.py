"""bench/sichuan_variants.py transductive variants: held-out rows' labels are never read."""

from __future__ import annotations

from types import ModuleType

import numpy as np


def _blobs(n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    y = (np.arange(n) % 2).astype(np.int64)
    X = rng.normal(size=(n, 3)) + 3.0 * y[:, None]
    return X, y


def test_label_spread_reads_labels_of_labelled_rows_only(sichuan_variants: ModuleType) -> None:
    sv = sichuan_variants
    X, y = _blobs()
    S, _ = sv.spread_graph(X, 5)
    labelled = np.arange(len(y)) < 60
    flipped = y.copy()
    flipped[~labelled] = 1 - flipped[~labelled]  # unlabelled rows' labels must not matter
    a, b = sv.label_spread(S, labelled, y), sv.label_spread(S, labelled, flipped)
    assert np.array_equal(a, b)
    # The two blobs are apart: unlabelled rows take their blob's label.
    assert ((a[~labelled] > 0.5) == (y[~labelled] == 1)).all()


def test_spread_features_never_see_a_training_rows_own_label(sichuan_variants: ModuleType) -> None:
    sv = sichuan_variants
    X, y = _blobs()
    X_tr, y_tr, X_q = X[:60], y[:60], X[60:]
    f_tr, f_q = sv.spread_features(X_tr, y_tr, X_q, seed=0)
    assert f_tr.shape == (60, len(sv.SPREAD_KS) + 3) and f_q.shape == (20, f_tr.shape[1])
    # Row 5's spread scores come from a run where its label is hidden: flipping it changes
    # nothing for row 5 itself (it may change its neighbours').
    y_flip = y_tr.copy()
    y_flip[5] = 1 - y_flip[5]
    g_tr, _ = sv.spread_features(X_tr, y_flip, X_q, seed=0)
    assert np.array_equal(f_tr[5], g_tr[5])


def test_tune_candidates_start_with_the_preset_and_are_fixed(sichuan_variants: ModuleType) -> None:
    sv = sichuan_variants
    a, b = sv.tune_candidates(), sv.tune_candidates()
    assert a == b and len(a) == sv.TUNE_CANDIDATES + 1
    params, checkpoints = sv._tune_params(a[0], 0)
    assert params["learning_rate"] == 0.03 and params["extra_trees"] is True
    assert 800 in checkpoints

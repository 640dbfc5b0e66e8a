"""bench/sichuan_variants.py: neighbourhood features never see a row's own label."""

from __future__ import annotations

from types import ModuleType

import numpy as np


def test_rank_transform_uses_training_values_only(sichuan_variants: ModuleType) -> None:
    sv = sichuan_variants
    grids = sv.rank_fit(np.array([[1.0], [2.0], [3.0], [np.nan]]))
    r = sv.rank_apply(grids, np.array([[0.0], [2.0], [9.0], [np.nan]]))[:, 0]
    assert r.tolist() == [0.0, 0.5, 1.0, -0.5]


def test_training_rows_are_not_their_own_neighbours(sichuan_variants: ModuleType) -> None:
    sv = sichuan_variants
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.zeros(60, dtype=np.int64)
    y[7] = 1  # the only positive: its own rate must be 0 (self excluded), others may see it
    nb_ref, nb_q = sv.neighbour_features(X, y, X[[7]])
    rate5 = sv.KS.index(5)
    assert nb_ref[7, rate5] == 0.0
    # A query row identical to the positive does see it among the reference rows.
    assert nb_q[0, rate5] == 0.2


def test_nested_cv_never_fits_on_the_rows_it_scores(sichuan_variants: ModuleType) -> None:
    sv = sichuan_variants
    n = 200
    X = np.arange(n, dtype=np.float64)[:, None]  # the row number is the only feature
    y = (np.arange(n) % 3 == 0).astype(np.int64)
    ids = np.array([f"n{i}" for i in range(n)], dtype=object)
    calls: list[tuple[set[float], set[float]]] = []

    def fit(X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray, seed: int) -> np.ndarray:
        calls.append((set(X_tr[:, 0].tolist()), set(X_q[:, 0].tolist())))
        return np.full(len(X_q), 0.5)

    scores, pred, outer = sv.nested_cv(X, y, ids, fit, seed=0)
    assert len(calls) == 5 * 6  # 5 inner fits and one final fit per outer fold
    assert all(not (tr & q) for tr, q in calls)
    assert set(outer.tolist()) == set(range(5))
    assert scores.shape == pred.shape == (n,)

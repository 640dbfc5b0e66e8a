"""bench/sichuan_variants.py: neighbourhood features never see a row's own label."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

_PATH = Path(__file__).resolve().parents[2] / "bench" / "sichuan_variants.py"


def _module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("sichuan_variants", _PATH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_rank_transform_uses_training_values_only() -> None:
    sv = _module()
    grids = sv.rank_fit(np.array([[1.0], [2.0], [3.0], [np.nan]]))
    r = sv.rank_apply(grids, np.array([[0.0], [2.0], [9.0], [np.nan]]))[:, 0]
    assert r.tolist() == [0.0, 0.5, 1.0, -0.5]


def test_training_rows_are_not_their_own_neighbours() -> None:
    sv = _module()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.zeros(60, dtype=np.int64)
    y[7] = 1  # the only positive: its own rate must be 0 (self excluded), others may see it
    nb_ref, nb_q = sv.neighbour_features(X, y, X[[7]])
    rate5 = sv.KS.index(5)
    assert nb_ref[7, rate5] == 0.0
    # A query row identical to the positive does see it among the reference rows.
    assert nb_q[0, rate5] == 0.2


def test_nested_cv_never_fits_on_the_rows_it_scores() -> None:
    sv = _module()
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

"""train's stderr holds only callwarden's own lines: a feature missing on every benign row
(e.g. a carrier table column filled only for flagged numbers, or a CDR feature with no
value on the training day) printed NumPy's "RuntimeWarning: All-NaN slice encountered"
on every run (audit B)."""

from __future__ import annotations

import warnings

import numpy as np

from callwarden.detect.model import Dataset, TrainConfig, train


def test_a_feature_missing_on_every_benign_row_warns_nothing() -> None:
    rng = np.random.default_rng(0)
    n = 120
    y = (np.arange(n) % 4 == 0).astype(np.int64)
    X = np.c_[rng.random(n) + y, np.where(y == 1, 1.0, np.nan)]
    ids = np.array([f"n{i:03d}" for i in range(n)], dtype=object)
    data = Dataset(ids, X, y, ("benign", "fraud"), ("f1", "only_flagged"), ids)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        model = train(data, TrainConfig(num_boost_round=3, folds=2))
    assert [str(w.message) for w in seen if issubclass(w.category, RuntimeWarning)] == []
    assert model.reference["only_flagged"] is None and model.reference["f1"] is not None


def test_flagged_rows_all_in_one_fold_is_said_so() -> None:
    """(audit B: one fraud row among 60 said "training data holds a single class", which
    the data does not)"""
    import pytest

    from callwarden.errors import InputError

    n = 60
    y = (np.arange(n) == 5).astype(np.int64)
    ids = np.array([f"u{i}" for i in range(n)], dtype=object)
    data = Dataset(ids, np.arange(n, dtype=float)[:, None] % 7, y, ("benign", "fraud"), ("x",), ids)
    with pytest.raises(InputError, match=r"need flagged numbers in at least two of the 5 folds, "
                       r"and all 1 flagged row\(s\) fall in fold \d"):  # fmt: skip
        train(data, TrainConfig(num_boost_round=3))

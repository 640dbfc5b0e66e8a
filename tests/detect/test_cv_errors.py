"""Too few flagged numbers for the folds: one error that says which part of the data it counts."""

from __future__ import annotations

import numpy as np
import pytest

from callwarden.detect.model import Dataset, TrainConfig, cross_validate, train
from callwarden.errors import InputError

CONFIG = TrainConfig(num_boost_round=5, folds=5)


def table(n: int, flagged: int) -> Dataset:
    ids = np.array([f"u{i:04d}" for i in range(n)], dtype=object)
    X = np.random.default_rng(0).random((n, 2))
    y = np.r_[np.ones(flagged), np.zeros(n - flagged)].astype(int)
    return Dataset(ids, X, y, ("benign", "fraud"), ("a", "b"), ids)


def test_one_flagged_row_cannot_give_out_of_fold_scores() -> None:
    with pytest.raises(InputError, match=r"all 1 flagged row\(s\) fall in fold"):
        train(table(10, 1), CONFIG)


def test_cross_validation_names_the_training_part_its_counts_are_of() -> None:
    """Two flagged rows in the table: with one held out, the training part has one. The
    error said "all 1 flagged row(s)" as if the table held one."""
    with pytest.raises(InputError) as err:
        cross_validate(table(10, 2), CONFIG, 5)
    msg = str(err.value)
    assert msg.startswith("5-fold cross-validation, training part of fold ")
    assert "rows): the out-of-fold scores need flagged numbers" in msg

"""Threshold choice and metrics on hand-made scores."""

from __future__ import annotations

import numpy as np
import pytest

from callwarden.detect.thresholds import for_f1, for_precision
from callwarden.evaluate.metrics import average_precision, classification_report


def test_lowest_threshold_that_keeps_the_target_precision() -> None:
    scores = np.array([0.99, 0.95, 0.90, 0.80, 0.70, 0.60, 0.50])
    positive = np.array([1, 1, 1, 0, 1, 0, 0], dtype=bool)
    t = for_precision(scores, positive, 0.999)
    assert t.value == pytest.approx(0.90) and t.reached_target
    assert t.precision == 1.0 and t.recall == pytest.approx(0.75)
    t = for_precision(scores, positive, 0.8)  # 4 of 5 at 0.70
    assert t.value == pytest.approx(0.70) and t.precision == pytest.approx(0.8)


def test_unreachable_target_is_reported() -> None:
    t = for_precision(np.array([0.9, 0.8]), np.array([False, True]), 0.99)
    assert not t.reached_target


def test_f1_threshold_balances_both_classes() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.2])
    positive = np.array([1, 1, 1, 0, 0, 0], dtype=bool)
    t = for_f1(scores, positive)
    assert 0.4 < t.value < 0.7 and t.precision == 1.0 and t.recall == 1.0


def test_classification_report() -> None:
    truth = np.array([0, 0, 0, 1, 1, 2])
    pred = np.array([0, 1, 0, 1, 0, 2])
    rep = classification_report(truth, pred, ("benign", "harassment", "fraud"))
    assert rep["confusion_matrix"]["counts"] == [[2, 1, 0], [1, 1, 0], [0, 0, 1]]
    h = rep["per_class"]["harassment"]
    assert h["precision"] == pytest.approx(0.5) and h["recall"] == pytest.approx(0.5)
    f = rep["flagged_vs_benign"]  # flagged = {1, 3, 5}; bad = {3, 4, 5}
    assert f["precision"] == pytest.approx(2 / 3) and f["recall"] == pytest.approx(2 / 3)
    assert f["false_positive_rate"] == pytest.approx(1 / 3)


def test_average_precision_matches_scikit_learn() -> None:
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    y = rng.random(200) < 0.3
    s = np.round(rng.random(200) + y * 0.3, 2)
    assert average_precision(s, y) == pytest.approx(average_precision_score(y, s))


def test_category_agreement_counts_rightly_flagged_numbers_only() -> None:
    from callwarden.evaluate.metrics import category_agreement

    got = category_agreement(
        ["insurance", "", "fake_customer_service", "education", "insurance", "courier"],
        ["insurance", "insurance", "refund_scam", "insurance", "insurance", ""],
        np.array([True, True, True, True, False, True]),
    )
    # the 5th is not rightly flagged; the 6th has no true category
    assert got["flagged_with_true_category"] == 4
    assert got["with_category"] == 3 and got["agree"] == 2  # refund_scam is an alias
    assert got["per_true_category"]["insurance"] == {"numbers": 3, "with_category": 2, "agree": 1}

"""Scan's activity cascade: unscored numbers are benign, rules still reach every number."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from callwarden.detect.cascade import number_order, scan_table, score_blocks
from callwarden.detect.model import TrainedModel, train
from callwarden.detect.rules import RuleConfig
from callwarden.detect.verdicts import score_numbers, score_rows
from tests.detect.test_model import CONFIG, NAMES, synthetic


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    return train(synthetic(), CONFIG)


def _table(X: np.ndarray, ids: np.ndarray, scored: np.ndarray | None) -> pa.Table:
    cols: dict[str, object] = {"number": pa.array(ids.tolist(), pa.string())}
    cols.update({n: X[:, j] for j, n in enumerate(NAMES)})
    if scored is not None:
        cols["scored"] = scored
    return pa.table(cols)


def test_scored_rows_get_the_models_verdicts(model: TrainedModel) -> None:
    data = synthetic(600, seed=5)
    X = data.X.copy()
    X[:, NAMES.index("unallocated_by_caller_1d")] = 0.0
    scored = X[:, NAMES.index("attempts_by_caller_1d")] >= 100
    full = score_numbers(model, data.ids, X)
    assert full.flagged[scored].any() and full.flagged[~scored].sum() == 0
    got = scan_table(model, _table(X, data.ids, scored))
    assert got.meta["not_scored"] == int((~scored).sum())
    np.testing.assert_array_equal(got.labels[scored], full.labels[scored])
    np.testing.assert_array_equal(got.scores[scored], full.scores[scored])
    assert (got.labels[~scored] == "benign").all() and (got.scores[~scored] == 0).all()
    assert all(got.reasons[i] == full.reasons[i] for i in range(len(X)))
    # Listed scored-first (as the feature query does): same verdicts, in number order.
    first = np.argsort(~scored, kind="stable")
    again = scan_table(model, _table(X[first], data.ids[first], scored[first]))
    assert again.to_arrow().equals(got.to_arrow())
    # Each part in any order (``compute_features(ordered=False)``, what scan passes): the same.
    rows = np.flatnonzero(scored)[::-1].tolist() + np.flatnonzero(~scored)[::-1].tolist()
    shuffled = scan_table(model, _table(X[rows], data.ids[rows], scored[rows]))
    assert shuffled.to_arrow().equals(got.to_arrow())
    # Without a ``scored`` column every number is scored.
    assert scan_table(model, _table(X, data.ids, None)).to_arrow().equals(full.to_arrow())


def test_a_rule_hit_is_scored_whatever_the_activity(model: TrainedModel) -> None:
    data = synthetic(50, seed=6)
    X = data.X.copy()
    X[:, NAMES.index("unallocated_by_caller_1d")] = 0.0
    X[3, NAMES.index("unallocated_by_caller_1d")] = 1.0
    got = scan_table(model, _table(X, data.ids, np.zeros(len(X), dtype=bool)))
    assert got.flagged.tolist() == [i == 3 for i in range(len(X))]
    assert got.reasons[3][0].code == "UNALLOCATED_CALLER" and got.scores[3] >= 0.999
    assert got.meta["not_scored"] == len(X) - 1


def test_blocks_and_threads_give_the_same_verdicts(model: TrainedModel) -> None:
    """``score_blocks`` (what scan runs) equals scoring the whole matrix at once, whatever
    the block size and thread count, rule hits and reasons included."""
    data = synthetic(600, seed=7)
    X = data.X.copy()
    X[:, NAMES.index("unallocated_by_caller_1d")] = 0.0
    X[[3, 250, 599], NAMES.index("unallocated_by_caller_1d")] = 1.0
    whole = score_rows(model, X)
    assert whole.rule_hits == 3 and whole.flagged.sum() > 3
    table = _table(X, data.ids, None)
    threads = model.predict_threads
    try:
        for block, model.predict_threads in ((7, 1), (7, 2), (64, 2), (600, 1), (1000, 2)):
            got = score_blocks(model, table, RuleConfig(), block=block)
            np.testing.assert_array_equal(got.labels, whole.labels)
            np.testing.assert_array_equal(got.scores, whole.scores)
            np.testing.assert_array_equal(got.flagged, whole.flagged)
            assert got.reasons == whole.reasons and got.rule_hits == whole.rule_hits
    finally:
        model.predict_threads = threads
    empty = score_blocks(model, table.slice(0, 0), RuleConfig())
    assert len(empty.labels) == 0 and empty.reasons == []


def test_number_order_reads_the_key_column_when_there_is_one() -> None:
    numbers = ["+8613800000003", "+8613800000001", "+8613800000002"]
    plain = pa.table({"number": numbers})
    assert number_order(plain).tolist() == [1, 2, 0]
    # The key column is what is sorted (here on purpose not the digits' order).
    keyed = plain.append_column("number_key", pa.array([5, 9, 1], pa.int64()))
    assert number_order(keyed).tolist() == [2, 0, 1]
    # Repeated keys (never from the feature query) keep their rows' order.
    tied = plain.append_column("number_key", pa.array([2, 1, 2], pa.int64()))
    assert number_order(tied).tolist() == [1, 0, 2]

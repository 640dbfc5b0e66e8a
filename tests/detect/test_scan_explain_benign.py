"""``scan --explain-benign``: every verdict carries reasons (issue 4: "every verdict carries
its top reasons"), without changing a label, a score or a flagged number's reasons."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from callwarden.detect.cascade import scan_table, score_blocks
from callwarden.detect.model import TrainedModel, train
from callwarden.detect.reasons import ScanCode
from callwarden.detect.verdicts import score_numbers
from callwarden.reasons import render
from tests.detect.test_model import CONFIG, NAMES, synthetic


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    return train(synthetic(), CONFIG)


def _table(X: np.ndarray, ids: np.ndarray, scored: np.ndarray) -> pa.Table:
    cols: dict[str, object] = {"number": pa.array(ids.tolist(), pa.string())}
    cols.update({n: X[:, j] for j, n in enumerate(NAMES)})
    cols["scored"] = scored
    return pa.table(cols)


def test_benign_rows_get_the_features_that_kept_them_benign(model: TrainedModel) -> None:
    data = synthetic(400, seed=7)
    plain = score_numbers(model, data.ids, data.X)
    told = score_numbers(model, data.ids, data.X, explain_benign=True)
    np.testing.assert_array_equal(told.labels, plain.labels)
    np.testing.assert_array_equal(told.scores, plain.scores)
    flagged = plain.flagged
    assert flagged.any() and (~flagged).any()
    for i in np.flatnonzero(flagged):
        assert told.reasons[i] == plain.reasons[i]
    assert all(plain.reasons[i] == [] for i in np.flatnonzero(~flagged))
    p = model.proba(data.X)
    worst = 1 + np.argmax(p[:, 1:], axis=1)
    for i in np.flatnonzero(~flagged):
        head, *rs = told.reasons[i]
        # first the score against the threshold (a number just under it is another answer)
        assert head.code == ScanCode.BELOW_FLAG_THRESHOLD.value
        assert head.evidence == {
            "score": round(float(plain.scores[i]), 4),
            "threshold": round(float(model.threshold.value), 4),
        }
        assert render(head, "en").startswith("model score ") and "低于标记阈值" in render(
            head, "zh"
        )
        assert 1 <= len(rs) <= 3 and all(r.source == "model" for r in rs)
        weights = [r.weight for r in rs]
        assert all(w > 0 for w in weights) and weights == sorted(weights, reverse=True)
        # the first reason is the feature that pushed hardest toward benign: the largest
        # term of -(contributions toward the likeliest other class)
        total = -model.contributions(data.X[i : i + 1], worst[i : i + 1])[0]
        assert math.isclose(weights[0], float(total.max()), rel_tol=1e-9)
        assert rs[0].feature == NAMES[int(np.argmax(total))]
        # a value on the benign median is typical, not low
        for r in rs:
            if r.feature and r.evidence.get(r.feature) == r.evidence.get("benign_median"):
                assert r.code.startswith("TYPICAL_"), r
        assert render(rs[0], "en") and render(rs[0], "zh")


def test_blocks_and_threads_give_the_same_benign_reasons(model: TrainedModel) -> None:
    data = synthetic(300, seed=8)
    table = _table(data.X, data.ids, np.ones(len(data.X), dtype=bool))
    one = score_blocks(model, table, None, block=1_000, explain_benign=True)
    model.predict_threads = 2
    try:
        many = score_blocks(model, table, None, block=37, explain_benign=True)
    finally:
        model.predict_threads = 1
    assert one.reasons == many.reasons and (one.flagged == many.flagged).all()


def test_unscored_numbers_say_why_they_were_not_scored(model: TrainedModel) -> None:
    data = synthetic(300, seed=9)
    X = data.X.copy()
    X[:, NAMES.index("unallocated_by_caller_1d")] = 0.0
    calls = X[:, NAMES.index("attempts_by_caller_1d")]
    scored = calls >= 100
    plain = scan_table(model, _table(X, data.ids, scored))
    told = scan_table(model, _table(X, data.ids, scored), explain_benign=True, min_attempts=100)
    assert (
        told.to_arrow()
        .select(["number", "label", "score"])
        .equals(plain.to_arrow().select(["number", "label", "score"]))
    )
    by_number = dict(zip(data.ids.tolist(), calls.tolist(), strict=True))
    unscored = 0
    for number, s, rs in zip(told.numbers, told.scored, told.reasons, strict=True):
        assert rs, number  # every verdict has reasons
        if not s:
            unscored += 1
            (r,) = rs
            assert r.code == ScanCode.NOT_SCORED_LOW_ACTIVITY.value
            assert r.evidence == {
                "attempts_by_caller_1d": int(by_number[number]),
                "min_attempts": 100,
            }
            assert "fewer than 100" in render(r, "en") and "少于 100" in render(r, "zh")
    assert unscored == int((~scored).sum()) > 0


def test_an_allocated_number_never_carries_the_spoofed_code() -> None:
    """The unallocated feature's reason code is the 空号 rule's, which the policy rejects as
    spoofed wherever it sits in a stored verdict: kept benign by that feature (value 0), a
    number gets ALLOCATED_CALLER instead."""
    from callwarden.detect.dataset import Dataset
    from callwarden.detect.reasons import RuleCode
    from callwarden.policy.model import UNALLOCATED_REASON_CODES

    rng = np.random.default_rng(3)
    n = 900
    y = rng.choice(3, size=n, p=[0.8, 0.15, 0.05])
    X = rng.random((n, len(NAMES)))  # noise everywhere but the unallocated flag
    X[:, NAMES.index("unallocated_by_caller_1d")] = (y > 0).astype(float)
    ids = np.array([f"+86138{i:08d}" for i in range(n)], dtype=object)
    m = train(Dataset(ids, X, y, ("benign", "harassment", "fraud"), NAMES, ids), CONFIG)
    told = score_numbers(m, ids, X, rules=None, explain_benign=True)
    benign = np.flatnonzero(~told.flagged)
    assert len(benign) > 100
    codes = [r.code for i in benign for r in told.reasons[i]]
    assert ScanCode.ALLOCATED_CALLER.value in codes
    assert not set(codes) & UNALLOCATED_REASON_CODES and RuleCode.UNALLOCATED_CALLER not in codes
    r = next(r for i in benign for r in told.reasons[i] if r.code == "ALLOCATED_CALLER")
    assert render(r, "en") == "displayed number is allocated" and "已分配" in render(r, "zh")
    # without a registry the feature is missing: allocation unknown, not "unusual"
    X2 = X.copy()
    X2[:, NAMES.index("unallocated_by_caller_1d")] = np.nan
    blind = score_numbers(m, ids, X2, rules=None, explain_benign=True)
    codes = {r.code for i in np.flatnonzero(~blind.flagged) for r in blind.reasons[i]}
    assert "UNUSUAL_UNALLOCATED" not in codes and not codes & UNALLOCATED_REASON_CODES
    assert "ALLOCATION_UNKNOWN" in codes

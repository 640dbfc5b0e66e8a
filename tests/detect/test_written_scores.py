"""A stored score of exactly 0 means *not scored* (the activity cascade's mark, which
``callwarden labels`` reads): scored numbers are written at least 1e-6 (audit 21, F7)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from callwarden.detect.cascade import scan_table
from callwarden.detect.model import TrainedModel, train
from callwarden.detect.verdicts import ScanResult, filled
from tests.detect.test_model import CONFIG, NAMES, synthetic


def _result(scores: list[float], scored: list[bool] | None) -> ScanResult:
    n = len(scores)
    return ScanResult(
        numbers=np.array([f"+86170{i:08d}" for i in range(n)], dtype=object),
        labels=filled(n, "benign"),
        scores=np.array(scores),
        categories=filled(n, ""),
        reasons=[[] for _ in range(n)],
        campaigns=filled(n, ""),
        threshold=0.5,
        scored=None if scored is None else np.array(scored),
    )


def test_a_scored_number_is_never_written_zero() -> None:
    r = _result([3e-7, 0.0, 4.9e-7, 6e-7, 0.0, 0.25], [True, True, True, True, False, True])
    w = r.written_scores()
    assert w.tolist() == [1e-6, 1e-6, 1e-6, 1e-6, 0.0, 0.25]
    assert r.to_arrow()["score"].to_pylist()[4] == 0.0
    # without a cascade every number is scored
    assert _result([3e-7, 0.0], None).written_scores().tolist() == [1e-6, 1e-6]


@pytest.fixture(scope="module")
def model() -> TrainedModel:
    return train(synthetic(), CONFIG)


def test_the_cascades_unscored_read_zero_and_scored_never_do(model: TrainedModel) -> None:
    data = synthetic(600, seed=5)
    X = data.X.copy()
    X[:, NAMES.index("unallocated_by_caller_1d")] = 0.0
    scored = X[:, NAMES.index("attempts_by_caller_1d")] >= 100
    cols: dict[str, object] = {"number": pa.array(data.ids.tolist(), pa.string())}
    cols.update({n: X[:, j] for j, n in enumerate(NAMES)})
    cols["scored"] = scored
    got = scan_table(model, pa.table(cols))
    written = np.array(got.to_arrow()["score"].to_pylist())
    by_number = dict(zip(data.ids.tolist(), scored.tolist(), strict=True))
    was_scored = np.array([by_number[n] for n in got.numbers])
    assert (~was_scored).any() and was_scored.any()
    assert (written[~was_scored] == 0.0).all()
    assert (written[was_scored] >= 1e-6).all()

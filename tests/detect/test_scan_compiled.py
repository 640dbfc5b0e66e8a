"""Compiled trees (lleaves) score as LightGBM does, to rounding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callwarden.detect.model import Dataset, train
from callwarden.detect.verdicts import score_numbers
from tests.detect.test_model import CONFIG, synthetic

pytest.importorskip("lleaves")


@pytest.mark.parametrize("binary", [False, True])
def test_compiled_scores_match_lightgbm(binary: bool, tmp_path: Path) -> None:
    from callwarden.detect.compiled import compile_model

    data = synthetic(700, seed=3)
    if binary:
        y = (data.y > 0).astype(int)
        data = Dataset(data.ids, data.X, y, ("benign", "fraud"), data.feature_names, data.groups)
    model = train(data, CONFIG)
    plain = model.proba(data.X)
    before = score_numbers(model, data.ids, data.X)
    assert compile_model(model, cache=tmp_path)
    fast = model.proba(data.X)
    assert fast.shape == plain.shape
    np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-12)
    after = score_numbers(model, data.ids, data.X)
    np.testing.assert_array_equal(after.labels, before.labels)
    assert after.flagged.any()
    assert [p.suffix for p in tmp_path.iterdir()] == [".o"]  # cached for the next scan
    assert compile_model(model, cache=tmp_path)  # loaded from the cache this time
    np.testing.assert_array_equal(model.proba(data.X), fast)


def test_small_tables_compile_only_when_cached(tmp_path: Path) -> None:
    from callwarden.detect.compiled import COMPILE_MIN_ROWS, compile_model, worth_compiling

    model = train(synthetic(300, seed=4), CONFIG)
    assert worth_compiling(model, COMPILE_MIN_ROWS, cache=tmp_path)
    assert not worth_compiling(model, 1_000, cache=tmp_path)
    assert compile_model(model, cache=tmp_path)
    assert worth_compiling(model, 1_000, cache=tmp_path)

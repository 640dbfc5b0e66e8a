"""Scanning a carrier table whose column the model needs is there but holds no numbers: a
column empty in every row is scored as missing (with a warning line), a text column is an
error naming it. Both used to say "the input lacks 1 feature(s) the model needs", though
the column was in the table (an all-blank CSV column reads as null, not as numbers)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from callwarden.detect.dataset import TableSpec, table_dataset
from callwarden.errors import InputError

N = 6


def _table(calls: pa.Array) -> pa.Table:
    return pa.table({"uid": [f"u{i}" for i in range(N)], "calls": calls, "peers": np.ones(N)})


@pytest.mark.parametrize(
    "calls", [pa.nulls(N), pa.array([""] * N), pa.array([None, " "] * (N // 2), pa.string())]
)
def test_an_empty_model_column_is_scored_as_missing(calls: pa.Array) -> None:
    lines: list[str] = []
    data, _ = table_dataset(
        _table(calls), TableSpec("uid"), need_labels=False, report=lines.append,
        model_features=("calls", "peers"),
    )  # fmt: skip
    assert data.feature_names == ("calls", "peers")
    assert np.isnan(data.X[:, 0]).all() and (data.X[:, 1] == 1).all()
    assert any("'calls' is empty in every row" in x for x in lines)


def test_a_text_model_column_is_named() -> None:
    with pytest.raises(InputError, match="column 'calls', a feature of the model, is not numeric"):
        table_dataset(
            _table(pa.array(["x"] * N)), TableSpec("uid"), need_labels=False,
            model_features=("calls", "peers"),
        )  # fmt: skip


def test_without_model_features_an_empty_column_is_still_skipped() -> None:
    """Training is unchanged: an empty column is no feature (the model's columns stay)."""
    data, _ = table_dataset(_table(pa.nulls(N)), TableSpec("uid"), need_labels=False)
    assert data.feature_names == ("peers",)

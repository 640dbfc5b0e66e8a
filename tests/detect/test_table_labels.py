"""A carrier table's label column as people fill it: a blank cell in a 0/1 column is benign
(it was refused as 'must hold only 0 and 1', though a blank text label was benign and
evaluate read it as benign); labels outside 0/1 and benign/harassment/fraud, an id column
that is the label column, and a table without rows are each one clear error."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from callwarden.detect.dataset import TableSpec, table_dataset
from callwarden.errors import InputError


def _table(labels: pa.Array) -> pa.Table:
    n = len(labels)
    return pa.table(
        {"uid": [f"u{i}" for i in range(n)], "x": np.arange(n, dtype=np.float64), "y": labels}
    )


@pytest.mark.parametrize(
    "labels",
    [
        pa.array([1, None, 0, 1], pa.int64()),
        pa.array([1.0, None, 0.0, 1.0], pa.float64()),
        pa.array([True, None, False, True], pa.bool_()),
        pa.array(["fraud", None, "", "FRAUD "], pa.string()),
    ],
)
def test_a_blank_label_is_benign_in_any_column_type(labels: pa.Array) -> None:
    data, _ = table_dataset(_table(labels), TableSpec("uid", "y"))
    assert data.classes == ("benign", "fraud")
    assert data.y.tolist() == [1, 0, 0, 1]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (pa.array([0, 2, 1]), "only 0 and 1 .*not 2"),
        (pa.array(["yes", "no", "yes"]), r"holds \['no', 'yes'\].*benign, harassment.*0/1"),
        # ("normal" is read as benign since session 17: tests/detect/test_evaluator_path.py)
        (pa.array(["spam", "fraud", "fraud"]), r"holds \['spam'\].*normal, 正常"),
    ],
)
def test_labels_of_another_vocabulary_are_one_clear_error(labels: pa.Array, message: str) -> None:
    with pytest.raises(InputError, match=message):
        table_dataset(_table(labels), TableSpec("uid", "y"))


def test_the_id_column_cannot_be_the_label_column() -> None:
    with pytest.raises(InputError, match="both name 'uid'"):
        table_dataset(_table(pa.array([0, 1])), TableSpec("uid", "uid"))


def test_a_table_without_rows_is_one_clear_error() -> None:
    empty = _table(pa.array([], pa.int64()))
    for need_labels in (True, False):
        with pytest.raises(InputError, match="no data rows"):
            table_dataset(empty, TableSpec("uid", "y"), need_labels=need_labels)


def test_text_zero_one_labels_read_as_a_binary_column() -> None:
    """A label column stored as text ("0"/"1" in Parquet, or made text by one "?" cell) was
    refused as unknown labels '0', '1'; they read as in a 0/1 column (and as evaluate reads
    them), and the error names only the other cells."""
    labels = pa.array(["1", "0", " TRUE", "false", "", "1.0"], pa.string())
    data, _ = table_dataset(_table(labels), TableSpec("uid", "y"))
    assert data.classes == ("benign", "fraud") and data.y.tolist() == [1, 0, 1, 0, 0, 1]
    with pytest.raises(InputError, match=r"holds \['\?'\]"):
        table_dataset(_table(pa.array(["1", "0", "?"])), TableSpec("uid", "y"))

"""An infinite value in a numeric column of a carrier table is missing, as an "inf" text
cell already was. It was kept, and a flagged number's reasons then carried it into
verdicts.csv as ``Infinity``, which strict JSON readers refuse."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from callwarden.detect.dataset import TableSpec, table_dataset


def test_infinite_values_are_missing_and_reported() -> None:
    inf = float("inf")
    table = pa.table(
        {
            "uid": ["a", "b", "c", "d"],
            "calls": [1.0, inf, -inf, 4.0],
            "peers": [1.0, 2.0, 3.0, 4.0],
            "label": [0, 1, 0, 1],
        }
    )
    lines: list[str] = []
    for need_labels in (True, False):
        data, _ = table_dataset(
            table, TableSpec("uid", "label"), need_labels=need_labels, report=lines.append
        )
        assert np.isfinite(data.X[~np.isnan(data.X)]).all()
        assert np.isnan(data.X[1:3, 0]).all() and data.X[:, 1].tolist() == [1, 2, 3, 4]
    assert any("'calls': 2 infinite value(s) read as missing" in x for x in lines)

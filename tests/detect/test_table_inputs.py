"""Carrier feature tables and label files with damaged cells or headers: a number column
with a few text cells keeps its feature (those cells missing, counted); a text column is
named as skipped; a repeated header column is one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from callwarden.cli._detect_io import read_csv_strings, read_table
from callwarden.detect.dataset import TableSpec, table_dataset
from callwarden.errors import InputError


def _table(f1: list[object]) -> pa.Table:
    n = len(f1)
    return pa.table(
        {
            "id": [f"u{i}" for i in range(n)],
            "f1": pa.array([None if v is None else str(v) for v in f1], pa.string()),
            "f2": np.arange(n, dtype=np.float64),
            "city": ["成都"] * n,
            "label": [i % 2 for i in range(n)],
        }
    )


def test_a_few_text_cells_keep_the_feature_and_are_reported() -> None:
    lines: list[str] = []
    cells: list[object] = [1.5, 2, "abc", None, "", "3e2", "inf"] + list(range(40))
    data, _ = table_dataset(_table(cells), TableSpec("id", "label"), report=lines.append)
    assert data.feature_names == ("f1", "f2")
    f1 = data.X[:, 0]
    assert f1[:2].tolist() == [1.5, 2.0] and f1[5] == 300.0
    assert np.isnan(f1[[2, 3, 4, 6]]).all()
    assert any("'f1': 2 cell(s)" in x and "'abc'" in x for x in lines)
    assert any("not used as features: 'city'" in x for x in lines)


def test_a_mostly_text_column_is_skipped_by_name() -> None:
    lines: list[str] = []
    cells: list[object] = ["a", "b", "c", 1, 2]
    data, _ = table_dataset(_table(cells), TableSpec("id", "label"), report=lines.append)
    assert data.feature_names == ("f2",)
    assert any("'f1'" in x and "'city'" in x for x in lines)


def test_a_repeated_header_column_is_one_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"
    p.write_text("number,label,number\n+8613800138000,fraud,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="repeats column.*'number'"):
        read_csv_strings(p, "labels")
    with pytest.raises(InputError, match="repeats column.*'number'"):
        read_table(p)

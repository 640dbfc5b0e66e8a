"""A Sichuan-layout table that lacks one of the columns its rates are computed from.

Training stopped with a KeyError traceback (``sichuan_derived`` read ``flow_sum`` blindly);
scanning without a column the model used said "lacks 15 feature(s)" without saying which
column of the table was missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.detect.dataset import (
    SICHUAN_COLUMNS,
    SICHUAN_FLAGS,
    SICHUAN_RATES,
    TableSpec,
    derived_from,
    table_dataset,
)

COLUMNS = sorted(
    SICHUAN_COLUMNS
    | {c for _, a, b in SICHUAN_RATES for c in (a, b)}
    | {c for _, c in SICHUAN_FLAGS}
)


def _table(n: int = 60, drop: str | None = None) -> pa.Table:
    rng = np.random.default_rng(0)
    cols = {"uid": [f"u{i:03d}" for i in range(n)], "label": (np.arange(n) % 3 == 0).astype(int)}
    cols.update({c: rng.integers(1, 50, n).astype(float) for c in COLUMNS if c != drop})
    return pa.table(cols)


def test_rates_whose_column_is_missing_are_left_out() -> None:
    data, layout = table_dataset(_table(drop="flow_sum"), TableSpec("uid", "label"))
    assert layout == "sichuan"
    assert "x_flow_per_month" not in data.feature_names
    assert "x_busi_per_month" in data.feature_names and "x_calls_per_peer" in data.feature_names
    full, _ = table_dataset(_table(), TableSpec("uid", "label"))
    assert len(full.feature_names) == len(data.feature_names) + 2  # flow_sum and its rate


def test_derived_from_names_the_table_columns() -> None:
    assert derived_from("x_flow_per_month") == ("flow_sum", "month_ids")
    assert derived_from("x_arpu_missing") == ("arpu_mean",)
    assert derived_from("flow_sum") == ()


def test_scan_names_the_missing_table_column(tmp_path: Path) -> None:
    pcsv.write_csv(_table(), tmp_path / "t.csv")
    pcsv.write_csv(_table(drop="flow_sum"), tmp_path / "scan.csv")
    runner = CliRunner()
    args = ["--id-column", "uid"]
    res = runner.invoke(
        app,
        ["train", "--features", str(tmp_path / "t.csv"), *args, "--label-column", "label",
         "--rounds", "5", "--out", str(tmp_path / "m")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        ["scan", "--features", str(tmp_path / "scan.csv"), *args, "--model", str(tmp_path / "m"),
         "--out", str(tmp_path / "s")],
    )  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "the table lacks 1 column(s) the model needs: ['flow_sum']" in res.output
    assert "(and 1 rate(s) the model derives from the table's columns)" in res.output


def test_an_empty_column_is_reported_as_empty_not_as_text() -> None:
    table = _table().append_column("blank", pa.nulls(60, pa.string()))
    table = table.append_column("city", pa.array(["成都"] * 60))
    lines: list[str] = []
    data, _ = table_dataset(table, TableSpec("uid", "label"), report=lines.append)
    assert "blank" not in data.feature_names and "city" not in data.feature_names
    assert "not numeric, not used as features: 'city'" in lines
    assert "empty in every row, not used as features: 'blank'" in lines

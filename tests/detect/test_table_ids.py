"""A feature table row without an id is one clear error (audit B: a missing numeric id gave
train --features a TypeError traceback from sorting the ids, and scan a verdict for the
number "" or None)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.detect.dataset import TableSpec, table_dataset
from callwarden.errors import InputError


@pytest.mark.parametrize("ids", [pa.array([1, None, 3]), pa.array(["a", " ", "c"])])
@pytest.mark.parametrize("need_labels", [True, False])
def test_a_row_without_an_id_is_an_error(ids: pa.Array, need_labels: bool) -> None:
    t = pa.table({"id": ids, "x": [1.0, 2.0, 3.0], "label": [0, 1, 0]})
    spec = TableSpec("id", "label" if need_labels else None)
    with pytest.raises(
        InputError, match=r"id column 'id' is empty on 1 row\(s\) \(first: data row 2\)"
    ):
        table_dataset(t, spec, need_labels=need_labels)


def test_train_and_scan_refuse_a_table_with_a_missing_id(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i % 7},{int(i % 3 == 0)}" for i in range(1, 60))
    good = tmp_path / "good.csv"
    good.write_text("uid,x,label\n" + rows + "\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("uid,x,label\n" + rows + "\n,3,1\n", encoding="utf-8")
    runner = CliRunner()
    base = ["--id-column", "uid", "--label-column", "label", "--rounds", "3"]
    res = runner.invoke(app, ["train", "--features", str(bad), *base, "--out", str(tmp_path / "m")])
    assert res.exit_code == 2, res.output
    assert "id column 'uid' is empty on 1 row(s) (first: data row 60)" in res.output
    res = runner.invoke(
        app, ["train", "--features", str(good), *base, "--out", str(tmp_path / "m")]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        ["scan", "--features", str(bad), "--id-column", "uid", "--model", str(tmp_path / "m"),
         "--out", str(tmp_path / "s")],
    )  # fmt: skip
    assert res.exit_code == 2 and "is empty on 1 row(s)" in res.output, res.output
    assert not (tmp_path / "s" / "verdicts.csv").exists()

"""Feature tables and label files as carriers export them: GB18030/GBK text, ; or tab
delimiters, Parquet under any name, ids with leading zeros; an Excel workbook is one clear
error (it was read as CSV, and a GBK file stopped with a UnicodeDecodeError traceback)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callwarden.cli._detect_io import read_csv_strings, read_table
from callwarden.errors import InputError

ROWS = "用户,通话次数,标签\n0012,5,1\n0013,7,0\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_a_gbk_table_with_any_delimiter_reads(tmp_path: Path, delimiter: str) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes(ROWS.replace(",", delimiter).encode("gbk"))
    table = read_table(p, "用户")
    assert table.column_names == ["用户", "通话次数", "标签"]
    assert table["用户"].to_pylist() == ["0012", "0013"]  # leading zeros kept
    assert table["通话次数"].to_pylist() == [5, 7]
    assert read_csv_strings(p, "labels")["标签"].to_pylist() == ["1", "0"]


def test_parquet_is_told_by_its_content_and_read_as_labels(tmp_path: Path) -> None:
    p = tmp_path / "table.pq"
    pq.write_table(pa.table({"uid": ["a", "b"], "x": [1.5, 2.0], "label": [1, 0]}), p)
    assert read_table(p, "uid")["x"].to_pylist() == [1.5, 2.0]
    labels = read_csv_strings(p, "labels")
    assert labels["label"].to_pylist() == ["1", "0"]
    assert labels["uid"].type == pa.string()


def test_an_excel_workbook_is_one_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "book.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    for read in (lambda: read_table(p, "uid"), lambda: read_csv_strings(p, "labels")):
        with pytest.raises(InputError, match="Excel workbook.*save the sheet as CSV"):
            read()

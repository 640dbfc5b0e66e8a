"""Text inputs as they are exported: a GB18030/GBK CSV (train-text stopped with "cannot
read ('utf-8' codec can't decode ...)"), a ; or tab delimited CSV ("no column 'text'"),
GBK JSON lines, Parquet under another suffix; an Excel workbook is one clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from callwarden.cli._text_io import _read_table
from callwarden.errors import InputError

ROWS = [("请立即转账到安全账户", "诈骗"), ("您的快递已到", "正常")]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_a_csv_in_gbk_or_utf8_with_any_delimiter(
    tmp_path: Path, delimiter: str, encoding: str
) -> None:
    p = tmp_path / "texts.csv"
    lines = [f"文本{delimiter}标签"] + [f"{t}{delimiter}{lab}" for t, lab in ROWS]
    p.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    df = _read_table(p)
    assert list(df.columns) == ["文本", "标签"]
    assert list(zip(df["文本"], df["标签"], strict=True)) == ROWS


def test_gbk_json_lines_and_parquet_by_content(tmp_path: Path) -> None:
    p = tmp_path / "texts.jsonl"
    text = "".join(
        json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n" for t, lab in ROWS
    )
    p.write_bytes(text.encode("gbk"))
    assert _read_table(p)["text"].tolist() == [t for t, _ in ROWS]
    q = tmp_path / "texts.pq"
    pd.DataFrame(ROWS, columns=["text", "label"]).to_parquet(q)
    assert _read_table(q)["label"].tolist() == [lab for _, lab in ROWS]


def test_an_excel_workbook_is_one_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "texts.xlsx"
    p.write_bytes(b"PK\x03\x04" + b"\0" * 64)
    with pytest.raises(InputError, match="Excel workbook"):
        _read_table(p)

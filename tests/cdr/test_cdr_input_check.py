"""--cdrs that is not canonical Parquet gets one clear error, not a DuckDB traceback
(audit 3, item 3: ``campaigns --cdrs good.csv`` -> "No magic bytes found";
``scan --cdrs call_truth.parquet`` -> BinderException "start_time")."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from callwarden.cdr import cdr_relation_sql
from callwarden.cli.main import app
from callwarden.errors import InputError


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "calls.csv"
    path.write_text(
        "start_time,caller,callee,duration_s\n2026-11-01 08:00:00,+8613800000001,+8613900000002,30\n",
        encoding="utf-8",
    )
    return path


def _truth(path: Path) -> Path:
    pq.write_table(pa.table({"call_id": ["c1"], "label": ["fraud"]}), path)
    return path


def test_a_csv_is_not_parquet_and_ingest_is_suggested(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not Parquet.*callwarden ingest"):
        cdr_relation_sql(_csv(tmp_path))


def test_a_parquet_without_the_canonical_columns_names_them(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        cdr_relation_sql(_truth(tmp_path / "call_truth.parquet"))
    assert "lacks column(s) start_time, caller, callee, duration_s" in err.value.message
    (tmp_path / "dir").mkdir()
    _truth(tmp_path / "dir" / "part.parquet")
    with pytest.raises(InputError, match="lacks column"):
        cdr_relation_sql(tmp_path / "dir")


def test_a_damaged_parquet_is_an_input_error(tmp_path: Path) -> None:
    path = _truth(tmp_path / "t.parquet")
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(InputError, match="not a readable Parquet"):
        cdr_relation_sql(path)


def test_canonical_parquet_still_reads(tmp_path: Path) -> None:
    table = pa.table(
        {
            "start_time": pa.array([0], pa.timestamp("us", tz="UTC")),
            "caller": ["+8613800000001"],
            "callee": ["+8613900000002"],
            "duration_s": [1.0],
        }
    )
    pq.write_table(table, tmp_path / "c.parquet")
    assert "read_parquet" in cdr_relation_sql(tmp_path / "c.parquet")


@pytest.mark.parametrize("command", ["campaigns", "train"])
def test_commands_give_one_line(tmp_path: Path, command: str) -> None:
    args = {
        "campaigns": ["campaigns", "--out", str(tmp_path / "o")],
        "train": ["train", "--labels", str(_csv(tmp_path)), "--out", str(tmp_path / "m")],
    }[command]
    result = CliRunner().invoke(app, [*args, "--cdrs", str(_csv(tmp_path))])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "is not Parquet" in result.output

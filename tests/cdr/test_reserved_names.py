"""Columns with a reserved name (day, caller_key, callee_key): a mapping keeps them under
another name or drops them, and the refusal says how; a file's own __reason column is an
ordinary column (it was refused, and a mapping that dropped it dropped the reader's reasons)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callwarden.cdr import ingest, parse_mapping
from callwarden.errors import ConfigError, InputError

H = "start_time,caller,callee,duration_s"
ROW = "2026-11-02 10:00:00,13800138000,13900139000,5"


def _stored(out: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in sorted((out / "cdrs").rglob("*.parquet")))


def _quarantine(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "quarantine.csv").read_text("utf-8"))))


def test_a_mapping_renames_a_reserved_column(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(f"{H},day,caller_key\n{ROW},Mon,CUST-1\n", encoding="utf-8")
    m = parse_mapping({"rename": {"day": "weekday", "caller_key": "customer_key"}})
    assert m.rename == {"day": "weekday", "caller_key": "customer_key"}
    s = ingest([f], tmp_path / "out", mapping=m)
    assert s.rows_kept == 1
    t = _stored(tmp_path / "out")
    assert t["weekday"].to_pylist() == ["Mon"] and t["customer_key"].to_pylist() == ["CUST-1"]
    assert t["caller_key"].to_pylist() == [8613800138000]  # derived, as ever


def test_a_mapping_renames_a_reserved_column_of_parquet(tmp_path: Path) -> None:
    f = tmp_path / "a.parquet"
    pq.write_table(
        pa.table(
            {
                "start_time": ["2026-11-02 10:00:00"],
                "caller": ["13800138000"],
                "callee": ["13900139000"],
                "duration_s": [5],
                "callee_key": ["CUST-2"],
                "day": ["Mon"],
            }
        ),
        f,
    )
    m = parse_mapping({"rename": {"callee_key": "cust", "day": "weekday"}})
    assert ingest([f], tmp_path / "out", mapping=m).rows_kept == 1
    t = _stored(tmp_path / "out")
    assert (t["cust"].to_pylist(), t["weekday"].to_pylist()) == (["CUST-2"], ["Mon"])


def test_the_refusal_says_how_a_mapping_renames_or_drops(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(f"{H},day\n{ROW},Mon\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rename: \{day: day_src\}.*drop: \[day\]"):
        ingest([f], tmp_path / "out")
    g = tmp_path / "b.csv"
    g.write_text(f"{H},callee_key\n{ROW},CUST-2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rename: \{callee_key: callee_key_src\}"):
        ingest([g], tmp_path / "out2")


def test_a_reserved_column_renamed_onto_another_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="reserved name.*cannot become 'caller_key'"):
        parse_mapping({"rename": {"day": "caller_key"}})
    with pytest.raises(ConfigError, match="'weekday2' is not a canonical column"):
        parse_mapping({"rename": {"weekday": "weekday2"}})  # only reserved names go elsewhere
    f = tmp_path / "a.csv"
    f.write_text(f"{H},day,weekday\n{ROW},Mon,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="'day' and 'weekday' would both become 'weekday'"):
        ingest([f], tmp_path / "out", mapping=parse_mapping({"rename": {"day": "weekday"}}))


def test_a_files_reason_column_is_an_ordinary_column(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(f"{H},__reason\n{ROW},vip\n", encoding="utf-8")
    assert ingest([f], tmp_path / "out").rows_kept == 1
    assert _stored(tmp_path / "out")["__reason"].to_pylist() == ["vip"]


@pytest.mark.parametrize("mapping", [None, {"drop": ["__reason"]}])
def test_dropping_a_files_reason_column_keeps_the_readers_reasons(
    tmp_path: Path, mapping: dict[str, list[str]] | None
) -> None:
    """With drop: [__reason] the row with undecodable bytes was stored (its bad_encoding
    reason went with the file's column)."""
    f = tmp_path / "a.csv"
    f.write_bytes(
        f"{H},__reason,city\n".encode()
        + b"2026-11-02 10:00:00,13800138000,13900139000,12,x,\xff\xfe\n"
        + b"2026-11-02 10:05:00,13800138000,13900139001,0,,ok\n"
        + b"2026-11-02 10:06:00,13800138000,13900139002,0,,ok\n"
    )
    m = parse_mapping(mapping) if mapping is not None else None
    s = ingest([f], tmp_path / "out", mapping=m, encoding="utf-8")
    assert (s.rows_kept, s.quarantined_by_reason) == (2, {"bad_encoding": 1})
    assert _quarantine(tmp_path / "out")[0]["line"] == "2"
    assert _stored(tmp_path / "out")["city"].to_pylist() == ["ok", "ok"]

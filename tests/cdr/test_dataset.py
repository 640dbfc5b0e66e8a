"""Reading canonical CDRs back: ingest output, one Parquet file, a folder of them; idempotency."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from callwarden.cdr import cdr_relation_sql, ingest, load_cdrs

from ._golden import DATA


def test_partitioned_layout_and_sql(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ingest([DATA / "small.csv"], out)
    days = sorted(p.name for p in (out / "cdrs").iterdir())
    assert days == ["day=2026-11-28", "day=2026-11-29"]  # UTC dates
    assert not list(out.rglob("*.inprogress"))
    sql = cdr_relation_sql(out)
    n = duckdb.sql(f"SELECT count(*), count(DISTINCT day) FROM {sql} WHERE answered").fetchall()
    assert n == [(3, 1)]


def test_single_file_and_folder_of_parquet(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ingest([DATA / "small.csv"], out)
    table = load_cdrs(out)
    sim = tmp_path / "sim"
    sim.mkdir()
    pq.write_table(table, sim / "cdrs.parquet")  # the simulator's layout
    assert load_cdrs(sim).sort_by("call_id").equals(table.sort_by("call_id"))
    assert load_cdrs(sim / "cdrs.parquet").num_rows == 6
    folder = tmp_path / "folder"
    shutil.copytree(out / "cdrs", folder)
    assert load_cdrs(folder).num_rows == 6
    assert "hive_partitioning=true" in cdr_relation_sql(folder)
    assert load_cdrs(out, columns=["caller", "callee"]).column_names == ["caller", "callee"]


def test_ingest_twice_does_not_duplicate(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = ingest([DATA / "small.csv"], out)
    second = ingest([DATA / "small.csv"], out)
    assert (first.rows_kept, second.rows_kept, second.rows_duplicate) == (6, 0, 6)
    assert load_cdrs(out).num_rows == 6
    # The same calls spelt otherwise (GBK file, JSON lines) are the same calls.
    third = ingest([DATA / "small_gbk.csv", DATA / "small.jsonl"], out)
    assert third.rows_kept == 0 and third.rows_duplicate == 12
    assert load_cdrs(out).num_rows == 6
    log = (out / "ingest-log.jsonl").read_text().splitlines()
    assert len(log) == 3


def test_canonical_parquet_round_trips_unchanged(tmp_path: Path) -> None:
    ingest([DATA / "small.csv"], tmp_path / "a")
    table = load_cdrs(tmp_path / "a")
    pq.write_table(table, tmp_path / "canonical.parquet")
    summary = ingest([tmp_path / "canonical.parquet"], tmp_path / "b")
    assert summary.rows_kept == 6 and summary.rows_quarantined == 0
    assert load_cdrs(tmp_path / "b").sort_by("call_id").equals(table.sort_by("call_id"))


def test_one_ingest_per_folder_and_stale_parts_removed(tmp_path: Path) -> None:
    import fcntl

    import pytest

    from callwarden.errors import InputError

    out = tmp_path / "out"
    ingest([DATA / "small.csv"], out)
    stale = out / "cdrs" / "day=2026-11-28" / ".part-crashed-0000.parquet.inprogress"
    stale.write_bytes(b"half a file")
    with (out / ".ingest.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(InputError, match="another ingest"):
            ingest([DATA / "small.csv"], out)
    ingest([DATA / "small.jsonl"], out)
    assert not stale.exists()
    assert load_cdrs(out).num_rows == 6


def test_many_inputs_make_one_part_per_day_and_a_failed_run_writes_nothing(tmp_path: Path) -> None:
    import pytest

    from callwarden.errors import InputError

    inputs = []
    for i in range(3):
        path = tmp_path / f"hour{i}.csv"
        path.write_text(
            "start_time,caller,callee,duration_s\n"
            f"2026-11-28 0{i}:00:00,13800138000,95588,{i}\n"
            f"2026-11-29 0{i}:00:00,13800138000,95588,{i}\n"
        )
        inputs.append(path)
    ingest(inputs, tmp_path / "out")
    parts = sorted(p.parent.name for p in (tmp_path / "out" / "cdrs").rglob("*.parquet"))
    assert parts == ["day=2026-11-27", "day=2026-11-28"]  # one part per day, not per file
    assert load_cdrs(tmp_path / "out").num_rows == 6
    # A run that fails half-way leaves the dataset as it was (its parts are never renamed).
    fresh = tmp_path / "fresh.csv"
    fresh.write_text(
        "start_time,caller,callee,duration_s\n2026-11-30 09:00:00,13800138000,95588,1\n"
    )
    rows = "".join(f"2026-11-30 10:00:00,139{i:08d},95588,1\n" for i in range(200_000))
    packed = gzip.compress(("start_time,caller,callee,duration_s\n" + rows).encode())
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(packed[: len(packed) // 2] + b"\x00" * 64 + packed[len(packed) // 2 :])
    with pytest.raises(InputError, match="broken.csv.gz"):
        ingest([fresh, broken], tmp_path / "out", batch_rows=50_000)
    assert load_cdrs(tmp_path / "out").num_rows == 6
    assert list((tmp_path / "out").rglob("*.inprogress"))  # it failed mid-run, after `fresh`
    ingest([fresh], tmp_path / "out")  # the next run clears the leftovers and goes on
    assert load_cdrs(tmp_path / "out").num_rows == 7
    assert not list((tmp_path / "out").rglob("*.inprogress"))


def test_ingest_stores_number_keys_and_load_cdrs_leaves_them_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ingest([DATA / "small.csv"], out)
    stored = pq.read_table(sorted((out / "cdrs").rglob("*.parquet"))[0])
    assert stored["caller_key"].null_count == 0 and stored["callee_key"].null_count == 0
    assert [f"+{k}" for k in stored["caller_key"].to_pylist()] == stored["caller"].to_pylist()
    table = load_cdrs(out)
    assert "caller_key" not in table.column_names and "callee_key" not in table.column_names
    keys = load_cdrs(out, columns=["caller", "caller_key"])
    assert keys.column_names == ["caller", "caller_key"]

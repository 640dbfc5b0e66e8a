"""Campaign staging on the integer number keys, the day's CDRs it loads, and the verdicts'
campaign column: each must give what the string path (or the per-number loop) gave."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from callwarden.campaigns.build import build_campaigns
from callwarden.campaigns.staging import READS, number_id, stage
from callwarden.cdr.canonical import with_number_keys
from callwarden.detect.verdicts import ScanResult, filled
from callwarden.features.duckdb_backend import connection, last_local_day, local_days
from tests.campaigns.conftest import Day, campaign, ordinary


def _day_with_odd_numbers() -> pa.Table:
    day = Day()
    ordinary(day, n=30)
    campaign(day, list_start=0, list_len=200, numbers=6, calls_per_number=12, ingress="trunk-ai")
    day.call(100.0, "0731-8888", "+8613807310001", asserted="+8613907319999")  # not E.164
    day.call(200.0, "+8613807310002", "+1234567890123456789", dur=30.0)  # 19 digits: no key
    day.call(300.0, "+8613807310003", "+8613807310004", asserted="")
    return day.table()


def _staged(table: pa.Table) -> pa.Table:
    con = stage(table)
    return con.sql("SELECT * FROM cw_calls ORDER BY rid").to_arrow_table()


def test_staging_reads_the_keys_and_gives_the_string_path_rows() -> None:
    table = _day_with_odd_numbers()
    keyed = with_number_keys(table)
    assert "caller_key" in keyed.column_names and keyed["callee_key"].null_count >= 1
    assert _staged(keyed).equals(_staged(table))


def test_campaigns_are_the_same_with_and_without_keys() -> None:
    table = _day_with_odd_numbers()
    a, b = build_campaigns(table), build_campaigns(with_number_keys(table))
    assert a.number_campaign == b.number_campaign and a.number_campaign
    assert [c.campaign_id for c in a.campaigns] == [c.campaign_id for c in b.campaigns]


def test_day_cdrs_reads_the_staged_columns_of_one_local_day(tmp_path: Path) -> None:
    from callwarden.cli.campaigns import _day_cdrs

    day = Day()
    # Around local (UTC+8) midnight of 28 Nov: 15:59:59 and 16:00:00 UTC fall on two days.
    for s in (-1.0, 0.0, 1.0, 86399.0, 86400.0):
        day.call(16 * 3600 + s, "+8613807310001", "+8613807310002")
    pq.write_table(with_number_keys(day.table()), tmp_path / "cdrs.parquet")
    got = _day_cdrs(tmp_path / "cdrs.parquet", "2026-11-29")
    assert set(got.column_names) <= set(READS) and "imei" not in got.column_names
    starts = [t - day.rows[0]["start_time"] for t in got["start_time"].to_pylist()]  # type: ignore[operator]
    assert starts == [timedelta(seconds=s) for s in (1.0, 2.0, 86400.0)]
    assert _day_cdrs(tmp_path / "cdrs.parquet", None).num_rows == 5


def test_last_local_day_is_the_last_of_local_days(tmp_path: Path) -> None:
    day = Day()
    for s in (0.0, 15 * 3600.0, 16 * 3600.0 + 5, 40 * 3600.0):
        day.call(s, "+8613807310001", "+8613807310002")
    pq.write_table(day.table(), tmp_path / "cdrs.parquet")
    rel = f"read_parquet('{tmp_path / 'cdrs.parquet'}')"
    with connection() as con:
        assert last_local_day(con, rel) == local_days(con, rel)[-1] == "2026-11-30"
        empty = f"(SELECT * FROM {rel} WHERE false)"
        assert last_local_day(con, empty) is None and local_days(con, empty) == []


def test_link_campaigns_sets_linked_numbers_and_clears_the_rest() -> None:
    numbers = np.array(["+8613800000003", "+8613800000001", "+8613800000002"], dtype=object)
    n = len(numbers)
    result = ScanResult(
        numbers=numbers,
        labels=filled(n, "benign"),
        scores=np.zeros(n),
        categories=filled(n, ""),
        reasons=[[] for _ in range(n)],
        campaigns=filled(n, "old"),
        threshold=0.5,
    )
    result.link_campaigns({"+8613800000001": "cmp-a", "+8613899999999": "cmp-b"})
    assert result.campaigns.tolist() == ["", "cmp-a", ""]
    result.link_campaigns({})
    assert result.campaigns.tolist() == ["", "", ""]


def test_flagged_campaign_members_take_the_campaigns_category() -> None:
    numbers = np.array([f"+861380000000{i}" for i in range(5)], dtype=object)
    n = len(numbers)
    result = ScanResult(
        numbers=numbers,
        labels=np.array(
            ["harassment", "benign", "fraud", "harassment", "harassment"], dtype=object
        ),
        scores=np.zeros(n),
        categories=np.array(["", "", "", "courier", ""], dtype=object),
        reasons=[[] for _ in range(n)],
        campaigns=filled(n, ""),
        threshold=0.5,
    )
    linked = {str(x): "cmp-a" for x in numbers[:4]} | {str(numbers[4]): "cmp-b"}
    result.link_campaigns(linked, {"cmp-a": "insurance", "cmp-b": ""})
    # flagged and blank: the campaign's; benign: none; a category already given: kept;
    # a campaign without one: blank
    assert result.categories.tolist() == ["insurance", "", "insurance", "courier", ""]


ODD = ["anonymous", "0731-8888", "+86 138 0013 8000", "+８６１３８", "+²", "+-123",
       "+12345678901234567890", "+9999999999999999999", "未知号码"]  # fmt: skip


def test_odd_numbers_get_the_staged_id_in_python_too() -> None:
    """The online index (``number_id``) must meet the ids batch staging gave the same
    numbers; an odd number's id is its text's MD5, not Python's per-process salted hash."""
    day = Day()
    for i, odd in enumerate(ODD + ["+8613800138000", "+0123"]):
        day.call(float(i), "+8613807310001", odd)
    con = stage(day.table())
    staged = dict(con.execute("SELECT callee_s, callee FROM cw_calls").fetchall())
    got = {n: number_id(n) for n in ODD + ["+8613800138000", "+0123"]}
    assert got["+8613800138000"] == 8613800138000 and got["+0123"] == 123
    assert all(got[n] < 0 for n in ODD)
    assert {n: staged[n] for n in ODD} == {n: got[n] for n in ODD}
    assert len(set(got.values())) == len(got)


def test_odd_number_ids_are_the_same_in_every_process() -> None:
    import subprocess
    import sys

    code = "from callwarden.campaigns.staging import number_id; print(number_id('anonymous'))"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }  # fmt: skip
    assert outs == {str(number_id("anonymous"))}

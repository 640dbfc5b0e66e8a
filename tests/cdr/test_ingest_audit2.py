"""Ingest audit of 29 Nov (second): encodings decided per row, binary Parquet, reserved and
mapping-made columns, JSON arrays, calls without a time of day, quarantine details."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callwarden.cdr import ingest, load_cdrs, parse, parse_mapping
from callwarden.cdr.mapping import Convert
from callwarden.cdr.readers import detect_encoding
from callwarden.errors import ConfigError, InputError

H = "start_time,caller,callee,duration_s"


def _quarantine(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "quarantine.csv").read_text("utf-8"))))


def _rows(n: int, region: str) -> list[str]:
    return [
        f"2026-11-02 10:{i // 60 % 60:02d}:{i % 60:02d},138{i:08d},13900139000,5,{region}"
        for i in range(n)
    ]


# --- 1. the encoding: fewest undecodable bytes; one bad value loses one row ----------------


def test_gb18030_file_with_one_bad_byte_keeps_every_other_row(tmp_path: Path) -> None:
    """One 0xFF in a GBK export made the whole file UTF-8: every row bad_encoding."""
    rows = [r.encode("gb18030") for r in _rows(300, "湖南省长沙市")]
    rows[150] = rows[150].replace("长沙市".encode("gb18030"), b"\xff")
    f = tmp_path / "gbk.csv"
    f.write_bytes(f"{H},caller_region\n".encode() + b"\n".join(rows) + b"\n")
    s = ingest([f], tmp_path / "out")
    assert (s.rows_read, s.rows_kept, s.quarantined_by_reason) == (300, 299, {"bad_encoding": 1})
    (q,) = _quarantine(tmp_path / "out")
    assert q["line"] == "152" and q["raw"].endswith("\\xff")
    assert set(load_cdrs(tmp_path / "out")["caller_region"].to_pylist()) == {"湖南省长沙市"}


def test_utf8_file_with_one_cut_character_is_not_read_as_gb18030(tmp_path: Path) -> None:
    """湖南省长沙市 in UTF-8 is valid GB18030 too (other characters): a file with one cut
    character was read as GB18030, every region stored as mojibake (婀栧崡鐪侀暱娌欏競)."""
    rows = [r.encode() for r in _rows(300, "湖南省长沙市")]
    rows[150] = rows[150][:-16]  # the region cut inside its first character
    f = tmp_path / "utf8.csv"
    f.write_bytes(f"{H},caller_region\n".encode() + b"\n".join(rows) + b"\n")
    s = ingest([f], tmp_path / "out")
    assert (s.rows_kept, s.quarantined_by_reason) == (299, {"bad_encoding": 1})
    assert _quarantine(tmp_path / "out")[0]["line"] == "152"
    assert set(load_cdrs(tmp_path / "out")["caller_region"].to_pylist()) == {"湖南省长沙市"}


def test_detect_encoding_counts_undecodable_bytes() -> None:
    text = "\n".join(_rows(50, "株洲市"))
    utf8, gbk = text.encode(), text.encode("gb18030")
    assert detect_encoding(utf8[:-1]) == "utf-8"  # a character cut at the sample's end
    assert detect_encoding(gbk) == "gb18030"
    assert detect_encoding(gbk[:500] + b"\xff" + gbk[500:], final=True) == "gb18030"
    assert detect_encoding(utf8[:500] + b"\xe6\xb9\n" + utf8[500:], final=True) == "utf-8"
    assert detect_encoding(b"start_time,caller\n") == "utf-8"


def test_gbk_rows_after_an_ascii_first_mib_are_decoded(tmp_path: Path) -> None:
    """A first MiB of ASCII only (regions empty at first) made the file UTF-8: every GBK row
    after it was bad_encoding. Each batch with other bytes now has its encoding detected."""
    n = 30_000  # > 1 MiB of ASCII rows
    ascii_rows = [r.encode() for r in _rows(n, "")]
    gbk = [r.replace(",5,", ",7,").encode("gb18030") for r in _rows(500, "湖南省长沙市")]
    gbk[10] = gbk[10].replace("长沙市".encode("gb18030"), b"\xff")
    f = tmp_path / "late.csv"
    f.write_bytes(f"{H},caller_region\n".encode() + b"\n".join(ascii_rows + gbk) + b"\n")
    s = ingest([f], tmp_path / "out", batch_rows=10_000)
    assert (s.rows_kept, s.quarantined_by_reason) == (n + 499, {"bad_encoding": 1})
    assert _quarantine(tmp_path / "out")[0]["line"] == str(n + 12)
    regions = load_cdrs(tmp_path / "out", columns=["caller_region"])["caller_region"]
    assert set(regions.drop_null().to_pylist()) == {"湖南省长沙市"}


# --- 2. Parquet BINARY columns (Hive/Impala strings) ------------------------------------------


def _binary_parquet(path: Path, regions: list[bytes], caller: list[bytes] | None = None) -> None:
    n = len(regions)
    callers = caller or [f"138{i:08d}".encode() for i in range(n)]
    pq.write_table(
        pa.table(
            {
                "start_time": pa.array([f"2026-11-02 10:00:{i:02d}".encode() for i in range(n)]),
                "caller": pa.array(callers, pa.binary()),
                "callee": pa.array([b"13900139000"] * n, pa.binary()),
                "duration_s": pa.array([5] * n, pa.int32()),
                "caller_region": pa.array(regions, pa.binary()),
            }
        ),
        path,
    )


def test_parquet_binary_columns_in_gbk_are_decoded(tmp_path: Path) -> None:
    """They raised ArrowInvalid: Invalid UTF8 payload (exit 1, nothing ingested)."""
    f = tmp_path / "hive.parquet"
    regions = ["长沙".encode("gbk"), "株洲".encode("gbk"), b"\xff\xfe", "岳阳".encode("gbk")]
    _binary_parquet(f, regions)
    s = ingest([f], tmp_path / "out")
    assert (s.rows_read, s.rows_kept, s.quarantined_by_reason) == (4, 3, {"bad_encoding": 1})
    assert _quarantine(tmp_path / "out")[0]["line"] == "3"
    stored = sorted(load_cdrs(tmp_path / "out")["caller_region"].to_pylist())
    assert stored == sorted(["长沙", "株洲", "岳阳"])


def test_parquet_binary_utf8_and_explicit_encoding(tmp_path: Path) -> None:
    f = tmp_path / "u.parquet"
    _binary_parquet(f, ["长沙".encode(), "株洲".encode()])
    ingest([f], tmp_path / "out")
    assert sorted(load_cdrs(tmp_path / "out")["caller_region"].to_pylist()) == ["株洲", "长沙"]
    g = tmp_path / "g.parquet"
    _binary_parquet(g, ["长沙".encode("gbk")], caller=[b"13800138000"])
    ingest([g], tmp_path / "out2", encoding="gbk")
    assert load_cdrs(tmp_path / "out2")["caller_region"].to_pylist() == ["长沙"]


# --- 3. reserved names; 4. columns a mapping makes -------------------------------------------


@pytest.mark.parametrize("name", ["caller_key", "callee_key", "day"])
def test_reserved_column_names_are_refused(tmp_path: Path, name: str) -> None:
    """caller_key/callee_key were overwritten by the derived keys. (__reason, refused too
    then, is an ordinary column since 30 Nov: tests/cdr/test_reserved_names.py.)"""
    f = tmp_path / "a.csv"
    f.write_text(f"{H},{name}\n2026-11-02 10:00:00,13800138000,13900139000,5,vip\n")
    said = "(cannot be stored|holds values that are not callwarden's number keys)"
    with pytest.raises(InputError, match=f"column '{name}' {said}.*drop: \\[{name}\\]"):
        ingest([f], tmp_path / "out")
    assert not (tmp_path / "out" / "cdrs").exists()
    m = parse_mapping({"drop": [name]})
    assert ingest([f], tmp_path / "out", mapping=m).rows_kept == 1


def test_reserved_name_in_parquet_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "a.parquet"
    pq.write_table(
        pa.table(
            {
                "start_time": ["2026-11-02 10:00:00"],
                "caller": ["13800138000"],
                "callee": ["13900139000"],
                "duration_s": [5],
                "callee_key": ["CUST-2"],
            }
        ),
        f,
    )
    with pytest.raises(InputError, match="column 'callee_key' holds values that are not"):
        ingest([f], tmp_path / "out")
    assert not (tmp_path / "out" / "cdrs").exists()


def test_callwardens_own_keys_are_taken(tmp_path: Path) -> None:
    """The simulator's cdrs.parquet (and a canonical export) carries the integer keys ingest
    derives: it is ingested (refusing every caller_key column broke the demo's ingest step),
    while integer keys of anything else are refused."""
    rows = {
        "start_time": ["2026-11-02 10:00:00", "2026-11-02 10:01:00"],
        "caller": ["+8613800138000", "+8613800138001"],
        "callee": ["+8613900139000", "+8613900139001"],
        "duration_s": [5, 6],
    }
    own = tmp_path / "own.parquet"
    keys = {"caller_key": [8613800138000, 8613800138001], "callee_key": [8613900139000, None]}
    pq.write_table(pa.table({**rows, **keys}), own)
    assert ingest([own], tmp_path / "out").rows_kept == 2
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({**rows, "caller_key": [1, 2]}), other)
    with pytest.raises(InputError, match="column 'caller_key' holds values that are not.*e.g. 1"):
        ingest([other], tmp_path / "out2")
    assert not (tmp_path / "out2" / "cdrs").exists()


def test_constant_and_file_column_of_one_name_is_an_error(tmp_path: Path) -> None:
    """The constant silently replaced the file's per-row TRUNK-A / TRUNK-B."""
    f = tmp_path / "a.csv"
    f.write_text(
        f"{H},ingress\n"
        "2026-11-02 10:00:00,13800138000,13900139000,5,TRUNK-A\n"
        "2026-11-02 10:00:01,13800138001,13900139000,5,TRUNK-B\n"
    )
    m = parse_mapping({"constants": {"ingress": "switch-x"}})
    with pytest.raises(InputError, match="column 'ingress' and the mapping's constant ingress"):
        ingest([f], tmp_path / "out", mapping=m)
    m = parse_mapping({"constants": {"ingress": "switch-x"}, "drop": ["ingress"]})
    ingest([f], tmp_path / "out", mapping=m)
    assert set(load_cdrs(tmp_path / "out")["ingress"].to_pylist()) == {"switch-x"}


def test_swap_and_file_column_of_one_name_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(
        "start_time,sub,other,dir,duration_s,caller\n"
        "2026-11-02 10:00:00,13800138000,13900139000,1,5,13700137000\n"
    )
    swap = {"column": "dir", "subscriber": "sub", "other": "other"}
    m = parse_mapping({"swap": {**swap, "outgoing": [1], "incoming": [2]}})
    with pytest.raises(InputError, match="column 'caller' and the mapping's swap"):
        ingest([f], tmp_path / "out", mapping=m)
    with pytest.raises(ConfigError, match="callee_region, caller_region also made by swap"):
        parse_mapping(
            {
                "swap": {**swap, "outgoing": [1], "incoming": [2], "subscriber_region": "city"},
                "constants": {"caller_region": "x", "callee_region": "y"},
            }
        )


# --- 5. JSON arrays, times without a time of day, cut times, repeated headers, details --------


def test_pretty_printed_json_array(tmp_path: Path) -> None:
    """It was read as JSON lines: every line malformed_row, rows read = lines, exit 0."""
    calls = [
        {"start_time": "2026-11-02 10:00:00", "caller": "13800138000", "callee": "13900139000",
         "duration_s": 5},
        [1, 2],
        {"start_time": "2026-11-02 10:00:02", "caller": "13800138002", "callee": "13900139000",
         "duration_s": 7, "note": "客服"},
    ]  # fmt: skip
    f = tmp_path / "calls.json"
    f.write_text(json.dumps(calls, ensure_ascii=False, indent=2), encoding="utf-8")
    s = ingest([f], tmp_path / "out")
    assert (s.rows_read, s.rows_kept, s.quarantined_by_reason) == (3, 2, {"malformed_row": 1})
    (q,) = _quarantine(tmp_path / "out")
    assert q["line"] == "8" and q["detail"] == "not a JSON object (list)"
    assert set(load_cdrs(tmp_path / "out")["note"].to_pylist()) == {None, "客服"}
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"start_time": 1},\n  {"caller": \n]\n')
    with pytest.raises(InputError, match="not valid JSON at line 4"):
        ingest([bad], tmp_path / "out2")


def test_date_without_time_of_day_is_bad_start_time(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(
        f"{H}\n"
        "2026-11-02,13800138000,13900139000,5\n"
        "2026/11/03,13800138001,13900139000,5\n"
        "2026-11-02 10:00:00,13800138002,13900139000,5\n"
    )
    s = ingest([f], tmp_path / "out")
    assert (s.rows_kept, s.quarantined_by_reason) == (1, {"bad_start_time": 2})
    assert [q["detail"] for q in _quarantine(tmp_path / "out")] == ["2026-11-02", "2026/11/03"]
    days, _ = parse.times(pa.array([19663], pa.date32()), "Asia/Shanghai")
    assert days.to_pylist() == [None]
    with pytest.raises(ConfigError, match="reads no time of day"):
        parse_mapping({"convert": {"start_time": {"time_format": "%Y%m%d"}}})


def test_time_format_value_a_digit_short_is_bad_start_time() -> None:
    """strptime read 2026110210000 (13 digits) as 10:00:00 under %Y%m%d%H%M%S."""
    conv = Convert(time_format="%Y%m%d%H%M%S")
    values = pa.array(["2026110210000", "20261102100000", " 20261102100001 ", "202611021000000"])
    out, bad = parse.times(values, "Asia/Shanghai", conv)
    assert bad.tolist() == [True, False, False, True]
    assert parse.format_pattern("%Y-%m-%d %H:%M:%S") is None  # separated: strptime decides
    ok, bad = parse.times(pa.array(["2026-11-2 9:05:00"]), "UTC", Convert("%Y-%m-%d %H:%M:%S"))
    assert not bad.any()


def test_repeated_header_of_a_column_read_is_an_error(tmp_path: Path) -> None:
    """The second caller became caller_2, silently."""
    f = tmp_path / "a.csv"
    f.write_text(f"{H},caller\n2026-11-02 10:00:00,13800138000,13900139000,5,13800138999\n")
    with pytest.raises(InputError, match="names column 'caller' 2 times"):
        ingest([f], tmp_path / "out")
    g = tmp_path / "b.csv"
    g.write_text(f"{H},note,note,note_2\n2026-11-02 10:00:00,13800138000,13900139000,5,a,b,c\n")
    ingest([g], tmp_path / "out")
    row = load_cdrs(tmp_path / "out").to_pylist()[0]
    assert (row["note"], row["note_3"], row["note_2"]) == ("a", "b", "c")


def test_quarantine_detail_of_malformed_rows_and_bad_direction(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(f"{H}\n2026-11-02 10:00:00,13800138000,13900139000,5,extra\n")
    ingest([f], tmp_path / "out")
    assert _quarantine(tmp_path / "out")[0]["detail"] == "5 fields, 4 expected"
    j = tmp_path / "a.jsonl"
    j.write_text('{"start_time": 1\n')
    ingest([j], tmp_path / "out2")
    assert _quarantine(tmp_path / "out2")[0]["detail"].startswith("not JSON: ")
    v = tmp_path / "voc.csv"
    v.write_text(
        "start_time,sub,other,dir,duration_s\n"
        "2026-11-02 10:00:00,13800138000,13900139000,1,5\n"
        "2026-11-02 10:00:01,13800138000,13900139000,9,5\n"
    )
    m = parse_mapping(
        {"swap": {"column": "dir", "subscriber": "sub", "other": "other", "outgoing": [1],
                  "incoming": [2]}}
    )  # fmt: skip
    ingest([v], tmp_path / "out3", mapping=m)
    (q,) = _quarantine(tmp_path / "out3")
    assert (q["reason"], q["detail"]) == ("bad_direction", "dir=9")

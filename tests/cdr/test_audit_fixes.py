"""Bad input found by the audit: each is read, quarantined or refused with a clear error."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callwarden.cdr import canonicalize, ingest, load_cdrs, parse, parse_mapping
from callwarden.cdr.mapping import Convert
from callwarden.errors import ConfigError, InputError

H = "start_time,caller,callee,duration_s"


def _quarantine(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "quarantine.csv").read_text("utf-8"))))


def _counts_add_up(s: object) -> None:
    assert s.rows_read == s.rows_kept + s.rows_quarantined + s.rows_duplicate  # type: ignore[attr-defined]


# --- encodings -------------------------------------------------------------------------------


def test_gbk_malformed_row_is_quarantined_not_fatal(tmp_path: Path) -> None:
    text = (
        f"{H},caller_region\n"
        "2026-11-02 10:00:01,13800138001,13900139000,30,长沙\n"
        "2026-11-02 10:00:02,13800138002,13900139000,30,株洲,湘潭\n"
        "2026-11-02 10:00:03,13800138003,13900139000,30,岳阳\n"
    )
    f = tmp_path / "gbk.csv"
    f.write_bytes(text.encode("gbk"))
    s = ingest([f], tmp_path / "out")
    assert (s.rows_read, s.rows_kept, s.quarantined_by_reason) == (3, 2, {"malformed_row": 1})
    (q,) = _quarantine(tmp_path / "out")
    assert q["line"] == "3" and q["raw"].endswith("株洲,湘潭")
    regions = sorted(load_cdrs(tmp_path / "out")["caller_region"].to_pylist())
    assert regions == sorted(["长沙", "岳阳"])


def test_utf8_malformed_row_with_bad_bytes_after_a_batch(tmp_path: Path) -> None:
    """A file read as UTF-8 (its first MiB is ASCII) with a malformed GBK row further on,
    after batches were handed out: read again as text from there, nothing counted twice."""
    n = 30_000  # > 1 MiB
    rows = [
        f"2026-11-02 1{i // 3600 % 10}:{i // 60 % 60:02d}:{i % 60:02d},138{i:08d},13900139000,30"
        for i in range(n)
    ]
    bad = "2026-11-02 11:00:00,13800138999,13900139000,30,株洲,湘潭\n".encode("gbk")
    tail = b"2026-11-02 12:00:00,13800138998,13900139000,30\n"
    f = tmp_path / "a.csv"
    f.write_bytes((H + "\n" + "\n".join(rows) + "\n").encode() + bad + tail)
    s = ingest([f], tmp_path / "out", batch_rows=5_000)
    assert (s.rows_read, s.rows_kept, s.quarantined_by_reason) == (
        n + 2,
        n + 1,
        {"malformed_row": 1},
    )
    (q,) = _quarantine(tmp_path / "out")
    assert q["line"] == str(n + 2) and q["raw"].startswith("2026-11-02 11:00:00,138")
    assert ",30,\\xd6\\xea\\xd6\\xde," in q["raw"]  # the bytes, escaped
    _counts_add_up(s)


def test_gbk_pipe_delimiter_inside_a_character(tmp_path: Path) -> None:
    """東 is 96 7C in GBK: its trail byte is '|', the mapping's delimiter."""
    m = parse_mapping({"read": {"encoding": "gbk", "delimiter": "|"}})
    text = (
        "start_time|caller|callee|duration_s|caller_region\n"
        "2026-11-02 10:00:01|13800138001|13900139000|30|廣東\n"
        "2026-11-02 10:00:02|13800138002|13900139000|30|长沙\n"
    )
    f = tmp_path / "p.csv"
    f.write_bytes(text.encode("gbk") + b"2026-11-02 10:00:03|13800138003|13900139000|30|\x81\x20\n")
    s = ingest([f], tmp_path / "out", mapping=m)
    assert (s.rows_kept, s.quarantined_by_reason) == (2, {"bad_encoding": 1})
    assert sorted(load_cdrs(tmp_path / "out")["caller_region"].to_pylist()) == ["廣東", "长沙"]
    (q,) = _quarantine(tmp_path / "out")
    assert q["line"] == "4" and "\\x81" in q["raw"]


def test_undecodable_bytes_stay_visible_in_quarantine(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_bytes(
        f"{H},note\n".encode() + b"2026-11-02 10:00:01,13800138001,13900139000,30,\xff\xfe\n"
    )
    s = ingest([f], tmp_path / "out")
    assert s.quarantined_by_reason == {"bad_encoding": 1}
    assert _quarantine(tmp_path / "out")[0]["raw"].endswith(",30,\\xff\\xfe")


# --- empty files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        H.encode(),
        b"\xef\xbb\xbf" + H.encode(),
        H.encode() + b"\r\n",
        b"\xef\xbb\xbf",
        b"\xef\xbb\xbf\r\n",
    ],
)
def test_header_only_and_bom_only_files_are_empty(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "a.csv").write_text(f"{H}\n2026-11-02 10:00:01,13800138001,13900139000,30\n")
    (tmp_path / "b.csv").write_bytes(data)
    s = ingest([tmp_path / "a.csv", tmp_path / "b.csv"], tmp_path / "out")
    assert (s.rows_read, s.rows_kept) == (1, 1)
    assert not list((tmp_path / "out").rglob("*.inprogress"))


def test_header_only_file_still_has_its_columns_checked(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_bytes(b"ts,a,b")
    with pytest.raises(InputError, match="required columns"):
        ingest([tmp_path / "b.csv"], tmp_path / "out")


# --- JSON lines --------------------------------------------------------------------------------


def _jrow(i: int, **extra: object) -> dict[str, object]:
    return {
        "start_time": f"2026-11-02T10:00:0{i}+08:00",
        "caller": f"1380013800{i}",
        "callee": "13900139000",
        "duration_s": 30,
        **extra,
    }


def test_jsonl_splits_lines_on_newline_only(tmp_path: Path) -> None:
    rows = [_jrow(1, note="a\u2028b"), _jrow(2, note="c\x85d"), _jrow(3, note="ok"), _jrow(4)]
    rows[3]["start_time"] = "bad"
    f = tmp_path / "a.jsonl"
    f.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in rows).encode())
    s = ingest([f], tmp_path / "out")
    assert (s.rows_read, s.rows_kept, s.quarantined_by_reason) == (4, 3, {"bad_start_time": 1})
    assert _quarantine(tmp_path / "out")[0]["line"] == "4"
    assert sorted(load_cdrs(tmp_path / "out")["note"].to_pylist()) == ["a\u2028b", "c\x85d", "ok"]


def test_jsonl_gbk_is_detected_and_undecodable_lines_quarantined(tmp_path: Path) -> None:
    rows = [_jrow(1, caller_region="长沙"), _jrow(2, caller_region="株洲")]
    f = tmp_path / "a.jsonl"
    f.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("gbk"))
    ingest([f], tmp_path / "out")
    assert sorted(load_cdrs(tmp_path / "out")["caller_region"].to_pylist()) == ["株洲", "长沙"]
    g = tmp_path / "b.jsonl"
    good = json.dumps(_jrow(3), ensure_ascii=False).encode()
    g.write_bytes(
        good + b"\n" + good.replace(b'"30', b'"\xd6\xd0').replace(b"30}", b'"\xff"}') + b"\n"
    )
    s = ingest([g], tmp_path / "out2")
    assert (s.rows_read, s.rows_kept, s.quarantined_by_reason) == (2, 1, {"bad_encoding": 1})
    assert "\\xff" in _quarantine(tmp_path / "out2")[0]["raw"]


def test_jsonl_of_unreadable_lines_only_counts_them(tmp_path: Path) -> None:
    f = tmp_path / "a.jsonl"
    f.write_bytes(b"not json\n\xff\n")
    s = ingest([f], tmp_path / "out")
    assert (s.rows_read, s.rows_quarantined) == (2, 2)


# --- numbers and times -------------------------------------------------------------------------


@pytest.mark.parametrize("other", ["", "2026-11-02 10:00:05,13800138005,13900139000,abc,3\n"])
def test_infinite_durations_are_bad_on_both_paths(tmp_path: Path, other: str) -> None:
    f = tmp_path / "a.csv"
    f.write_text(
        f"{H},ring_s\n"
        "2026-11-02 10:00:01,13800138001,13900139000,30,5\n"
        "2026-11-02 10:00:02,13800138002,13900139000,inf,inf\n"
        "2026-11-02 10:00:03,13800138003,13900139000,1e400,-inf\n"
        "2026-11-02 10:00:04,13800138004,13900139000,Infinity,3\n"
        "2026-11-02 10:00:06,13800138006,13900139000,7,1e400\n" + other
    )
    s = ingest([f], tmp_path / "out")
    assert s.rows_kept == 2 and s.quarantined_by_reason["bad_duration"] == 3 + bool(other)
    kept = load_cdrs(tmp_path / "out").to_pylist()
    assert sorted(r["ring_s"] for r in kept if r["ring_s"] is not None) == [5.0]


def test_infinite_typed_values_and_overflowing_multiply() -> None:
    vals, bad = parse.numbers(pa.array([1.0, float("inf"), float("nan"), None]))
    assert vals.to_pylist() == [1.0, None, None, None] and bad.tolist() == [0, 1, 1, 0]
    vals, bad = parse.numbers(pa.array(["1e308", "2"]), Convert(multiply=1000.0))
    assert vals.to_pylist() == [None, 2000.0] and bad.tolist() == [1, 0]


def test_cst_abbreviation_is_quarantined_with_a_clear_detail(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(
        f"{H}\n2026-11-02 10:00:00 CST,13800138000,13900139000,30\n"
        "2026-11-02 10:00:00 Asia/Shanghai,13800138001,13900139000,30\n"
        "2026-11-02T02:00:00Z,13800138002,13900139000,30\n"
    )
    s = ingest([f], tmp_path / "out")
    assert (s.rows_kept, s.quarantined_by_reason) == (2, {"bad_start_time": 1})
    (q,) = _quarantine(tmp_path / "out")
    assert q["detail"].startswith("2026-11-02 10:00:00 CST: time zone CST is not accepted")
    times = {r["start_time"] for r in load_cdrs(tmp_path / "out").to_pylist()}
    assert times == {datetime(2026, 11, 2, 2, 0, tzinfo=UTC)}


def test_cst_can_be_read_with_a_time_format() -> None:
    m = parse_mapping({"convert": {"start_time": {"time_format": "%Y-%m-%d %H:%M:%S CST"}}})
    t = pa.table(
        {"start_time": ["2026-11-02 10:00:00 CST"], "caller": ["13800138000"],
         "callee": ["13900139000"], "duration_s": ["3"]}
    )  # fmt: skip
    row = canonicalize(t, mapping=m).table.to_pylist()[0]
    assert row["start_time"] == datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def test_dst_rule_is_the_same_on_every_parse_path() -> None:
    tz = "America/New_York"
    local = ["2026-11-01 01:30:00", "2026-03-08 02:30:00"]
    want = [datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)]
    fast, _ = parse.times(pa.array(local), tz)
    mixed, _ = parse.times(pa.array([*local, "1793584800", "2026/11/01 01:30:00"]), tz)
    assert fast.to_pylist() == want
    assert mixed.to_pylist()[:2] == want and mixed.to_pylist()[3] == want[0]


def test_dst_call_gets_one_id_whatever_the_path(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(f"{H}\n2026-11-01 01:30:00,13800138000,13900139000,30\n")
    (tmp_path / "b.csv").write_text(
        f"{H}\n2026-11-01 01:30:00,13800138000,13900139000,30\n1793584800,13800138009,139001390,5\n"
    )
    ingest([tmp_path / "a.csv"], tmp_path / "out", tz="America/New_York")
    s = ingest([tmp_path / "b.csv"], tmp_path / "out", tz="America/New_York")
    assert s.rows_duplicate == 1


def test_parquet_nanoseconds_are_floored_to_microseconds(tmp_path: Path) -> None:
    t = pa.table(
        {
            "start_time": pa.array([1793584800123456789, 1793584801000000000], pa.timestamp("ns")),
            "caller": ["13800138000", "13800138001"],
            "callee": ["13900139000"] * 2,
            "duration_s": [30.0, 0.0],
        }
    )
    pq.write_table(t, tmp_path / "a.parquet")
    s = ingest([tmp_path / "a.parquet"], tmp_path / "out", tz="UTC")
    assert s.rows_kept == 2
    got = sorted(load_cdrs(tmp_path / "out")["start_time"].to_pylist())
    assert got[0] == datetime(2026, 11, 2, 2, 0, 0, 123456, tzinfo=UTC)
    aware, bad = parse.times(pa.array([1793584800123456789], pa.timestamp("ns", "UTC")), "UTC")
    assert not bad.any() and aware.to_pylist()[0].microsecond == 123456


def test_time_format_trims_blanks() -> None:
    c = Convert(time_format="%Y%m%d%H%M%S")
    out, bad = parse.times(
        pa.array(["20261102103000", " 20261102103000", "20261102103000 "]), "UTC", c
    )
    assert not bad.any() and len(set(out.to_pylist())) == 1


# --- mappings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"rename": {"trunk": "ingres"}}, "'ingres' is not a canonical column"),
        ({"rename": ["a", "b"]}, "rename must be a mapping"),
        ({"rename": {"a": "caller", "b": "caller"}}, "'a' and 'b' both become 'caller'"),
        ({"read": "gbk"}, "read must be a mapping"),
        ({"read": {"encodng": "gbk"}}, r"read: unknown keys \['encodng'\]"),
        ({"read": {"encoding": "klingon"}}, "unknown encoding"),
        ({"read": {"header": "false", "columns": ["a"]}}, "header must be true or false"),
        ({"read": {"header": False}}, "needs columns"),
        ({"read": {"delimiter": "||"}}, "delimiter must be one character"),
        ({"swap": ["a"]}, "swap must be a mapping"),
        (
            {
                "swap": {
                    "column": "d",
                    "subscriber": "a",
                    "other": "b",
                    "outgoing": [1],
                    "incoming": [2],
                    "subscriber_regoin": "city",
                }
            },
            r"swap: unknown keys \['subscriber_regoin'\]",
        ),  # fmt: skip
        ({"convert": {"duration_s": {"multiply": "abc"}}}, "multiply must be a number"),
        ({"convert": {"duration_s": {"multiply": True}}}, "multiply must be a number"),
        ({"convert": {"start_time": {"time_format": 123}}}, "time_format must be a non-empty text"),
        ({"convert": {"start_time": "ms"}}, "convert.start_time must be a mapping"),
        ({"constants": {"ingres": "x"}}, "'ingres' is not a canonical column"),
        ({"drop": {"a": 1}}, "drop must be a value or a list"),
    ],
)
def test_mapping_mistakes_are_config_errors(doc: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_mapping(doc, "m.yaml")


def test_valid_mapping_still_parses() -> None:
    m = parse_mapping(
        {"read": {"header": False, "columns": ["a", "b"], "delimiter": "|", "encoding": "gbk"},
         "rename": {"a": "caller"}, "convert": {"duration_s": {"multiply": 1}}}
    )  # fmt: skip
    assert (
        m.header is False
        and m.rename == {"a": "caller"}
        and m.convert["duration_s"].multiply == 1.0
    )


# --- dataset -----------------------------------------------------------------------------------


def test_a_day_column_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(f"{H},day\n2026-11-02 07:00:00,13800138001,13900139000,30,20261102\n")
    with pytest.raises(InputError, match="column 'day' cannot be stored"):
        ingest([f], tmp_path / "out")
    assert not (tmp_path / "out").exists()
    s = ingest([f], tmp_path / "out", mapping=parse_mapping({"drop": ["day"]}))
    assert s.rows_kept == 1


def test_output_folder_inside_the_input_folder_is_not_read(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "d1.csv").write_text(
        f"{H}\n2026-11-02 10:00:00,13800138000,13900139000,30\n"
        "2026-11-02 10:00:01,13800138001,13900139000,-1\n"
    )
    ingest([exports], exports / "dataset")
    (exports / "d2.csv").write_text(f"{H}\n2026-11-03 10:00:00,13800138002,13900139000,30\n")
    s = ingest([exports], exports / "dataset")
    assert s.files == 2 and s.rows_read == 3


def test_load_cdrs_with_only_uncommitted_parts_is_an_input_error(tmp_path: Path) -> None:
    day = tmp_path / "out" / "cdrs" / "day=2026-11-02"
    day.mkdir(parents=True)
    (day / ".part-x-0000.parquet.inprogress").write_bytes(b"PAR1")
    with pytest.raises(InputError, match="no CDRs in"):
        load_cdrs(tmp_path / "out")


# --- quoted line breaks ------------------------------------------------------------------------


@pytest.mark.parametrize("batch_rows", [1_000_000, 2])
def test_lines_after_quoted_line_breaks_are_physical_lines(tmp_path: Path, batch_rows: int) -> None:
    f = tmp_path / "a.csv"
    f.write_bytes(
        f"{H},note\n".encode()
        + b'2026-11-02 10:00:01,13800138001,13900139000,30,"multi\nline"\n'  # lines 2-3
        + b"2026-11-02 10:00:02,13800138002,13900139000\n"  # 4 malformed
        + b"garbage,13800138003,13900139000,5,x\n"  # 5
        + b'2026-11-02 10:00:04,13800138004,13900139000,7,"a\r\nb\nc"\n'  # 6-8
        + b"2026-11-02 10:00:05,13800138005,13900139000,-1,x\n"  # 9
        + b'2026-11-02 10:00:06,13800138006,13900139000,"x\ny"\n'  # 10-11 malformed
        + b"later,13800138007,13900139000,5,x\n"  # 12
    )
    s = ingest([f], tmp_path / "out", batch_rows=batch_rows)
    got = [(q["line"], q["reason"]) for q in _quarantine(tmp_path / "out")]
    assert got == [
        ("4", "malformed_row"),
        ("5", "bad_start_time"),
        ("9", "negative_duration"),
        ("10", "malformed_row"),
        ("12", "bad_start_time"),
    ]
    assert s.rows_kept == 2
    notes = sorted(load_cdrs(tmp_path / "out")["note"].to_pylist())
    assert notes == ["a\r\nb\nc", "multi\nline"]


def test_a_renamed_column_and_one_already_bearing_its_name_is_an_error() -> None:
    """A file with both 'calling_no' (renamed to caller) and its own 'caller' column: one
    silently overwrote the other."""
    from callwarden.cdr.mapping import Mapping

    t = pa.table(
        {
            "start_time": ["2026-11-02 10:00:00"],
            "calling_no": ["+8613800138000"],
            "caller": ["+8613900139000"],
            "callee": ["+8617012345678"],
            "duration_s": ["30"],
        }
    )
    m = Mapping("two callers", rename={"calling_no": "caller"})
    with pytest.raises(InputError, match="'calling_no' and 'caller' would both become 'caller'"):
        canonicalize(t, mapping=m)
    dropped = Mapping("one caller", rename={"calling_no": "caller"}, drop=("caller",))
    kept = canonicalize(t, mapping=dropped)
    assert kept.table["caller"].to_pylist() == ["+8613800138000"]

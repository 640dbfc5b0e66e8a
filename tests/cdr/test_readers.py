"""Golden files per reader: every format of the same six calls gives the same canonical rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.cdr import ingest, load_cdrs, load_mapping

from ._golden import DATA, check_golden

SAME_CALLS = ["small.csv", "small_gbk.csv", "small.csv.gz", "small.jsonl", "small.parquet"]


@pytest.mark.parametrize("name", SAME_CALLS)
def test_reader_matches_golden(name: str, tmp_path: Path) -> None:
    summary = ingest([DATA / name], tmp_path / "out")
    assert (summary.rows_read, summary.rows_kept, summary.rows_quarantined) == (6, 6, 0)
    table = load_cdrs(tmp_path / "out")
    check_golden("small.expected.jsonl", table)


def test_golden_content_is_right(tmp_path: Path) -> None:
    """Spot-check the golden itself, so a wrong golden cannot pass silently."""
    ingest([DATA / "small.csv"], tmp_path / "out")
    rows = {r["caller"]: r for r in load_cdrs(tmp_path / "out").to_pylist()}
    bj = rows["+8613800138000"]
    assert bj["callee"] == "+861062345678"
    assert bj["start_time"].isoformat() == "2026-11-28T01:00:00+00:00"  # 09:00 Asia/Shanghai
    assert bj["answered"] is True and bj["duration_s"] == 35.0 and bj["note"] == "first"
    assert rows["+8695588"]["caller_region"] is None
    assert rows["+864008123123"]["note"] == "客服回访"
    assert (
        rows["+8675588888888"]["release_cause"] == 21
        and rows["+8675588888888"]["answered"] is False
    )
    assert rows["+14155552671"]["release_cause"] == 1


def test_sichuan_voc_mapping(tmp_path: Path) -> None:
    summary = ingest([DATA / "voc.csv"], tmp_path / "out", mapping=load_mapping("sichuan_voc"))
    assert summary.quarantined_by_reason == {"bad_direction": 1}
    table = load_cdrs(tmp_path / "out")
    check_golden("voc.expected.jsonl", table)
    by_other = {r["call_id"]: r for r in table.to_pylist()}
    rows = sorted(by_other.values(), key=lambda r: r["start_time"])
    # calltype 1: the subscriber called; 2: was called (swapped); 3: forwarded out.
    assert [(r["caller"], r["callee"]) for r in rows] == [
        ("a1b2c3", "ffee01"),
        ("ffee02", "a1b2c3"),
        ("a1b2c3", "ffee03"),
    ]
    assert [r["caller_region"] for r in rows] == ["成都", None, "成都"]
    assert [r["callee_region"] for r in rows] == [None, "成都", None]
    assert [r["imei"] for r in rows] == ["imei-9", None, "imei-9"]
    assert rows[0]["county_name"] == "武侯区" and rows[0]["calltype_id"] == "1"


def test_folder_and_many_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_bytes((DATA / "small.csv").read_bytes())
    (folder / "sub").mkdir()
    (folder / "sub" / "b.jsonl").write_bytes((DATA / "small.jsonl").read_bytes())
    (folder / "notes.md").write_text("not a CDR file")
    summary = ingest([folder, DATA / "small.parquet"], tmp_path / "out")
    assert summary.files == 3
    assert summary.rows_read == 18
    assert summary.rows_kept == 6 and summary.rows_duplicate == 12  # same calls, three formats


def test_tsv_with_bom_crlf_and_quoted_header(tmp_path: Path) -> None:
    text = (DATA / "small.csv").read_text(encoding="utf-8").replace(",", "\t").replace("\n", "\r\n")
    text = text.replace("start_time\t", '"start_time"\t', 1)
    path = tmp_path / "export.tsv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    summary = ingest([path], tmp_path / "out")
    assert (summary.rows_kept, summary.rows_quarantined) == (6, 0)
    check_golden("small.expected.jsonl", load_cdrs(tmp_path / "out"))

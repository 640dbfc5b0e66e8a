"""Bad input: empty files, GBK, missing columns, bad times, negative durations, 10% corruption."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest

from callwarden.cdr import ingest, load_cdrs
from callwarden.errors import InputError

HEADER = "start_time,caller,callee,duration_s,city\n"


def _quarantine(out: Path) -> list[dict[str, str]]:
    with (out / "quarantine.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER)
    summary = ingest([empty, header_only], tmp_path / "out")
    assert summary.rows_read == 0 and summary.rows_kept == 0
    assert summary.empty_files == [str(empty)]
    doc = json.loads((tmp_path / "out" / "ingest-summary.json").read_text())
    assert doc["rows_read"] == 0 and doc["empty_files"] == [str(empty)]


def test_gbk_file_is_detected_and_decoded(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        (HEADER + "2026-11-28 09:00:00,13800138000,95588,10,成都市武侯区\n").encode("gbk")
    )
    summary = ingest([path], tmp_path / "out")
    assert summary.rows_kept == 1
    assert load_cdrs(tmp_path / "out")["city"].to_pylist() == ["成都市武侯区"]


def test_missing_column_fails_at_once_naming_it_and_mapping(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "2026-11-28 09:00:00,13800138000,95588,10,x\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("start_time,caller,duration_s\n2026-11-28 09:00:00,13800138000,10\n")
    with pytest.raises(InputError) as err:
        ingest([good, bad], tmp_path / "out")
    assert "'callee'" in err.value.message and "--mapping" in err.value.message
    assert not (tmp_path / "out" / "cdrs").exists()  # nothing written, not even the good file


def test_unparseable_times_and_negative_durations(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        HEADER
        + "2026-11-28 09:00:00,13800138000,95588,10,a\n"
        + "yesterday,13800138000,95588,10,b\n"
        + "2026-13-45 25:00:00,13800138000,95588,10,c\n"
        + "99999999999999,13800138000,95588,10,d\n"
        + ",13800138000,95588,10,e\n"
        + "2026-11-28 09:00:01,13800138000,95588,-5,f\n"
        + "2026-11-28 09:00:02,13800138000,95588,ten,g\n"
    )
    summary = ingest([path], tmp_path / "out")
    assert summary.rows_kept == 1
    got = {(int(q["line"]), q["reason"]) for q in _quarantine(tmp_path / "out")}
    assert got == {
        (3, "bad_start_time"),
        (4, "bad_start_time"),
        (5, "bad_start_time"),
        (6, "missing_start_time"),
        (7, "negative_duration"),
        (8, "bad_duration"),
    }
    q = {int(r["line"]): r for r in _quarantine(tmp_path / "out")}
    assert q[3]["detail"] == "yesterday" and q[3]["raw"].startswith("yesterday,13800138000")


# --- a file with 10% randomly corrupted rows ---------------------------------------------------

CORRUPTIONS = {
    "bad_start_time": lambda f: f.__setitem__(0, "2026-02-30 25:61:00"),
    "missing_start_time": lambda f: f.__setitem__(0, ""),
    "invalid_caller": lambda f: f.__setitem__(1, "12ab34"),
    "missing_callee": lambda f: f.__setitem__(2, ""),
    "invalid_callee": lambda f: f.__setitem__(2, "+86 12"),
    "bad_duration": lambda f: f.__setitem__(3, "n/a"),
    "negative_duration": lambda f: f.__setitem__(3, "-42"),
    "malformed_row": lambda f: f.append("one-field-too-many"),
}


def _corrupted_file(
    path: Path, n: int, seed: int
) -> tuple[dict[int, str], set[tuple[str, str, str]]]:
    rng = random.Random(seed)
    bad_lines: dict[int, str] = {}
    good: set[tuple[str, str, str]] = set()
    buf = io.StringIO()
    buf.write(HEADER)
    for i in range(n):
        line = i + 2
        t = f"2026-11-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}"
        caller = f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
        callee = rng.choice(
            [
                f"010-6{rng.randint(0, 9_999_999):07d}",
                f"15{rng.choice('012356789')}{rng.randint(0, 99_999_999):08d}",
                "95588",
            ]
        )
        fields = [t, caller, callee, str(rng.randint(0, 600)), "某市"]
        if rng.random() < 0.10:
            reason = rng.choice(sorted(CORRUPTIONS))
            CORRUPTIONS[reason](fields)
            bad_lines[line] = reason
        else:
            good.add((t, caller, callee))
        buf.write(",".join(fields) + "\n")
    data = buf.getvalue().encode("utf-8")
    # Undecodable bytes in one more row: it must be quarantined as bad_encoding.
    lines = data.split(b"\n")
    victim = next(i for i in range(1, len(lines)) if (i + 1) not in bad_lines)
    fields = lines[victim].split(b",")
    good.discard((fields[0].decode(), fields[1].decode(), fields[2].decode()))
    lines[victim] = b",".join([*fields[:4], b"\xff\xfe\xfa"])
    bad_lines[victim + 1] = "bad_encoding"
    path.write_bytes(b"\n".join(lines))
    return bad_lines, good


@pytest.mark.parametrize("seed", [1, 2])
def test_ten_percent_corrupted_rows(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "corrupt.csv"
    bad_lines, good = _corrupted_file(path, 3000, seed)
    summary = ingest([path], tmp_path / "out", batch_rows=700)  # several batches
    quarantined = {int(q["line"]): q["reason"] for q in _quarantine(tmp_path / "out")}
    assert quarantined == bad_lines  # every bad row, at its line, with its reason
    assert summary.rows_quarantined == len(bad_lines)
    assert summary.rows_read == 3000
    kept = load_cdrs(tmp_path / "out").to_pylist()
    assert len(kept) == len(good) == summary.rows_kept  # no good row lost
    assert sum(summary.quarantined_by_reason.values()) == len(bad_lines)


def test_bad_arguments_are_input_errors(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "2026-11-28 09:00:00,13800138000,95588,10,x\n")
    with pytest.raises(InputError, match="unknown encoding"):
        ingest([path], tmp_path / "out", encoding="klingon")
    with pytest.raises(InputError, match="time zone"):
        ingest([path], tmp_path / "out", tz="Mars/Olympus")
    with pytest.raises(InputError, match="region"):
        ingest([path], tmp_path / "out", region="XX")
    with pytest.raises(InputError, match="does not exist"):
        ingest([tmp_path / "nope.csv"], tmp_path / "out")
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="cannot create output folder"):
        ingest([path], tmp_path / "file" / "out")


def test_given_call_ids_dedupe(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "call_id,start_time,caller,callee,duration_s\n"
        "sw-1,2026-11-28 09:00:00,13800138000,95588,10\n"
        "sw-2,2026-11-28 09:00:00,13800138000,95588,10\n"  # same call data, another id: kept
        "sw-1,2026-11-28 09:05:00,13800138000,95588,10\n"  # repeated id, another call
        "sw-2,2026-11-28 09:00:00,13800138000,95588,10\n"  # the same call again: a duplicate
    )
    first = ingest([path], tmp_path / "out")
    # (until session 18 the 09:05 call was counted as a duplicate and lost: audit 3, item 2)
    assert (first.rows_kept, first.rows_duplicate, first.rows_conflicting) == (2, 1, 1)
    assert first.quarantined_by_reason == {"conflicting_call_id": 1}
    again = ingest([path], tmp_path / "out")
    assert (again.rows_kept, again.rows_duplicate, again.rows_conflicting) == (0, 3, 1)
    assert sorted(load_cdrs(tmp_path / "out")["call_id"].to_pylist()) == ["sw-1", "sw-2"]

"""Ingest: a re-export of stored calls without call_id is not stored twice (session 19).

A derived call_id hashes the exact duration, which a re-export writes otherwise (milliseconds
times 0.001, whole seconds, minutes): such rows got new ids and were stored again (236 and
1,205 of 2,000 calls of the simulator's day). A row whose id is derived now matches, one to
one, a call held before its file (an earlier run or an earlier file of the run; any id) by
start second, caller and callee; the derived ids themselves are unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from callwarden.cdr import ingest, load_cdrs, parse, parse_mapping

MS = parse_mapping(
    {
        "name": "ms",
        "rename": {"dur_ms": "duration_s"},
        "convert": {"duration_s": {"multiply": 0.001}},
    }
)
REEXPORTS = {  # duration column name, values from the seconds, mapping
    "ms": ("dur_ms", lambda d: np.round(d * 1000).astype(np.int64), MS),
    "whole_seconds": ("duration_s", np.round, None),
    "seconds_up": ("duration_s", np.ceil, None),
    "minute": ("duration_s", lambda d: 60 * np.ceil(d / 60), None),
}


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> pa.Table:
    """The simulator's day (seed 2, 5,000 subscribers: 48,523 calls, one pair of them from
    one caller to one callee in the same second)."""
    from callwarden.sim import simulate

    return simulate("article", seed=2, subscribers=5000).cdrs


def _csv(path: Path, day: pa.Table, *, ids: bool = False, reexport: str | None = None) -> Path:
    cols = ["call_id"] if ids else []
    t = day.select([*cols, "start_time", "caller", "callee"])
    name, how, _ = REEXPORTS[reexport] if reexport else ("duration_s", None, None)
    d = day["duration_s"].to_numpy()
    pcsv.write_csv(t.append_column(name, pa.array(how(d) if how else d)), path)
    return path


def _same_second_pairs(day: pa.Table) -> int:
    second = pc.cast(day["start_time"], pa.int64()).to_numpy() // 1_000_000
    keys = list(
        zip(second.tolist(), day["caller"].to_pylist(), day["callee"].to_pylist(), strict=True)
    )
    return len(keys) - len(set(keys))


@pytest.mark.parametrize("reexport", list(REEXPORTS))
@pytest.mark.parametrize("first_ids", [True, False], ids=["stored_with_ids", "stored_derived"])
def test_a_reexport_without_call_id_adds_nothing(
    tmp_path: Path, day: pa.Table, reexport: str, first_ids: bool
) -> None:
    assert _same_second_pairs(day) == 1  # both calls of that pair are stored, and matched
    out = tmp_path / "ds"
    first = ingest([_csv(tmp_path / "first.csv", day, ids=first_ids)], out)
    assert first.rows_kept == day.num_rows
    f = _csv(tmp_path / "again.csv", day, reexport=reexport)
    s = ingest([f], out, mapping=REEXPORTS[reexport][2])
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (0, day.num_rows, 0)
    assert load_cdrs(out).num_rows == day.num_rows


def test_the_original_and_its_reexport_in_one_run_are_stored_once(
    tmp_path: Path, day: pa.Table
) -> None:
    """Rows read from another file of the run count as held: the second file adds nothing."""
    files = [_csv(tmp_path / "a.csv", day), _csv(tmp_path / "b.csv", day, reexport="minute")]
    s = ingest(files, tmp_path / "ds")
    assert (s.rows_kept, s.rows_duplicate) == (day.num_rows, day.num_rows)


def test_an_old_folder_reingested_adds_nothing(tmp_path: Path, day: pa.Table) -> None:
    """A folder written before: the derived ids as they always were (``parse.row_ids``),
    without the number-key columns (parts written before session 16 lack them)."""
    ids, _ = parse.row_ids(day["start_time"], day["caller"], day["callee"], day["duration_s"])
    t = day.set_column(day.schema.get_field_index("call_id"), "call_id", ids)
    out = tmp_path / "old"
    dates = pc.cast(t["start_time"], pa.date32())
    for d in pc.unique(dates).to_pylist():
        folder = out / "cdrs" / f"day={d.isoformat()}"
        folder.mkdir(parents=True)
        pq.write_table(t.filter(pc.equal(dates, d)), folder / "part-old-0000.parquet")
    again = ingest([_csv(tmp_path / "same.csv", day)], out)
    assert (again.rows_kept, again.rows_duplicate) == (0, day.num_rows)
    ms = ingest([_csv(tmp_path / "ms.csv", day, reexport="ms")], out, mapping=MS)
    assert (ms.rows_kept, ms.rows_duplicate) == (0, day.num_rows)
    assert load_cdrs(out).num_rows == day.num_rows
    # the ids a fresh ingest derives are those stored: nothing was re-keyed
    fresh = tmp_path / "fresh"
    ingest([_csv(tmp_path / "same.csv", day)], fresh)
    assert sorted(load_cdrs(fresh)["call_id"].to_pylist()) == sorted(ids.to_pylist())


H = "start_time,caller,callee,duration_s"
A, B = "+8613800138000", "+8613900139000"


def _write(path: Path, rows: list[str], header: str = H) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_two_calls_in_one_second_of_one_file_are_both_kept(tmp_path: Path) -> None:
    """The simulator's day holds one such pair (a call and a second one 0.3 s later, both
    from one caller to one callee): records of one file are never matched to each other."""
    rows = [f"2026-11-03 09:00:00.250399,{A},{B},28", f"2026-11-03 09:00:00.575998,{A},{B},0"]
    out = tmp_path / "ds"
    s = ingest([_write(tmp_path / "p.csv", rows)], out)
    assert (s.rows_kept, s.rows_duplicate) == (2, 0)
    s = ingest([_write(tmp_path / "r.csv", [r[:19] + r[26:] for r in rows])], out)
    assert (s.rows_kept, s.rows_duplicate) == (0, 2)  # the pair without its fractions


def test_partial_records_are_matched_one_to_one(tmp_path: Path) -> None:
    """A long call's partial records (one seizure time, a slice of the duration each) are
    distinct records of their file; a re-export matches them one to one, and a later export
    holding one more slice adds that one. (Slices of one length under one start second have
    one derived id and were always stored once: give such records their own ids.)"""
    rows = [f"2026-11-03 09:00:00,{A},{B},{d}" for d in (1800.2, 1790.7, 612.4)]
    out = tmp_path / "ds"
    assert ingest([_write(tmp_path / "p.csv", rows)], out).rows_kept == 3
    rounded = [f"2026-11-03 09:00:00,{A},{B},{d}" for d in (1800, 1791, 612)]
    s = ingest([_write(tmp_path / "r.csv", rounded)], out)
    assert (s.rows_kept, s.rows_duplicate) == (0, 3)
    more = [*rounded, f"2026-11-03 09:00:00,{A},{B},300"]  # a fourth slice, new
    s = ingest([_write(tmp_path / "m.csv", more)], out)
    assert (s.rows_kept, s.rows_duplicate) == (1, 3)
    assert load_cdrs(out).num_rows == 4


def test_a_partial_record_alone_in_a_later_file_is_kept(tmp_path: Path) -> None:
    """A slice of a long call that a switch writes into the next hour's file, without an id,
    is like the stored slice; one such row does not make its file a re-export, so it is kept
    (counted as like a held call). On 667e18a it was taken for the stored slice and lost."""
    out = tmp_path / "ds"
    ingest([_write(tmp_path / "h1.csv", [f"2026-11-03 09:00:00,{A},{B},3600"])], out)
    rows = [f"2026-11-03 09:00:00,{A},{B},412.5", f"2026-11-03 10:00:00,{A},{B},20"]
    s = ingest([_write(tmp_path / "h2.csv", rows)], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_kept_like_held) == (2, 0, 1)
    assert (s.rows_reexport_matched, s.warnings) == (0, [])
    assert load_cdrs(out).num_rows == 3


@pytest.mark.parametrize("batch_rows", [1, 2, 1000])
def test_matches_follow_file_order_in_any_batching(tmp_path: Path, batch_rows: int) -> None:
    """Stored: x (given id) and y (derived), one second and pair of numbers. The file: y in
    whole seconds (y again), x under its id (x again), a third call of that second (new),
    y repeated: 1 kept, 3 duplicates however the batches fall."""
    h = "call_id,start_time,caller,callee,duration_s"
    out = tmp_path / "ds"
    stored = [f"x,2026-11-03 09:00:00,{A},{B},12.6", f",2026-11-03 09:00:00,{A},{B},40.3"]
    assert ingest([_write(tmp_path / "s.csv", stored, h)], out).rows_kept == 2
    rows = [
        f",2026-11-03 09:00:00,{A},{B},40",
        f"x,2026-11-03 09:00:00,{A},{B},13",
        f",2026-11-03 09:00:00,{A},{B},7.5",
        f",2026-11-03 09:00:00,{A},{B},40",
    ]
    s = ingest([_write(tmp_path / "f.csv", rows, h)], out, batch_rows=batch_rows)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (1, 3, 0)
    assert sorted(load_cdrs(out)["duration_s"].to_pylist()) == [7.5, 12.6, 40.3]


def test_a_given_id_is_not_matched_to_a_call_stored_with_a_given_id(tmp_path: Path) -> None:
    """Given ids keep their rules (audit 4): a new id is a new call, even in a stored second
    between stored numbers, when the stored call has an id of its own (a switch's own ids
    tell its calls apart); the file is not even counted as like held calls."""
    out = tmp_path / "ds"
    h = "call_id,start_time,caller,callee,duration_s"
    stored = [f"c-{s},2026-11-03 09:00:0{s},{A},{B},12" for s in (1, 2)]
    ingest([_write(tmp_path / "a.csv", stored, h)], out)
    new = [f"c-9{s},2026-11-03 09:00:0{s},{A},{B},12" for s in (1, 2)]
    s = ingest([_write(tmp_path / "b.csv", new, h)], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_kept_like_held) == (2, 0, 0)
    assert load_cdrs(out).num_rows == 4


def test_appending_later_hours_reads_no_stored_contents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts whose start seconds (Parquet statistics) miss a file's are not read back; a
    file overlapping them is."""
    from callwarden.cdr import dedupe

    out = tmp_path / "ds"
    ingest(
        [_write(tmp_path / "h9.csv", [f"2026-11-03 09:{m:02d}:00,{A},{B},12" for m in range(60)])],
        out,
    )
    read: list[Path] = []
    real = dedupe.StoredDay.identity

    def spy(self: dedupe.StoredDay, f: Path) -> np.ndarray:
        read.append(f)
        return real(self, f)

    monkeypatch.setattr(dedupe.StoredDay, "identity", spy)
    s = ingest(
        [_write(tmp_path / "h10.csv", [f"2026-11-03 10:{m:02d}:00,{A},{B},12" for m in range(60)])],
        out,
    )
    assert (s.rows_kept, read) == (60, [])
    rows = [f"2026-11-03 09:{m}:00,{A},{B},12.0001" for m in (30, 31)]
    s = ingest([_write(tmp_path / "h9b.csv", rows)], out)
    assert (s.rows_duplicate, len(read)) == (2, 1)


# Audit of 667e18a (session 19): a re-export is a property of a whole file.


def test_two_switches_files_of_one_run_keep_a_same_second_pair(tmp_path: Path) -> None:
    """Two calls of a multi-channel dialler in one second, one in each switch's file, ingested
    together into a fresh folder: both kept (667e18a kept 1, 'duplicate' 1)."""
    a = _write(tmp_path / "swA.csv", ["2026-11-02 10:15:07,13800138000,13900139000,0"])
    b = _write(tmp_path / "swB.csv", ["2026-11-02 10:15:07,13800138000,13900139000,31.5"])
    s = ingest([a, b], tmp_path / "ds")
    assert (s.rows_kept, s.rows_duplicate, s.rows_kept_like_held) == (2, 0, 1)
    assert load_cdrs(tmp_path / "ds").num_rows == 2


def test_a_day_split_into_files_keeps_every_call(tmp_path: Path, day: pa.Table) -> None:
    """The day in two files, its same-second pair split between them, in one run and in two:
    every call kept (667e18a: 48,522 of 48,523 each way)."""
    second = pc.cast(day["start_time"], pa.int64()).to_numpy() // 1_000_000
    key = [
        (s, a, b)
        for s, a, b in zip(
            second, day["caller"].to_pylist(), day["callee"].to_pylist(), strict=True
        )
    ]
    seen: set[tuple[object, ...]] = set()
    second_of_pair = np.zeros(day.num_rows, bool)
    for i, k in enumerate(key):
        second_of_pair[i] = k in seen
        seen.add(k)
    assert second_of_pair.sum() == 1
    one = np.arange(day.num_rows) % 2 == 0
    one[np.flatnonzero(second_of_pair)] = False
    first_of_pair = key.index(key[int(np.flatnonzero(second_of_pair)[0])])
    one[first_of_pair] = True
    f1 = _csv(tmp_path / "x.csv", day.filter(pa.array(one)))
    f2 = _csv(tmp_path / "y.csv", day.filter(pa.array(~one)))
    s = ingest([f1, f2], tmp_path / "together")
    assert (s.rows_kept, s.rows_duplicate, s.rows_kept_like_held) == (day.num_rows, 0, 1)
    ingest([f1], tmp_path / "apart")
    s = ingest([f2], tmp_path / "apart")
    assert (s.rows_kept, s.rows_duplicate) == (int((~one).sum()), 0)


def test_minute_precision_hourly_files_cut_by_end_time_keep_repeat_attempts(
    tmp_path: Path,
) -> None:
    """Start times to the minute, files cut by end time: a second attempt in 10:59 lands in
    the 11:00 file. Kept, in one run or two (667e18a: taken for the first attempt)."""
    h10 = _write(tmp_path / "h10.csv", [f"2026-11-02 10:{m:02d}:00,{A},{B},12" for m in range(60)])
    rows = [f"2026-11-02 10:59:00,{A},{B},45"] + [
        f"2026-11-02 11:{m:02d}:00,{A},{B},3" for m in range(59)
    ]
    h11 = _write(tmp_path / "h11.csv", rows)
    assert ingest([h10, h11], tmp_path / "one").rows_kept == 120
    ingest([h10], tmp_path / "two")
    s = ingest([h11], tmp_path / "two")
    assert (s.rows_kept, s.rows_duplicate, s.rows_kept_like_held) == (60, 0, 1)


def test_a_reexport_is_counted_apart_and_warned_per_file(tmp_path: Path, day: pa.Table) -> None:
    """Rows taken for held calls by start second, caller and callee have their own count (in
    the duplicates), a line in the summary, and a warning naming the file; no temporary part
    is left behind."""
    out = tmp_path / "ds"
    ingest([_csv(tmp_path / "first.csv", day)], out)
    s = ingest([_csv(tmp_path / "again.csv", day, reexport="minute")], out)
    assert s.rows_kept == 0 and s.rows_duplicate == day.num_rows
    assert 0 < s.rows_reexport_matched <= day.num_rows
    assert len(s.warnings) == 1 and "again.csv" in s.warnings[0]
    assert f"{s.rows_reexport_matched:,} of its {day.num_rows:,}" in s.warnings[0]
    assert "re-export matched" in s.render()
    import json

    doc = json.loads((out / "ingest-summary.json").read_text())
    assert doc["rows_reexport_matched"] == s.rows_reexport_matched
    assert not list((out / "cdrs").glob("*/.*"))  # the set-aside part is gone
    assert load_cdrs(out).num_rows == day.num_rows


def test_a_file_mostly_new_keeps_its_rows_like_held_calls(tmp_path: Path) -> None:
    """Below the share (10 % of its rows without call_id), a file's rows like held calls are
    new calls: kept, in any batching; at or above it, the file is a re-export."""
    held = [f"2026-11-03 09:00:{s:02d},{A},{B},12" for s in range(3)]
    new = [f"2026-11-03 10:{m:02d}:00,{A},{B},5" for m in range(30)]
    for batch_rows in (1, 7, 1000):
        o = tmp_path / f"ds{batch_rows}"
        ingest([_write(tmp_path / "h.csv", held)], o)
        like = [r.replace(",12", ",13") for r in held]
        s = ingest([_write(tmp_path / "n.csv", like + new)], o, batch_rows=batch_rows)
        assert (s.rows_kept, s.rows_kept_like_held) == (33, 3)  # 3 of 33 < 10 %
        again = [r.replace(",12", ",14") for r in held[:2]]
        s = ingest([_write(tmp_path / "r.csv", again + new[:5])], o, batch_rows=batch_rows)
        # 2 like held calls (+ 5 stored again by id): the file is a re-export
        assert (s.rows_kept, s.rows_duplicate, s.rows_reexport_matched) == (0, 7, 2)


# Session 20: a day stored without ids, then delivered with them (the switch's call ids).


def _ids_blanked(day: pa.Table, every: int) -> pa.Table:
    """The day with every ``every``-th call's call_id empty (a mixed export)."""
    ids = day["call_id"].to_numpy(zero_copy_only=False).astype(object)
    ids[::every] = None
    return day.set_column(0, "call_id", pa.array(ids, pa.string()))


@pytest.mark.parametrize("durations", ["same", "whole_seconds"])
def test_a_day_stored_without_ids_then_with_them_is_stored_once(
    tmp_path: Path, day: pa.Table, durations: str
) -> None:
    """The quick export without ids first, the switch's export with its call ids later (the
    same durations, or rounded by billing): each call with a given id not held is taken for
    the call stored without one, and the file is a re-export, so nothing is added (before:
    48,523 + 48,523). The first stored version stays, with its derived id; ingesting the file
    with ids again adds nothing either."""
    assert day.schema.names[0] == "call_id"
    out = tmp_path / "ds"
    ingest([_csv(tmp_path / "first.csv", day)], out)
    with_ids = day
    if durations == "whole_seconds":
        i = day.schema.get_field_index("duration_s")
        with_ids = day.set_column(i, "duration_s", pc.round(day["duration_s"]))
    f = _csv(tmp_path / "ids.csv", with_ids, ids=True)
    for _ in range(2):
        s = ingest([f], out)
        assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (0, day.num_rows, 0)
        assert s.rows_reexport_matched == day.num_rows
        assert len(s.warnings) == 1 and "have a call_id" in s.warnings[0]
    stored = load_cdrs(out)
    assert stored.num_rows == day.num_rows
    assert pc.all(pc.match_substring_regex(stored["call_id"], "^[0-9a-f]{16}$")).as_py()
    assert sorted(stored["duration_s"].to_pylist()) == sorted(day["duration_s"].to_pylist())


def test_without_ids_then_with_them_in_one_run_is_stored_once(
    tmp_path: Path, day: pa.Table
) -> None:
    """The run's earlier file counts as held: its calls have derived ids."""
    files = [_csv(tmp_path / "a.csv", day), _csv(tmp_path / "b.csv", day, ids=True)]
    s = ingest(files, tmp_path / "ds")
    assert (s.rows_kept, s.rows_duplicate, s.rows_reexport_matched) == (day.num_rows,) * 3


def test_a_mixed_reexport_of_a_day_stored_without_ids_adds_nothing(
    tmp_path: Path, day: pa.Table
) -> None:
    """Some rows with the switch's id, some without (every third), in whole seconds: rows
    of both kinds are taken for the stored calls (before: the 2/3 with ids stored again)."""
    out = tmp_path / "ds"
    ingest([_csv(tmp_path / "first.csv", day)], out)
    mixed = _ids_blanked(day, 3)
    f = _csv(tmp_path / "mixed.csv", mixed, ids=True, reexport="whole_seconds")
    s = ingest([f], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (0, day.num_rows, 0)
    assert load_cdrs(out).num_rows == day.num_rows


def test_new_calls_with_ids_like_a_call_stored_without_id_are_kept(tmp_path: Path) -> None:
    """A file of new calls with ids, one of them in the second and between the numbers of a
    call stored without id: too few of its rows are held calls again, so it is kept and
    counted as like a held call, in any batching."""
    h = "call_id,start_time,caller,callee,duration_s"
    stored = [f"2026-11-03 09:00:{s:02d},{A},{B},12" for s in range(3)]
    new = [f"n-{m},2026-11-03 10:{m:02d}:00,{A},{B},5" for m in range(29)]
    for batch_rows in (1, 1000):
        out = tmp_path / f"ds{batch_rows}"
        ingest([_write(tmp_path / "s.csv", stored)], out)
        rows = [f"n-x,2026-11-03 09:00:01,{A},{B},12", *new]
        s = ingest([_write(tmp_path / "n.csv", rows, h)], out, batch_rows=batch_rows)
        assert (s.rows_kept, s.rows_duplicate, s.rows_kept_like_held) == (30, 0, 1)
        assert s.warnings == []
        assert load_cdrs(out).num_rows == 33


@pytest.mark.parametrize("batch_rows", [1, 2, 1000])
def test_given_and_derived_rows_share_held_calls_one_to_one(
    tmp_path: Path, batch_rows: int
) -> None:
    """Held in one second between A and B: x (id x), y and z (stored without ids). The
    file, in order: z again under its derived id (met), g1 (a new id: takes the held call
    without id left, y), g2 (a new id: none left, a new call), y in whole seconds (no id:
    x and z claim themselves first, wherever they are in the file, and g1 took y: a new
    call), x under its id (met). Neither kind of row is a re-export (1 of 2 rows without
    id held again, 1 of 2 rows with an id not held taken: fewer than 2), so g1 is kept,
    like a held call: 3 kept, 2 duplicates, however the batches fall. On 695c2b4 (all rows
    in one share, y took x's call before x claimed it): 1 kept, 4 duplicates."""
    h = "call_id,start_time,caller,callee,duration_s"
    out = tmp_path / "ds"
    t = "2026-11-03 09:00:00"
    stored = [f"x,{t},{A},{B},12.6", f",{t},{A},{B},40.3", f",{t},{A},{B},7.0"]
    assert ingest([_write(tmp_path / "s.csv", stored, h)], out).rows_kept == 3
    rows = [
        f",{t},{A},{B},7.0",
        f"g1,{t},{A},{B},41",
        f"g2,{t},{A},{B},13",
        f",{t},{A},{B},40",
        f"x,{t},{A},{B},13",
    ]
    s = ingest([_write(tmp_path / "f.csv", rows, h)], out, batch_rows=batch_rows)
    assert (s.rows_kept, s.rows_duplicate, s.rows_conflicting) == (3, 2, 0)
    assert (s.rows_reexport_matched, s.rows_kept_like_held) == (0, 1)
    stored_now = load_cdrs(out)
    assert sorted(stored_now["duration_s"].to_pylist()) == [7.0, 12.6, 13.0, 40.0, 40.3, 41.0]
    assert {"g1", "g2"} <= set(stored_now["call_id"].to_pylist())


def test_given_ids_read_no_stored_contents_of_a_folder_stored_with_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No stored id has a derived id's form: rows with given ids are not matched by their
    call, and the stored parts' contents are not read for them."""
    from callwarden.cdr import dedupe

    h = "call_id,start_time,caller,callee,duration_s"
    out = tmp_path / "ds"
    rows = [f"a-{m},2026-11-03 09:{m:02d}:00,{A},{B},12" for m in range(60)]
    ingest([_write(tmp_path / "h9.csv", rows, h)], out)
    read: list[Path] = []
    real = dedupe.StoredDay.identity

    def spy(self: dedupe.StoredDay, f: Path) -> np.ndarray:
        read.append(f)
        return real(self, f)

    monkeypatch.setattr(dedupe.StoredDay, "identity", spy)
    late = [f"b-{m},2026-11-03 09:{m:02d}:00,{A},{B},12" for m in range(0, 60, 2)]
    s = ingest([_write(tmp_path / "late.csv", late, h)], out)
    assert (s.rows_kept, s.rows_kept_like_held, read) == (30, 0, [])

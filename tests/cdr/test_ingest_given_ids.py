"""Ingest, audit of 695c2b4 (a day stored without ids, then delivered with the switch's ids):
pseudonymised numbers, derived ids made in batches of either hashing mode, the re-export
share judged per kind of row, and one-to-one claims of held calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from callwarden.cdr import ingest, load_cdrs, load_mapping, parse_mapping

A, B = "13800138000", "13900139000"
H = "call_id,start_time,caller,callee,duration_s"
OPAQUE = parse_mapping({"name": "op", "numbers": "opaque"})


def _write(path: Path, rows: list[str], header: str = H) -> Path:
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows))
    return path


def test_ids_into_a_day_stored_without_them_with_opaque_numbers(tmp_path: Path) -> None:
    """Pseudonymised numbers (numbers: opaque) are hashed as text: the derived-id check read a
    stored part's chunked column and failed (AttributeError: 'ChunkedArray' ... 'dictionary')."""
    out = tmp_path / "ds"
    noids = ["2026-11-03 09:00:00,u1a2b,v3c4d,12", "2026-11-03 09:00:05,u1a2c,v3c4e,7"]
    ingest(
        [_write(tmp_path / "n.csv", noids, "start_time,caller,callee,duration_s")],
        out,
        mapping=OPAQUE,
    )
    s = ingest(
        [_write(tmp_path / "i.csv", ["new-1,2026-11-03 09:00:03,u9999,v8888,30"])],
        out,
        mapping=OPAQUE,
    )
    assert (s.rows_kept, s.rows_duplicate) == (1, 0)
    again = [f"i-{k},{r}" for k, r in enumerate(noids)]
    s = ingest([_write(tmp_path / "a.csv", again)], out, mapping=OPAQUE)
    assert (s.rows_kept, s.rows_duplicate, s.rows_reexport_matched) == (0, 2, 2)
    assert load_cdrs(out).num_rows == 3


def test_ids_into_a_day_stored_without_them_with_the_sichuan_voc_mapping(tmp_path: Path) -> None:
    voc = load_mapping("sichuan_voc")
    h = "phone_no_m,opposite_no_m,calltype_id,start_datetime,call_dur,city_name,county_name,imei_m"
    rows = [
        "3f2a9c,8b7e1d,1,2020-01-05 09:00:00,35,成都,锦江区,aa11",
        "3f2a9c,9c8f2e,2,2020-01-05 09:10:00,12,成都,锦江区,aa11",
    ]
    out = tmp_path / "ds"
    assert ingest([_write(tmp_path / "v.csv", rows, h)], out, mapping=voc).rows_kept == 2
    new = ["x-1,5d5d5d,6e6e6e,1,2020-01-05 09:05:00,20,成都,锦江区,bb22"]
    s = ingest([_write(tmp_path / "vi.csv", new, "call_id," + h)], out, mapping=voc)
    assert (s.rows_kept, s.rows_duplicate) == (1, 0)
    assert load_cdrs(out).num_rows == 3


@pytest.mark.parametrize("runs", ["one run", "two runs", "one file"])
def test_derived_ids_of_either_hashing_mode_are_recognised(tmp_path: Path, runs: str) -> None:
    """Numbers are hashed as integers only where every number of the batch is "+digits": one
    source's pseudonyms "+digits", another's hex, stored without ids (in two files of one run,
    two runs, or one file of both), then the same calls with ids: each is taken for its
    stored call (before: 30 of 60 stored twice in the one-run case, where one part holds
    both sources and the ids are recomputed over it)."""
    f1 = [f",2026-11-03 09:00:{s:02d},+8617700{s:06d},+8618800{s:06d},12" for s in range(30)]
    f2 = [f",2026-11-03 10:00:{s:02d},u{s:05x}aa,v{s:05x}bb,12" for s in range(30)]
    ids = [f"i-{k}," + r[1:] for k, r in enumerate(f1 + f2)]
    steps = {
        "one run": [[_write(tmp_path / "f1.csv", f1), _write(tmp_path / "f2.csv", f2)]],
        "two runs": [[_write(tmp_path / "f1.csv", f1)], [_write(tmp_path / "f2.csv", f2)]],
        "one file": [[_write(tmp_path / "f12.csv", f1 + f2)]],
    }[runs]
    out = tmp_path / "ds"
    for files in steps:
        ingest(files, out, mapping=OPAQUE, batch_rows=30)
    s = ingest([_write(tmp_path / "g.csv", ids)], out, mapping=OPAQUE, batch_rows=30)
    assert (s.rows_kept, s.rows_duplicate, s.rows_reexport_matched) == (0, 60, 60)
    assert load_cdrs(out).num_rows == 60


def test_a_derived_id_is_recognised_under_either_hashing_of_each_number_column() -> None:
    import pyarrow as pa

    from callwarden.cdr import parse

    start = pa.array([0, 1_000_000], pa.timestamp("us", tz="UTC"))
    dur = pa.array([12.0, 7.0])
    caller = pa.array(["+8613800138000", "+8613800138001"])
    callee = pa.array(["+8613900139000", "abc"])  # the second batch hashed as text
    made = np.concatenate(
        [
            parse.row_hashes(start[:1], caller[:1], callee[:1], dur[:1]),
            parse.row_hashes(start, caller, callee, dur)[1:],
        ]
    )
    assert parse.derived_id_mask(made, start, caller, callee, dur).tolist() == [True, True]
    assert parse.derived_id_mask(made + np.uint64(1), start, caller, callee, dur).tolist() == [
        False,
        False,
    ]


# Findings 1 and 2: each kind of row judged by its own evidence; held calls met under their
# own id claim themselves first.

_X = f",2026-11-03 09:00:00,{A},{B},12"
_G = f"g1,2026-11-03 09:00:00,{A},{B},30"


@pytest.mark.parametrize("batch_rows", [1, 1000])
@pytest.mark.parametrize("order", ["g1 first", "X first", "no id first"])
def test_a_call_met_under_its_own_id_is_not_taken_by_another_row(
    tmp_path: Path, order: str, batch_rows: int
) -> None:
    """X stored without id; then a file of g1 (a new call with an id, in X's second between
    X's numbers; or such a call without id) and X again (its derived id): X claims itself
    wherever it is in the file, so the other row is a new call, in any batching (on 695c2b4,
    the other row first took X: 1 stored, not 2)."""
    out = tmp_path / "ds"
    ingest([_write(tmp_path / "x.csv", [_X])], out)
    rows = {"g1 first": [_G, _X], "X first": [_X, _G], "no id first": [_G[2:], _X]}[order]
    s = ingest([_write(tmp_path / "f.csv", rows)], out, batch_rows=batch_rows)
    assert (s.rows_kept, s.rows_duplicate, s.rows_reexport_matched) == (1, 1, 0)
    assert load_cdrs(out).num_rows == 2


def _s1(tmp_path: Path) -> tuple[Path, list[str], list[str]]:
    """Switch A without ids stores 100 calls; switch B's early file (40 calls with ids), and
    B's 60 new calls of the day, 5 of them in the second and between the numbers of A's."""
    out = tmp_path / "ds"
    a = [f",2026-11-03 09:{i // 60:02d}:{i % 60:02d},+86{A[:-3]}{i:03d},{B},12" for i in range(100)]
    early = [f"b-{i},2026-11-03 08:{i:02d}:30,+8613700137{i:03d},{B},20" for i in range(40)]
    new = [f"b-{100 + i},2026-11-03 10:{i:02d}:30,+8613700138{i:03d},{B},20" for i in range(55)]
    new += [
        f"b-{200 + i},2026-11-03 09:{i * 20 // 60:02d}:{i * 20 % 60:02d},+86{A[:-3]}{i * 20:03d},"
        f"{B},33"
        for i in range(5)
    ]
    ingest([_write(tmp_path / "a.csv", a)], out)
    return out, early, new


@pytest.mark.parametrize("how", ["two runs", "one run"])
def test_an_overlapping_export_with_ids_keeps_its_new_calls(tmp_path: Path, how: str) -> None:
    """B's whole-day file re-sends its 40 early calls (held under their own ids) with its 60
    new ones: the re-sent rows say nothing of the new ones, which are judged among
    themselves (5 of 60 like a call stored without id: kept). On 695c2b4 the 40 re-sent rows
    made the file a re-export and the 5 were dropped (195 stored, not 200)."""
    out, early, new = _s1(tmp_path)
    fe, fd = _write(tmp_path / "e.csv", early), _write(tmp_path / "d.csv", early + new)
    if how == "two runs":
        ingest([fe], out)
        s = ingest([fd], out)
        assert (s.rows_kept, s.rows_duplicate, s.rows_kept_like_held) == (60, 40, 5)
    else:
        ingest([fe, fd], out)
    assert load_cdrs(out).num_rows == 200


def test_a_file_of_new_calls_each_twice_keeps_them(tmp_path: Path) -> None:
    """Repeats of the file's own rows are no held calls: 5 of 60 like held, kept."""
    out, _, new = _s1(tmp_path)
    s = ingest([_write(tmp_path / "t.csv", new * 2)], out)
    assert (s.rows_kept, s.rows_duplicate, s.rows_kept_like_held) == (60, 60, 5)
    assert load_cdrs(out).num_rows == 160


def test_quarantined_rows_are_not_in_the_share_and_the_warning_says_so(tmp_path: Path) -> None:
    """2 rows with ids taken for calls stored without id, among 3 valid rows with ids and 50
    quarantined: a re-export of its valid rows, and the warning says what it counted."""
    out = tmp_path / "ds"
    held = [f",2026-11-03 09:00:{s:02d},{A},{B},12" for s in range(2)]
    ingest([_write(tmp_path / "h.csv", held)], out)
    rows = [f"n{s},2026-11-03 09:00:{s:02d},{A},{B},31" for s in range(2)]
    rows += [f"m1,2026-11-03 11:00:00,{A},{B},5"]
    rows += [f"q{s},not a time,{A},{B},5" for s in range(50)]
    s = ingest([_write(tmp_path / "q.csv", rows)], out)
    assert (s.rows_kept, s.rows_reexport_matched, s.rows_quarantined) == (1, 2, 50)
    assert len(s.warnings) == 1
    assert "2 of its 3 rows that have a call_id not stored" in s.warnings[0]
    assert "(50 quarantined)" in s.warnings[0]


def _noid(i: int, dur: int = 12) -> str:
    return f",2026-11-03 09:00:{i:02d},+86{A[:-2]}{i:02d},{B},{dur}"


def _gid(g: str, i: int, dur: int = 30) -> str:
    return f"{g},2026-11-03 09:00:{i:02d},+86{A[:-2]}{i:02d},{B},{dur}"


def test_ingesting_files_again_adds_nothing_whatever_the_runs(tmp_path: Path) -> None:
    """Second re-audit of the fixes: the ids of a re-export's dropped rows stayed known for the
    rest of the run, so a later file's repeat of them was no evidence and a file already
    ingested, ingested again after another, stored a call twice (26 -> 27 -> 28)."""
    fill = [
        f"n{k},2026-11-03 11:{k // 60:02d}:{k % 60:02d},+861370013{k:04d},{B},5" for k in range(16)
    ]
    stored = _write(tmp_path / "stored.csv", [_noid(i) for i in range(10)])
    f1 = _write(tmp_path / "f1.csv", [_gid("g1", 1), _gid("g2", 2)])
    f2 = _write(tmp_path / "f2.csv", [_gid("g1", 1), _gid("g3", 3, 44), *fill])
    out = tmp_path / "ds"
    counts = []
    for files in ([stored], [f1], [f2], [f1, f2], [f1], [f2]):
        ingest(files, out)
        counts.append(load_cdrs(out).num_rows)
    assert counts == [10, 10, 26, 26, 26, 26]


@pytest.mark.parametrize("one_run", [True, False])
def test_cumulative_exports_with_ids_onto_a_day_stored_without_them(
    tmp_path: Path, one_run: bool
) -> None:
    """'Day so far' exports with ids (calls 0-49, then 0-50) of a day stored without ids: in
    one run the second stored call 50 again (101), in separate runs not (100)."""
    day = [
        f",2026-11-03 09:{i // 60:02d}:{i % 60:02d},+8613800{i:06d},{B},{10 + i % 7}"
        for i in range(100)
    ]
    out = tmp_path / "ds"
    ingest([_write(tmp_path / "day.csv", day)], out)
    e1 = _write(tmp_path / "e1.csv", [f"c{i}{r}" for i, r in enumerate(day[:50])])
    e2 = _write(tmp_path / "e2.csv", [f"c{i}{r}" for i, r in enumerate(day[:51])])
    if one_run:
        ingest([e1, e2], out)
    else:
        ingest([e1], out)
        ingest([e2], out)
    assert load_cdrs(out).num_rows == 100


def test_the_reexport_warning_counts_conflicting_ids_as_quarantined(tmp_path: Path) -> None:
    """Second re-audit: rows quarantined as conflicting_call_id are out of the shares like
    the others, but the warning's '(N quarantined)' left them out."""
    out = tmp_path / "ds"
    ingest([_write(tmp_path / "stored.csv", [_noid(i) for i in range(10)])], out)
    rows = [_gid(f"g{i}", i) for i in range(10)]
    rows += [f"x1,2026-11-03 12:00:00,+8613700000001,{B},5"]
    rows += [f"x1,2026-11-03 12:00:09,+8613700000002,{B},5"]  # x1 names another call
    s = ingest([_write(tmp_path / "ids.csv", rows)], out)
    assert (s.rows_reexport_matched, s.rows_conflicting) == (10, 1)
    warning = next(w for w in s.warnings if "a re-export" in w)
    assert "(1 quarantined)" in warning

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

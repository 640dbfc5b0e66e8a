"""``compare``'s inputs as they come (audit 22c): an ``--out`` that is one of them, numbers
not in E.164, scores that are no score, labels that do not list every number, summaries
spelling one zone two ways, and options that would be ignored or check nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.errors import InputError
from callwarden.evaluate.compare import align, compare, verdict_table

from ._scans import NEW, OLD, A, B, C, D, F, G, write_scan


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["compare", *args])
    return res.exit_code, res.stdout, res.stderr


def _refused(code: int, err: str, message: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _cdrs(path: Path, caller: str, calls: int = 60) -> Path:
    """Canonical CDRs (the columns heavy_callers reads): ``calls`` calls of ``caller`` on
    2026-11-02 local time."""
    t0 = dt.datetime(2026, 11, 2, 2, tzinfo=dt.UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "caller": [caller] * calls,
                "callee": [f"+86138{i:08d}" for i in range(calls)],
                "start_time": pa.array(
                    [t0 + dt.timedelta(minutes=i) for i in range(calls)],
                    pa.timestamp("us", tz="UTC"),
                ),
                "duration_s": [10.0] * calls,
            }
        ),
        path,
    )
    return path


# -- 1. --out must not be an input ------------------------------------------------------------


def _store(path: Path) -> Path:
    from callwarden.store import Store

    Store.open(str(path)).close()
    return path


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("store.db", "is the store --db"),
        ("store.db-wal", "(wal)"),
        ("old/verdicts.csv", "is --old's verdicts"),
        ("new/scan-summary.json", "is --new's scan-summary.json"),
        ("old/scan-summary.json", "is --old's scan-summary.json"),
        ("labels.csv", "is --labels"),
        ("cdrs/day.parquet", "is inside --cdrs"),
        ("hardlink.csv", "is --new's verdicts"),
    ],
)
def test_out_that_is_an_input_is_refused(tmp_path: Path, out: str, message: str) -> None:
    old, new = write_scan(tmp_path / "old", OLD), write_scan(tmp_path / "new", NEW)
    db = _store(tmp_path / "store.db")
    (tmp_path / "store.db-wal").write_bytes(b"")
    labels = tmp_path / "labels.csv"
    labels.write_text(f"number,label\n{A},fraud\n", encoding="utf-8")
    cdrs = _cdrs(tmp_path / "cdrs" / "day.parquet", D)
    os.link(new / "verdicts.csv", tmp_path / "hardlink.csv")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    before = {p: _md5(p) for p in files}
    code, _, err = _run(
        "--old", str(old), "--new", str(new), "--db", str(db), "--labels", str(labels),
        "--cdrs", str(cdrs.parent), "--out", str(tmp_path / out),
    )  # fmt: skip
    _refused(code, err, message)
    assert {p: _md5(p) for p in files} == before  # nothing written
    assert not (new / "compare.json").exists()


# -- 2. numbers not in E.164 ------------------------------------------------------------------


def test_numbers_are_matched_in_e164() -> None:
    # a feature-table scan writes its ids unchanged: national, spaced, 00-prefixed
    spelt = {A: A[3:], B: "+86 139 0000 0001", C: "0086" + C[3:]}
    old = [(spelt.get(r[0], r[0]), *r[1:]) for r in OLD]
    got = compare(align(verdict_table(_table(old), "old"), verdict_table(_table(NEW), "new")))
    assert got["numbers"]["both"] == 5 and got["numbers"]["either"] == 8  # as in E.164
    assert got["counts"]["cleared"] == 2 and got["counts"]["newly_flagged"] == 2
    assert got["numbers"]["not_e164"] == 0
    rows = {r["number"]: r for r in got["top_cleared"]}
    assert rows[C]["written"] == spelt[C]  # shown as the scan wrote it too


def test_one_number_spelt_twice_is_refused() -> None:
    rows = [(A[3:], "benign", "0.1"), ("x", "benign", "0.1"), (A, "fraud", "0.9")]
    t = pa.table({c: [r[i] for r in rows] for i, c in enumerate(("number", "label", "score"))})
    with pytest.raises(InputError, match=r"'13900000000' and '\+8613900000000'.* rows 1 and 3"):
        verdict_table(t, "--old x")


def test_ids_that_are_no_number_are_counted_and_warned(tmp_path: Path) -> None:
    old = write_scan(tmp_path / "old", [*OLD, ("carrier-7", "harassment", "0.9", "", "[]", "")])
    new = write_scan(tmp_path / "new", [*NEW, ("carrier-7", "benign", "0.1", "", "[]", "")])
    code, _, err = _run("--old", str(old), "--new", str(new))
    assert code == 0, err
    assert "1 of 9 numbers are not phone numbers (e.g. 'carrier-7')" in err
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    assert got["numbers"]["not_e164"] == 1 and got["counts"]["cleared"] == 3


def test_heavy_callers_matched_in_e164(tmp_path: Path) -> None:
    # the scans write national numbers, the CDRs E.164 (or the other way round)
    old = write_scan(tmp_path / "old", [(n[3:], *r) for n, *r in OLD], cdrs=None)
    new = write_scan(tmp_path / "new", [(n[3:], *r) for n, *r in NEW], cdrs=None)
    cdrs = _cdrs(tmp_path / "cdrs.parquet", D)
    code, _, err = _run("--old", str(old), "--new", str(new), "--cdrs", str(cdrs), "--strict")
    assert code == 1, err
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    assert got["guards"][0]["evidence"]["numbers"] == [D]


# -- 3. labels: evaluate's figures on each scan -----------------------------------------------


@pytest.mark.parametrize("unlabelled", ["benign", "skip"])
def test_labelled_figures_equal_evaluate(tmp_path: Path, unlabelled: str) -> None:
    # incomplete labels (D, E, H unlisted) and scans listing different numbers (F, G, H)
    old, new = write_scan(tmp_path / "old", OLD), write_scan(tmp_path / "new", NEW)
    labels = tmp_path / "labels.csv"
    labels.write_text(
        f"number,label\n{A},fraud\n{B},fraud\n{C},benign\n{F},harassment\n{G},benign\n",
        encoding="utf-8",
    )
    out = tmp_path / "c.json"
    code, _, err = _run(
        "--old", str(old), "--new", str(new), "--labels", str(labels), "--out", str(out),
        "--unlabelled", unlabelled,
    )  # fmt: skip
    assert code == 0, err
    got = json.loads(out.read_text(encoding="utf-8"))["labels"]
    for side, scan in (("old", old), ("new", new)):
        ev = tmp_path / f"ev-{side}.json"
        res = CliRunner().invoke(
            app,
            ["evaluate", "--verdicts", str(scan / "verdicts.csv"), "--labels", str(labels),
             "--out", str(ev), "--unlabelled", unlabelled],
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        want = json.loads(ev.read_text(encoding="utf-8"))
        f = want["scanned"]["flagged_vs_benign"]
        assert (got[side]["precision"] or 0.0) == pytest.approx(f["precision"]), side
        assert (got[side]["recall"] or 0.0) == pytest.approx(f["recall"]), side
        assert got[side]["recall_all_labelled"] == pytest.approx(
            want["all_labelled"]["flagged_vs_benign"]["recall"]
        ), side
    # the new scan flags G (labelled benign) and D (unlisted): a false positive each by
    # evaluate's default, G alone with --unlabelled skip
    assert got["new"]["false_positives"] == (2 if unlabelled == "benign" else 1)


# -- 4. scores --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("nan", "data row 2 has score 'nan': a score is a finite number from 0 to 1"),
        ("inf", "data row 2 has score 'inf'"),
        ("-0.5", "data row 2 has score '-0.5'"),
        ("1.5", "data row 2 has score '1.5'"),
        ("high", "data row 2 has score 'high', a score is not a number"),
        ("", "data row 2 has no score"),
    ],
)
def test_scores_outside_the_range_are_refused_naming_the_row(score: str, message: str) -> None:
    rows = [(A, "benign", "0.1"), (B, "fraud", score)]
    t = pa.table({c: [r[i] for r in rows] for i, c in enumerate(("number", "label", "score"))})
    with pytest.raises(InputError, match="--new x is not a scan's verdicts: " + message):
        verdict_table(t, "--new x")


# -- 6, 10. options that check nothing or are ignored -------------------------------------------


def test_cdrs_other_than_the_scans_warns(tmp_path: Path) -> None:
    cdrs = _cdrs(tmp_path / "other.parquet", D)
    old = write_scan(tmp_path / "old", OLD, cdrs=str(tmp_path / "day"))
    new = write_scan(tmp_path / "new", NEW, cdrs=str(tmp_path / "day"))
    code, _, err = _run("--old", str(old), "--new", str(new), "--cdrs", str(cdrs))
    assert code == 0, err
    assert f"warning: --cdrs {cdrs} is not the CDRs the scans read" in err
    (tmp_path / "day").mkdir()
    _cdrs(tmp_path / "day" / "cdrs.parquet", D)
    code, _, err = _run("--old", str(old), "--new", str(new), "--cdrs", str(tmp_path / "day"))
    assert code == 0 and "is not the CDRs" not in err, err


# -- 7. a SQLite file that is no store is left as it was --------------------------------------


def test_db_files_stay_byte_identical(tmp_path: Path) -> None:
    old, new = write_scan(tmp_path / "old", OLD), write_scan(tmp_path / "new", NEW)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (a)")
    conn.commit()
    conn.close()
    before = _md5(other)
    code, _, err = _run("--old", str(old), "--new", str(new), "--db", str(other))
    _refused(code, err, "is not a callwarden store")
    assert _md5(other) == before
    assert sorted(p.name for p in tmp_path.glob("other.db*")) == ["other.db"]
    conn = sqlite3.connect(other)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    store = _store(tmp_path / "store.db")
    before = _md5(store)
    code, _, err = _run("--old", str(old), "--new", str(new), "--db", str(store))
    assert code == 0, err
    assert _md5(store) == before


# -- 8. one zone, two spellings ---------------------------------------------------------------


def test_an_offset_and_a_zone_of_the_same_hours_are_one_day(tmp_path: Path) -> None:
    old, new = write_scan(tmp_path / "old", OLD), write_scan(tmp_path / "new", NEW)
    said = json.loads((old / "scan-summary.json").read_text(encoding="utf-8"))
    del said["tz"]
    said["utc_offset_hours"] = 8  # a scan before --tz recorded only this
    (old / "scan-summary.json").write_text(json.dumps(said), encoding="utf-8")
    code, _, err = _run("--old", str(old), "--new", str(new))
    assert code == 0, err
    said["utc_offset_hours"] = 0
    (old / "scan-summary.json").write_text(json.dumps(said), encoding="utf-8")
    code, _, err = _run("--old", str(old), "--new", str(new))
    _refused(code, err, "different days")


def _table(rows: list[tuple[str, ...]]) -> pa.Table:
    cols = ("number", "label", "score", "category", "reasons", "campaign")
    return pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})


# -- 11. the bench leaves no work folder ------------------------------------------------------


def test_bench_removes_its_work_folder(tmp_path: Path) -> None:
    import subprocess
    import sys

    bench = Path(__file__).resolve().parents[2] / "bench" / "compare.py"
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    cmd = [sys.executable, str(bench), "--rows", "2000", "--repeat", "1"]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert res.returncode == 0, res.stderr
    assert not list(tmp_path.glob("cw-bench-compare-*"))
    res = subprocess.run([*cmd, "--keep"], capture_output=True, text=True, env=env, check=False)
    assert res.returncode == 0, res.stderr
    assert len(list(tmp_path.glob("cw-bench-compare-*"))) == 1


def test_a_folder_and_its_cdrs_parquet_are_one_input(tmp_path: Path) -> None:
    # `scan --cdrs D` and `scan --cdrs D/cdrs.parquet` read the same calls (refused before
    # session 23 as "different CDRs"); --cdrs spelt the third way is no other input either
    (tmp_path / "day").mkdir()
    _cdrs(tmp_path / "day" / "cdrs.parquet", D)
    old = write_scan(tmp_path / "old", OLD, cdrs=str(tmp_path / "day"))
    new = write_scan(tmp_path / "new", NEW, cdrs=str(tmp_path / "day" / "cdrs.parquet"))
    code, _, err = _run(
        "--old", str(old), "--new", str(new), "--cdrs", str(tmp_path / "day" / "." / "cdrs.parquet")
    )  # fmt: skip
    assert code == 0, err
    assert "is not the CDRs" not in err and "different CDRs" not in err, err
    other = tmp_path / "other"
    other.mkdir()
    _cdrs(other / "cdrs.parquet", D)  # the same rows in another file are another input
    new = write_scan(tmp_path / "new2", NEW, cdrs=str(other))
    code, _, err = _run("--old", str(old), "--new", str(new))
    assert code == 2 and "the scans read different CDRs" in err, err


def test_a_folder_whose_cdrs_parquet_is_a_link_is_the_file_it_links_to(tmp_path: Path) -> None:
    # scan records --cdrs resolved; a folder holding a link to the day's file is that file
    # (session 23's audit: refused as "different CDRs")
    from callwarden.cdr.dataset import same_cdrs_key

    _cdrs(tmp_path / "day.parquet", D)
    (tmp_path / "F").mkdir()
    (tmp_path / "F" / "cdrs.parquet").symlink_to(tmp_path / "day.parquet")
    assert same_cdrs_key(tmp_path / "F") == same_cdrs_key(tmp_path / "day.parquet")
    assert same_cdrs_key(tmp_path / "F" / "cdrs.parquet") == str(
        (tmp_path / "day.parquet").resolve()
    )

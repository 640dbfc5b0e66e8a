"""``callwarden compare`` from the command line: refusals (one ``error:`` line, exit 2),
a missing summary (a warning, then matched by number), the report file and ``--strict``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

from ._scans import NEW, OLD, write_scan


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["compare", *args])
    return res.exit_code, res.stdout, res.stderr


def _refused(code: int, err: str, message: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1], err
    assert "Traceback" not in err


def test_report_written_beside_the_new_scan(tmp_path: Path) -> None:
    old, new = write_scan(tmp_path / "old", OLD), write_scan(tmp_path / "new", NEW)
    code, out, err = _run("--old", str(old), "--new", str(new), "--top", "5")
    assert code == 0, err
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    assert got["counts"]["newly_flagged"] == 2 and got["counts"]["cleared"] == 2
    assert got["old"]["day"] == got["new"]["day"] == "2026-11-02"
    assert got["guards"] == [] and set(got["guards_not_run"]) == {
        "NEWLY_FLAGGED_HEAVY_CALLER",
        "NEWLY_FLAGGED_REGISTERED",
        "NEWLY_FLAGGED_APPEALED",
        "CLEARED_REPORTED",
        "CLEARED_SCREENED",
    }
    assert "old flagged" in out and "not run (no --cdrs)" in out
    # --out elsewhere
    code, _, err = _run(
        "--old", str(old), "--new", str(new / "verdicts.csv"), "--out", str(tmp_path / "c.json"),
    )  # fmt: skip
    assert code == 0, err
    assert json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["counts"] == got["counts"]


def test_different_days_are_refused(tmp_path: Path) -> None:
    old = write_scan(tmp_path / "old", OLD, day="2026-11-01")
    new = write_scan(tmp_path / "new", NEW, day="2026-11-02")
    code, _, err = _run("--old", str(old), "--new", str(new))
    _refused(code, err, "different days: --old 2026-11-01 (Asia/Shanghai), --new 2026-11-02")
    # the same date in another zone is other hours
    other = write_scan(tmp_path / "utc", NEW, day="2026-11-01", tz="UTC")
    code, _, err = _run("--old", str(old), "--new", str(other))
    _refused(code, err, "different days")
    assert not (tmp_path / "utc" / "compare.json").exists()


def test_different_inputs_are_refused(tmp_path: Path) -> None:
    old = write_scan(tmp_path / "old", OLD, cdrs="/data/day-a")
    new = write_scan(tmp_path / "new", NEW, cdrs="/data/day-b")
    code, _, err = _run("--old", str(old), "--new", str(new))
    _refused(code, err, "the scans read different CDRs: --old /data/day-a, --new /data/day-b")
    table = write_scan(tmp_path / "table", NEW, cdrs=None, features="/data/table.csv")
    code, _, err = _run("--old", str(old), "--new", str(table))
    _refused(code, err, "the scans read different CDRs")


@pytest.mark.parametrize("which", ["old", "new"])
def test_missing_folders_are_refused(tmp_path: Path, which: str) -> None:
    scans = {"old": write_scan(tmp_path / "old", OLD), "new": write_scan(tmp_path / "new", NEW)}
    scans[which] = tmp_path / "gone"
    code, _, err = _run("--old", str(scans["old"]), "--new", str(scans["new"]))
    _refused(code, err, f"--{which} {tmp_path / 'gone'}: no such folder")
    (tmp_path / "empty").mkdir()
    scans[which] = tmp_path / "empty"
    code, _, err = _run("--old", str(scans["old"]), "--new", str(scans["new"]))
    _refused(code, err, "no verdicts.csv there")


def test_the_same_scan_twice_is_refused(tmp_path: Path) -> None:
    old = write_scan(tmp_path / "old", OLD)
    code, _, err = _run("--old", str(old), "--new", str(old / "verdicts.csv"))
    _refused(code, err, "--old and --new are the same scan")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("number,label\n+8613900000001,benign\n", "is not a scan's verdicts: no 'score' column"),
        ("number,label,score\n+8613900000001,spam,0.1\n", "data row 1 has label 'spam'"),
        ("number,label,score\n+8613900000001,benign,x\n", "a score is not a number"),
        (
            "number,label,score\n+8613900000001,benign,0.1\n+8613900000001,fraud,0.9\n",
            "more than once",
        ),
        ('number,label,score\n"+86139,benign,0.1\n', "verdicts file"),
    ],
)
def test_malformed_verdicts_are_refused(tmp_path: Path, text: str, message: str) -> None:
    old = write_scan(tmp_path / "old", OLD)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "verdicts.csv").write_text(text, encoding="utf-8")
    code, _, err = _run("--old", str(old), "--new", str(bad))
    _refused(code, err, message)
    assert str(bad) in err.strip().splitlines()[-1]


def test_a_missing_summary_warns_and_matches_by_number(tmp_path: Path) -> None:
    old = write_scan(tmp_path / "old", OLD, day="2026-11-01")
    new = write_scan(tmp_path / "new", NEW, summary=False)  # another day's, unchecked
    code, _, err = _run("--old", str(old), "--new", str(new))
    assert code == 0, err
    assert "warning: --new: no scan-summary.json beside" in err
    got = json.loads((new / "compare.json").read_text(encoding="utf-8"))
    assert got["counts"]["newly_flagged"] == 2 and got["new"]["summary"] is False


def test_a_summary_of_other_verdicts_is_ignored(tmp_path: Path) -> None:
    old = write_scan(tmp_path / "old", OLD, day="2026-11-01")
    new = write_scan(tmp_path / "new", NEW)
    shutil.copy(old / "scan-summary.json", new / "scan-summary.json")  # 6 numbers, not 7
    code, _, err = _run("--old", str(old), "--new", str(new))
    assert code == 0, err
    assert "is not the summary of" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--top", "-1"], "--top must be at least 0"),
        (["--cdrs", "/x", "--heavy-attempts", "0"], "--heavy-attempts must be at least 1"),
        (["--heavy-attempts", "60"], "--heavy-attempts applies to --cdrs"),
        (["--strict"], "--strict needs --cdrs or --db"),
        (["--labels", "/x", "--unlabelled", "none"], "--unlabelled must be 'benign' or 'skip'"),
        (["--tz", "UTC"], "--tz applies to --cdrs"),
        (["--cdrs", "/nonexistent/cdrs"], "--cdrs /nonexistent/cdrs: no such file or folder"),
        (["--labels", "/nonexistent/labels.csv"], "--labels /nonexistent/labels.csv: no such"),
    ],
)
def test_option_errors(tmp_path: Path, extra: list[str], message: str) -> None:
    old, new = write_scan(tmp_path / "old", OLD), write_scan(tmp_path / "new", NEW)
    code, _, err = _run("--old", str(old), "--new", str(new), *extra)
    _refused(code, err, message)

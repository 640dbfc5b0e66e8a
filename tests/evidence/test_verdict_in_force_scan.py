"""A number's case file is made from the scan of the import that wrote its verdict in force
(an earlier day's folder when the number was not scanned on the day served), and says so;
when that folder is gone, from the folder given, with a note saying why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.evidence import number_case, verify
from callwarden.evidence.sources import gather
from callwarden.store import Store
from tests.evidence.world import COURIER, ROBO1


def test_the_case_reads_the_scan_that_wrote_the_verdict_in_force(days: dict[str, Path]) -> None:
    store = Store.open(str(days["db"]))
    sources = gather([ROBO1], days["second"], days["cdrs"], store, strict=False)
    case = number_case(ROBO1, sources, "2026-11-04T00:00:00Z")
    assert verify(case)
    assert case["scan"]["day"] == "2026-11-02"
    assert case["verdict"]["label"] == "harassment" and case["verdict"]["score"] == 0.9931
    assert case["verdict_in_force"]["import"]["scan_day"] == "2026-11-02"
    assert case["calls"]["day"] == "2026-11-02" and case["calls"]["calls"] == 20
    assert case["campaign"]["id"] == "C1"
    assert [n for n in case["notes"] if "not in the scan's verdicts.csv" in n] == []
    (note,) = [n for n in case["notes"] if "imported from" in n]
    assert str(days["first"]) in note and "scan day 2026-11-02" in note
    # a number whose verdict in force is the served day's: the served folder, no note
    same = number_case(COURIER, gather([COURIER], days["second"], days["cdrs"], store))
    assert same["scan"]["day"] == "2026-11-03" and same["notes"] == []


def test_a_folder_gone_falls_back_to_the_one_given_and_says_so(days: dict[str, Path]) -> None:
    shutil.rmtree(days["first"])
    store = Store.open(str(days["db"]))
    case = number_case(ROBO1, gather([ROBO1], days["second"], days["cdrs"], store, strict=False))
    assert case["scan"]["day"] == "2026-11-03" and case["verdict"] is None
    assert case["verdict_in_force"]["label"] == "harassment"
    (note,) = [n for n in case["notes"] if "imported from" in n]
    assert "not on disk here" in note and str(days["second"]) in note


def test_a_folder_rescanned_for_another_day_is_not_read(days: dict[str, Path]) -> None:
    summary = days["first"] / "scan-summary.json"
    summary.write_text(json.dumps({"day": "2026-11-05"}), encoding="utf-8")
    store = Store.open(str(days["db"]))
    case = number_case(ROBO1, gather([ROBO1], days["second"], days["cdrs"], store, strict=False))
    assert case["scan"]["day"] == "2026-11-03"
    assert any("now holds the scan of 2026-11-05" in n for n in case["notes"])


def test_the_cli_with_db_does_the_same(days: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "case.json"
    r = CliRunner().invoke(
        app,
        ["case-file", "--number", ROBO1, "--scan-dir", str(days["second"]), "--cdrs",
         str(days["cdrs"]), "--db", str(days["db"]), "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    case = json.loads(out.read_text(encoding="utf-8"))
    assert case["scan"]["day"] == "2026-11-02" and case["calls"]["calls"] == 20
    assert "note: the verdict in force was imported from" in r.output

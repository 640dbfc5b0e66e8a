"""``callwarden case-file`` on a small simulated day: simulate, train, scan, then a case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.evidence import verify
from callwarden.store import Store
from callwarden.store.io import read_verdicts_csv

pytestmark = pytest.mark.slow
SUBSCRIBERS = 3000


def _run(args: list[str], code: int = 0) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from callwarden.sim import simulate, write_sim

    root = tmp_path_factory.mktemp("case")
    s1 = write_sim(simulate("article", seed=1, subscribers=SUBSCRIBERS), root / "s1")
    s2 = write_sim(simulate("article", seed=2, subscribers=SUBSCRIBERS), root / "s2")
    _run(["train", "--cdrs", str(s1), "--labels", str(s1 / "labels.csv"), "--registry",
          str(s1 / "registry.csv"), "--out", str(root / "model"), "--rounds", "60", "--folds", "3"])  # fmt: skip
    _run(["scan", "--cdrs", str(s2), "--model", str(root / "model"), "--registry",
          str(s2 / "registry.csv"), "--out", str(root / "scan")])  # fmt: skip
    db = root / "cw.db"
    store = Store.open(str(db))
    store.import_verdicts(read_verdicts_csv(root / "scan" / "verdicts.csv"), actor="test")
    store.close()
    return {"root": root, "scan": root / "scan", "cdrs": s2, "db": db}


def _flagged_in_campaign(scan: Path) -> tuple[str, str]:
    import csv

    with (scan / "verdicts.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["label"] != "benign" and row["campaign"] and json.loads(row["reasons"]):
                return row["number"], row["campaign"]
    raise AssertionError("no flagged campaign member in the scan")


def test_case_file_of_a_flagged_number(day: dict[str, Path], tmp_path: Path) -> None:
    number, campaign = _flagged_in_campaign(day["scan"])
    common = ["case-file", "--number", number[3:], "--scan-dir", str(day["scan"]), "--cdrs",
              str(day["cdrs"]), "--db", str(day["db"])]  # fmt: skip
    out = _run([*common, "--out", str(tmp_path / "a.json"), "--html", str(tmp_path / "a.html")])
    assert "sha256" in out
    case = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert verify(case) and case["case_file"]["subject"] == number
    summary = json.loads((day["scan"] / "scan-summary.json").read_text(encoding="utf-8"))
    assert case["scan"]["model_version"] == summary["model_version"]
    assert case["scan"]["day"] == summary["day"]
    assert {i["role"] for i in case["scan"]["inputs"]} >= {"verdicts", "campaigns", "cdrs"}
    assert case["verdict"]["label"] in ("harassment", "fraud")
    assert all(r["text"]["zh"] and r["text"]["en"] for r in case["verdict"]["reasons"]["items"])
    assert case["verdict_in_force"]["label"] == case["verdict"]["label"]  # from --db
    assert case["campaign"]["id"] == campaign and number in [
        m["number"] for m in case["campaign"]["member_list"]
    ]
    assert case["calls"]["calls"] > 0 and case["calls"]["sample"]["rows"][0]["call_id"]
    assert sum(h["calls"] for h in case["calls"]["by_hour"]) == case["calls"]["calls"]
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert (
        number in page and "扫描判定" in page and case["case_file"]["fingerprint"]["sha256"] in page
    )
    # the same inputs again: the same bytes but for generated_at
    _run([*common, "--out", str(tmp_path / "b.json")])
    assert _without_generated_at(tmp_path / "a.json") == _without_generated_at(tmp_path / "b.json")


def _without_generated_at(path: Path) -> list[str]:
    return [x for x in path.read_text(encoding="utf-8").splitlines() if "generated_at" not in x]


def test_case_file_of_a_campaign_as_html(day: dict[str, Path], tmp_path: Path) -> None:
    _, campaign = _flagged_in_campaign(day["scan"])
    _run(["case-file", "--campaign", campaign, "--scan-dir", str(day["scan"]), "--cdrs",
          str(day["cdrs"]), "--out", str(tmp_path / "c.html")])  # fmt: skip
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "团伙案卷" in page and campaign in page


def test_case_file_errors_are_one_line(day: dict[str, Path], tmp_path: Path) -> None:
    base = [
        "--scan-dir",
        str(day["scan"]),
        "--cdrs",
        str(day["cdrs"]),
        "--out",
        str(tmp_path / "x.json"),
    ]
    out = _run(["case-file", "--campaign", "C404", *base], code=2)
    assert "error: campaign 'C404' is not in" in out and "Traceback" not in out
    out = _run(["case-file", *base], code=2)
    assert "exactly one of --number and --campaign" in out
    out = _run(
        ["case-file", "--number", "+8613800138000", "--db", str(tmp_path / "none.db"), *base],
        code=2,
    )
    assert "no store there" in out
    assert not (tmp_path / "x.json").exists()

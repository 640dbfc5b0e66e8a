"""The command and the artefacts it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from typer.testing import CliRunner

from callwarden.campaigns.build import build_campaigns
from callwarden.campaigns.io import CAMPAIGN_COLUMNS, campaigns_table, write_campaigns
from callwarden.cli.main import app

from .conftest import Day, campaign, ordinary


def _day() -> Day:
    day = Day()
    ordinary(day)
    campaign(day, list_start=0, list_len=600, numbers=12, calls_per_number=10, ingress="trunk-ai")
    return day


def test_artefacts_round_trip(tmp_path: Path) -> None:
    res = build_campaigns(_day().table())
    paths = write_campaigns(res, tmp_path)
    table = pcsv.read_csv(paths["campaigns"])
    assert (
        tuple(table.column_names) == CAMPAIGN_COLUMNS and table.num_rows == len(res.campaigns) == 1
    )
    assert table["members"].to_pylist() == [12]
    reasons = json.loads(table["reasons"][0].as_py())
    assert {"code", "evidence"} <= set(reasons[0])
    members = pcsv.read_csv(paths["members"])
    assert members.num_rows == 12 and set(members["calls"].to_pylist()) == {10}
    assert (
        json.loads(paths["json"].read_text(encoding="utf-8"))[0]["campaign_id"]
        == res.campaigns[0].campaign_id
    )
    quiet = Day()
    ordinary(quiet, n=20)
    assert campaigns_table(build_campaigns(quiet.table())).num_rows == 0


def test_campaigns_command_writes_the_folder(tmp_path: Path) -> None:
    src = tmp_path / "cdrs.parquet"
    pq.write_table(_day().table(), src)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["campaigns", "--cdrs", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 campaigns, 12 numbers linked" in result.output
    assert {p.name for p in out.iterdir()} >= {
        "campaigns.csv",
        "campaign_members.csv",
        "bridged_calls.csv",
        "spoofed_calls.csv",
        "campaigns.json",
    }


def test_missing_input_is_one_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["campaigns", "--cdrs", str(tmp_path / "nope"), "--out", str(tmp_path)]
    )
    assert result.exit_code != 0

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


def test_scan_hook_fills_campaigns_and_evaluate_section_scores_them(tmp_path: Path) -> None:
    import numpy as np
    import pyarrow as pa

    from callwarden.cli.campaigns import evaluate_section, scan_hook
    from callwarden.detect.verdicts import ScanResult, filled

    day = Day()
    people = ordinary(day)
    pool = campaign(
        day, list_start=0, list_len=600, numbers=12, calls_per_number=10, ingress="trunk-ai"
    )
    pq.write_table(day.table(), tmp_path / "cdrs.parquet")

    n = len(pool) + len(people)
    scan = ScanResult(
        numbers=np.array(pool + people, dtype=object),
        labels=filled(n, "benign"),
        scores=np.zeros(n),
        categories=filled(n, ""),
        reasons=[[] for _ in range(n)],
        campaigns=filled(n, "stale"),  # linking replaces every entry
        threshold=0.5,
    )
    scan_hook(scan, tmp_path, tmp_path / "out")
    assert len({c for c in scan.campaigns[: len(pool)]}) == 1 and scan.campaigns[0]
    assert not any(scan.campaigns[len(pool) :])
    assert (tmp_path / "out" / "campaigns.csv").is_file()

    verdicts = tmp_path / "verdicts.csv"
    pcsv.write_csv(
        pa.table({"number": list(scan.numbers), "campaign": list(scan.campaigns)}), verdicts
    )
    labels = tmp_path / "labels.csv"
    pcsv.write_csv(
        pa.table(
            {
                "number": pool + people,
                "label": ["harassment"] * len(pool) + ["benign"] * len(people),
                "category": [""] * (len(pool) + len(people)),
                "campaign": ["op1"] * len(pool) + [""] * len(people),
            }
        ),
        labels,
    )
    section = evaluate_section(verdicts, labels, tmp_path, replay=False)
    assert section is not None and section["clustering"]["ari"] == 1.0


def test_campaigns_reads_only_the_columns_it_needs(tmp_path: Path) -> None:
    """Parts whose extra column has another type in each (BIGINT, STRUCT) stop nothing:
    ``campaigns`` reads the columns staging reads, as ``scan`` does (before 30 Nov a DuckDB
    ConversionException traceback)."""
    import pyarrow as pa

    table = _day().table()
    half = table.num_rows // 2
    folder = tmp_path / "cdrs"
    folder.mkdir()
    first, second = table.slice(0, half), table.slice(half)
    pq.write_table(
        first.append_column("trunk_id", pa.array(range(first.num_rows), pa.int64())),
        folder / "x1.parquet",
    )
    pq.write_table(
        second.append_column(
            "trunk_id",
            pa.array([{"a": i} for i in range(second.num_rows)], pa.struct([("a", pa.int64())])),
        ),
        folder / "x2.parquet",
    )
    result = CliRunner().invoke(
        app, ["campaigns", "--cdrs", str(folder), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "1 campaigns, 12 numbers linked" in result.output

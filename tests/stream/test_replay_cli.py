"""``callwarden replay`` on a small simulated day, with a floor on what it stops."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from callwarden.cli.main import app


def test_replay_reports_stopped_and_benign_shares(world: Path, tmp_path: Path) -> None:
    s2 = world / "s2"
    out = tmp_path / "replay.json"
    res = CliRunner().invoke(
        app,
        [
            "replay", "--cdrs", str(s2), "--model", str(world / "model"),
            "--registry", str(s2 / "registry.csv"), "--labels", str(s2 / "labels.csv"),
            "--out", str(out), "--batch-s", "30", "--campaign-every-s", "21600",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "unwanted calls stopped before ringing" in res.output
    rep = json.loads(out.read_text(encoding="utf-8"))
    s = rep["summary"]
    # floors for a 3,000-subscriber day with a 60-round model (the full run is in the README)
    assert s["unwanted_stopped_share"] >= 0.75
    assert s["benign_rejected_share"] <= 0.002
    assert s["unwanted_stopped_share"] > s["baseline_unwanted_stopped_share"]
    assert {"harassment", "fraud", "benign"} <= set(rep["by_label"])
    assert rep["by_hour"] and rep["run"]["calls"] > 10000
    assert rep["run"]["state"]["bytes_per_tracked_number"] > 0


def test_replay_rejects_a_missing_model(world: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["replay", "--cdrs", str(world / "s2"), "--model", str(tmp_path / "nope")]
    )
    assert res.exit_code == 2
    assert "error:" in res.output

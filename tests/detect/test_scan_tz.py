"""train and scan take the carrier's local time (--tz), record it, and scan warns when its
day's UTC offset is not one the model trained at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

pytestmark = pytest.mark.slow


def test_tz_is_recorded_and_a_different_offset_warns(tmp_path: Path) -> None:
    from callwarden.sim import simulate, write_sim

    sim = write_sim(simulate("article", seed=1, subscribers=1500), tmp_path / "s1")
    runner = CliRunner()

    def run(args: list[str], code: int = 0) -> str:
        res = runner.invoke(app, args)
        assert res.exit_code == code, res.output + repr(res.exception)
        return res.output

    common = ["--cdrs", str(sim), "--labels", str(sim / "labels.csv"), "--rounds", "3",
              "--folds", "2"]  # fmt: skip
    run(["train", *common, "--tz", "UTC-5", "--out", str(tmp_path / "ny")])
    manifest = json.loads((tmp_path / "ny" / "manifest.json").read_text())
    assert manifest["tz"] == "UTC-5" and manifest["utc_offset_hours"] == [-5]
    run(["train", *common, "--out", str(tmp_path / "cn")])
    manifest = json.loads((tmp_path / "cn" / "manifest.json").read_text())
    assert manifest["tz"] == "Asia/Shanghai" and manifest["utc_offset_hours"] == [8]

    warning = "this scan takes its day at"
    scan = ["scan", "--cdrs", str(sim), "--top", "0"]
    out = run(
        [*scan, "--model", str(tmp_path / "ny"), "--tz", "-05:00", "--out", str(tmp_path / "a")]
    )
    assert warning not in out
    summary = json.loads((tmp_path / "a" / "scan-summary.json").read_text())
    assert summary["tz"] == "-05:00" and summary["utc_offset_hours"] == -5
    out = run([*scan, "--model", str(tmp_path / "ny"), "--out", str(tmp_path / "b")])
    assert warning in out and "UTC-5" in out and "UTC+8" in out
    summary = json.loads((tmp_path / "b" / "scan-summary.json").read_text())
    assert summary["tz"] == "Asia/Shanghai" and summary["utc_offset_hours"] == 8
    out = run(
        [*scan, "--model", str(tmp_path / "cn"), "--tz", "UTC+8", "--out", str(tmp_path / "c")]
    )
    assert warning not in out
    # The default equals the old fixed UTC+8: the same verdicts as without --tz.
    run([*scan, "--model", str(tmp_path / "cn"), "--out", str(tmp_path / "d")])
    assert (tmp_path / "c" / "verdicts.csv").read_bytes() == (
        tmp_path / "d" / "verdicts.csv"
    ).read_bytes()

    out = run([*scan, "--model", str(tmp_path / "cn"), "--tz", "Mars/Olympus",
               "--out", str(tmp_path / "e")], code=2)  # fmt: skip
    assert "--tz 'Mars/Olympus'" in out
    # the stream's days follow --tz (since 30 Nov; it refused any offset but UTC+8 before)
    out = run(["train", *common, "--tz", "UTC-5", "--partial-days-s", "3600",
               "--out", str(tmp_path / "p")])  # fmt: skip
    assert "partial days:" in out
    manifest = json.loads((tmp_path / "p" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["utc_offset_hours"] == [-5] and manifest["partial_days_s"] == 3600


def test_scan_links_campaigns_on_its_own_local_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Campaign linking inside scan reads the calls of the scan's local day (--tz), not the
    UTC+8 day (it did until 30 Nov: features on one day, campaigns on another)."""
    import callwarden.cli.campaigns as cc
    from callwarden.sim import simulate, write_sim

    sim = write_sim(simulate("article", seed=1, subscribers=1500), tmp_path / "s1")
    runner = CliRunner()
    common = ["--cdrs", str(sim), "--labels", str(sim / "labels.csv"), "--rounds", "3",
              "--folds", "2"]  # fmt: skip
    res = runner.invoke(app, ["train", *common, "--tz", "UTC-5", "--out", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    seen: list[tuple[str | None, int]] = []
    day_cdrs = cc._day_cdrs

    def spy(cdrs: Path, day: str | None, tz_hours: int = 8) -> object:
        seen.append((day, tz_hours))
        return day_cdrs(cdrs, day, tz_hours)

    monkeypatch.setattr(cc, "_day_cdrs", spy)
    args = ["scan", "--cdrs", str(sim), "--model", str(tmp_path / "m"), "--top", "0"]
    res = runner.invoke(app, [*args, "--tz", "UTC-5", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "o" / "scan-summary.json").read_text())
    assert seen == [(summary["day"], -5)]

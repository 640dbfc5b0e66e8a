"""The stream's days follow the carrier's local time: replay takes the model's --tz (its
manifest) or its own --tz, and the stream state, the report's hours and --parity-day use
it (until 30 Nov the stream's days were UTC+8 whatever the model was trained at)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.evaluate.parity import feature_parity

DAY_BOUND = (
    "attempts_by_caller_1d",
    "night_share_by_caller_1d",
    "active_hours_by_caller_1d",
    "inbound_calls_by_caller_1d",
    "attempts_by_ingress_1d",
    "maturity_days_by_caller_7d",
)


def test_stream_features_agree_with_batch_at_another_offset(world: Path) -> None:
    # The simulated day 2026-11-02 (UTC+8) is 2026-11-01 11:00 to 2026-11-02 03:00 at UTC-5:
    # the local day 2026-11-01 at UTC-5 holds its first 13 hours.
    table = pq.read_table(world / "s2" / "cdrs.parquet")
    rep = feature_parity(table, "2026-11-01", batch=500, tz_hours=-5)
    assert rep["numbers"] > 1000
    for name in DAY_BOUND:
        assert rep["features"][name]["agree_share"] >= 0.99, (name, rep["features"][name])


def _replay(world: Path, model: Path, out: Path, *extra: str) -> tuple[dict, str]:
    s2 = world / "s2"
    res = CliRunner().invoke(
        app,
        ["replay", "--cdrs", str(s2), "--model", str(model), "--registry",
         str(s2 / "registry.csv"), "--labels", str(s2 / "labels.csv"), "--out", str(out),
         "--batch-s", "60", "--campaign-every-s", "0", *extra],
    )  # fmt: skip
    assert res.exit_code == 0, res.output + repr(res.exception)
    return json.loads(out.read_text(encoding="utf-8")), res.output


def test_replay_takes_the_models_tz_or_its_own(world: Path, tmp_path: Path) -> None:
    s1 = world / "s1"
    res = CliRunner().invoke(
        app,
        ["train", "--cdrs", str(s1), "--labels", str(s1 / "labels.csv"), "--registry",
         str(s1 / "registry.csv"), "--rounds", "20", "--folds", "2", "--tz", "UTC-5",
         "--out", str(tmp_path / "ny")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    rep, out = _replay(world, tmp_path / "ny", tmp_path / "a.json")
    assert "stream days: UTC-5 (the model's manifest)" in out
    assert rep["tz"] == {"tz": "UTC-5", "utc_offset_hours": -5, "from": "the model's manifest"}
    assert rep["config"]["engine"]["state"]["tz_hours"] == -5
    hours = sorted({k.split("/")[0] for k in rep["by_hour"]})
    assert hours[0] == "2026-11-01 11:00" and hours[-1] == "2026-11-02 10:00"
    # --tz wins; a model trained at another offset is warned about
    rep, out = _replay(world, tmp_path / "ny", tmp_path / "b.json", "--tz", "Asia/Shanghai")
    assert rep["tz"]["utc_offset_hours"] == 8 and "Asia/Shanghai (UTC+8, --tz)" in out
    assert "trained on days at UTC-5" in out
    hours = sorted({k.split("/")[0] for k in rep["by_hour"]})
    assert hours[0] == "2026-11-02 00:00" and hours[-1] == "2026-11-02 23:00"


def test_a_model_before_tz_replays_at_utc_plus_8(world: Path, tmp_path: Path) -> None:
    model = tmp_path / "old"
    model.mkdir()
    for f in (world / "model").iterdir():
        if f.is_file():
            (model / f.name).write_bytes(f.read_bytes())
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("tz", None)
    manifest.pop("utc_offset_hours", None)
    (model / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    rep, out = _replay(world, model, tmp_path / "c.json")
    assert rep["tz"]["utc_offset_hours"] == 8 and "trained before --tz" in out


def test_partial_day_rows_take_the_offset(world: Path) -> None:
    """train --partial-days-s replays the stream at its --tz (it refused any but UTC+8)."""
    from callwarden.features.definitions import FEATURE_NAMES
    from callwarden.stream.snapshots import snapshot_rows

    table = pq.read_table(world / "s2" / "cdrs.parquet")
    night = FEATURE_NAMES.index("night_share_by_caller_1d")
    at = {h: snapshot_rows(table, interval_s=21600, tz_hours=h) for h in (8, -5)}
    assert len(at[8].numbers) and len(at[-5].numbers)
    # the same calls, other local hours: night (21:00-08:00) is another part of the day
    assert abs(at[8].X[:, night].mean() - at[-5].X[:, night].mean()) > 0.01

"""A model trained on other feature definitions, from the commands (audit 24 L1-L3): scan,
replay and serve refuse it in one ``error:`` line that says what is wrong for that command
and the fix; under the override it is one ``warning:`` line (no Python warning with a
source line) and scan's summary and replay's report record which features differ."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.detect.io import ACCEPT_CHANGED

ONE_H = ["attempts_by_caller_1h", "attempts_by_ingress_1h"]


@pytest.fixture()
def legacy(world: Path, tmp_path: Path) -> Path:
    """The world's model as a directory from before the record: the clock hour."""
    d = tmp_path / "legacy"
    shutil.copytree(world / "model", d)
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("feature_definitions")
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    features = json.loads((d / "features.json").read_text(encoding="utf-8"))
    assert set(ONE_H) <= set(features)
    return d


def _scan(world: Path, model: Path, out: Path) -> object:
    s2 = world / "s2"
    return CliRunner().invoke(
        app, ["scan", "--cdrs", str(s2), "--model", str(model), "--registry",
              str(s2 / "registry.csv"), "--out", str(out)],
    )  # fmt: skip


def _error_line(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    return lines[0]


def test_scan_refuses_in_one_short_line(
    world: Path, legacy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ACCEPT_CHANGED, raising=False)
    res = _scan(world, legacy, tmp_path / "out")
    assert res.exit_code == 2
    line = _error_line(res.output)
    assert all(n in line for n in ONE_H) and "busiest clock hour" in line
    assert "callwarden train" in line and f"{ACCEPT_CHANGED}=1" in line
    assert len(line) - len(str(legacy)) < 330, line  # was ~500 without the path


def test_an_env_value_other_than_1_is_named(
    world: Path, legacy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ACCEPT_CHANGED, "true")
    res = _scan(world, legacy, tmp_path / "out")
    assert res.exit_code == 2
    assert f"{ACCEPT_CHANGED}='true' is not understood" in _error_line(res.output)


def test_scan_under_the_override_warns_once_and_records_it(
    world: Path, legacy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ACCEPT_CHANGED, "1")
    res = _scan(world, legacy, tmp_path / "out")
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.output.splitlines() if "other definitions" in ln]
    assert len(warned) == 1 and warned[0].startswith("warning: model "), res.output
    assert "UserWarning" not in res.output and "warnings.warn" not in res.output
    summary = json.loads((tmp_path / "out" / "scan-summary.json").read_text(encoding="utf-8"))
    assert summary["feature_definitions_changed"] == {
        "features": ONE_H,
        "accepted_by": f"{ACCEPT_CHANGED}=1",
    }
    # today's model: no record in the summary
    monkeypatch.delenv(ACCEPT_CHANGED)
    assert _scan(world, world / "model", tmp_path / "now").exit_code == 0
    now = json.loads((tmp_path / "now" / "scan-summary.json").read_text(encoding="utf-8"))
    assert "feature_definitions_changed" not in now


def test_replay_under_the_override_records_it(
    world: Path, legacy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ACCEPT_CHANGED, "1")
    s2 = world / "s2"
    out = tmp_path / "replay.json"
    res = CliRunner().invoke(
        app,
        ["replay", "--cdrs", str(s2), "--model", str(legacy), "--registry",
         str(s2 / "registry.csv"), "--out", str(out), "--campaign-every-s", "0"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "UserWarning" not in res.output
    assert [ln for ln in res.output.splitlines() if "other definitions" in ln][0].startswith(
        "warning: "
    )
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert rep["feature_definitions_changed"]["features"] == ONE_H


def test_serve_refuses_in_one_line_about_its_bands(
    legacy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ACCEPT_CHANGED, raising=False)
    res = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "s.db"), "--model", str(legacy)])
    assert res.exit_code == 2
    line = _error_line(res.output)
    assert "bands" in line and "flag threshold" in line
    assert "trees would score" not in line  # serve scores nothing with the trees
    assert "callwarden train" in line and f"{ACCEPT_CHANGED}=1" in line

"""An import of an older scan day over a later day's verdicts (POST /v1/verdicts and serve
--verdicts): held back and reported, unless the operator asks with override_newer_scans /
--override-newer-scans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.store import Store

from .conftest import Api

N = "+8615580588750"


def _body(day: str, label: str, score: float) -> dict[str, object]:
    return {
        "verdicts": [{"number": N, "label": label, "score": score}],
        "scan_day": day,
        "source_file": f"scan-{day[-2:]}/verdicts.csv",
    }


def test_post_holds_an_older_day_back_and_says_so(api: Api) -> None:
    assert (
        api.post("/v1/verdicts", "operator", json=_body("2026-11-05", "benign", 0.079)).status_code
        == 200
    )
    r = api.post("/v1/verdicts", "operator", json=_body("2026-11-03", "harassment", 0.9986))
    assert r.status_code == 200
    out = r.json()
    assert (out["count"], out["written"], out["held"], out["held_newer_scan"]) == (1, 0, 1, 1)
    assert out["newer_scan_day"] == "2026-11-05"
    v = api.get(f"/v1/numbers/{N}", "operator").json()["verdict"]
    assert (v["label"], v["score"], v["provenance"]["scan_day"]) == ("benign", 0.079, "2026-11-05")
    r = api.post(
        "/v1/verdicts?override_newer_scans=true",
        "operator",
        json=_body("2026-11-03", "harassment", 0.9986),
    )
    assert r.json()["held"] == 0 and r.json()["newer_scan_day"] is None
    v = api.get(f"/v1/numbers/{N}", "operator").json()["verdict"]
    assert (v["label"], v["provenance"]["scan_day"]) == ("harassment", "2026-11-03")


def _scan(root: Path, day: str, label: str, score: float) -> Path:
    folder = root / f"scan-{day[-2:]}"
    folder.mkdir()
    (folder / "verdicts.csv").write_text(
        f"number,label,score,category,reasons,campaign\n{N},{label},{score},loans,[],\n"
    )
    (folder / "scan-summary.json").write_text(json.dumps({"day": day, "model_version": "m1"}))
    return folder / "verdicts.csv"


def test_serve_reports_the_rows_an_older_day_leaves_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: None)
    db = str(tmp_path / "s.db")
    newer = _scan(tmp_path, "2026-11-05", "benign", 0.079)
    older = _scan(tmp_path, "2026-11-03", "harassment", 0.9986)
    runner = CliRunner()
    assert runner.invoke(app, ["serve", "--db", db, "--verdicts", str(newer)]).exit_code == 0
    r = runner.invoke(app, ["serve", "--db", db, "--verdicts", str(older)])
    assert r.exit_code == 0, r.output
    assert f"imported 1 verdicts from {older} (0 written, 1 held back" in r.output
    assert "1 rows of" in r.output and "later scan day (up to 2026-11-05)" in r.output
    assert "--override-newer-scans" in r.output
    kept = Store.open(db).get_verdict(N)
    assert kept is not None and kept.label == "benign"
    r = runner.invoke(
        app, ["serve", "--db", db, "--verdicts", str(older), "--override-newer-scans"]
    )
    assert r.exit_code == 0, r.output
    assert "held back" not in r.output
    now = Store.open(db).get_verdict(N)
    assert now is not None and now.label == "harassment"

"""``callwarden apikey`` and ``callwarden serve``'s imports (the server itself runs in test_crash)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.store import Role, Store

DATA = Path(__file__).resolve().parents[1] / "data" / "store"


def test_apikey_prints_a_working_secret(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    r = CliRunner().invoke(
        app, ["apikey", "--role", "subscriber", "--subscriber", "13800138000", "--db", db]
    )
    assert r.exit_code == 0, r.output
    secret = r.output.strip().splitlines()[-1]
    key = Store.open(db).lookup_key(secret)
    assert key is not None and key.role is Role.SUBSCRIBER and key.subscriber == "+8613800138000"


def test_apikey_makes_a_screener_key(tmp_path: Path) -> None:
    """The screening assistant's key: POST /v1/screenings and nothing else (docs/api.md)."""
    db = str(tmp_path / "k.db")
    r = CliRunner().invoke(app, ["apikey", "--role", "screener", "--name", "asr-1", "--db", db])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("key 1 (screener):")
    key = Store.open(db).lookup_key(r.output.strip().splitlines()[-1])
    assert key is not None and key.role is Role.SCREENER
    assert (key.subscriber, key.name) == (None, "asr-1")


def test_apikey_rejects_a_bad_role(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["apikey", "--role", "admin", "--db", str(tmp_path / "k.db")])
    assert r.exit_code == 2
    assert "role must be operator, subscriber, network or screener, not 'admin'" in r.output
    r = CliRunner().invoke(app, ["apikey", "--help"], env={"COLUMNS": "200"})
    assert "operator | subscriber | network | screener" in r.output


def test_serve_imports_verdicts_and_received_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    ran: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: ran.update(app=a, **kw))
    cdrs = tmp_path / "cdrs.csv"
    cdrs.write_text(
        "start_time,caller,callee,duration_s\n2026-11-01T10:00:00Z,+8617012345678,+8613800138000,0\n"
    )
    db = str(tmp_path / "s.db")
    r = CliRunner().invoke(
        app,
        [
            "serve",
            "--db",
            db,
            "--verdicts",
            str(DATA / "verdicts.csv"),
            "--cdrs",
            str(cdrs),
            "--port",
            "9999",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "imported 3 verdicts" in r.output and "imported 1 received-call pairs" in r.output
    assert ran["port"] == 9999 and ran["host"] == "127.0.0.1"
    assert len(Store.open(db).load_verdicts()) == 3


def test_a_restart_with_the_same_model_keeps_the_operators_bands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve --model M`` on every start (a service unit) put M's bands back over the bands
    an operator had set since with PUT /v1/thresholds; only a new model's bands replace them."""
    import uvicorn

    from callwarden.cli import serve
    from callwarden.policy import Thresholds

    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: None)
    models = {
        "m1": (Thresholds.for_model(0.98), "model aaaaaaaaaaaa, flag threshold 0.98"),
        "m2": (Thresholds.for_model(0.95), "model bbbbbbbbbbbb, flag threshold 0.95"),
    }
    monkeypatch.setattr(serve, "bands_from_model", lambda p: models[p.name])
    db = str(tmp_path / "s.db")

    def start(model: str) -> str:
        r = CliRunner().invoke(app, ["serve", "--db", db, "--model", str(tmp_path / model)])
        assert r.exit_code == 0, r.output
        return r.output

    start("m1")
    store = Store.open(db)
    tuned = Thresholds(0.9, 0.999, 0.999)
    store.save_thresholds(tuned, "operator key:1: fewer false blocks", "key:1")  # PUT
    out = start("m1")  # a restart, same command line
    saved = store.load_thresholds()
    assert saved is not None and saved.thresholds == tuned, out
    assert "operator key:1" in out and "kept" in out
    start("m2")  # a new model: its bands are on another scale and replace them
    saved = store.load_thresholds()
    assert saved is not None and saved.thresholds == models["m2"][0]
    assert saved.source == models["m2"][1]
    start("m1")  # back to the first model: a change of model again
    saved = store.load_thresholds()
    assert saved is not None and saved.thresholds == models["m1"][0]
    store.close()


def test_serve_reads_start_time_in_the_zone_recorded_with_cdrs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read-through 27 (1): without --roaming, serve ignored the folder's recorded zone, and
    a screened call's start_time without an offset was read in Asia/Shanghai. A folder of
    several zones is a warning and Asia/Shanghai when no roaming list needs the zone."""
    import datetime as dt
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq
    import uvicorn

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: ran.update(app=a))
    folder = tmp_path / "ny"
    folder.mkdir()
    when = pa.array([dt.datetime(2026, 11, 2, 3, 0)], pa.timestamp("us", tz="UTC"))
    pq.write_table(
        pa.table(
            {
                "caller": ["+8617012345678"],
                "callee": ["+8613800138000"],
                "duration_s": [30.0],
                "start_time": when,
            }
        ),  # fmt: skip
        folder / "cdrs.parquet",
    )
    (folder / "dataset.json").write_text(json.dumps({"tz": "America/New_York"}), "utf-8")
    r = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "a.db"), "--cdrs", str(folder)])
    assert r.exit_code == 0, r.output
    assert ran["app"].state.cw.settings.tz == "America/New_York"
    said = f"(start_time, --roaming, --cdrs CSV): America/New_York (recorded in {folder})"
    assert said.replace(f"{folder})", f"{folder / 'dataset.json'})") in r.output
    (folder / "dataset.json").write_text(
        json.dumps({"tz": None, "zones": ["America/New_York", "UTC"]}), "utf-8"
    )
    r = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "b.db"), "--cdrs", str(folder)])
    assert r.exit_code == 0, r.output
    assert ran["app"].state.cw.settings.tz == "Asia/Shanghai"
    assert "ingests read in different zones" in r.output and "pass --tz" in r.output

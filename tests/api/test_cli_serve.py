"""``callwarden apikey`` and ``callwarden serve``'s imports (the server itself runs in test_crash)."""

from __future__ import annotations

from pathlib import Path

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


def test_apikey_rejects_a_bad_role(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["apikey", "--role", "admin", "--db", str(tmp_path / "k.db")])
    assert r.exit_code == 2 and "role must be operator, subscriber or network" in r.output


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

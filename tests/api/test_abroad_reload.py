"""``serve --roaming``: the roaming list is re-read when its file changes (audit 25b H2); a
file that cannot be read whole keeps the list in force and logs one line."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.cli._abroad import abroad_rule
from callwarden.numbers.registry import AllocationRegistry
from callwarden.store import Store

from .conftest import ALICE

SHOWN = "+8613512345678"
LEFT = "+8613512345679"  # leaves for abroad after serve started


def _write(path: Path, text: str, age_s: float = 10.0) -> None:
    path.write_text(text, encoding="utf-8")
    t = time.time() - age_s  # settled: written a while ago
    os.utime(path, (t, t))


def test_serve_rereads_roaming_csv(tmp_path: Path, template, caplog) -> None:  # type: ignore[no-untyped-def]
    ing = tmp_path / "ingresses.csv"
    ing.write_text("ingress,kind\nIGW-1,international\n", encoding="utf-8")
    roam = tmp_path / "roaming.csv"
    _write(roam, f"number,from,until\n{SHOWN},2026-01-01T00:00:00Z,\n", age_s=100)
    registry = AllocationRegistry.from_numbers([SHOWN, LEFT, ALICE])
    setup = abroad_rule(None, ing, roam, registry.scope, tz="Asia/Shanghai")
    shutil.copy(template[0], tmp_path / "api.db")
    store = Store.open(str(tmp_path / "api.db"))
    settings = ApiSettings(db=str(tmp_path / "api.db"), redress_base="https://op.example/r/")
    app = create_app(settings, store, registry, setup.rule, roam, roaming_tz="Asia/Shanghai")
    state = app.state.cw
    reload = state.roaming_reload
    assert reload is not None
    # the test makes every look itself: the reload thread looks each CHECK_S = 5 s from the
    # client's start, and once a loaded machine stretches the body past 5 s a look landing
    # between a _write and the test's check() takes the new version first (check(): False)
    reload.check_s = 3600.0

    def action(caller: str) -> str:
        body = {"caller": caller, "callee": ALICE, "ingress": "IGW-1"}
        r = client.post(
            "/v1/decide", json=body, headers={"Authorization": f"Bearer {template[1]['network']}"}
        )
        assert r.status_code == 200, r.text
        return str(r.json()["action"])

    with TestClient(app) as client:
        assert (action(SHOWN), action(LEFT)) == ("allow", "reject")
        assert not reload.check()  # unchanged: nothing read
        _write(
            roam,
            f"number,from,until\n{SHOWN},2026-01-01T00:00:00Z,\n{LEFT},2026-01-02T00:00:00Z,\n",
        )
        assert reload.check()
        assert (action(SHOWN), action(LEFT)) == ("allow", "allow")
        # half written: a line cut short keeps the list in force, one warning line
        with caplog.at_level(logging.WARNING, logger="callwarden.api.roaming_reload"):
            _write(roam, f"number,from,until\n{SHOWN},2026-01-01T00:00:00Z,\n{LEFT},2026-01-0")
            assert not reload.check()
            assert not reload.check()
        lines = [r for r in caplog.records if r.name == "callwarden.api.roaming_reload"]
        assert len(lines) == 1 and "stays" in lines[0].getMessage()
        assert (action(SHOWN), action(LEFT)) == ("allow", "allow")
        # a file still being written (modified just now) is left to the next look
        _write(roam, f"number,from,until\n{LEFT},2026-01-02T00:00:00Z,\n", age_s=0)
        written = roam.stat().st_mtime
        assert not reload.check(now=written + 0.5)  # within SETTLE_S, whatever the machine's pace
        assert reload.check(now=written + 5)
        assert (action(SHOWN), action(LEFT)) == ("reject", "allow")
    store.close()


@pytest.mark.parametrize(
    ("tz", "local"),
    [("Asia/Shanghai", "2026-11-30T16:00:00"), ("America/New_York", "2026-11-30T03:00:00")],
)
def test_serve_reads_and_rereads_naive_times_in_its_tz(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tz: str, local: str
) -> None:
    """helper-169: roaming.csv's times without an offset are read in ``serve --tz`` (default
    Asia/Shanghai, the zone of its --cdrs CSV times), at start and when the file is re-read;
    they were read as UTC, the windows of a Beijing-time export 8 hours late."""
    import uvicorn
    from typer.testing import CliRunner

    from callwarden.cli.main import app as cli

    at = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC).timestamp()  # ``local`` in ``tz``
    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: ran.update(app=a))
    ing = tmp_path / "ingresses.csv"
    ing.write_text("ingress,kind\nIGW-1,international\n", encoding="utf-8")
    reg = tmp_path / "registry.csv"
    reg.write_text(f"number\n{SHOWN}\n{LEFT}\n{ALICE}\n", encoding="utf-8")
    roam = tmp_path / "roaming.csv"
    # abroad from an hour before ``local`` to an hour after, wall-clock times without an offset
    start, end = (
        (dt.datetime.fromisoformat(local) + dt.timedelta(hours=h)).isoformat() for h in (-1, 1)
    )
    _write(roam, f"number,from,until\n{SHOWN},{start},{end}\n", age_s=100)
    args = ["--registry", str(reg), "--ingresses", str(ing), "--roaming", str(roam)]
    res = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "s.db"), *args, "--tz", tz])
    assert res.exit_code == 0, res.output
    state = ran["app"].state.cw
    assert state.abroad.roaming.at_one(SHOWN, at)
    assert not state.abroad.roaming.at_one(SHOWN, at + 2 * 3600)
    reload = state.roaming_reload
    assert reload is not None and reload.tz == tz
    _write(roam, f"number,from,until\n{SHOWN},{start},{end}\n{LEFT},{start},\n")
    assert reload.check()
    assert [state.abroad.roaming.at_one(n, at) for n in (SHOWN, LEFT)] == [True, True]
    assert not state.abroad.roaming.at_one(LEFT, at - 2 * 3600)

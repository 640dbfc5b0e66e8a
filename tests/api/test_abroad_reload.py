"""``serve --roaming``: the roaming list is re-read when its file changes (audit 25b H2); a
file that cannot be read whole keeps the list in force and logs one line."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

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
    setup = abroad_rule(None, ing, roam, registry.scope)
    shutil.copy(template[0], tmp_path / "api.db")
    store = Store.open(str(tmp_path / "api.db"))
    settings = ApiSettings(db=str(tmp_path / "api.db"), redress_base="https://op.example/r/")
    app = create_app(settings, store, registry, setup.rule, roam)
    state = app.state.cw
    reload = state.roaming_reload
    assert reload is not None

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
        assert not reload.check()
        assert reload.check(now=time.time() + 5)
        assert (action(SHOWN), action(LEFT)) == ("reject", "allow")
    store.close()

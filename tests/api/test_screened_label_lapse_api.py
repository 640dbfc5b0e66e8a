"""serve lapses a screener's label when it falls due (api/label_lapse.py; docs/policy.md,
"Labelled by the screener"), on SQLite and PostgreSQL: the sweep that serve's thread runs
every minute puts the verdict the label replaced back in the worker's cache, so decide stops
labelling (and at strict, rejecting) the caller; `screened_label_days=0` starts no thread,
and a negative life is a ConfigError."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.api.state import AppState
from callwarden.cli import serve as serve_cli
from callwarden.errors import ConfigError
from callwarden.policy import DEFAULT_SCREENED_BAR

from .conftest import ALICE, BOB, Api
from .test_screened_label_api import CAROL, _api, _calls_clock, _decide, _screened
from .test_screenings import BOT, call

DAY = 86400.0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "api.db")
    return str(request.getfixturevalue("pg_database"))


def test_a_due_label_lapses_in_the_workers_cache(url: str) -> None:
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    settings = ApiSettings(db=url, redress_base="https://op.example/v1/redress/")
    assert settings.screened_label_days == DEFAULT_SCREENED_BAR.label_days == 28
    app = create_app(settings, store)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        state: AppState = app.state.cw
        assert state.label_lapse is not None
        _screened(api, ALICE, 0)
        assert _screened(api, BOB, 1)["caller_labelled"] is True
        assert _decide(api, CAROL)["action"] == "label"
        now[0] += 27 * DAY
        assert state.label_lapse.sweep() == []  # not due yet
        assert _decide(api, CAROL)["action"] == "label"
        now[0] += 1 * DAY + 1
        assert state.label_lapse.sweep() == [call(BOT)["caller"]]
        d = _decide(api, CAROL)
        assert (d["action"], [r["code"] for r in d["reasons"]]) == ("allow", ["no_verdict"])
        api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json={"protection": "strict"})
        assert _decide(api, ALICE)["action"] == "allow"  # no 608 at strict either
        audit = api.get(f"/v1/audit?target={call(BOT)['caller']}", "operator").json()
        assert audit[0]["action"] == "screened_label_lapsed"
        assert audit[0]["actor"] == "serve:lapse"
        metrics = api.client.get("/metrics").text
        assert "screened_labels_lapsed 1" in metrics
    store.close()


def test_no_thread_when_labels_never_lapse(url: str) -> None:
    store, _ = _api(url)
    app = create_app(ApiSettings(db=url, screened_label_days=0), store)
    assert app.state.cw.label_lapse is None
    store.close()
    with pytest.raises(ConfigError, match="screened_label_days"):
        ApiSettings(db=url, screened_label_days=-1)


def test_serves_default_is_the_policys() -> None:
    assert DEFAULT_SCREENED_BAR.label_days == serve_cli.SCREENED_LABEL_DAYS


def test_the_thread_lapses_at_start_what_fell_due_while_serve_was_down(url: str) -> None:
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    settings = ApiSettings(db=url, redress_base="https://op.example/v1/redress/")
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        _screened(api, ALICE, 0)
        assert _screened(api, BOB, 1)["caller_labelled"] is True
    now[0] += 30 * DAY  # serve stopped meanwhile
    app = create_app(settings, store)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        lapse = app.state.cw.label_lapse
        deadline = time.monotonic() + 120  # (a bound on a hang, not a timing)
        while lapse.lapsed == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lapse.lapsed == 1
        assert _decide(api, CAROL)["action"] == "allow"
    store.close()

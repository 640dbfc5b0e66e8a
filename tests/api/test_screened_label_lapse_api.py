"""serve lapses a screener's label when it falls due (api/label_lapse.py; docs/policy.md,
"Labelled by the screener"), on SQLite and PostgreSQL: the sweep that serve's thread runs
every minute puts the verdict the label replaced back in the worker's cache, so decide stops
labelling (and at strict, rejecting) the caller; `screened_label_days=0` keeps them, and a
negative life is a ConfigError; a community label whose reports aged out lapses at the
thread's first look."""

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

from ..store.conftest import reported
from .conftest import ALICE, BOB, Api, store_url
from .test_screened_label_api import CAROL, _api, _calls_clock, _decide, _screened
from .test_screenings import BOT, call

DAY = 86400.0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_url(request, tmp_path)


def test_a_due_label_lapses_in_the_workers_cache(url: str) -> None:
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    settings = ApiSettings(db=url, redress_base="https://op.example/v1/redress/")
    assert settings.screened_label_days == DEFAULT_SCREENED_BAR.label_days == 28
    app = create_app(settings, store)
    app.state.cw.label_lapse.check_s = 3600.0  # this test's sweeps only (after the first look)
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


def test_labels_never_lapse_at_zero_days(url: str) -> None:
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    app = create_app(ApiSettings(db=url, screened_label_days=0), store)
    app.state.cw.label_lapse.check_s = 3600.0  # this test's sweeps only (after the first look)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        _screened(api, ALICE, 0)
        assert _screened(api, BOB, 1)["caller_labelled"] is True
        now[0] += 400 * DAY
        assert app.state.cw.label_lapse.sweep() == []
        assert _decide(api, CAROL)["action"] == "label"
    store.close()
    with pytest.raises(ConfigError, match="screened_label_days"):
        ApiSettings(db=url, screened_label_days=-1)


def test_a_community_label_whose_reports_aged_out_lapses_at_start(url: str) -> None:
    """The thread's first look tallies the community labels again: one whose reports are
    all older than 28 days stops labelling the caller (docs/policy.md, "Community labels")."""
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    spam = "+8617000030001"
    reporters = [f"+8613900{i:06d}" for i in range(10)]
    reported(store, spam, now[0] - 60, reporters)
    assert store.get_verdict(spam).source == "reports"  # type: ignore[union-attr]
    now[0] += 29 * DAY
    app = create_app(ApiSettings(db=url), store)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        lapse = app.state.cw.label_lapse
        deadline = time.monotonic() + 120  # (a bound on a hang, not a timing)
        while lapse.community_lapsed == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lapse.community_lapsed == 1
        r = api.post("/v1/decide", "network", json={"caller": spam, "callee": CAROL})
        assert r.json()["action"] == "allow"
        assert "community_labels_lapsed 1" in api.client.get("/metrics").text
    store.close()


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


def test_a_community_label_the_screeners_label_gives_back_is_tallied_at_once(url: str) -> None:
    """The screener labelled over a community label and kept it under its own; 29 days on
    both rest on stale evidence: the sweep gives the community label back and tallies it at
    once, so it does not label the caller for another hour (audit 30a L1)."""
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    caller = call(BOT)["caller"]
    reporters = [f"+8613900{i:06d}" for i in range(10)]
    reported(store, caller, now[0] - 60, reporters)
    app = create_app(ApiSettings(db=url), store)
    app.state.cw.label_lapse.check_s = 3600.0  # this test's sweeps only (after the first look)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        _screened(api, ALICE, 0)
        assert _screened(api, BOB, 1)["caller_labelled"] is True
        assert store.get_verdict(caller).source == "screening"  # type: ignore[union-attr]
        now[0] += 29 * DAY
        lapse = app.state.cw.label_lapse
        assert lapse.sweep() == [caller]
        assert lapse.community_lapsed == 1
        assert store.get_verdict(caller) is None
        assert _decide(api, CAROL)["action"] == "allow"
    store.close()


def test_a_number_lookup_says_when_a_screeners_label_lapses(url: str) -> None:
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    caller = call(BOT)["caller"]
    for days in (28, 0):
        app = create_app(ApiSettings(db=url, screened_label_days=days), store)
        with TestClient(app, raise_server_exceptions=False) as client:
            api = Api(client, store, keys)
            if days:
                _screened(api, ALICE, 0)
                assert _screened(api, BOB, 1)["caller_labelled"] is True
            for who in ("operator", "alice"):
                got = api.get(f"/v1/numbers/{caller}", who).json()["verdict"]
                assert got["source"] == "screening"
                assert got["lapses_at"] == (_calls_clock() + 28 * DAY if days else None)
            assert api.get(f"/v1/numbers/{ALICE}", "operator").json()["verdict"] is None
    store.close()


def test_an_operator_reviews_the_live_labels_oldest_first(url: str) -> None:
    """GET /v1/review/labels: the screener's labels (and with source=reports the
    community's), oldest first, each with its evidence and when it lapses; operators only."""
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    spam = "+8617000030001"
    reporters = [f"+8613900{i:06d}" for i in range(10)]
    reported(store, spam, now[0] - 60, reporters)
    app = create_app(ApiSettings(db=url), store)
    app.state.cw.label_lapse.check_s = 3600.0  # this test's sweeps only (after the first look)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        now[0] += 60
        _screened(api, ALICE, 0)
        assert _screened(api, BOB, 1)["caller_labelled"] is True
        (label,) = api.get("/v1/review/labels", "operator").json()
        assert label["number"] == call(BOT)["caller"]
        assert label["lapses_at"] == label["labelled_at"] + 28 * DAY == now[0] + 28 * DAY
        assert label["verdict"]["source"] == "screening"
        assert label["verdict"]["reasons"][0]["code"] == "screened_bot_callees"
        assert label["verdict"]["reasons"][0]["evidence"]["bot_callees"] == 2
        (community,) = api.get("/v1/review/labels?source=reports", "operator").json()
        assert (community["number"], community["lapses_at"]) == (spam, None)
        assert community["labelled_at"] == now[0] - 60
        assert api.get("/v1/review/labels?source=model", "operator").status_code == 422
        assert api.get("/v1/review/labels?offset=1", "operator").json() == []
        assert api.get("/v1/review/labels", "alice").status_code == 403
    store.close()

"""GET /v1/review/labels and a label's lapses_at on GET /v1/numbers/{n}, on SQLite and
PostgreSQL, with the store's clock moving between the labels and the lookups: lapses_at
counts from when a label was given, not from the lookup; three labels given at different
times come oldest first, by limit and by the cursor (``after``); the nested
verdict.lapses_at is the entry's (audit 31a L2); a community label's lapses_at is null,
and one that a lapsed screener's label gave back says when the community gave it, not when
it came back (audit 31a L1). The operator-only and bad-query answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app

from ..store.conftest import reported
from .conftest import ALICE, BOB, Api, store_url
from .test_screened_label_api import _api, _calls_clock
from .test_screenings import BOT, call, screen_row

DAY = 86400.0
HOUR = 3600.0
CALLERS = ["+8617000050001", "+8617000050002", "+8617000050003"]
SPAM = "+8617000030001"
REPORTERS = [f"+8613900{i:06d}" for i in range(10)]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_url(request, tmp_path)


def _label(api: Api, caller: str) -> None:
    """The screener judges ``caller``'s robocall a bot at two callees: a live label."""
    for n, callee in enumerate((ALICE, BOB)):
        c = call(BOT, caller=caller, callee=callee, call_id=f"review-{caller}-{n}")
        screen_row(api, c)
        r = api.post("/v1/screenings", "screener", json=c)
        assert r.status_code == 201, r.text
    assert r.json()["caller_labelled"] is True


def _review(api: Api, query: str = "") -> list[dict[str, Any]]:
    r = api.get(f"/v1/review/labels{query}", "operator")
    assert r.status_code == 200, r.text
    return list(r.json())


def test_three_labels_oldest_first_each_lapsing_from_when_it_was_given(url: str) -> None:
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    t0 = now[0]
    reported(store, SPAM, t0 - 60, REPORTERS)  # a community label at t0
    app = create_app(ApiSettings(db=url), store)
    app.state.cw.label_lapse.check_s = 3600.0  # this test's sweeps only (after the first look)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        given = {}
        for caller, later in zip(CALLERS, (2 * HOUR, HOUR, HOUR), strict=True):
            now[0] += later
            _label(api, caller)
            given[caller] = now[0]
        now[0] += 5 * DAY  # the lookups come days later: lapses_at does not move with them
        page = _review(api)
        assert [x["number"] for x in page] == CALLERS
        for x in page:
            assert x["labelled_at"] == x["live_since"] == given[x["number"]]
            assert x["lapses_at"] == x["verdict"]["lapses_at"] == given[x["number"]] + 28 * DAY
            assert x["verdict"]["source"] == "screening"
            got = api.get(f"/v1/numbers/{x['number']}", "alice").json()["verdict"]
            assert got["lapses_at"] == given[x["number"]] + 28 * DAY
        community = api.get(f"/v1/numbers/{SPAM}", "operator").json()["verdict"]
        assert (community["source"], community["lapses_at"]) == ("reports", None)
        (c,) = _review(api, "?source=reports")
        assert (c["number"], c["labelled_at"], c["lapses_at"]) == (SPAM, t0, None)
        assert c["verdict"]["lapses_at"] is None
        # limit, offset and the cursor
        first = _review(api, "?limit=2")
        assert [x["number"] for x in first] == CALLERS[:2]
        assert _review(api, f"?limit=2&after={first[-1]['cursor']}") == page[2:]
        assert _review(api, "?limit=1&offset=1") == page[1:2]
        assert _review(api, f"?after={page[0]['cursor']}&offset=1") == page[2:]
        assert _review(api, f"?after={page[-1]['cursor']}") == []
    store.close()


def test_a_community_label_given_back_says_when_it_was_given(url: str) -> None:
    """Labelled by the community at t0, by the screener over it a day later; the screener's
    label lapses 7 days after it was given and the community label comes back, its reports
    still meeting the bar: it was given at t0, it has stood again since the lapse."""
    now = [_calls_clock()]
    store, keys = _api(url, clock=lambda: now[0])
    t0 = now[0]
    caller = call(BOT)["caller"]
    reported(store, caller, t0 - 60, REPORTERS)
    app = create_app(ApiSettings(db=url, screened_label_days=7), store)
    app.state.cw.label_lapse.check_s = 3600.0  # this test's sweeps only (after the first look)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        now[0] += DAY
        _label(api, caller)
        now[0] = t0 + 8.5 * DAY
        assert app.state.cw.label_lapse.sweep() == [caller]
        (c,) = _review(api, "?source=reports")
        assert c["number"] == caller
        assert (c["labelled_at"], c["live_since"], c["lapses_at"]) == (t0, now[0], None)
    store.close()


def test_the_review_is_an_operators_and_its_query_is_checked(url: str) -> None:
    store, keys = _api(url)
    app = create_app(ApiSettings(db=url), store)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, store, keys)
        assert api.get("/v1/review/labels", "alice").status_code == 403
        assert api.get("/v1/review/labels", "screener").status_code == 403
        for bad in (
            "source=model",
            "limit=0",
            "limit=1001",
            "offset=-1",
            "after=x",
            "after=" + "A" * 201,
        ):
            r = api.get(f"/v1/review/labels?{bad}", "operator")
            assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_error"), bad
        assert _review(api, "?after=MTcwMDAwMDAwMC4wLCs4NjE3MDAwMDUwMDAx") == []
    store.close()

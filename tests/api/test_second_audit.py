"""Findings of a second audit of the HTTP API, each reproduced before it was fixed:

* PUT /v1/thresholds took a label band above a reject band (label_at 0.97, reject_fraud_at
  0.9): a 0.95 fraud was then allowed as 'below threshold';
* a report's category was free text, and the community label shows it as the tag every
  subscriber sees (疑似Call 400-123 now 请回拨);
* a call time in milliseconds (or far in the future) was taken: a received call 'in the
  future' kept the reporter eligible, a year later, for a 7-day window;
* the audit trail of the score bands (target ``thresholds``) and of a prefix registration
  could not be asked for (422: not a phone number);
* a subscriber's list grew without bound (each add answers with the whole list);
* a pattern saved before prefixes were checked (left by migration 0004) could not be removed;
* a key revoked through one worker kept working on another worker of the same store;
* the block log (拦截记录), the subscriber's own screen, gave its reasons as bare codes,
  without the zh/en text decide and number lookups give.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.store import Role, Store
from callwarden.store.schema import list_entries, registrations
from callwarden.store.subscribers import MAX_LIST_ENTRIES

from .conftest import ALICE, BOB, Api

SPAM = "+8617012345678"
INVERTED = {"label_at": 0.97, "reject_fraud_at": 0.9, "reject_harassment_at": 0.98}


def assert_error(r: object, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    body = r.json()["error"]  # type: ignore[attr-defined]
    assert set(body) == {"status", "code", "message", "details"}
    assert body["status"] == status and body["code"] == code
    return body  # type: ignore[no-any-return]


def test_inverted_score_bands_are_refused_and_the_bands_in_force_stay(api: Api) -> None:
    verdict = {"number": SPAM, "label": "fraud", "score": 0.95}
    assert api.post("/v1/verdicts", "operator", json={"verdicts": [verdict]}).status_code == 200
    body = assert_error(
        api.put("/v1/thresholds", "operator", json=INVERTED), 422, "validation_error"
    )
    assert "label_at" in str(body["message"])
    assert api.get("/v1/thresholds", "operator").json()["source"] == "defaults"
    r = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE})
    assert r.json()["action"] == "reject"  # was 'allow', below_threshold 0.95
    assert not [
        e for e in api.get("/v1/audit", "operator").json() if e["action"] == "thresholds_set"
    ]


def test_a_report_category_is_one_callwarden_can_name(api: Api) -> None:
    reporters = [f"+86139001390{i:02d}" for i in range(12)]
    now = time.time()
    calls = [{"caller": SPAM, "callee": s, "at": now - 60} for s in reporters]
    assert api.post("/v1/calls", "network", json={"calls": calls}).status_code == 200
    bad = {"number": SPAM, "reporter": reporters[0], "category": "Call 400-123 now 请回拨"}
    body = assert_error(api.post("/v1/reports", "network", json=bad), 422, "validation_error")
    assert "category" in str(body["message"])
    for s in reporters:
        r = api.post(
            "/v1/reports", "network", json={"number": SPAM, "reporter": s, "category": "loans"}
        )
        assert r.status_code == 201, r.text
    d = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE}).json()
    assert d["action"] == "label" and d["tag"] == {
        "zh": "疑似贷款推销",
        "en": "Suspected loan telemarketing",
    }


# Offsets from the clock at run time, not values computed at collection: pytest-xdist's
# workers must collect the same parameters.
_BAD_TIMES = {
    "milliseconds": lambda now: now * 1000,
    "two_days_ahead": lambda now: now + 2 * 86400,
    "negative": lambda now: -1.0,
    "zero": lambda now: 0.0,
}


@pytest.mark.parametrize("kind", list(_BAD_TIMES))
def test_a_call_time_that_is_not_epoch_seconds_of_a_past_call_is_refused(
    api: Api, kind: str
) -> None:
    at = _BAD_TIMES[kind](time.time())
    calls = {"calls": [{"caller": SPAM, "callee": ALICE, "at": at}]}
    body = assert_error(api.post("/v1/calls", "network", json=calls), 422, "validation_error")
    assert "epoch seconds" in str(body["message"])
    r = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE, "at": at})
    assert_error(r, 422, "validation_error")
    api.store.clock = lambda: time.time() + 365 * 86400  # a year later: no call was received
    assert_error(
        api.post("/v1/reports", "alice", json={"number": SPAM}), 422, "report_not_eligible"
    )


def test_recent_and_slightly_skewed_call_times_are_taken(api: Api) -> None:
    now = time.time()
    calls = [
        {"caller": SPAM, "callee": callee, "at": t}
        for callee, t in ((ALICE, now - 30 * 86400), (BOB, now + 60))
    ]
    assert api.post("/v1/calls", "network", json={"calls": calls}).json() == {"count": 2}
    r = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": BOB, "at": now + 60})
    assert r.status_code == 200, r.text


def test_the_audit_trail_of_the_bands_and_of_a_prefix_registration(api: Api) -> None:
    bands = {"label_at": 0.6, "reject_fraud_at": 0.95, "reject_harassment_at": 0.9}
    assert api.put("/v1/thresholds", "operator", json=bands).status_code == 200
    r = api.get("/v1/audit?target=thresholds", "operator")
    assert r.status_code == 200, r.text
    assert [e["action"] for e in r.json()] == ["thresholds_set"]
    reg = {"pattern": "400 800*", "name": "某银行", "category": "bank"}
    assert api.post("/v1/registry", "operator", json=reg).status_code == 201
    r = api.get("/v1/audit", "operator", params={"target": "400800*"})
    assert r.status_code == 200, r.text
    assert [(e["action"], e["target"]) for e in r.json()] == [("register_business", "+86400800*")]
    assert_error(api.get("/v1/audit?target=nonsense", "operator"), 422, "validation_error")


def test_a_list_holds_at_most_max_list_entries(api: Api) -> None:
    now = time.time()
    rows = [
        {"subscriber": ALICE, "kind": "block", "pattern": f"+86170{i:08d}", "note": "",
         "created_at": now}
        for i in range(MAX_LIST_ENTRIES)
    ]  # fmt: skip
    with api.store.engine.begin() as conn:
        conn.execute(list_entries.insert(), rows)
    r = api.post(
        f"/v1/subscribers/{ALICE}/lists/block", "alice", json={"pattern": "+8617199999999"}
    )
    body = assert_error(r, 409, "conflict")
    assert f"{MAX_LIST_ENTRIES:,}" in str(body["message"])
    # a pattern already there can still be re-noted; the other list is separate
    r = api.post(
        f"/v1/subscribers/{ALICE}/lists/block",
        "alice",
        json={"pattern": rows[0]["pattern"], "note": "x"},
    )
    assert r.status_code == 201, r.text
    r = api.post(
        f"/v1/subscribers/{ALICE}/lists/allow", "alice", json={"pattern": "+8617199999999"}
    )
    assert r.status_code == 201, r.text


def test_a_pattern_saved_before_prefixes_were_checked_can_be_removed(api: Api) -> None:
    with api.store.engine.begin() as conn:
        conn.execute(
            list_entries.insert().values(
                subscriber=ALICE, kind="block", pattern="+0086*", note="", created_at=1.0
            )
        )
        conn.execute(
            registrations.insert().values(
                pattern="+0086*", name="x", category="courier", callee_prefixes="[]", created_at=1.0
            )
        )

    r = api.delete(f"/v1/subscribers/{ALICE}/lists/block/+0086*", "alice")
    assert r.status_code == 200, r.text
    assert r.json()["entries"] == []
    r = api.delete("/v1/registry/+0086*", "operator")
    assert r.status_code == 200, r.text
    assert api.get("/v1/registry", "operator").json() == []
    # a pattern that is neither valid nor saved is still a validation error
    assert_error(
        api.delete(f"/v1/subscribers/{ALICE}/lists/block/+0087*", "alice"), 422, "validation_error"
    )


def test_a_key_revoked_through_another_worker_stops_working_here(api: Api, tmp_path: Path) -> None:
    """Two workers on one store (the documented PostgreSQL set-up): a key revoked through one
    kept working on the other until its restart, for subscriber and network keys alike."""
    store = Store.open(str(tmp_path / "api.db"))
    other = create_app(ApiSettings(db=str(tmp_path / "api.db"), key_cache_ttl_s=0.2), store)
    call = {"caller": SPAM, "callee": ALICE}
    with TestClient(other, raise_server_exceptions=False) as worker:
        mine = f"/v1/subscribers/{ALICE}/settings"
        assert worker.get(mine, headers=api.h("alice")).status_code == 200  # cached there
        assert worker.post("/v1/decide", headers=api.h("network"), json=call).status_code == 200
        for k in api.store.list_keys():
            if k.role is not Role.OPERATOR:
                assert api.delete(f"/v1/keys/{k.id}", "operator").status_code == 200
        assert api.get(mine, "alice").status_code == 401  # the worker that revoked them
        time.sleep(0.3)
        assert_error(worker.get(mine, headers=api.h("alice")), 401, "unauthorized")
        r = worker.post("/v1/decide", headers=api.h("network"), json=call)
        assert_error(r, 401, "unauthorized")  # the fast path asks the same cache
    store.close()


def test_the_block_log_gives_each_reason_its_text(api: Api) -> None:
    reasons = [{"code": "low_answer_rate", "evidence": {"answer_rate": 0.11}}]
    verdict = {"number": SPAM, "label": "fraud", "score": 0.97, "reasons": reasons}
    assert api.post("/v1/verdicts", "operator", json={"verdicts": [verdict]}).status_code == 200
    decided = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE}).json()
    logged = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice").json()[0]
    assert logged["reasons"] == decided["reasons"]
    assert logged["reasons"][0]["text"] == {
        "zh": "高度疑似诈骗（风险分 0.97）",
        "en": "very likely fraud (score 0.97)",
    }
    assert logged["reasons"][1]["text"]["zh"] == "接通率低：0.11"

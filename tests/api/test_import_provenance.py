"""Verdict imports: provenance stored and shown, the cache updated from what the import
wrote (no full reload), and what an accepted appeal leaves in the audit log and the
campaigns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callwarden.api.state import AppState
from callwarden.store.io import read_verdicts_csv

from .conftest import Api

SPAM = "+8617012345600"
MATE = "+8617012345601"


def _state(api: Api) -> AppState:
    state: AppState = api.client.app.state.cw  # type: ignore[attr-defined]
    return state


def test_an_import_names_its_model_day_and_file(api: Api) -> None:
    body = {
        "verdicts": [{"number": SPAM, "label": "fraud", "score": 0.97}],
        "model_version": "6969f3fe3168",
        "scan_day": "2026-11-02",
        "source_file": "scan/verdicts.csv",
    }
    assert api.post("/v1/verdicts", "operator", json=body).status_code == 200
    prov = api.get(f"/v1/numbers/{SPAM}", "operator").json()["verdict"]["provenance"]
    assert prov["model_version"] == "6969f3fe3168" and prov["scan_day"] == "2026-11-02"
    assert prov["source_file"] == "scan/verdicts.csv" and prov["actor"]
    entry = api.get("/v1/audit?target=verdicts", "operator").json()[0]
    assert entry["action"] == "import_verdicts"
    assert entry["detail"]["model_version"] == "6969f3fe3168"
    assert entry["detail"]["scan_day"] == "2026-11-02"
    assert entry["detail"]["import_id"] == prov["import_id"]


def test_a_scan_folder_gives_its_provenance(tmp_path: Path, api: Api) -> None:
    (tmp_path / "verdicts.csv").write_text(
        f"number,label,score,category,reasons,campaign\n{SPAM},fraud,0.97,loans,[],\n"
    )
    (tmp_path / "scan-summary.json").write_text(
        json.dumps({"day": "2026-11-02", "model_version": "abc123"})
    )
    rows = read_verdicts_csv(tmp_path / "verdicts.csv")
    api.store.import_verdicts(rows, actor="cli:serve")
    prov = api.store.verdict_provenance(SPAM)
    assert prov is not None
    assert (prov["model_version"], prov["scan_day"]) == ("abc123", "2026-11-02")
    assert prov["source_file"].endswith("verdicts.csv")


def test_a_small_import_updates_the_cache_without_reloading_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = _state(api)

    def no_reload() -> Any:
        raise AssertionError("the whole verdict cache was reloaded")

    monkeypatch.setattr(state.store, "verdict_rows", no_reload)
    rows = [{"number": SPAM, "label": "fraud", "score": 0.97, "campaign": "c1"}]
    assert api.post("/v1/verdicts", "operator", json={"verdicts": rows}).status_code == 200
    assert state.verdicts[SPAM].score == 0.97 and state.verdicts[SPAM].campaign == "c1"
    r = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": "+8613800138000"})
    assert r.json()["action"] == "reject"


def test_an_accepted_appeal_keeps_the_reasons_and_refreshes_the_campaign(api: Api) -> None:
    rows = [
        {
            "number": n,
            "label": "fraud",
            "score": 0.97,
            "campaign": "c1",
            "reasons": [{"code": "LOW_ANSWER_RATE", "evidence": {"answer_rate": 0.1}}],
        }
        for n in (SPAM, MATE)
    ]
    assert api.post("/v1/verdicts", "operator", json={"verdicts": rows}).status_code == 200
    assert api.get("/v1/campaigns/c1", "operator").json()["numbers"] == 2
    prov = api.get(f"/v1/numbers/{SPAM}", "operator").json()["verdict"]["provenance"]
    aid = api.post("/v1/appeals", "operator", json={"number": SPAM, "owner": "shop"}).json()["id"]
    r = api.post(f"/v1/review/appeals/{aid}", "operator", json={"decision": "accept"})
    assert r.status_code == 200
    trail = api.get(f"/v1/audit?target={SPAM}", "operator").json()
    before = next(a for a in trail if a["action"] == "appeal_accepted")["detail"]["verdict_before"]
    assert before["reasons"] == [{"code": "LOW_ANSWER_RATE", "evidence": {"answer_rate": 0.1}}]
    # the import that wrote the verdict overturned (session 31: the entry lacked it)
    assert before["import_id"] == prov["import_id"] and before["campaign"] == "c1"
    camp = api.get("/v1/campaigns/c1", "operator").json()
    assert camp["numbers"] == 1 == len(camp["members"])
    assert [m["number"] for m in camp["members"]] == [MATE]


def test_the_block_log_keeps_the_tag_the_subscriber_was_shown(api: Api) -> None:
    rows = [{"number": SPAM, "label": "fraud", "score": 0.99, "category": "impersonation"}]
    assert api.post("/v1/verdicts", "operator", json={"verdicts": rows}).status_code == 200
    sub = "+8613800138000"
    shown = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": sub}).json()
    assert shown["action"] == "reject" and shown["tag"] is not None
    aid = api.post("/v1/appeals", "operator", json={"number": SPAM, "owner": "shop"}).json()["id"]
    api.post(f"/v1/review/appeals/{aid}", "operator", json={"decision": "accept"})
    logged = api.get(f"/v1/subscribers/{sub}/blocked", "alice").json()
    assert logged[0]["tag"] == shown["tag"]  # as shown, not recomputed from the new verdict

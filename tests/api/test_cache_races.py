"""Caches updated while they are being reloaded keep the update. The interleavings are
injected with events around the store reads (no sleeps): a verdict set during a verdict
reload, a policy invalidated while it is being loaded."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from callwarden.api.state import AppState
from callwarden.policy import Protection

from .conftest import ALICE, Api

SPAM = "+8617012345600"
OTHER = "+8617000000009"


def _state(api: Api) -> AppState:
    state: AppState = api.client.app.state.cw  # type: ignore[attr-defined]
    return state


def _labelled_and_appealed(api: Api) -> int:
    verdict = {"number": SPAM, "label": "fraud", "score": 0.95, "category": "impersonation"}
    assert api.post("/v1/verdicts", "operator", json={"verdicts": [verdict]}).status_code == 200
    r = api.post("/v1/appeals", "operator", json={"number": SPAM, "owner": "shop"})
    assert r.status_code == 201
    return int(r.json()["id"])


def test_an_appeal_accepted_during_a_verdict_import_stays_in_the_cache(
    api: Api, monkeypatch: Any
) -> None:
    """The import writes SPAM's model verdict, then the appeal is accepted (store and cache
    cleared), then the import updates the cache: SPAM keeps the appeal's verdict (the import
    applies only what it wrote and nothing else set since; it no longer reloads the cache)."""
    appeal = _labelled_and_appealed(api)
    state = _state(api)
    write = state.store.import_verdicts_result
    written = threading.Event()
    accepted = threading.Event()

    def write_then_wait(*a: Any, **k: Any) -> Any:
        result = write(*a, **k)  # SPAM's model verdict is in the store, not yet in the cache
        written.set()
        assert accepted.wait(timeout=30)
        return result

    monkeypatch.setattr(state.store, "import_verdicts_result", write_then_wait)
    results: dict[str, int] = {}

    def other_import() -> None:
        rows = [
            {"number": OTHER, "label": "fraud", "score": 0.9},
            {"number": SPAM, "label": "fraud", "score": 0.97, "category": "impersonation"},
        ]
        r = api.post("/v1/verdicts", "operator", json={"verdicts": rows})
        results["import"] = r.status_code

    importer = threading.Thread(target=other_import)
    importer.start()
    assert written.wait(timeout=30)
    monkeypatch.setattr(state.store, "import_verdicts_result", write)
    r = api.post(f"/v1/review/appeals/{appeal}", "operator", json={"decision": "accept"})
    assert r.json()["status"] == "accepted"
    accepted.set()
    importer.join(timeout=30)
    assert results == {"import": 200}

    stored = state.store.get_verdict(SPAM)
    assert stored is not None and stored.protected
    cached = state.verdicts[SPAM]
    assert cached.protected and cached.label == "benign" and cached.source == "appeal"
    assert state.verdicts[OTHER].score == 0.9  # the import itself took effect
    r = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE})
    assert r.json()["action"] == "allow"


def test_a_verdict_set_during_a_failed_reload_is_kept(api: Api, monkeypatch: Any) -> None:
    state = _state(api)
    appeal = _labelled_and_appealed(api)

    def fail() -> Any:
        cleared = state.store.review_appeal(appeal, True, "op", "")
        assert cleared is not None
        state.set_verdict(cleared)
        raise RuntimeError("store down")

    monkeypatch.setattr(state.store, "verdict_rows", fail)
    with pytest.raises(RuntimeError):
        state.reload_verdicts()
    assert state.verdicts[SPAM].protected
    monkeypatch.undo()
    state.reload_verdicts()  # and the next reload works (no journal left behind)
    assert state.verdicts[SPAM].protected


def test_a_policy_invalidated_while_it_loads_is_not_cached_stale(
    api: Api, monkeypatch: Any
) -> None:
    state = _state(api)
    r = api.put(
        f"/v1/subscribers/{ALICE}/settings",
        "alice",
        json={"protection": "standard", "refused_categories": ["loans"]},
    )
    assert r.status_code == 200
    state.policies.invalidate(ALICE)  # drop what the PUT left, so the next get loads
    cache = state.policies
    read = cache._loader

    def load_then_change(subscriber: str) -> Any:
        policy = read(subscriber)  # the old settings
        state.store.put_settings(subscriber, Protection.STRICT, ["insurance"], "test")
        cache.invalidate(subscriber)  # what PUT .../settings does after its write
        return policy

    monkeypatch.setattr(cache, "_loader", load_then_change)
    first = cache.get(ALICE)
    assert first is not None and first.refused_categories == {"loans"}
    monkeypatch.setattr(cache, "_loader", read)
    now = cache.get(ALICE)
    assert now is not None and now.refused_categories == {"insurance"}
    assert now.protection is Protection.STRICT

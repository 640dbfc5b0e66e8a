"""The score bands decide applies: read, set by an operator, kept across a restart, and in
force for the next call."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.store import Store

from .conftest import ALICE, Api

SPAM = "+8617012345678"
BANDS = {"label_at": 0.3, "reject_fraud_at": 0.95, "reject_harassment_at": 0.9}


def _decide(api: Api) -> dict[str, object]:
    r = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_bands_set_by_an_operator_take_effect_and_survive_a_restart(
    api: Api, tmp_path: Path
) -> None:
    got = api.get("/v1/thresholds", "network").json()
    assert got == {"label_at": 0.5, "reject_fraud_at": 0.9, "reject_harassment_at": 0.8,
                   "source": "defaults"}  # fmt: skip
    verdict = {"number": SPAM, "label": "harassment", "score": 0.4}
    assert api.post("/v1/verdicts", "operator", json={"verdicts": [verdict]}).status_code == 200
    first = _decide(api)
    assert first["action"] == "allow"
    assert first["reasons"][0]["code"] == "below_threshold"  # type: ignore[index]

    r = api.put("/v1/thresholds", "operator", json={**BANDS, "note": "new model"})
    assert r.status_code == 200, r.text
    assert r.json()["source"].endswith(": new model")
    assert _decide(api)["action"] == "label"  # the next call, no restart
    trail = api.get("/v1/audit", "operator").json()
    assert any(e["action"] == "thresholds_set" and e["detail"]["label_at"] == 0.3 for e in trail)

    # A second app on the same store (a restarted server) decides with the saved bands.
    store = Store.open(str(tmp_path / "api.db"))
    app = create_app(ApiSettings(db=str(tmp_path / "api.db")), store)
    with TestClient(app) as client:
        again = client.get("/v1/thresholds", headers=api.h("operator")).json()
        assert {k: again[k] for k in BANDS} == BANDS
        assert again["source"].startswith("operator ")
    store.close()


def test_only_an_operator_sets_bands_and_a_subscriber_cannot_read_them(api: Api) -> None:
    assert api.put("/v1/thresholds", "network", json=BANDS).status_code == 403
    assert api.put("/v1/thresholds", "alice", json=BANDS).status_code == 403
    assert api.get("/v1/thresholds", "alice").status_code == 403
    assert api.get("/v1/thresholds", "network").json()["source"] == "defaults"


def test_bands_outside_0_to_1_get_the_error_shape_and_change_nothing(api: Api) -> None:
    for bad in ({**BANDS, "label_at": 1.5}, {**BANDS, "reject_fraud_at": -0.1}, {"label_at": 0.3}):
        r = api.put("/v1/thresholds", "operator", json=bad)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    assert api.get("/v1/thresholds", "operator").json()["source"] == "defaults"
    assert api.store.load_thresholds() is None


def test_explicit_settings_win_over_saved_bands(api: Api, tmp_path: Path) -> None:
    from callwarden.policy import Thresholds

    api.put("/v1/thresholds", "operator", json=BANDS)
    store = Store.open(str(tmp_path / "api.db"))
    fixed = Thresholds(0.7, 0.99, 0.95)
    app = create_app(ApiSettings(db=str(tmp_path / "api.db"), thresholds=fixed), store)
    with TestClient(app) as client:
        got = client.get("/v1/thresholds", headers=api.h("operator")).json()
    assert got["label_at"] == 0.7 and got["source"] == "settings"
    store.close()

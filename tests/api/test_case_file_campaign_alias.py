"""GET /v1/case-files/campaigns/{id} for the id the store lists: an import that continued a
campaign across days keeps the stored id, while the served scan names it by its own day's id
(an alias); until 30 Nov the stored id answered 404."""

from __future__ import annotations

from pathlib import Path

from callwarden.api.routes.cases import attach
from callwarden.policy import Verdict
from callwarden.store.io import read_verdicts_csv
from callwarden.store.verdict_import import Provenance
from tests.api.conftest import Api
from tests.evidence import world
from tests.evidence.world import ROBO1, ROBO2


def test_the_stored_id_and_another_days_campaign_answer(api: Api, tmp_path: Path) -> None:
    day1 = [Verdict(n, "harassment", 0.99, "loans", (), "Cold") for n in (ROBO1, ROBO2)]
    api.store.import_verdicts_result(day1, provenance=Provenance("d01", "m", "2026-11-01"))
    other = [Verdict("+8613700000001", "harassment", 0.9, "", (), "Cgone"),
             Verdict("+8613700000002", "harassment", 0.9, "", (), "Cgone")]  # fmt: skip
    api.store.import_verdicts_result(other, provenance=Provenance("d01", "m", "2026-11-01"))
    scan = world.scan_dir(tmp_path / "d02")  # campaign C1: ROBO1 and ROBO2
    result = api.store.import_verdicts_result(read_verdicts_csv(scan / "verdicts.csv"))
    assert result.continued == {"C1": "Cold"}
    listed = {c["campaign"] for c in api.get("/v1/campaigns", "operator").json()}
    assert "Cold" in listed and "C1" not in listed
    attach(api.client.app, scan, world.cdrs(tmp_path))

    r = api.get("/v1/case-files/campaigns/Cold", "operator")
    assert r.status_code == 200, r.text
    case = r.json()
    members = {m["number"] for m in case["members"]["items"]}
    assert case["campaign"]["id"] == "C1" and members == {ROBO1, ROBO2}
    assert any("'Cold' is 'C1'" in n for n in case["notes"])
    assert api.get("/v1/case-files/campaigns/C1", "operator").status_code == 200

    r = api.get("/v1/case-files/campaigns/Cgone", "operator")  # not in this day's scan
    assert r.status_code == 200, r.text
    assert any("not in" in n and "store's members" in n for n in r.json()["notes"])
    assert api.get("/v1/case-files/campaigns/Cnope", "operator").status_code == 404

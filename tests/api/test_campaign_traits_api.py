"""POST /v1/verdicts with the campaigns' traits (campaigns.csv's ingresses and asserted
identities): an operation that renewed most of its numbers keeps its stored campaign id."""

from __future__ import annotations

from .conftest import Api

TRUNKS = ["SIPT-V5-1", "SIPT-V5-2"]
PILOT = "+864002105502"


def _body(day: str, campaign: str, first: int, last: int, asserted: list[str]) -> dict:  # type: ignore[type-arg]
    return {
        "verdicts": [
            {
                "number": f"+86139120{i:05d}",
                "label": "harassment",
                "score": 0.95,
                "campaign": campaign,
            }
            for i in range(first, last)
        ],
        "scan_day": day,
        "campaigns": [{"campaign": campaign, "ingresses": TRUNKS, "asserted": asserted}],
    }


def test_a_renewing_campaign_keeps_its_id_through_the_api(api: Api) -> None:
    assert (
        api.post(
            "/v1/verdicts", "operator", json=_body("2026-11-02", "Caaa", 0, 10, [PILOT])
        ).status_code
        == 200
    )
    # 3 of 10 numbers shared (under the member rule's half): the trunks and the pilot decide
    r = api.post("/v1/verdicts", "operator", json=_body("2026-11-03", "Cbbb", 7, 17, [PILOT]))
    assert r.status_code == 200
    got = api.get("/v1/campaigns/Cbbb", "operator").json()
    assert (got["campaign"], got["numbers"]) == ("Caaa", 17)
    # without the traits the same import keeps its own id
    r = api.post(
        "/v1/verdicts",
        "operator",
        json={**_body("2026-11-04", "Cccc", 15, 25, [PILOT]), "campaigns": []},
    )
    assert api.get("/v1/campaigns/Cccc", "operator").json()["campaign"] == "Cccc"


def test_a_trait_holding_a_separator_is_refused(api: Api) -> None:
    r = api.post("/v1/verdicts", "operator", json=_body("2026-11-02", "Caaa", 0, 2, ["+86;+87"]))
    assert r.status_code == 422 and "';'" in r.text
    r = api.post("/v1/verdicts", "operator", json=_body("2026-11-02", "Caaa", 0, 2, ["+86"]))
    assert r.status_code == 200

"""POST /v1/verdicts with the campaigns' traits (campaigns.csv's ingresses and asserted
identities): an operation that renewed most of its numbers keeps its stored campaign id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

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


# Audit of 31c9489 (session 19): the API's bounds, the same for campaigns.csv (store tests),
# continuity in time, and serve's line and warnings. Each failed on 31c9489.


@pytest.mark.parametrize(
    ("ingresses", "asserted", "says"),
    [
        (["=cmd|' /C calc'!A0"], [PILOT], "formula"),
        (["@SUM(1+1)"], [PILOT], "formula"),
        (TRUNKS, ["+86 400 (21) 05502"], "formula"),
        (TRUNKS, ['=HYPERLINK("http://x")'], "formula"),
    ],
)
def test_formula_looking_traits_are_refused(
    api: Api, ingresses: list[str], asserted: list[str], says: str
) -> None:
    body = _body("2026-11-02", "Caaa", 0, 2, asserted)
    body["campaigns"][0]["ingresses"] = ingresses
    r = api.post("/v1/verdicts", "operator", json=body)
    assert r.status_code == 422 and says in r.text


def test_a_campaign_given_twice_is_refused(api: Api) -> None:
    body = _body("2026-11-02", "Caaa", 0, 2, [PILOT])
    body["campaigns"] = body["campaigns"] * 2
    r = api.post("/v1/verdicts", "operator", json=body)
    assert r.status_code == 422 and "more than once" in r.text


def test_traits_two_days_old_continue_nothing_through_the_api(api: Api) -> None:
    assert api.post("/v1/verdicts", "operator", json=_body("2026-11-02", "Caaa", 0, 10, [PILOT]))
    api.post("/v1/verdicts", "operator", json=_body("2026-11-04", "Cbbb", 7, 17, [PILOT]))
    assert api.get("/v1/campaigns/Cbbb", "operator").json()["campaign"] == "Cbbb"


def test_serve_counts_the_traits_read_and_warns_of_an_unreadable_campaigns_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: None)
    d = tmp_path / "scan"
    d.mkdir()
    (d / "scan-summary.json").write_text(json.dumps({"day": "2026-11-02", "model_version": "m"}))
    (d / "verdicts.csv").write_text(
        "number,label,score,category,reasons,campaign\n+8613912000001,harassment,0.9,loans,[],Caaa\n"
    )
    campaigns = d / "campaigns.csv"
    campaigns.write_text(f"campaign_id,ingresses,asserted\nCaaa,{';'.join(TRUNKS)},{PILOT}\n")
    runner = CliRunner()
    db = str(tmp_path / "s.db")
    r = runner.invoke(app, ["serve", "--db", db, "--verdicts", str(d / "verdicts.csv")])
    assert r.exit_code == 0 and "traits of 1 campaign read" in r.output
    campaigns.write_bytes("campaign_id,ingresses\nCaaa,中继\n".encode("gbk"))
    r = runner.invoke(app, ["serve", "--db", db, "--verdicts", str(d / "verdicts.csv")])
    assert r.exit_code == 0 and "traits of 0 campaigns read" in r.output
    assert "warning:" in r.output and "no campaign traits read" in r.output


@pytest.mark.parametrize("day", ["", "2026-11-32", "yesterday"])
def test_traits_without_a_valid_scan_day_are_said_unused(api: Api, day: str) -> None:
    r = api.post("/v1/verdicts", "operator", json=_body(day, "Caaa", 0, 3, [PILOT]))
    assert r.status_code == 200 and r.json()["traits_unused"] == "no scan day"
    r = api.post(
        "/v1/verdicts", "operator", json={**_body(day, "Cbbb", 3, 6, [PILOT]), "campaigns": []}
    )
    assert r.status_code == 200 and r.json()["traits_unused"] is None
    r = api.post("/v1/verdicts", "operator", json=_body("2026-11-02", "Cccc", 6, 9, [PILOT]))
    assert r.status_code == 200 and r.json()["traits_unused"] is None


def test_serve_warns_when_the_traits_have_no_scan_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan folder without scan-summary.json: the traits are read but not used."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda a, **kw: None)
    d = tmp_path / "scan"
    d.mkdir()
    (d / "verdicts.csv").write_text(
        "number,label,score,category,reasons,campaign\n+8613912000001,harassment,0.9,loans,[],Caaa\n"
    )
    (d / "campaigns.csv").write_text(
        f"campaign_id,ingresses,asserted\nCaaa,{';'.join(TRUNKS)},{PILOT}\n"
    )
    runner = CliRunner()
    db = str(tmp_path / "s.db")
    r = runner.invoke(app, ["serve", "--db", db, "--verdicts", str(d / "verdicts.csv")])
    assert r.exit_code == 0 and "traits of 1 campaign read" in r.output
    assert "warning:" in r.output and "not used (no scan day" in r.output
    (d / "scan-summary.json").write_text(json.dumps({"day": "2026-11-02", "model_version": "m"}))
    r = runner.invoke(app, ["serve", "--db", db, "--verdicts", str(d / "verdicts.csv")])
    assert r.exit_code == 0 and "not used" not in r.output

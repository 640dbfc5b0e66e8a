"""GET /v1/case-files/...: operator only, JSON or a printable page, the one error shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.api.routes.cases import attach
from callwarden.evidence import verify
from tests.api.conftest import Api
from tests.evidence import world
from tests.evidence.world import NOBODY, ROBO1


@pytest.fixture
def sources(api: Api, tmp_path: Path) -> Api:
    attach(api.client.app, world.scan_dir(tmp_path), world.cdrs(tmp_path))
    return api


def test_an_operator_gets_a_number_case_file(sources: Api) -> None:
    r = sources.get(f"/v1/case-files/numbers/{ROBO1[3:]}", "operator")
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["case_file"]["subject"] == ROBO1 and verify(case)
    assert case["verdict"]["reasons"]["items"][0]["text"]["zh"]
    assert case["calls"]["calls"] == 20 and case["scan"]["model_version"] == "m0001"
    assert case["reports"]["count"] == 0 and case["notes"] == []


def test_the_page_is_html_under_a_strict_policy(sources: Api) -> None:
    r = sources.get("/v1/case-files/campaigns/C1?format=html", "operator")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "团伙案卷" in r.text and "Case file: campaign" in r.text


@pytest.mark.parametrize("who", ["network", "alice"])
def test_other_roles_are_refused(sources: Api, who: str) -> None:
    r = sources.get(f"/v1/case-files/numbers/{ROBO1}", who)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"


def test_no_key_is_asked_for_with_basic_too(sources: Api) -> None:
    r = sources.get(f"/v1/case-files/numbers/{ROBO1}")
    assert r.status_code == 401 and set(r.json()) == {"error"}
    challenges = r.headers.get_list("www-authenticate")
    assert challenges[0] == "Bearer" and challenges[1].startswith("Basic realm=")


def test_basic_with_the_key_as_password_works(sources: Api) -> None:
    r = sources.client.get(
        f"/v1/case-files/numbers/{ROBO1}", auth=("anyone", sources.keys["operator"])
    )
    assert r.status_code == 200


def test_unknown_campaign_and_bad_number_use_the_error_shape(sources: Api) -> None:
    r = sources.get("/v1/case-files/campaigns/C404", "operator")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "not_found" and "C404" in err["message"] and "C1" in err["message"]
    r = sources.get("/v1/case-files/numbers/notanumber", "operator")
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    r = sources.get(f"/v1/case-files/numbers/{ROBO1}?format=pdf", "operator")
    assert r.status_code == 422


def test_a_number_with_no_verdict(sources: Api) -> None:
    case = sources.get(f"/v1/case-files/numbers/{NOBODY}", "operator").json()
    assert case["verdict"] is None and case["calls"]["calls"] == 0


def test_without_sources_the_case_says_what_it_lacks(api: Api) -> None:
    case = api.get(f"/v1/case-files/numbers/{ROBO1}", "operator").json()
    assert case["verdict"] is None and case["reports"]["count"] == 0
    assert any("no scan output folder" in n for n in case["notes"])
    r = api.get("/v1/case-files/campaigns/C1", "operator")
    assert r.status_code == 404 and "not in the store" in r.json()["error"]["message"]


def test_without_the_scan_folder_a_campaign_comes_from_the_store(api: Api) -> None:
    from callwarden.policy import Reason, Verdict

    members = [
        Verdict(n, "harassment", 0.97, "insurance", (Reason("HIGH_ATTEMPTS", {"attempts_by_caller_1h": 22}),), "C7")
        for n in (world.ROBO1, world.ROBO2)
    ]  # fmt: skip
    api.store.import_verdicts(members, actor="test")
    case = api.get("/v1/case-files/campaigns/C7", "operator").json()
    assert case["campaign"]["category"]["code"] == "insurance" and verify(case)
    assert [m["number"] for m in case["members"]["items"]] == [world.ROBO1, world.ROBO2]
    assert case["members"]["by_label"] == {"harassment": 2} and case["calls"] is None
    assert any("the store's" in n for n in case["notes"])

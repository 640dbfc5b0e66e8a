"""``serve --registry``: decide asks the allocation registry about every displayed number, so
a rotated caller ID that reaches an unallocated number is rejected as spoofed even when scan
never saw it. Before, the API rejected only numbers whose stored verdict carried the
unallocated reason, and a fresh spoofed number was allowed ('no_verdict')."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from callwarden.api import ApiSettings, create_app
from callwarden.numbers.registry import AllocationRegistry
from callwarden.store import Store

from .conftest import ALICE, Api

ALLOCATED = "+8613512345678"
UNALLOCATED = "+8613311119999"  # (not in the registry, no verdict)
BUSINESS = "+8617012340000"  # registered, not allocated


@pytest.fixture
def api_with_registry(tmp_path: Path, template: tuple[Path, dict[str, str]]) -> Iterator[Api]:
    shutil.copy(template[0], tmp_path / "api.db")
    store = Store.open(str(tmp_path / "api.db"))
    settings = ApiSettings(db=str(tmp_path / "api.db"), redress_base="https://op.example/r/")
    registry = AllocationRegistry.from_numbers([ALLOCATED, ALICE])
    app = create_app(settings, store, registry)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, store, template[1])
    store.close()


def _decide(api: Api, caller: str) -> dict:  # type: ignore[type-arg]
    r = api.post("/v1/decide", "network", json={"caller": caller, "callee": ALICE})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_an_unallocated_number_nobody_scanned_is_rejected(api_with_registry: Api) -> None:
    api = api_with_registry
    assert _decide(api, ALLOCATED)["action"] == "allow"
    d = _decide(api, UNALLOCATED)
    assert (d["action"], d["sip_code"]) == ("reject", 608), d
    assert [r["code"] for r in d["reasons"]][0] == "spoofed_caller"
    assert d["redress_uri"].endswith(UNALLOCATED)
    # national spelling: the same number
    assert _decide(api, "13311119999")["action"] == "reject"


def test_a_benign_verdict_does_not_outweigh_the_registry(api_with_registry: Api) -> None:
    api = api_with_registry
    api.post(
        "/v1/verdicts",
        "operator",
        json={"verdicts": [{"number": UNALLOCATED, "label": "benign", "score": 0.01}]},
    )
    assert _decide(api, UNALLOCATED)["action"] == "reject"


def test_registered_businesses_and_appeals_still_let_it_ring(api_with_registry: Api) -> None:
    api = api_with_registry
    r = api.post(
        "/v1/registry", "operator", json={"pattern": BUSINESS, "name": "shop", "category": "retail"}
    )
    assert r.status_code in (200, 201), r.text
    assert _decide(api, BUSINESS)["action"] == "allow"
    api.post(
        "/v1/verdicts",
        "operator",
        json={"verdicts": [{"number": UNALLOCATED, "label": "fraud", "score": 0.99}]},
    )
    appeal = api.post("/v1/appeals", "operator", json={"number": UNALLOCATED, "owner": "x"}).json()
    api.post(f"/v1/review/appeals/{appeal['id']}", "operator", json={"decision": "accept"})
    assert _decide(api, UNALLOCATED)["action"] == "allow"  # cleared on appeal


def test_without_a_registry_only_stored_verdicts_reject(api: Api) -> None:
    assert _decide(api, UNALLOCATED)["action"] == "allow"


def test_serve_reads_the_registry_as_scan_does(tmp_path: Path) -> None:
    from callwarden.cli.main import app

    bad = tmp_path / "registry.csv"
    bad.write_text("name\nx\n", encoding="utf-8")
    res = CliRunner().invoke(
        app, ["serve", "--db", str(tmp_path / "x.db"), "--registry", str(bad), "--port", "1"]
    )
    assert res.exit_code == 2 and "needs a 'number' column" in res.output, res.output


def test_a_foreign_caller_is_not_judged_by_a_national_registry(api_with_registry: Api) -> None:
    """The registry lists +86 numbers only: it cannot say a +1 or +852 caller is spoofed
    (before, every foreign caller was rejected 608 as unallocated)."""
    api = api_with_registry
    for caller in ("+14155552671", "+85221234567"):
        d = _decide(api, caller)
        assert d["action"] == "allow", d
    assert _decide(api, UNALLOCATED)["action"] == "reject"  # its own country: still judged

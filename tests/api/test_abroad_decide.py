"""``serve --ingresses --roaming``: /v1/decide judges a call's ingress: a domestic number shown
on a call through an international gateway is rejected as spoofed (608) unless its owner is
roaming then, labelled without a roaming list, and left alone on other ingresses."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.numbers.abroad import AbroadRule
from callwarden.numbers.ingresses import IngressKinds
from callwarden.numbers.registry import AllocationRegistry
from callwarden.numbers.roaming import Roaming
from callwarden.store import Store

from .conftest import ALICE, Api

SHOWN = "+8613512345678"
ROAMER = "+8613512345679"
KINDS = IngressKinds({"IGW-SH-1": "international", "MSC-1": "own"})


def _api(tmp_path: Path, template: tuple[Path, dict[str, str]], roaming: Roaming | None) -> Api:
    shutil.copy(template[0], tmp_path / "api.db")
    store = Store.open(str(tmp_path / "api.db"))
    settings = ApiSettings(db=str(tmp_path / "api.db"), redress_base="https://op.example/r/")
    registry = AllocationRegistry.from_numbers([SHOWN, ROAMER, ALICE])
    app = create_app(settings, store, registry, AbroadRule.of(KINDS, registry.scope, roaming))
    return Api(TestClient(app, raise_server_exceptions=False), store, template[1])


@pytest.fixture
def api_roaming(tmp_path: Path, template: tuple[Path, dict[str, str]]) -> Iterator[Api]:
    now = time.time()
    api = _api(tmp_path, template, Roaming.of([(ROAMER, now - 3600, float("inf"))]))
    with api.client:
        yield api
    api.store.close()


@pytest.fixture
def api_no_roaming(tmp_path: Path, template: tuple[Path, dict[str, str]]) -> Iterator[Api]:
    api = _api(tmp_path, template, None)
    with api.client:
        yield api
    api.store.close()


def _decide(api: Api, caller: str, ingress: str) -> dict:  # type: ignore[type-arg]
    body = {"caller": caller, "callee": ALICE, "ingress": ingress}
    r = api.post("/v1/decide", "network", json=body)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_rejected_unless_roaming(api_roaming: Api) -> None:
    d = _decide(api_roaming, SHOWN, "IGW-SH-1")
    assert (d["action"], d["sip_code"]) == ("reject", 608), d
    codes = [r["code"] for r in d["reasons"]]
    assert codes[:2] == ["spoofed_caller", "spoof_international_domestic"]
    assert d["reasons"][1]["evidence"] == {"ingress": "IGW-SH-1", "number": SHOWN}
    assert _decide(api_roaming, ROAMER, "IGW-SH-1")["action"] == "allow"
    assert _decide(api_roaming, SHOWN, "MSC-1")["action"] == "allow"
    assert _decide(api_roaming, SHOWN, "")["action"] == "allow"


def test_labelled_without_a_roaming_list(api_no_roaming: Api) -> None:
    d = _decide(api_no_roaming, ROAMER, "IGW-SH-1")
    assert d["action"] == "label", d
    assert "from_abroad_domestic_number" in [r["code"] for r in d["reasons"]]
    assert "境外来电" in d["tag"]["zh"]

"""The redress page (RFC 8688) a 608 points at: public, and it must tell a rejected caller
with no account at this operator how to appeal."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.store import Store

NUMBER = "+8613311119999"


def test_the_redress_page_says_how_a_caller_from_elsewhere_appeals(
    tmp_path: Path, template: tuple[Path, dict[str, str]]
) -> None:
    """The appeal route needs the number's own subscriber key or an operator's, so the page
    names the operator's desk (API audit: a rejected business on another network had only
    a route it could not use)."""
    shutil.copy(template[0], tmp_path / "api.db")
    store = Store.open(str(tmp_path / "api.db"))
    settings = ApiSettings(
        db=str(tmp_path / "api.db"), redress_base="https://op.example/r/",
        operator_name="某运营商", operator_email="appeals@op.example", operator_tel="10086",
    )  # fmt: skip
    with TestClient(create_app(settings, store)) as client:
        page = client.get(f"/v1/redress/{NUMBER}").json()
    store.close()
    props = {p[0]: p[3] for p in page["jcard"][1]}
    assert props["email"] == "appeals@op.example" and props["tel"] == "tel:10086"
    assert "operator" in page["appeal"]["filed_by"]
    assert "hotline" in page["appeal"]["how"]["en"] and "热线" in page["appeal"]["how"]["zh"]

"""A NUL character or an over-long text in a path or query parameter is a 422 in the API's
error shape on every route, on SQLite and PostgreSQL alike (PostgreSQL answered 500, "text
fields cannot contain NUL", where SQLite answered 404)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from callwarden.api import ApiSettings, create_app
from callwarden.store import Role, Store


@pytest.fixture
def client(store: Store) -> Iterator[tuple[TestClient, dict[str, str]]]:
    op = {"Authorization": f"Bearer {store.create_key(Role.OPERATOR)[1]}"}
    with TestClient(create_app(ApiSettings(), store), raise_server_exceptions=False) as c:
        yield c, op


@pytest.mark.parametrize(
    "path",
    [
        "/v1/campaigns/%00",
        "/v1/campaigns/a%00b",
        "/v1/audit?target=a%00b",
        "/v1/audit?target=" + "x" * 2000,
        "/v1/campaigns/" + "c" * 2000,
        "/v1/registry/400%00*",
        "/v1/numbers/%0013800138000",
    ],
)
def test_nul_and_long_text_params_are_a_422(
    client: tuple[TestClient, dict[str, str]], path: str
) -> None:
    c, op = client
    r = c.get(path, headers=op) if "registry" not in path else c.delete(path, headers=op)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["status"] == 422 and err["code"] == "validation_error"
    assert "NUL" in err["message"] or "longer than" in err["message"]


def test_an_ordinary_unknown_campaign_is_still_a_404(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    c, op = client
    assert c.get("/v1/campaigns/nope", headers=op).status_code == 404

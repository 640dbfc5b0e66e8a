"""Every integer path or query parameter (read from the OpenAPI schema, so one added later is
checked too) is bounded at the edge: a value the databases cannot hold (>= 2**63) or below
its minimum is a 422 in the one error shape, never a 500 from the driver; the largest id
is a plain 404 or an empty page."""

from __future__ import annotations

from typing import Any

import pytest

from callwarden.api.deps import MAX_ID

from .conftest import ALICE, Api
from .test_errors import BODIES, PARAMS, assert_error


def _int_params(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    spec = api.get("/openapi.json").json()
    found = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                schema = p["schema"]
                kinds = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
                if "integer" in kinds:
                    found.append((method.upper(), path, p))
    return found


def _bounds(p: dict[str, Any]) -> tuple[int, int]:
    schema = p["schema"]
    for s in [schema, *schema.get("anyOf", [])]:
        if s.get("type") == "integer":
            return s["minimum"], s["maximum"]
    raise AssertionError(p)


def _send(api: Api, method: str, path: str, p: dict[str, Any], value: int) -> Any:
    params = {k: v for k, v in PARAMS.items() if k != p["name"]}
    url = path.format(**{**params, p["name"]: value} if p["in"] == "path" else params)
    query = {p["name"]: value} if p["in"] == "query" else None
    body = BODIES[(method, path)]
    kw: dict[str, Any] = {"headers": api.h("operator"), "params": query}
    if body is not None:
        kw["json"] = body
    return api.client.request(method, url, **kw)


def test_every_integer_parameter_has_bounds_the_databases_can_hold(api: Api) -> None:
    found = _int_params(api)
    names = {(m, path, p["name"]) for m, path, p in found}
    assert {
        ("GET", "/v1/appeals/{appeal_id}", "appeal_id"),
        ("POST", "/v1/review/appeals/{appeal_id}", "appeal_id"),
        ("GET", "/v1/subscribers/{subscriber}/blocked", "before_id"),
        ("POST", "/v1/subscribers/{subscriber}/blocked/{entry_id}/rescue", "entry_id"),
        ("DELETE", "/v1/keys/{key_id}", "key_id"),
        ("GET", "/v1/campaigns", "offset"),
        ("GET", "/v1/campaigns", "limit"),
    } <= names
    for _m, _path, p in found:
        low, high = _bounds(p)
        assert 0 <= low <= high <= MAX_ID, p


@pytest.mark.parametrize("value", [2**63, 2**64, 10**30, -1, -(2**63) - 1])
def test_out_of_range_integers_get_422_on_every_route(api: Api, value: int) -> None:
    for method, path, p in _int_params(api):
        r = _send(api, method, path, p, value)
        err = assert_error(r, 422)
        assert err["code"] == "validation_error", (method, path, p["name"])
        assert [d["loc"] for d in err["details"]] == [[p["in"], p["name"]]], (method, path)


def test_the_smallest_integer_below_each_minimum_gets_422(api: Api) -> None:
    for method, path, p in _int_params(api):
        low, high = _bounds(p)
        assert_error(_send(api, method, path, p, low - 1), 422)
        assert_error(_send(api, method, path, p, high + 1), 422)


def test_the_largest_id_is_an_ordinary_answer(api: Api) -> None:
    big = MAX_ID
    assert_error(api.get(f"/v1/appeals/{big}", "operator"), 404)
    r = api.post(f"/v1/review/appeals/{big}", "operator", json={"decision": "accept"})
    assert_error(r, 404)
    assert_error(api.post(f"/v1/subscribers/{ALICE}/blocked/{big}/rescue", "alice"), 404)
    assert_error(api.delete(f"/v1/keys/{big}", "operator"), 404)
    r = api.get(f"/v1/subscribers/{ALICE}/blocked", "alice", params={"before_id": big})
    assert r.status_code == 200 and r.json() == []
    r = api.get("/v1/campaigns", "network", params={"offset": 10_000_000})
    assert r.status_code == 200 and r.json() == []

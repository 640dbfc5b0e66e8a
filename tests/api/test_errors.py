"""One JSON error shape on every route, for every kind of error (401, 403, 404, 405, 409,
422, 429, 500). The route table is read from the app, so a new route without an example
here fails ``test_every_route_has_an_example``."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from .conftest import ALICE, Api

SPAM = "+8617012345678"
PUBLIC = {"/healthz", "/metrics", "/v1/redress/{number}"}
PARAMS = {
    "number": SPAM,
    "subscriber": ALICE,
    "kind": "block",
    "pattern": SPAM,
    "entry_id": "1",
    "appeal_id": "1",
    "campaign": "c1",
    "key_id": "1",
}
BAD_PARAMS = {
    "number": "not-a-number",
    "subscriber": "not-a-number",
    "kind": "grey",
    "pattern": "x!",
    "entry_id": "one",
    "appeal_id": "one",
    "key_id": "one",
}
BODIES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("POST", "/v1/decide"): {"caller": SPAM, "callee": ALICE},
    ("GET", "/v1/numbers/{number}"): None,
    ("GET", "/v1/subscribers/{subscriber}/settings"): None,
    ("PUT", "/v1/subscribers/{subscriber}/settings"): {"protection": "strict"},
    ("GET", "/v1/subscribers/{subscriber}/lists/{kind}"): None,
    ("POST", "/v1/subscribers/{subscriber}/lists/{kind}"): {"pattern": SPAM},
    ("DELETE", "/v1/subscribers/{subscriber}/lists/{kind}/{pattern}"): None,
    ("GET", "/v1/subscribers/{subscriber}/blocked"): None,
    ("POST", "/v1/subscribers/{subscriber}/blocked/{entry_id}/rescue"): None,
    ("GET", "/v1/subscribers/{subscriber}/reports"): None,
    ("POST", "/v1/reports"): {"number": SPAM, "reporter": ALICE},
    ("POST", "/v1/calls"): {"calls": [{"caller": SPAM, "callee": ALICE, "at": 1.8e9}]},
    ("POST", "/v1/screenings"): {
        "call_id": "c1",
        "caller": SPAM,
        "callee": ALICE,
        "turns": [{"speaker": "caller", "text": "hi"}],
    },
    ("POST", "/v1/appeals"): {"number": SPAM, "owner": "某快递站"},
    ("GET", "/v1/appeals/{appeal_id}"): None,
    ("GET", "/v1/review/appeals"): None,
    ("GET", "/v1/review/labels"): None,
    ("POST", "/v1/review/appeals/{appeal_id}"): {"decision": "accept"},
    ("GET", "/v1/campaigns"): None,
    ("GET", "/v1/campaigns/{campaign}"): None,
    ("POST", "/v1/verdicts"): {"verdicts": [{"number": SPAM, "label": "fraud", "score": 0.9}]},
    ("GET", "/v1/thresholds"): None,
    ("PUT", "/v1/thresholds"): {
        "label_at": 0.6,
        "reject_fraud_at": 0.95,
        "reject_harassment_at": 0.9,
    },
    ("GET", "/v1/registry"): None,
    ("POST", "/v1/registry"): {"pattern": "+8695338", "name": "顺丰", "category": "courier"},
    ("DELETE", "/v1/registry/{pattern}"): None,
    ("GET", "/v1/keys"): None,
    ("POST", "/v1/keys"): {"role": "network"},
    ("DELETE", "/v1/keys/{key_id}"): None,
    ("GET", "/v1/audit"): None,
    ("GET", "/v1/case-files/numbers/{number}"): None,
    ("GET", "/v1/case-files/campaigns/{campaign}"): None,
    ("GET", "/healthz"): None,
    ("GET", "/metrics"): None,
    ("GET", "/v1/redress/{number}"): None,
}
ROUTES = sorted(BODIES)


def fill(path: str, params: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: params.get(m.group(1), PARAMS[m.group(1)]), path)


def assert_error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"status", "code", "message", "details"}
    assert err["status"] == status
    assert isinstance(err["code"], str) and re.fullmatch(r"[a-z_0-9]+", err["code"])
    assert isinstance(err["message"], str) and err["message"]
    assert err["details"] is None or isinstance(err["details"], list)
    return err


def call(api: Api, method: str, path: str, who: str | None, body: Any = None) -> Any:
    headers = api.h(who) if who else {}
    return api.client.request(method, path, headers=headers, json=body)


def test_every_route_has_an_example(api: Api) -> None:
    spec = api.get("/openapi.json").json()
    routes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert routes == set(BODIES)


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[1] not in PUBLIC])
def test_401_without_a_key(api: Api, method: str, path: str) -> None:
    err = assert_error(call(api, method, fill(path, {}), None, BODIES[(method, path)]), 401)
    assert err["code"] == "unauthorized"


NO_INPUT = {
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/v1/keys"),
    ("GET", "/v1/registry"),
    ("GET", "/v1/thresholds"),
}


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r not in NO_INPUT])
def test_422_on_bad_input(api: Api, method: str, path: str) -> None:
    body = BODIES[(method, path)]
    has_params = "{" in path
    if body is None and not has_params:
        assert_error(call(api, method, path + "?limit=0", "operator"), 422)  # out-of-range query
        return
    if body is not None:
        err = assert_error(call(api, method, fill(path, {}), "operator", {"bogus": 1}), 422)
        assert err["code"] == "validation_error" and err["details"]
    if has_params:
        names = re.findall(r"\{(\w+)\}", path)
        bad = {n: BAD_PARAMS[n] for n in names if n in BAD_PARAMS}
        if bad:
            err = assert_error(call(api, method, fill(path, bad), "operator", body), 422)
            assert err["code"] == "validation_error"


@pytest.mark.parametrize("path", sorted({p for _, p in ROUTES}))
def test_405_on_a_wrong_method(api: Api, path: str) -> None:
    allowed = {m for m, p in ROUTES if p == path}
    wrong = next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in allowed)
    assert_error(call(api, wrong, fill(path, {}), "operator"), 405)


def test_404_403_409_429_shapes(api: Api) -> None:
    assert_error(api.get("/nowhere"), 404)
    assert assert_error(api.get("/v1/appeals/999", "operator"), 404)["code"] == "not_found"
    assert_error(api.get("/v1/campaigns/none", "operator"), 404)
    assert_error(api.delete(f"/v1/subscribers/{ALICE}/lists/block/{SPAM}", "alice"), 404)
    assert_error(api.get("/v1/review/appeals", "alice"), 403)
    api.post("/v1/appeals", "operator", json={"number": SPAM, "owner": "x"})
    assert (
        assert_error(api.post("/v1/appeals", "operator", json={"number": SPAM, "owner": "x"}), 409)[
            "code"
        ]
        == "conflict"
    )
    err = assert_error(api.post("/v1/reports", "alice", json={"number": SPAM}), 422)
    assert err["code"] == "report_not_eligible"
    callers = [f"+86170000{i:05d}" for i in range(21)]
    api.post(
        "/v1/calls",
        "network",
        json={"calls": [{"caller": c, "callee": ALICE, "at": time.time()} for c in callers]},
    )
    codes = [api.post("/v1/reports", "alice", json={"number": c}).status_code for c in callers]
    assert codes[:20] == [201] * 20
    assert (
        assert_error(api.post("/v1/reports", "alice", json={"number": callers[20]}), 429)["code"]
        == "rate_limited"
    )


class _Broken:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"secret internals {name}")


class _BrokenDict(dict):  # type: ignore[type-arg]
    def get(self, *a: Any, **k: Any) -> Any:
        raise RuntimeError("secret internals")

    def __len__(self) -> int:
        raise RuntimeError("secret internals")


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_500_on_every_route_has_the_shape_and_hides_internals(
    api: Api, method: str, path: str
) -> None:
    assert api.get(f"/v1/numbers/{SPAM}", "operator").status_code == 200  # key now cached
    state = api.client.app.state.cw  # type: ignore[attr-defined]
    state.store = _Broken()
    state.policies = _Broken()
    state.registry = _Broken()
    state.verdicts = _BrokenDict()
    state.bands = _Broken()
    state.metrics.gauges["broken"] = lambda: 1 / 0
    err = assert_error(call(api, method, fill(path, {}), "operator", BODIES[(method, path)]), 500)
    assert err["code"] == "internal_error" and "secret" not in err["message"]


def test_docs_are_served_offline(api: Api) -> None:
    page = api.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for a in assets:
        assert api.get(a).status_code == 200, a
    assert "redoc" in api.get("/redoc").text.lower()
    bundle = api.get("/static-offline-docs/redoc.standalone.js")
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]
    assert len(bundle.content) > 100_000 and b"cdn.redoc.ly" not in bundle.content  # its logo
    spec = api.get("/openapi.json").json()
    assert spec["paths"]["/v1/decide"]["post"]["responses"]["422"]

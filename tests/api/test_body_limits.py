"""Every route caps its request body (api/limits.py): 413 in the one error shape, decided
from Content-Length at once or after reading just past the limit, never after reading a
huge body; the decide fast path and the bulk routes check the key before reading any."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from callwarden.api.limits import BULK_BODY_LIMIT, DECIDE_BODY_LIMIT, DEFAULT_BODY_LIMIT

from .conftest import ALICE, Api
from .test_errors import assert_error

SPAM = "+8617012345678"
CHUNK = 64 * 1024


def _asgi(
    api: Api, method: str, path: str, headers: dict[str, str], chunks: int
) -> tuple[int, dict[str, Any], int]:
    """Stream ``chunks`` chunks of CHUNK bytes with no Content-Length straight into the app;
    returns the status, the JSON answer and how many chunks the app asked for."""
    app = api.client.app
    asked = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if asked > chunks:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": asked < chunks}

    out: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        out.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "scheme": "http",
        "query_string": b"",
        "server": ("testserver", 80),
        "client": ("testclient", 1),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "app": app,
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    body = b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body")
    return out[0]["status"], json.loads(body), asked


@pytest.mark.parametrize(
    ("path", "who", "limit"),
    [
        ("/v1/decide", "network", DECIDE_BODY_LIMIT),
        ("/v1/reports", "alice", DEFAULT_BODY_LIMIT),
        ("/v1/appeals", "operator", DEFAULT_BODY_LIMIT),
        (f"/v1/subscribers/{ALICE}/lists/block", "alice", DEFAULT_BODY_LIMIT),
        ("/v1/verdicts", "operator", BULK_BODY_LIMIT),
        ("/v1/calls", "network", BULK_BODY_LIMIT),
    ],
)
def test_a_body_over_the_routes_limit_gets_413(api: Api, path: str, who: str, limit: int) -> None:
    body = b'{"x": "' + b"a" * limit + b'"}'
    r = api.client.post(
        path, content=body, headers={**api.h(who), "content-type": "application/json"}
    )
    err = assert_error(r, 413)
    assert err["code"] == "payload_too_large"
    assert f"{limit:,}" in err["message"]


def test_a_streamed_body_is_refused_once_past_the_limit_not_read_to_the_end(api: Api) -> None:
    total = 1024  # 64 MiB offered in 64 KiB chunks, no Content-Length
    status, answer, asked = _asgi(api, "POST", "/v1/reports", api.h("alice"), total)
    assert status == 413 and answer["error"]["code"] == "payload_too_large"
    assert asked <= DEFAULT_BODY_LIMIT // CHUNK + 1
    status, answer, asked = _asgi(api, "POST", "/v1/verdicts", api.h("operator"), total)
    assert status == 413
    assert asked <= BULK_BODY_LIMIT // CHUNK + 1
    status, answer, asked = _asgi(api, "POST", "/v1/decide", api.h("network"), total)
    assert status == 413
    assert asked == 1


@pytest.mark.parametrize("path", ["/v1/decide", "/v1/verdicts", "/v1/calls"])
def test_no_key_gets_401_before_any_of_the_body_is_read(api: Api, path: str) -> None:
    status, answer, asked = _asgi(api, "POST", path, {}, 1024)
    assert (status, answer["error"]["code"], asked) == (401, "unauthorized", 0)
    bad = {"Authorization": "Bearer nope"}
    status, answer, asked = _asgi(api, "POST", path, bad, 1024)
    assert (status, asked) == (401, 0)


@pytest.mark.parametrize("path", ["/v1/decide", "/v1/verdicts"])
def test_the_wrong_role_gets_403_before_any_of_the_body_is_read(api: Api, path: str) -> None:
    status, answer, asked = _asgi(api, "POST", path, api.h("alice"), 1024)
    assert (status, answer["error"]["code"], asked) == (403, "forbidden", 0)


def test_a_declared_length_over_the_limit_is_refused_without_reading(api: Api) -> None:
    headers = {**api.h("alice"), "content-length": str(DEFAULT_BODY_LIMIT + 1)}
    status, answer, asked = _asgi(api, "POST", "/v1/reports", headers, 1024)
    assert (status, asked) == (413, 0)
    headers = {**api.h("network"), "content-length": str(DECIDE_BODY_LIMIT + 1)}
    status, answer, asked = _asgi(api, "POST", "/v1/decide", headers, 1024)
    assert (status, asked) == (413, 0)


def test_requests_under_the_limits_are_served_as_before(api: Api) -> None:
    r = api.post("/v1/decide", "network", json={"caller": SPAM, "callee": ALICE})
    assert r.status_code == 200 and r.json()["action"] == "allow"
    big = {  # about 1.5 MB: over the default limit, well under the bulk one
        "verdicts": [
            {"number": f"+86170{i:08d}", "label": "fraud", "score": 0.9, "category": "x" * 60}
            for i in range(12_000)
        ]
    }
    assert len(json.dumps(big)) > 20 * DEFAULT_BODY_LIMIT
    r = api.post("/v1/verdicts", "operator", json=big)
    assert r.status_code == 200 and r.json()["count"] == r.json()["written"] == 12_000
    r = api.put(f"/v1/subscribers/{ALICE}/settings", "alice", json={"protection": "strict"})
    assert r.status_code == 200
    assert api.get("/healthz").status_code == 200

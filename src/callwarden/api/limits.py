"""Request body size limits, per route family, for every route (ASGI, in front of FastAPI).

| routes | limit |
|---|---|
| ``POST /v1/decide`` | 4 KiB (``DECIDE_BODY_LIMIT``; read by the fast path after the key check) |
| ``POST /v1/verdicts``, ``POST /v1/calls`` (bulk imports) | 16 MiB; the key is checked first |
| every other route | 64 KiB |

A body over its limit gets 413 ``payload_too_large`` in the API's one error shape: at once
when ``Content-Length`` says so, otherwise as soon as the chunks read pass the limit (the
rest is never read). Chunks are collected in a list and joined once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from callwarden.api.deps import NETWORK_ROLES, authenticate, require_role
from callwarden.api.errors import ApiError, error_body, retry_headers
from callwarden.api.state import AppState
from callwarden.errors import CallwardenError
from callwarden.store import Role

log = logging.getLogger(__name__)

KIB = 1024
MIB = 1024 * KIB
DECIDE_BODY_LIMIT = 4 * KIB
BULK_BODY_LIMIT = 16 * MIB
DEFAULT_BODY_LIMIT = 64 * KIB
#: Bulk routes (POST) and the roles they take: large bodies, so the key and its role are
#: checked before any of the body is read.
BULK_ROUTES: dict[str, frozenset[Role]] = {
    "/v1/verdicts": frozenset({Role.OPERATOR}),
    "/v1/calls": NETWORK_ROLES,
}
INTERNAL = "internal error; the operator's log has the details"

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
#: Every answer written here (decide's, and the errors of the checks in front of FastAPI)
#: carries the headers app.ResponseHeaders adds to FastAPI's: no cache keeps a decision or an
#: error, nothing sniffs it as another type.
_JSON = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
]


def body_limit(path: str) -> int:
    if path == "/v1/decide":
        return DECIDE_BODY_LIMIT
    if path in BULK_ROUTES:
        return BULK_BODY_LIMIT
    return DEFAULT_BODY_LIMIT


def declared_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as more than ``limit`` bytes have arrived."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def error_answer(exc: CallwardenError) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The status, extra headers and body of a CallwardenError, as the app's handler gives
    them (``WWW-Authenticate`` on a 401, ``Retry-After`` on a 503, an ApiError's headers)."""
    headers = retry_headers(exc.status_hint) or {}
    if isinstance(exc, ApiError) and exc.headers:
        headers = {**headers, **exc.headers}
    extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if exc.status_hint == 401:
        extra.append((b"www-authenticate", b"Bearer"))
    return exc.status_hint, extra, error_body(exc.status_hint, exc.code, exc.message)


#: The longest path, and the longest query parameter (name or value), a request may have:
#: every number, pattern, campaign id or audit target is far shorter.
MAX_PATH_CHARS = 1024
MAX_QUERY_CHARS = 1024


def bad_text_params(path: str, query: bytes) -> str | None:
    """Why the request's path or query cannot be handed to a route, or None. Checked once for
    every route: a NUL character (PostgreSQL cannot take one in a text parameter: a 500
    where SQLite answered 404) and an over-long path or query parameter are a 422."""
    if "\x00" in path:
        return "path: a NUL character (%00) is not allowed"
    if len(path) > MAX_PATH_CHARS:
        return f"path: longer than {MAX_PATH_CHARS:,} characters"
    if query:
        text = query.decode("latin-1")
        for name, value in parse_qsl(text, keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return f"query.{name.replace(chr(0), '')}: a NUL character (%00) is not allowed"
            if len(name) > MAX_QUERY_CHARS or len(value) > MAX_QUERY_CHARS:
                return f"query.{name[:40]}: longer than {MAX_QUERY_CHARS:,} characters"
    return None


def too_large(limit: int) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    message = f"the request body is over this route's limit of {limit:,} bytes"
    return 413, [(b"connection", b"close")], error_body(413, "payload_too_large", message)


async def respond(
    send: Send, status: int, extra: list[tuple[bytes, bytes]], payload: bytes
) -> None:
    headers = [*_JSON, (b"content-length", str(len(payload)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def key_check(
    state: AppState, scope: dict[str, Any], roles: frozenset[Role]
) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """The 401 or 403 answer when the request's headers carry no key with one of ``roles``;
    None when they do. Only headers are read, never the body."""
    auth = xkey = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            auth = value.decode("latin-1")
        elif name == b"x-api-key":
            xkey = value.decode("latin-1")
    try:
        require_role(authenticate(state, auth, xkey), roles)
    except CallwardenError as exc:
        return error_answer(exc)
    except Exception:
        log.exception("unhandled error checking the key on %s", scope["path"])
        return 500, [], error_body(500, "internal_error", INTERNAL)
    return None


class BodyLimit:
    """Caps every request body (see the module docstring); the body read is replayed to the
    app as one message, and later ``receive`` calls (disconnect) go to the server's."""

    def __init__(self, app: Any, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        bad = bad_text_params(path, scope.get("query_string", b""))
        if bad is not None:
            await respond(send, 422, [], error_body(422, "validation_error", bad))
            return
        limit = body_limit(path)
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await respond(send, *too_large(limit))
            return
        if path in BULK_ROUTES and scope["method"] == "POST":
            refused = key_check(self.state, scope, BULK_ROUTES[path])
            if refused is not None:
                await respond(send, *refused)
                return
        body = await read_body(receive, limit)
        if body is None:
            await respond(send, *too_large(limit))
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

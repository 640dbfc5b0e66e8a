"""A lean ASGI path for ``POST /v1/decide``, in front of the FastAPI app.

The decide route is the one the network calls for every call attempt; FastAPI's dependency
resolution and parameter analysis cost more than the decision itself (bench/decide_http.py:
about 0.3 ms of CPU a request through the framework). This middleware serves exactly that
method and path with the same function (``routes.decide.answer``), the same authentication,
the same request model and the same error shape; everything else, including the route's
OpenAPI entry, stays with FastAPI.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

from pydantic import ValidationError

from callwarden.api.deps import NETWORK_ROLES
from callwarden.api.errors import error_body
from callwarden.api.limits import (
    DECIDE_BODY_LIMIT,
    declared_length,
    error_answer,
    key_check,
    read_body,
    respond,
    too_large,
)
from callwarden.api.models import DecideRequest
from callwarden.api.routes.decide import answer
from callwarden.api.state import AppState
from callwarden.errors import CallwardenError

log = logging.getLogger(__name__)

PATH = "/v1/decide"
_ROUTE = SimpleNamespace(path=PATH)  # what the metrics middleware labels the request with


#: The answer to a body nested deeper than the JSON reader goes (pydantic's: 200 levels),
#: 400 ``bad_request`` as on every FastAPI route (whose reader, Python's, goes about 1,000):
#: docs/api.md's error table. It was a 422 ``validation_error`` here until 30 Nov.
TOO_DEEP = "There was an error parsing the body: nested deeper than the JSON reader goes"


def _too_deep(exc: ValidationError) -> bool:
    errors = exc.errors()
    return (
        len(errors) == 1
        and errors[0].get("type") == "json_invalid"
        and "recursion limit" in errors[0].get("msg", "")
    )


class DecideFastPath:
    def __init__(self, app: Any, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        scope["route"] = _ROUTE
        # The key first, from the headers: an unauthenticated client's body is never read.
        refused = key_check(self.state, scope, NETWORK_ROLES)
        if refused is not None:
            await respond(send, *refused)
            return
        declared = declared_length(scope)
        body = (
            None
            if declared is not None and declared > DECIDE_BODY_LIMIT
            else (await read_body(receive, DECIDE_BODY_LIMIT))
        )
        if body is None:
            await respond(send, *too_large(DECIDE_BODY_LIMIT))
            return
        await respond(send, *self._handle(body))

    def _handle(self, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        try:
            req = DecideRequest.model_validate_json(body or b"null")
            return 200, [], answer(self.state, req)
        except ValidationError as exc:
            if _too_deep(exc):  # as the FastAPI routes answer a body their reader cannot take
                return 400, [], error_body(400, "bad_request", TOO_DEEP)
            details = [
                {
                    "loc": ["body", *e.get("loc", ())],
                    "msg": e.get("msg", ""),
                    "type": e.get("type", ""),
                }
                for e in exc.errors()
            ]
            first = details[0] if details else {"loc": ["body"], "msg": "invalid request"}
            where = ".".join(str(p) for p in first["loc"])
            return 422, [], error_body(422, "validation_error", f"{where}: {first['msg']}", details)
        except CallwardenError as exc:
            return error_answer(exc)
        except Exception:
            log.exception("unhandled error on POST %s", PATH)
            return (
                500,
                [],
                error_body(
                    500, "internal_error", "internal error; the operator's log has the details"
                ),
            )

"""One JSON error shape for every error the API answers::

    {"error": {"status": 404, "code": "not_found", "message": "...", "details": [...]}}

Handlers cover callwarden's own errors (which carry their status), HTTP errors raised by
routing and auth (404, 405, 401, 403), request validation (422) and anything unexpected (500,
logged with its traceback, never shown to the client).
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from callwarden.errors import CallwardenError

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    details: list[Any] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(CallwardenError):
    """Raised by the API layer itself (auth, scope) with an explicit status and code, and
    the body's ``details`` where the client can act on more than the message (a screened
    call's 409 carries its outcome); ``headers`` are sent with it (a 429's ``Retry-After``)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, status_hint=status)
        self.code = code
        self.details = details
        self.headers = headers


#: Seconds a client is told to wait (``Retry-After``) when the store is down or locked.
RETRY_AFTER_S = 5


class StoreUnavailable(ApiError):
    """The store cannot be reached, or its write lock cannot be had in time: a 503 with
    ``Retry-After``, never a traceback to the client."""

    def __init__(self, message: str) -> None:
        super().__init__(503, "unavailable", message)


def retry_headers(status: int) -> dict[str, str] | None:
    return {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None


def error_body(status: int, code: str, message: str, details: list[Any] | None = None) -> bytes:
    """The error shape as JSON bytes (for the ASGI fast path, which has no Response class)."""
    body = {"error": {"status": status, "code": code, "message": message, "details": details}}
    return json.dumps(jsonable_encoder(body), ensure_ascii=False).encode()


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"status": status, "code": code, "message": message, "details": details}}
    return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)


async def _callwarden_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CallwardenError)
    headers = (
        {"WWW-Authenticate": "Bearer"} if exc.status_hint == 401 else retry_headers(exc.status_hint)
    )
    details = exc.details if isinstance(exc, ApiError) else None
    if isinstance(exc, ApiError) and exc.headers:
        headers = {**(headers or {}), **exc.headers}
    return error_response(exc.status_hint, exc.code, exc.message, details, headers=headers)


#: Driver errors that mean the store is down, unreachable or locked, not that the request
#: was wrong: a 503 with ``Retry-After``.
STORE_DOWN: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
)


def store_down_message(exc: Exception) -> str:
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    if cause and "locked" in cause[0]:
        return "the store is busy (its write lock is held by another write); retry later"
    return "the store cannot be reached; retry later"


async def _store_down(request: Request, exc: Exception) -> JSONResponse:
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    log.warning(
        "store unavailable on %s %s: %s: %s",
        request.method,
        request.url.path,
        type(exc).__name__,
        cause[0] if cause else "",
    )
    return error_response(503, "unavailable", store_down_message(exc), headers=retry_headers(503))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    return error_response(
        status,
        _CODES.get(status, f"http_{status}"),
        message,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return error_response(422, "validation_error", f"{where}: {first['msg']}", details)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500, "internal_error", "internal error; the operator's log has the details"
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(CallwardenError, _callwarden_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
    for kind in STORE_DOWN:
        app.add_exception_handler(kind, _store_down)


#: For route declarations: every route documents the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody, "description": HTTPStatus(s).phrase} for s in (401, 403, 404, 422, 503)
}

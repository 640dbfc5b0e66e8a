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
    """Raised by the API layer itself (auth, scope) with an explicit status and code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, status_hint=status)
        self.code = code


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
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_hint == 401 else None
    return error_response(exc.status_hint, exc.code, exc.message, headers=headers)


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


#: For route declarations: every route documents the error shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody, "description": HTTPStatus(s).phrase} for s in (401, 403, 404, 422)
}

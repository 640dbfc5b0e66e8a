"""Dependencies as ``Annotated`` aliases: the app state, the caller's API key and its role,
and the subscriber scope check (a subscriber key reaches only its own subscriber's data)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from callwarden.api.errors import ApiError
from callwarden.api.state import AppState
from callwarden.errors import InputError
from callwarden.store import ApiKey, Role
from callwarden.store.io import PatternUse, e164, pattern


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.cw
    return state


StateDep = Annotated[AppState, Depends(get_state)]


#: Documents the scheme in OpenAPI (the Authorize button); the header itself is read below.
bearer = HTTPBearer(
    auto_error=False,
    description="Authorization: Bearer <API key> (X-API-Key: <API key>, or HTTP Basic with the"
    " key as the password, is accepted too)",
)


def authenticate(state: AppState, authorization: str | None, x_api_key: str | None) -> ApiKey:
    """The key behind the request's headers, or a 401 ApiError (shared with the fast path).

    ``Authorization: Bearer <key>``, ``X-API-Key: <key>``, or HTTP Basic with the key as the
    password (any user name) or as the user name with no password: a SIP proxy's HTTP client
    (Kamailio's named connections) can send Basic on kept-open connections, not Bearer."""
    secret = x_api_key
    if authorization:
        scheme, _, token = authorization.partition(" ")
        kind = scheme.lower()
        secret = (
            token.strip() if kind == "bearer" else _basic_secret(token) if kind == "basic" else ""
        )
        if not secret:
            raise ApiError(
                401, "unauthorized", "Authorization must be 'Bearer <API key>' or Basic"
                " with the API key as the password"
            )  # fmt: skip
    if not secret:
        raise ApiError(401, "unauthorized", "an API key is required (Authorization: Bearer <key>)")
    key = state.key(secret)
    if key is None:
        raise ApiError(401, "unauthorized", "unknown or revoked API key")
    return key


def _basic_secret(token: str) -> str:
    """The API key of a Basic credential (``user:key``, or ``key:`` as some clients send a
    token), "" when it is not one."""
    try:
        text = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""
    user, sep, password = text.partition(":")
    return (password or user).strip() if sep else ""


def require_role(key: ApiKey, allowed: frozenset[Role], hint: str = "") -> ApiKey:
    """``key`` when its role is one of ``allowed``, else a 403 ``forbidden`` naming the roles
    (and ``hint``, how to get a key that has one)."""
    if key.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise ApiError(
            403,
            "forbidden",
            f"this needs a key with role {names}; yours is {key.role.value}"
            + (f" ({hint})" if hint else ""),
        )
    return key


async def get_key(
    request: Request, _doc: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> ApiKey:
    # Headers are read directly: FastAPI's per-parameter header extraction was a large part of
    # the decide route's cost (bench/decide_http.py).
    headers = request.headers
    state: AppState = request.app.state.cw
    key = authenticate(state, headers.get("authorization"), headers.get("x-api-key"))
    # every route that takes a key by this dependency (FastAPI runs it once a request) is
    # rate-limited for subscriber and screener keys, before the route reads the store
    state.rate_limits.admit(key, request.scope)
    return key


AnyKey = Annotated[ApiKey, Depends(get_key)]


def _require(*roles: Role, hint: str = ""):  # type: ignore[no-untyped-def]
    allowed = frozenset(roles)

    async def check(key: AnyKey) -> ApiKey:
        return require_role(key, allowed, hint)

    return check


NETWORK_ROLES = frozenset({Role.OPERATOR, Role.NETWORK})
#: The screening assistant's key posts screened calls and nothing else, and no call-path
#: (network) key posts them: a stored bot screening can label its caller (608 at strict).
SCREENER_ROLES = frozenset({Role.OPERATOR, Role.SCREENER})
SCREENER_HINT = "the screening assistant's key: callwarden apikey --role screener"
#: Every role but the screener's, for the routes any other key may use (number lookup,
#: reports, appeals).
GENERAL_ROLES = frozenset({Role.OPERATOR, Role.SUBSCRIBER, Role.NETWORK})
OperatorKey = Annotated[ApiKey, Depends(_require(Role.OPERATOR))]
NetworkKey = Annotated[ApiKey, Depends(_require(*NETWORK_ROLES))]
ScreenerKey = Annotated[ApiKey, Depends(_require(*SCREENER_ROLES, hint=SCREENER_HINT))]
GeneralKey = Annotated[ApiKey, Depends(_require(*GENERAL_ROLES))]
PeopleKey = Annotated[ApiKey, Depends(_require(Role.OPERATOR, Role.SUBSCRIBER))]


#: Ids are 64-bit signed integers in both databases: a path or query id outside 1..MAX_ID is
#: a validation error (422), never a value handed to the driver (OverflowError, a 500).
MAX_ID = 2**63 - 1
#: The largest page offset a listing takes.
MAX_OFFSET = 10_000_000

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


#: A call's set-up time is epoch seconds of a call that has happened: from 2000-01-01 UTC to
#: at most CLOCK_SKEW_S after the server's clock (a switch's clock may run a little ahead).
#: Milliseconds, or local time sent as UTC, would put a received call in the future and keep
#: its callee's report eligible long past the window (a year later, for a 7-day window).
EARLIEST_CALL = 946_684_800.0
CLOCK_SKEW_S = 3600.0


def call_time(at: float, now: float) -> float:
    """``at`` when it can be a call's set-up time by the server's clock ``now``, else a 422."""
    if not EARLIEST_CALL <= at <= now + CLOCK_SKEW_S:
        raise ApiError(
            422,
            "validation_error",
            f"at {at!r} is not the epoch seconds of a call made by now: from 2000-01-01 UTC"
            f" to {CLOCK_SKEW_S:,.0f} s after the server's clock (epoch milliseconds are"
            " 1,000 times too large)",
        )
    return at


def number_param(raw: str) -> str:
    try:
        return e164(raw)
    except InputError as exc:
        raise ApiError(422, "validation_error", exc.message) from exc


def pattern_param(raw: str, use: PatternUse | None = None) -> str:
    """A list pattern from a request (number or ``prefix*``) for ``use`` (only a block list
    takes a country calling code alone, ``+44*``); a bad one is a validation error."""
    try:
        return pattern(raw, use)
    except InputError as exc:
        raise ApiError(422, "validation_error", exc.message) from exc


def saved_pattern_param(
    raw: str, saved: Callable[[], Iterable[str]], use: PatternUse | None = None
) -> str:
    """A pattern to remove: normalised as ``pattern_param`` does, or, when it is not valid
    now, exactly as one of the ``saved`` patterns is written (migration 0004 leaves a
    pattern it cannot read as it was, and it must stay removable)."""
    try:
        return pattern_param(raw, use)
    except ApiError:
        if raw in set(saved()):
            return raw
        raise


async def subscriber_scope(
    key: PeopleKey,
    subscriber: Annotated[str, Path(description="the subscriber's number (E.164 or national)")],
) -> str:
    """The normalised subscriber of the path, after checking this key may reach it."""
    number = number_param(subscriber)
    if key.role is Role.SUBSCRIBER and key.subscriber != number:
        raise ApiError(403, "forbidden", "a subscriber key reaches only its own subscriber's data")
    return number


SubscriberScope = Annotated[str, Depends(subscriber_scope)]

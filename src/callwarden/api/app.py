"""The app factory: settings are built once here, the store opened (and migrated), caches
loaded, the write-behind flusher started; docs are served from vendored assets (no CDN)."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callwarden import __version__
from callwarden.api import errors
from callwarden.api.fastpath import DecideFastPath
from callwarden.api.limits import BodyLimit
from callwarden.api.metrics import MetricsMiddleware
from callwarden.api.roaming_reload import RoamingReload
from callwarden.api.routes import (
    appeals,
    cases,
    decide,
    health,
    numbers,
    operator,
    reports,
    screenings,
    subscribers,
)
from callwarden.api.state import ApiSettings, AppState
from callwarden.numbers.abroad import AbroadRule
from callwarden.numbers.registry import AllocationRegistry
from callwarden.store import Store
from callwarden.store.change_feed import stop_announcing

log = logging.getLogger(__name__)

DESCRIPTION = """\
Decide every call before it rings; give subscribers blocking, reporting and a block log
(拦截记录); give wrongly labelled businesses an appeal.

Authenticate with `Authorization: Bearer <API key>` (or `X-API-Key`, or HTTP Basic with the
key as the password). Roles: **operator** (everything),
**subscriber** (a subscriber app: only its own subscriber's settings, lists, block log and
reports), **network** (the call path: decide, received calls, 607 feedback), **screener**
(the screening assistant: screened calls only, which no network key may post).

Every error has one shape: `{"error": {"status", "code", "message", "details"}}`.
Subscriber and screener keys are rate-limited per key: over the limit, 429 `rate_limited`
with `Retry-After` (docs/api.md, "Rate limits").
"""


#: The docs pages may load only what this server serves. The vendored ReDoc (2.5) draws
#: Redocly's logo from its CDN: offline that is a failed fetch, online it tells that host each
#: time someone opens the docs. Inline script and style are the pages' own (Swagger UI's start-up,
#: ReDoc's styles); ReDoc's search runs in a worker made from a blob.
DOCS_POLICY = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline';"
    b" img-src 'self' data:; worker-src 'self' blob:"
)
DOCS_PATHS = frozenset({"/docs", "/redoc"})

#: The one address the vendored ReDoc bundle loads from a CDN: its footer's logo. Served
#: with an empty inline SVG in its place, the docs ask nothing of any other host, and the
#: policy above has nothing to refuse (Chromium logged a CSP error on every /redoc).
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
REDOC_BUNDLE = "/static-offline-docs/redoc.standalone.js"


@lru_cache(maxsize=1)
def _redoc_bundle() -> bytes:
    import fastapi_offline

    path = Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js"
    empty = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"
    return path.read_text(encoding="utf-8").replace(REDOC_LOGO, empty).encode()


async def _redoc_js(_request: Request) -> Response:
    return Response(_redoc_bundle(), media_type="text/javascript")


#: Sent with every answer but the docs' static assets: personal data (a subscriber's block
#: log, a number's verdict, a case file, the results page) is kept by no cache (a proxy's, a
#: shared browser's), and no answer is sniffed as another type than its Content-Type says.
#: decide's fast path and the body-limit answers send them too (``limits.respond``).
NO_STORE = (b"cache-control", b"no-store")
NOSNIFF = (b"x-content-type-options", b"nosniff")
STATIC_PREFIX = "/static-offline-docs/"


class ResponseHeaders:
    """Adds ``X-Content-Type-Options: nosniff`` to every answer, ``Cache-Control: no-store``
    to every answer but the docs' static assets (when the route set no Cache-Control
    itself), and a Content-Security-Policy to the docs pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        extra = [NOSNIFF]
        if path in DOCS_PATHS:
            extra.append((b"content-security-policy", DOCS_POLICY))
        store = not path.startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if store and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append(NO_STORE)
                message = {**message, "headers": [*headers, *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    settings: ApiSettings | None = None,
    store: Store | None = None,
    allocation: AllocationRegistry | None = None,
    abroad: AbroadRule | None = None,
    roaming: Path | None = None,
    roaming_tz: str | None = None,
) -> FastAPI:
    """Build the app. ``store`` may be passed in (tests); otherwise ``settings.db`` is opened.
    ``allocation``: the allocation registry decide asks about every displayed number;
    ``abroad``: the international-gateway rule decide judges each call's ingress with;
    ``roaming``: the file its roaming list was read from, re-read when it changes, its naive
    times in ``roaming_tz`` (the zone it was read in at start: ``serve --tz``)."""
    cfg = settings or ApiSettings()
    st = store if store is not None else Store.open(cfg.db, announce=False)
    stop_announcing(st.engine)  # this process applies its own writes to its caches
    state = AppState(cfg, st, allocation)
    state.abroad = abroad
    if abroad is not None and abroad.roaming is not None and roaming is not None:
        if roaming_tz is None:  # no default zone here: the edge that read the file says
            raise ValueError("create_app: roaming needs roaming_tz, the zone it was read in")
        state.roaming_reload = RoamingReload(state, roaming, roaming_tz)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The caches hold millions of long-lived objects; freezing them keeps the cyclic GC
        # from scanning them on every full collection (a pause that lands on p99 latency).
        gc.collect()
        gc.freeze()
        state.start()  # the write-behind flusher; the invalidation listener (PostgreSQL)
        log.info("serving %d verdicts from %s", len(state.verdicts), st.dialect)
        try:
            yield
        finally:
            state.stop()

    app = FastAPIOffline(
        title="callwarden",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.cw = state
    # before the static mount FastAPIOffline made, which would serve the bundle as shipped
    app.router.routes.insert(0, Route(REDOC_BUNDLE, _redoc_js, include_in_schema=False))
    errors.install(app)
    for module in (
        decide,
        numbers,
        subscribers,
        reports,
        screenings,
        appeals,
        operator,
        cases,
        health,
    ):
        app.include_router(module.router)
    app.add_middleware(ResponseHeaders)
    app.add_middleware(BodyLimit, state=state)  # every other route's body cap
    app.add_middleware(DecideFastPath, state=state)  # checks the key, then caps decide's body
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)  # outermost: sees both paths
    return app

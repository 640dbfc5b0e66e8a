"""Prometheus text-format metrics (exposition format 0.0.4), kept in plain dicts.

Small on purpose: counters and one latency histogram, updated from one event loop; a
dependency-free ASGI middleware counts requests by route template and status.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

# Seconds; the decide budget is 10 ms at p99, so the buckets are dense below it.
BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0)


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.n += 1


class Metrics:
    def __init__(self) -> None:
        self.requests: defaultdict[tuple[str, str, int], int] = defaultdict(int)
        self.request_seconds: defaultdict[str, Histogram] = defaultdict(Histogram)
        self.decisions: defaultdict[str, int] = defaultdict(int)
        self.reports: defaultdict[str, int] = defaultdict(int)
        #: screened calls stored (POST /v1/screenings), by the bot test's verdict and the
        #: screener's action (decisions counts decide's `screen` for the same call)
        self.screenings: defaultdict[tuple[str, str], int] = defaultdict(int)
        #: screened calls answered with an error (nothing stored), by status and error code
        self.screening_errors: defaultdict[tuple[int, str], int] = defaultdict(int)
        #: requests refused 429 by a per-key rate limit (api.rate_limit), by the key's role
        #: and the limit (lookup, subscriber, screener)
        self.rate_limited: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.gauges: dict[str, Callable[[], float]] = {}
        self.started = time.time()

    def render(self) -> str:
        out: list[str] = [
            "# HELP callwarden_http_requests_total HTTP requests by route, method and status.",
            "# TYPE callwarden_http_requests_total counter",
        ]
        for (route, method, status), n in sorted(self.requests.items()):
            out.append(
                f'callwarden_http_requests_total{{route="{route}",method="{method}",status="{status}"}} {n}'
            )
        out += [
            "# HELP callwarden_http_request_duration_seconds Time to answer, by route.",
            "# TYPE callwarden_http_request_duration_seconds histogram",
        ]
        for route, h in sorted(self.request_seconds.items()):
            cum = 0
            for le, c in zip((*BUCKETS, float("inf")), h.counts, strict=True):
                cum += c
                bound = "+Inf" if le == float("inf") else repr(le)
                out.append(
                    f'callwarden_http_request_duration_seconds_bucket{{route="{route}",le="{bound}"}} {cum}'
                )
            out.append(
                f'callwarden_http_request_duration_seconds_sum{{route="{route}"}} {h.total:.6f}'
            )
            out.append(f'callwarden_http_request_duration_seconds_count{{route="{route}"}} {h.n}')
        out += [
            "# HELP callwarden_decisions_total Decisions by action (POST /v1/decide; a screened"
            " call's outcome is callwarden_screenings_total's).",
            "# TYPE callwarden_decisions_total counter",
        ]
        out += [
            f'callwarden_decisions_total{{action="{a}"}} {n}'
            for a, n in sorted(self.decisions.items())
        ]
        out += [
            "# HELP callwarden_reports_total Reports by outcome.",
            "# TYPE callwarden_reports_total counter",
        ]
        out += [
            f'callwarden_reports_total{{outcome="{o}"}} {n}'
            for o, n in sorted(self.reports.items())
        ]
        out += [
            "# HELP callwarden_screenings_total Screened calls stored, by the bot test's verdict"
            " and the screener's action (each one also counted once in"
            " callwarden_decisions_total, as action screen).",
            "# TYPE callwarden_screenings_total counter",
        ]
        out += [
            f'callwarden_screenings_total{{verdict="{v}",action="{a}"}} {n}'
            for (v, a), n in sorted(self.screenings.items())
        ]
        out += [
            "# HELP callwarden_screening_errors_total Screened calls answered with an error,"
            " nothing stored, by status and error code (409 no_screen_decision, 409 conflict,"
            " 422, 503, 500; a body the request model refuses, and a key refused (401, 403),"
            " are in callwarden_http_requests_total only).",
            "# TYPE callwarden_screening_errors_total counter",
        ]
        out += [
            f'callwarden_screening_errors_total{{status="{st}",code="{c}"}} {n}'
            for (st, c), n in sorted(self.screening_errors.items())
        ]
        out += [
            "# HELP callwarden_rate_limited_total Requests refused 429 rate_limited by a per-key"
            " rate limit (no store work done), by the key's role and the limit (lookup,"
            " subscriber, screener; a subscriber's 21st report in a day is in"
            " callwarden_reports_total).",
            "# TYPE callwarden_rate_limited_total counter",
        ]
        out += [
            f'callwarden_rate_limited_total{{role="{r}",limit="{b}"}} {n}'
            for (r, b), n in sorted(self.rate_limited.items())
        ]
        for name, fn in sorted(self.gauges.items()):
            out += [f"# TYPE callwarden_{name} gauge", f"callwarden_{name} {fn()}"]
        out += [
            "# TYPE callwarden_uptime_seconds gauge",
            f"callwarden_uptime_seconds {time.time() - self.started:.1f}",
        ]
        return "\n".join(out) + "\n"


class MetricsMiddleware:
    """Pure ASGI middleware (no per-request task or body copy, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def _send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.requests[(path, scope["method"], status)] += 1
            self.metrics.request_seconds[path].observe(time.perf_counter() - t0)

"""What the no-store / nosniff headers cost (security audit, 30 Nov), in one process.

    python bench/headers_cost.py [--rounds 10] [--block 2000]

1. ``POST /v1/decide`` through the whole ASGI stack (metrics, fast path: no socket), a
   labelled caller, in alternating blocks: the answer's headers as before (content-type
   alone) and as now (with cache-control and x-content-type-options). Median of the blocks'
   per-request microseconds for each, and the ratio now / before.
2. A FastAPI route's extra middleware: a trivial ASGI app behind ``ResponseHeaders``, and
   behind a pass-through (what DocsPolicy did for any path but the docs), alternating blocks.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from callwarden.api import ApiSettings, create_app, limits
from callwarden.api.app import ResponseHeaders
from callwarden.policy import Verdict
from callwarden.store import Role, Store

BEFORE = [(b"content-type", b"application/json")]
NOW = list(limits._JSON)


async def _call(app: Any, scope: dict[str, Any], body: bytes) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


def _scope(path: str, method: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }


async def _block(app: Any, scope: dict[str, Any], body: bytes, n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        await _call(app, {**scope}, body)
    return (time.perf_counter() - t) / n * 1e6


async def main(rounds: int, block: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    store = Store.open(str(tmp / "b.db"))
    secret = store.create_key(Role.NETWORK)[1]
    app = create_app(ApiSettings(db=str(tmp / "b.db")), store)
    state = app.state.cw
    state.set_verdict(Verdict("+8617012345678", "harassment", 0.97, "insurance"))
    headers = [
        (b"authorization", f"Bearer {secret}".encode()),
        (b"content-type", b"application/json"),
    ]
    body = b'{"caller":"+8617012345678","callee":"+8613800138000","at":1800000000}'
    scope = _scope("/v1/decide", "POST", headers)
    state.store.clock = lambda: 1_800_000_000.0
    assert await _call(app, {**scope}, body) == 200
    await _block(app, scope, body, block)  # warm up
    times: dict[str, list[float]] = {"before": [], "now": []}
    for _ in range(rounds):
        for name, hdrs in (("before", BEFORE), ("now", NOW)):
            limits._JSON = hdrs
            times[name].append(await _block(app, scope, body, block))
            state.writes.flush()
    limits._JSON = NOW
    b, n = statistics.median(times["before"]), statistics.median(times["now"])
    print(f"decide, whole ASGI stack: before {b:.1f} us, now {n:.1f} us, ratio {n / b:.3f}")
    print("  blocks before:", " ".join(f"{x:.1f}" for x in times["before"]))
    print("  blocks now:   ", " ".join(f"{x:.1f}" for x in times["now"]))

    async def bare(_scope: Any, _receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def passthrough(scope: Any, receive: Any, send: Any) -> None:
        await bare(scope, receive, send)

    wrapped = ResponseHeaders(bare)
    get = _scope("/v1/numbers/+8617012345678", "GET", [])
    mw: dict[str, list[float]] = {"pass-through": [], "ResponseHeaders": []}
    for _ in range(rounds):
        for name, target in (("pass-through", passthrough), ("ResponseHeaders", wrapped)):
            mw[name].append(await _block(target, get, b"", block * 10))
    p, r = statistics.median(mw["pass-through"]), statistics.median(mw["ResponseHeaders"])
    print(f"FastAPI routes' middleware: pass-through {p:.2f} us, ResponseHeaders {r:.2f} us"
          f" (+{r - p:.2f} us a response)")  # fmt: skip
    state.writes.stop()
    store.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--block", type=int, default=2000)
    args = ap.parse_args()
    asyncio.run(main(args.rounds, args.block))

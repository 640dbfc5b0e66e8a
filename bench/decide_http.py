"""Decision latency: in-process ``policy.decide`` and HTTP ``POST /v1/decide`` on loopback.

    python bench/decide_http.py [--small] [--rate 1000] [--seconds 20]

In process: p50/p99/p99.9 of one ``decide`` over a realistic mix (100k verdicts, 20k
subscribers with settings and lists, a registry), timed call by call; baseline: the bare
verdict dict lookup it starts with.

HTTP: a real ``callwarden serve`` process on a SQLite store; an open-loop load generator sends
requests on a fixed schedule (``--rate`` per second) over keep-alive connections and measures
each latency from its *scheduled* send time (so a stall is not hidden: no coordinated
omission). Baseline: the same generator against a bare asyncio HTTP server that answers a
constant body (the floor of loopback, kernel and client). Peak memory: the server's VmHWM and
this process's max RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from callwarden.policy import (
    Call,
    ListKind,
    PatternSet,
    Protection,
    Registration,
    Registry,
    SubscriberPolicy,
    Verdict,
    decide,
)

CATS = ["insurance", "real_estate", "loans", "education", "finance", ""]
FLOOR_SERVER = r"""
import asyncio, sys
BODY = b'{"action":"allow","sip_code":null,"category":"","tag":null,"reasons":[],"redress_uri":"","call_info":""}'
RESP = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(BODY) + BODY
async def handle(r, w):
    while True:
        try:
            head = await r.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        n = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
        if n:
            await r.readexactly(n)
        w.write(RESP)
async def main():
    s = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    async with s:
        await s.serve_forever()
asyncio.run(main())
"""


def world(
    n_verdicts: int, n_subs: int, seed: int = 7
) -> tuple[dict[str, Verdict], dict[str, SubscriberPolicy], Registry, list[str], list[str]]:
    rng = random.Random(seed)
    verdicts: dict[str, Verdict] = {}
    for i in range(n_verdicts):
        num = f"+86170{i:08d}"
        label = rng.choices(["benign", "harassment", "fraud"], [0.3, 0.55, 0.15])[0]
        verdicts[num] = Verdict(num, label, rng.random(), rng.choice(CATS), campaign=f"c{i % 500}")
    subs = [f"+86138{i:08d}" for i in range(n_subs)]
    policies: dict[str, SubscriberPolicy] = {}
    for s in subs[: n_subs // 2]:  # half the subscribers changed something
        policies[s] = SubscriberPolicy(
            s,
            rng.choice(list(Protection)),
            frozenset(rng.sample(CATS[:-1], 2)),
            PatternSet.of([f"+86170{rng.randrange(n_verdicts):08d}" for _ in range(20)]),
            PatternSet.of(["+86171*", f"+86170{rng.randrange(10_000):04d}*"]),
        )
    registry = Registry.of(
        [Registration(f"+86170{i:08d}", f"courier {i}", "courier") for i in range(0, 2000, 20)]
        + [Registration("+8695*", "95 numbers", "bank")]
    )
    callers = [f"+86170{rng.randrange(int(n_verdicts * 1.3)):08d}" for _ in range(50_000)]
    return verdicts, policies, registry, subs, callers


def in_process(
    n_calls: int,
    verdicts: dict[str, Verdict],
    policies: dict[str, SubscriberPolicy],
    registry: Registry,
    subs: list[str],
    callers: list[str],
) -> dict[str, np.ndarray]:
    rng = random.Random(3)
    calls = [
        Call(callers[i % len(callers)], subs[rng.randrange(len(subs))]) for i in range(n_calls)
    ]
    clock = time.perf_counter_ns
    base = np.empty(n_calls, dtype=np.int64)
    full = np.empty(n_calls, dtype=np.int64)
    for i, c in enumerate(calls):
        t0 = clock()
        verdicts.get(c.caller)
        base[i] = clock() - t0
    for i, c in enumerate(calls):
        t0 = clock()
        decide(
            c, verdicts.get(c.caller), policies.get(c.callee), registry, redress_base="https://x/r/"
        )
        full[i] = clock() - t0
    return {"dict lookup (baseline)": base / 1e6, "policy.decide": full / 1e6}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(
    port: int, requests: list[bytes], rate: float, conns: int, warmup: int
) -> np.ndarray:
    """Open loop: request i is due at start + i/rate; latency is measured from that moment."""
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(conns):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    loop = asyncio.get_running_loop()
    lat = np.full(len(requests), np.nan)
    statuses: dict[int, int] = {}

    async def one(i: int, due: float) -> None:
        r, w = await pool.get()
        w.write(requests[i])
        head = await r.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        n = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                n = int(line[15:])
        await r.readexactly(n)
        lat[i] = (loop.time() - due) * 1e3
        statuses[status] = statuses.get(status, 0) + 1
        pool.put_nowait((r, w))

    tasks = []
    start = loop.time() + 0.05
    for i in range(len(requests)):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    if set(statuses) != {200}:
        raise SystemExit(f"non-200 answers: {statuses}")
    return lat[warmup:]


def http_requests(n: int, key: str, subs: list[str], callers: list[str]) -> list[bytes]:
    rng = random.Random(5)
    out = []
    for i in range(n):
        body = json.dumps(
            {"caller": callers[i % len(callers)], "callee": subs[rng.randrange(len(subs))]}
        ).encode()
        out.append(
            b"POST /v1/decide HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer "
            + key.encode()
            + b"\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
    return out


def wait_up(port: int, proc: subprocess.Popen[bytes], path: str = "/healthz") -> None:
    import httpx

    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit("server exited")
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def server_histogram(port: int) -> str:
    """Share of decide requests the server itself answered within each bucket."""
    import httpx

    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    pat = r'request_duration_seconds_bucket\{route="/v1/decide",le="([^"]+)"\} (\d+)'
    buckets = {le: int(n) for le, n in re.findall(pat, text)}
    total = buckets.get("+Inf", 0) or 1
    return ", ".join(
        f"<= {float(le) * 1e3:g} ms {buckets[le] / total:.2%}"
        for le in ("0.001", "0.005", "0.01", "0.05")
    )


def vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def http(
    args: argparse.Namespace,
    verdicts: dict[str, Verdict],
    policies: dict[str, SubscriberPolicy],
    registry: Registry,
    subs: list[str],
    callers: list[str],
) -> tuple[dict[str, np.ndarray], float, float]:
    from callwarden.store import Role, Store, schema

    tmp = Path(tempfile.mkdtemp(prefix="cw-bench-"))
    db = tmp / "bench.db"
    store = Store.open(str(db))
    store.import_verdicts(verdicts.values())
    for reg in list(registry.exact.values()):
        store.put_registration(reg, "bench")
    custom = list(policies.items())[:5000]
    with store.engine.begin() as conn:  # one transaction: the bench set-up, not the API path
        store.upsert(
            conn,
            schema.settings,
            [
                {
                    "subscriber": s,
                    "protection": p.protection.value,
                    "updated_at": 0.0,
                    "refused_categories": json.dumps(sorted(p.refused_categories)),
                }
                for s, p in custom
            ],
            ["subscriber"],
        )
        store.upsert(
            conn,
            schema.list_entries,
            [
                {
                    "subscriber": s,
                    "kind": ListKind.BLOCK.value,
                    "pattern": "+86171*",
                    "note": "",
                    "created_at": 0.0,
                }
                for s, _ in custom
            ],
            ["subscriber", "kind", "pattern"],
        )
    key = store.create_key(Role.NETWORK)[1]
    store.close()
    n = int(args.rate * args.seconds)
    warm = min(2000, n // 5)
    reqs = http_requests(n + warm, key, subs, callers)
    # The load generator's own heap (the world above) must not stall it in GC pauses that
    # would be charged to the server: freeze what exists now.
    gc.collect()
    gc.freeze()
    results: dict[str, np.ndarray] = {}

    port = free_port()
    floor = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER, str(port)])
    try:
        time.sleep(1.0)
        results["bare asyncio server (baseline)"] = asyncio.run(
            load(port, reqs, args.rate, args.conns, warm)
        )
    finally:
        floor.terminate()
        floor.wait()

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "callwarden.cli.main",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(port, server)
        import psutil

        ps = psutil.Process(server.pid)
        cpu0 = sum(ps.cpu_times()[:2])
        results["POST /v1/decide"] = asyncio.run(load(port, reqs, args.rate, args.conns, warm))
        cpu_ms = (sum(ps.cpu_times()[:2]) - cpu0) * 1e3 / len(reqs)
        server_side = server_histogram(port)
        peak = vm_hwm_mib(server.pid)
    finally:
        server.terminate()
        server.wait()
    return results, peak, cpu_ms, server_side


def row(name: str, ms: np.ndarray, base: np.ndarray) -> str:
    p50, p99, p999 = np.nanpercentile(ms, [50, 99, 99.9])
    ratio = p99 / np.nanpercentile(base, 99)
    return f"| {name:<32} | {len(ms):>9,} | {p50:8.4f} | {p99:8.4f} | {p999:8.4f} | {ratio:8.1f}x |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="quick run: fewer verdicts and calls")
    ap.add_argument("--rate", type=float, default=1000.0, help="HTTP requests per second")
    ap.add_argument("--seconds", type=float, default=20.0, help="HTTP load duration")
    ap.add_argument("--conns", type=int, default=32, help="keep-alive connections")
    ap.add_argument("--no-http", action="store_true", help="in-process part only")
    args = ap.parse_args()
    n_verdicts, n_subs, n_calls = (
        (20_000, 5_000, 50_000) if args.small else (100_000, 20_000, 300_000)
    )
    if args.small:
        args.seconds = min(args.seconds, 5.0)
    verdicts, policies, registry, subs, callers = world(n_verdicts, n_subs)

    head = "| path                             |     calls |  p50 ms  |  p99 ms  | p99.9 ms | p99 ratio |"
    line = "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"
    print(
        f"in process: {n_verdicts:,} verdicts, {n_subs:,} subscribers ({len(policies):,} with settings/lists)"
    )
    t0 = time.perf_counter()
    res = in_process(n_calls, verdicts, policies, registry, subs, callers)
    elapsed = time.perf_counter() - t0
    print(head)
    print(line)
    base = res["dict lookup (baseline)"]
    for name, ms in res.items():
        print(row(name, ms, base))
    print(
        f"decide throughput, timed loop: {n_calls / (res['policy.decide'].sum() / 1e3):,.0f} calls/s "
        f"(whole section {elapsed:.1f} s)"
    )

    if not args.no_http:
        print(
            f"\nHTTP on loopback: {args.rate:,.0f} requests/s open loop for {args.seconds:.0f} s, "
            f"{args.conns} connections, SQLite store, one server process"
        )
        hres, peak, cpu_ms, server_side = http(args, verdicts, policies, registry, subs, callers)
        print(head)
        print(line)
        hbase = hres["bare asyncio server (baseline)"]
        for name, ms in hres.items():
            print(row(name, ms, hbase))
        print(f"server-side time (its own histogram, ASGI in to response out): {server_side}")
        print(
            f"server CPU per decide request: {cpu_ms:.3f} ms; server peak memory (VmHWM): {peak:,.0f} MiB"
        )
    print(
        f"bench process peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

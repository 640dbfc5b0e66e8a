"""The cost of asking callwarden in the SIP path: the same calls through Kamailio with and without
the decision.

    python bench/sip.py [--calls 2000] [--rate 200] [--rounds 2]

A real ``callwarden serve`` (SQLite store: 1,000 verdicts, a subscriber with a block list), a
sipp UAS as the callee side, and two Kamailio proxies with deploy/kamailio/kamailio.cfg: one
asks ``POST /v1/decide`` per INVITE, the baseline is the same config with ``CW_OFF`` (never
asks). sipp sends ``--calls`` calls at ``--rate`` per second through each, alternating
baseline and decision ``--rounds`` times. Per run: the final-answer counts and the INVITE ->
final response time of every call at p50/p90/p99/max, from the timestamps (microseconds) of
sipp's message log (sipp's own -trace_rtt steps by 4 ms here, too coarse);
for the decision runs also the HTTP query time Kamailio logged per call, the TCP connections
Kamailio opened to callwarden (new local ports in /proc/net/tcp: its workers keep theirs
open), and the CPU time the callwarden and Kamailio processes used per call (from /proc). The mix: 10% confident fraud
(608), 5% on the callee's block list (603), 20% labelled harassment, 65% allowed (benign
verdicts and numbers without one). Last, ``--hung-calls`` calls while callwarden is stopped
(SIGSTOP): every call must still be answered (fail open), and the count of calls that waited
for the 1 s timeout shows what the breaker (CW_BREAKER_S) saves. Then callwarden's CPU per
decide over one kept-alive connection against a new connection per request (what Kamailio's
http_client_query did before the config used a named connection), ``--rounds`` times,
alternating.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.serving import free_port, start_serve  # noqa: E402
from tests.sip.sipstack import (  # noqa: E402
    Kamailio,
    Outcome,
    Uas,
    client_ports,
    free_udp_port,
    missing,
    pause,
    resume,
    run_calls,
)

from callwarden.policy import Verdict  # noqa: E402
from callwarden.store import Role, Store  # noqa: E402

CALLEES = [f"+86138{i:08d}" for i in range(50)]
BLOCKER = CALLEES[0]


def _cpu_s(pid: int) -> float:
    """utime + stime of a process and its children still running (Kamailio's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    kids = Path(f"/proc/{pid}/task/{pid}/children")
    if kids.exists():
        pids += [int(p) for p in kids.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _answers(calls: list[Outcome]) -> tuple[list[float], Counter[int | None]]:
    """Each answered call's INVITE-to-final-answer time (ms), and the calls per SIP answer."""
    return [c.ms for c in calls if c.ms is not None], Counter(c.code for c in calls)


def _latency(rtt: list[float]) -> str:
    """INVITE to final answer, ms: p50, p90, p99 and max."""
    return (
        f"INVITE->final ms p50 {_pct(rtt, 0.5):.2f} p90 {_pct(rtt, 0.9):.2f} "
        f"p99 {_pct(rtt, 0.99):.2f} max {max(rtt):.2f}"
    )


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--hung-calls", type=int, default=400, help="calls sent while callwarden is stopped"
    )
    args = ap.parse_args()
    why = missing()
    if why:
        raise SystemExit(why)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-sip-"))
    fraud = [f"+86170{i:08d}" for i in range(100)]
    harass = [f"+86171{i:08d}" for i in range(200)]
    benign = [f"+86139{i:08d}" for i in range(700)]
    blocked = [f"+86137{i:08d}" for i in range(20)]
    unknown = [f"+86136{i:08d}" for i in range(1000)]
    db = work / "cw.db"
    store = Store.open(str(db))
    network = store.create_key(Role.NETWORK)[1]
    store.import_verdicts(
        [Verdict(n, "fraud", 0.97, "impersonation_police", (), "") for n in fraud]
        + [Verdict(n, "harassment", 0.85, "insurance", (), "") for n in harass]
        + [Verdict(n, "benign", 0.02, "", (), "") for n in benign]
    )
    operator = store.create_key(Role.OPERATOR)[1]
    store.close()
    rows: list[tuple[str, ...]] = []
    for _ in range(args.calls):
        u = rng.random()
        if u < 0.10:
            rows.append((rng.choice(fraud), rng.choice(CALLEES)))
        elif u < 0.15:
            rows.append((rng.choice(blocked), BLOCKER))
        elif u < 0.35:
            rows.append((rng.choice(harass), rng.choice(CALLEES[1:])))
        elif u < 0.65:
            rows.append((rng.choice(benign), rng.choice(CALLEES)))
        else:
            rows.append((rng.choice(unknown), rng.choice(CALLEES)))

    port = free_port()
    server = start_serve(db, port, work / "serve.log")
    url = f"http://127.0.0.1:{port}"
    for n in blocked:  # through the API, as a subscriber's app would
        httpx.post(
            f"{url}/v1/subscribers/{BLOCKER}/lists/block",
            json={"pattern": n},
            headers={"Authorization": f"Bearer {operator}"},
        ).raise_for_status()
    uas = Uas(free_udp_port(), work).start()
    hop = f"sip:127.0.0.1:{uas.port}"
    decide = Kamailio(free_udp_port(), hop, url, network, work).start()
    base = Kamailio(free_udp_port(), hop, url, network, work, defines={"CW_OFF": None}).start()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; {args.calls} calls at {args.rate:g}/s per run"
    )
    try:
        for rnd in range(args.rounds):
            for name, kam in (("baseline (CW_OFF)", base), ("callwarden", decide)):
                log_at = kam.log.stat().st_size
                cpu0 = (_cpu_s(server.pid), _cpu_s(kam.proc.pid))  # type: ignore[union-attr]
                ports0 = client_ports(port)
                calls, sipp = run_calls(
                    kam.port,
                    rows,
                    work,
                    rate=args.rate,
                    timeout_s=args.calls / args.rate + 60,
                )
                cpu1 = (_cpu_s(server.pid), _cpu_s(kam.proc.pid))  # type: ignore[union-attr]
                opened = len(client_ports(port) - ports0)
                rtt, codes = _answers(calls)
                print(
                    f"round {rnd + 1} {name}: answers {dict(sorted(codes.items(), key=str))}; "
                    f"{_latency(rtt)} (n={len(rtt)}); "
                    f"CPU ms/call callwarden {1000 * (cpu1[0] - cpu0[0]) / len(rows):.3f} "
                    f"kamailio {1000 * (cpu1[1] - cpu0[1]) / len(rows):.3f}"
                )
                if sipp.returncode not in (0, 1):
                    print(f"  sipp exited {sipp.returncode}: {sipp.stdout[-500:]!r}")
                if kam is decide:
                    with kam.log.open("rb") as f:
                        f.seek(log_at)
                        us = [
                            int(m) / 1000
                            for m in re.findall(
                                rb"callwarden: \w+ \S+ -> \S+ in (\d+) us", f.read()
                            )
                        ]
                    if us:
                        print(
                            f"  Kamailio's query time ms (n={len(us)}): p50 "
                            f"{statistics.median(us):.2f} p90 {_pct(us, 0.9):.2f} "
                            f"p99 {_pct(us, 0.99):.2f} max {max(us):.2f}; "
                            f"TCP connections opened to callwarden: {opened}"
                        )
        if args.hung_calls:
            pause(server)
            try:
                calls, _ = run_calls(
                    decide.port, rows[: args.hung_calls], work, rate=args.rate, timeout_s=60
                )
            finally:
                resume(server)
            rtt, codes = _answers(calls)
            print(
                f"callwarden hung (SIGSTOP), {len(calls)} calls: answers {dict(codes)}; "
                f"{_latency(rtt)}; "
                f"{sum(x >= 900 for x in rtt)} calls waited >= 0.9 s"
            )
        # what one TCP connection per query (http_client_query, the config before) costs callwarden
        head = {"Authorization": f"Bearer {network}"}
        for rnd in range(args.rounds):
            c0 = _cpu_s(server.pid)
            with httpx.Client() as client:
                for caller, callee in rows[:2000]:
                    client.post(
                        f"{url}/v1/decide", json={"caller": caller, "callee": callee}, headers=head
                    )
            c1 = _cpu_s(server.pid)
            for caller, callee in rows[:2000]:
                httpx.post(
                    f"{url}/v1/decide", json={"caller": caller, "callee": callee}, headers=head
                )
            c2 = _cpu_s(server.pid)
            count = len(rows[:2000])
            print(
                f"round {rnd + 1} callwarden CPU ms per decide (httpx, {count} sequential requests): "
                f"kept-alive connection {1000 * (c1 - c0) / count:.3f}, "
                f"a new connection each {1000 * (c2 - c1) / count:.3f}"
            )
        print(f"load average after: {os.getloadavg()[0]:.1f}; files in {work}")
    finally:
        for k in (decide, base):
            k.stop()
        uas.stop()
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()

"""Crash test: a real ``callwarden serve`` process is SIGKILLed while clients write reports,
appeals and list changes; after a restart every acknowledged write is there."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from callwarden.store import Role, Store
from tests.serving import free_port, start_serve

SUBS = [f"+86138{i:08d}" for i in range(8)]
CALLERS = [f"+86170{i:08d}" for i in range(400)]
#: an HTTP client's timeout here: bounds a hang only
HANG_S = 60.0
#: the block-list writers post up to 400 patterns each with a subscriber key as fast as the
#: server takes them: the subscriber rate limit (60 at once, then 5 a second) is turned off so
#: that writes are still going at the SIGKILL
UNLIMITED = ("--subscriber-rate", "0")


@pytest.mark.slow
def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    store = Store.open(str(db))
    op = store.create_key(Role.OPERATOR)[1]
    sub_keys = {s: store.create_key(Role.SUBSCRIBER, s)[1] for s in SUBS}
    store.record_calls([(s, c, time.time()) for s in SUBS for c in CALLERS])
    store.close()

    port = free_port()
    proc = start_serve(db, port, tmp_path / "server.log", UNLIMITED)
    base = f"http://127.0.0.1:{port}"
    acked: dict[str, list[tuple[str, str]]] = {"report": [], "block": [], "appeal": []}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(sub: str, kind: str) -> None:
        headers = {"Authorization": f"Bearer {sub_keys[sub] if kind != 'appeal' else op}"}
        # the timeout only bounds a hang: after the SIGKILL the kernel resets the connection at
        # once, while a write waiting its turn on a loaded machine could pass 5 s (the old
        # value) and was taken for the server's end, its writer stopping unacknowledged
        with httpx.Client(base_url=base, headers=headers, timeout=HANG_S) as c:
            for i, caller in enumerate(CALLERS):
                if stop.is_set():
                    return
                try:
                    if kind == "report":
                        r = c.post("/v1/reports", json={"number": caller, "category": "loans"})
                    elif kind == "block":
                        r = c.post(f"/v1/subscribers/{sub}/lists/block", json={"pattern": caller})
                    else:
                        r = c.post("/v1/appeals", json={"number": caller, "owner": f"owner {i}"})
                except httpx.HTTPError:
                    return  # the server is gone: this write was never acknowledged
                if r.status_code == 201:
                    with lock:
                        acked[kind].append((sub, caller))
                elif r.status_code != 429:
                    raise AssertionError(r.text)

    threads = [threading.Thread(target=writer, args=(s, "block")) for s in SUBS[:3]]
    threads += [threading.Thread(target=writer, args=(s, "report")) for s in SUBS[3:6]]
    threads += [threading.Thread(target=writer, args=(SUBS[6], "appeal"))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    # 150 writes in all and one of each kind: the one appeal writer can be outpaced by the
    # six others (CI, 1 Dec: 45 reports, 109 blocks, 0 appeals at 150)
    while time.monotonic() < deadline and (
        sum(map(len, acked.values())) < 150 or not all(acked.values())
    ):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # mid-write: the writers are still going
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    counts = {k: len(v) for k, v in acked.items()}
    print("acknowledged before SIGKILL:", counts)
    assert all(counts.values()), counts

    proc = start_serve(db, port, tmp_path / "server.log", UNLIMITED)
    try:
        h = {"Authorization": f"Bearer {op}"}
        with httpx.Client(base_url=base, headers=h, timeout=HANG_S) as c:
            for sub in SUBS[:3]:
                have = {
                    e["pattern"]
                    for e in c.get(f"/v1/subscribers/{sub}/lists/block").json()["entries"]
                }
                want = {caller for s, caller in acked["block"] if s == sub}
                assert want <= have, f"lost list changes: {sorted(want - have)[:5]}"
            for sub in SUBS[3:6]:
                have = {r["number"] for r in c.get(f"/v1/subscribers/{sub}/reports").json()}
                want = {caller for s, caller in acked["report"] if s == sub}
                assert want <= have, f"lost reports: {sorted(want - have)[:5]}"
            pending = {a["number"] for a in c.get("/v1/review/appeals?limit=1000").json()}
            want = {caller for _, caller in acked["appeal"]}
            assert want <= pending, f"lost appeals: {sorted(want - pending)[:5]}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)

"""A real ``callwarden serve`` over a small store, Kamailio with deploy/kamailio/kamailio.cfg in
front of a sipp UAS (the callee side), for the SIP tests. Skipped, naming what to install, when
kamailio (with http_client and jansson) or sipp is absent; scripts/test installs them."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from callwarden.policy import Verdict
from callwarden.store import Role, Store
from tests.serving import free_port, start_serve
from tests.sip.sipstack import Kamailio, Uas, free_udp_port, missing

FRAUD = "+8617012345679"  # fraud 0.97: 608 with a redress URI
HARASSER = "+8617012345678"  # insurance harassment 0.91: labelled at standard protection
SUSPECT = "+8617055550001"  # fraud 0.70: labelled at standard, screened under strict
BENIGN = "+8613912345678"  # a verdict saying benign
STRANGER = "+8613700000001"  # no verdict; on ALICE's personal block list
ALICE = "+8613800138000"  # standard protection, blocks STRANGER
STRICT = "+8613800138002"  # strict protection


@dataclass
class Stack:
    url: str
    network_key: str
    server: subprocess.Popen[bytes]
    kamailio: Kamailio
    uas: Uas
    workdir: Path
    db: Path
    port: int  # callwarden's


@pytest.fixture(scope="session")
def sip_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    why = missing()
    if why is not None:
        pytest.skip(why)
    work = tmp_path_factory.mktemp("sip")
    db = work / "cw.db"
    store = Store.open(str(db))
    network = store.create_key(Role.NETWORK)[1]
    operator = store.create_key(Role.OPERATOR)[1]
    store.import_verdicts(
        [
            Verdict(FRAUD, "fraud", 0.97, "impersonation_police", (), ""),
            Verdict(HARASSER, "harassment", 0.91, "insurance", (), ""),
            Verdict(SUSPECT, "fraud", 0.70, "loan_fraud", (), ""),
            Verdict(BENIGN, "benign", 0.02, "", (), ""),
        ]
    )
    store.close()
    port = free_port()
    server = start_serve(db, port, work / "serve.log")
    url = f"http://127.0.0.1:{port}"
    uas = kam = None
    try:
        op = {"Authorization": f"Bearer {operator}"}
        r = httpx.post(
            f"{url}/v1/subscribers/{ALICE}/lists/block", json={"pattern": STRANGER}, headers=op
        )
        assert r.status_code in (200, 201), r.text
        r = httpx.put(
            f"{url}/v1/subscribers/{STRICT}/settings", json={"protection": "strict"}, headers=op
        )
        assert r.status_code == 200, r.text
        uas = Uas(free_udp_port(), work).start()
        kam = Kamailio(free_udp_port(), f"sip:127.0.0.1:{uas.port}", url, network, work).start()
        stack = Stack(url, network, server, kam, uas, work, db, port)
        yield stack
        server = stack.server  # a test may have restarted it
    finally:
        for part in (kam, uas):
            if part is not None:
                part.stop()
        server.terminate()
        server.wait(timeout=20)

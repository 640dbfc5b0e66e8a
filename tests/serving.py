"""A real ``callwarden serve`` (or any server with ``/healthz``) for the tests that need one
over a socket: the crash test, the browser tests and the SIP path."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: Only bounds a hang (an exiting server ends the wait at once): ``serve`` answered after
#: 4.9 s on an idle 2-core machine, 21.7 s beside two busy loops and ~58 s in a loaded run of
#: tests/sip, against the 60 s this was.
START_TIMEOUT_S = 300.0


def wait_healthy(
    proc: subprocess.Popen[bytes], base: str, log: Path, timeout_s: float = START_TIMEOUT_S
) -> None:
    """Until ``base/healthz`` answers 200; an AssertionError with the log's tail if the
    process exits or the time runs out (the process is then killed)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server did not come up: {log.read_text()[-2000:]}")


def start_serve(
    db: Path, port: int, log: Path, args: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
    """``callwarden serve --db DB --port PORT [ARGS]`` in a subprocess, once it answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "callwarden.cli.main", "serve", "--db", str(db),
         "--port", str(port), *args],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_healthy(proc, f"http://127.0.0.1:{port}", log)
    return proc

"""Real Kamailio and sipp processes around a real ``callwarden serve`` (tests/sip, bench/sip.py).

``Kamailio`` runs deploy/kamailio/kamailio.cfg with its settings given as ``-A`` defines and
callwarden's URL and key in an http_client connection file (mode 0600), as an operator would;
``Uas`` is a sipp UAS (tests/sip/uas.xml) that answers 200 and keeps a log of every message it
received; ``run_calls`` sends one sipp UAC call per row (tests/sip/uac.xml) through the proxy
and reads each call's final response, and the INVITE the UAS got, from sipp's message logs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "kamailio" / "kamailio.cfg"
UAC_XML = Path(__file__).resolve().parent / "uac.xml"
UAS_XML = Path(__file__).resolve().parent / "uas.xml"
INSTALL = (
    "apt-get install kamailio kamailio-utils-modules kamailio-extra-modules sip-tester "
    "(scripts/setup --system installs scripts/apt-packages.txt)"
)


def kamailio_bin() -> str | None:
    return shutil.which("kamailio") or shutil.which("kamailio", path="/usr/sbin:/usr/local/sbin")


def missing() -> str | None:
    """Why the SIP stack cannot run here (naming what to install), or None."""
    kam, sipp = kamailio_bin(), shutil.which("sipp")
    if kam is None or sipp is None:
        absent = [n for n, p in (("kamailio", kam), ("sipp", sipp)) if p is None]
        return f"{' and '.join(absent)} not found: {INSTALL}"
    check = subprocess.run(
        [kam, "-c", "-f", str(CONFIG)], capture_output=True, text=True, timeout=30
    )
    if check.returncode != 0:
        lines = [ln for ln in (check.stderr + check.stdout).splitlines() if "ERROR" in ln]
        return f"kamailio cannot load {CONFIG.name} ({'; '.join(lines[:2])}): {INSTALL}"
    return None


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ping(port: int) -> bool:
    """An OPTIONS to the proxy itself; True when it answers."""
    msg = (
        f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-ping\r\n"
        "From: <sip:ping@127.0.0.1>;tag=p\r\nTo: <sip:127.0.0.1>\r\n"
        "Call-ID: ping@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 2\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(0.3)
        msg = msg.replace("127.0.0.1:9", f"127.0.0.1:{s.getsockname()[1]}")
        s.sendto(msg.encode(), ("127.0.0.1", port))
        try:
            return s.recv(4096).startswith(b"SIP/2.0 200")
        except OSError:
            return False


@dataclass
class Kamailio:
    """``kamailio -DD -E`` on 127.0.0.1:``port`` with the repo's config and these defines;
    ``cw_url`` is callwarden's base URL (``http://host:port``), ``key`` a network key."""

    port: int
    next_hop: str
    cw_url: str
    key: str
    workdir: Path
    defines: dict[str, str | None] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.workdir / f"kamailio-{self.port}.log"

    @property
    def connections(self) -> Path:
        return self.workdir / f"callwarden-http-{self.port}.cfg"

    def write_connections(self) -> Path:
        """The http_client connection file naming callwarden: the key as the Basic password."""
        fd = os.open(self.connections, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(
                f"[callwarden]\nurl = {self.cw_url}\nusername = kamailio\npassword = {self.key}\n"
            )
        return self.connections

    def start(self) -> Kamailio:
        kam = kamailio_bin()
        assert kam is not None
        defines = {
            "LISTEN": f"udp:127.0.0.1:{self.port}",
            "NEXT_HOP": f'"{self.next_hop}"',
            "CW_CONNECTIONS": f'"{self.write_connections()}"',
            **self.defines,
        }
        args = [kam, "-f", str(CONFIG), "-DD", "-E", "-Y", str(self.workdir), "-m", "64"]
        for name, value in defines.items():
            args += ["-A", name if value is None else f"{name}={value}"]
        self.proc = subprocess.Popen(
            args, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, cwd=self.workdir
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"kamailio exited: {self.log.read_text()[-2000:]}")
            if _ping(self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"kamailio did not answer: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Uas:
    """A sipp UAS (tests/sip/uas.xml) on 127.0.0.1:``port``; every message it got is logged."""

    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def messages(self) -> Path:
        return self.workdir / f"uas-{self.port}.msg"

    def start(self, *extra: str) -> Uas:
        args = ["sipp", "-sf", str(UAS_XML), "-i", "127.0.0.1", "-p", str(self.port)]
        args += ["-nostdin", "-buff_size", "4194304"]
        args += ["-trace_msg", "-message_file", str(self.messages), *extra]
        out = (self.workdir / f"uas-{self.port}.out").open("ab")
        self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir)
        time.sleep(0.2)
        if self.proc.poll() is not None:
            raise AssertionError(f"sipp UAS exited ({self.proc.returncode})")
        return self

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)

    def invite(self, call_id: str, timeout: float = 5.0) -> dict[str, str] | None:
        """The headers of the INVITE the UAS received for ``call_id`` (None: it never came)."""
        return self.request("INVITE", call_id, timeout)

    def request(self, method: str, call_id: str, timeout: float = 5.0) -> dict[str, str] | None:
        """The headers of the first ``method`` request the UAS received for ``call_id``."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.messages.read_text(errors="replace") if self.messages.exists() else ""
            for first, headers in parse_messages(text):
                if first.startswith(f"{method} ") and headers.get("call-id") == call_id:
                    return headers
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)


_BLOCK = re.compile(r"^-{20,} (\S+ \S+)\n", re.M)


def parse_messages(text: str) -> list[tuple[str, dict[str, str]]]:
    """sipp's -trace_msg log as (first line, headers by lower-case name) per message."""
    return [(first, headers) for _, first, headers in timed_messages(text)]


def timed_messages(text: str) -> list[tuple[float, str, dict[str, str]]]:
    """sipp's -trace_msg log as (epoch seconds logged, first line, headers) per message."""
    out = []
    parts = _BLOCK.split(text)
    for stamp, block in zip(parts[1::2], parts[2::2], strict=True):
        lines = [ln.rstrip("\r") for ln in block.split("\n")]
        start = next(
            (
                i
                for i, ln in enumerate(lines)
                if re.match(r"^(SIP/2\.0 \d{3}|[A-Z]+ \S+ SIP/2\.0)", ln)
            ),
            None,
        )
        if start is None:
            continue
        headers: dict[str, str] = {}
        for ln in lines[start + 1 :]:
            if not ln:
                break
            name, _, value = ln.partition(":")
            headers.setdefault(name.strip().lower(), value.strip())
        at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
        out.append((at, lines[start], headers))
    return out


@dataclass
class Outcome:
    caller: str
    callee: str
    call_id: str
    code: int | None  # the final response's code (None: no final response)
    headers: dict[str, str]  # the final response's headers
    ms: float | None  # first INVITE sent -> final response received, as sipp logged them


def run_calls(
    proxy_port: int,
    rows: Sequence[tuple[str, ...]],
    workdir: Path,
    rate: float = 50,
    extra: tuple[str, ...] = (),
    timeout_s: float = 60,
) -> tuple[list[Outcome], subprocess.CompletedProcess[bytes]]:
    """One sipp UAC call per row ``(caller, callee[, asserted identity])`` through the proxy.

    The asserted identity (P-Asserted-Identity) defaults to the caller."""
    tag = f"uac-{time.monotonic_ns()}"
    inf = workdir / f"{tag}.csv"
    inf.write_text(
        "SEQUENTIAL\n" + "".join(f"{r[0]};{r[1]};{r[2] if len(r) > 2 else r[0]};\n" for r in rows)
    )
    messages = workdir / f"{tag}.msg"
    args = ["sipp", f"127.0.0.1:{proxy_port}", "-sf", str(UAC_XML), "-inf", str(inf)]
    args += ["-i", "127.0.0.1", "-p", str(free_udp_port()), "-m", str(len(rows))]
    args += ["-r", str(rate), "-nostdin", "-recv_timeout", "5000", "-timeout", str(int(timeout_s))]
    args += ["-buff_size", "4194304"]  # a burst of answers must not overflow sipp's socket
    args += ["-trace_msg", "-message_file", str(messages), *extra]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=workdir)
    out, _ = proc.communicate(timeout=timeout_s + 30)
    done = subprocess.CompletedProcess(args, proc.returncode, out)
    sent: dict[str, float] = {}
    finals: dict[str, tuple[int, dict[str, str], float]] = {}
    for at, first, headers in timed_messages(messages.read_text(errors="replace")):
        call_id = headers.get("call-id", "")
        if first.startswith("INVITE "):
            sent.setdefault(call_id, at)
        m = re.match(r"SIP/2\.0 (\d{3})", first)
        if m and int(m.group(1)) >= 200 and headers.get("cseq", "").endswith("INVITE"):
            finals.setdefault(call_id, (int(m.group(1)), headers, at))
    outcomes = []
    for i, r in enumerate(rows, start=1):
        call_id = f"{i}-{proc.pid}@127.0.0.1"
        final = finals.get(call_id)
        if final is None or call_id not in sent:
            outcomes.append(Outcome(r[0], r[1], call_id, final and final[0], {}, None))
            continue
        code, headers, at = final
        outcomes.append(Outcome(r[0], r[1], call_id, code, headers, 1000 * (at - sent[call_id])))
    return outcomes, done


def client_ports(server_port: int) -> set[int]:
    """The local ports of this host's TCP sockets connected to 127.0.0.1:``server_port`` (any
    state but LISTEN: established, or closed and waiting in TIME_WAIT for 60 s), from
    /proc/net/tcp. A port appears once per connection opened, so the new ones across some calls
    count the connections the proxy opened for them."""
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if state != "0A" and remote == f"0100007F:{server_port:04X}":
            ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def pause(proc: subprocess.Popen[bytes]) -> None:
    """SIGSTOP: the process keeps its listening socket (connections are accepted by the kernel)
    and answers nothing, as a hung server does."""
    os.kill(proc.pid, signal.SIGSTOP)


def resume(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGCONT)

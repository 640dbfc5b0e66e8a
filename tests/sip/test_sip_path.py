"""The SIP call path for real: sipp calls through Kamailio (deploy/kamailio/kamailio.cfg), which
asks a real ``callwarden serve`` per INVITE, to a sipp UAS. Each action's SIP answer, the
label header the callee gets, and fail-open when callwarden is down or hung."""

from __future__ import annotations

import base64
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.serving import free_port, start_serve
from tests.sip.conftest import (
    ALICE,
    BENIGN,
    FRAUD,
    HARASSER,
    STRANGER,
    STRICT,
    SUSPECT,
    Stack,
)
from tests.sip.sipstack import (
    Kamailio,
    Uas,
    client_ports,
    free_udp_port,
    pause,
    resume,
    run_calls,
)

UNKNOWN = "+8613655550000"  # no verdict, no list


def _callwarden_headers(headers: dict[str, str] | None) -> dict[str, str]:
    assert headers is not None, "the UAS never got the INVITE"
    return {k: v for k, v in headers.items() if k.startswith("x-callwarden")}


def _proxy(stack: Stack, url: str, defines: dict[str, str | None] | None = None) -> Kamailio:
    """One more proxy in front of the stack's callee, asking ``url``."""
    kam = Kamailio(
        free_udp_port(), f"sip:127.0.0.1:{stack.uas.port}", url, stack.network_key,
        stack.workdir, defines=defines or {},
    )  # fmt: skip
    return kam.start()


def test_each_action_gets_its_sip_answer(sip_stack: Stack) -> None:
    rows = [
        (FRAUD, ALICE),  # 0: confident fraud
        ("17012345679", ALICE),  # 1: the same number in national spelling
        (STRANGER, ALICE),  # 2: on ALICE's own block list
        (BENIGN, ALICE),  # 3
        (UNKNOWN, ALICE),  # 4
        (HARASSER, ALICE),  # 5: label
        (SUSPECT, STRICT),  # 6: screen (strict protection)
        (SUSPECT, ALICE),  # 7: label (standard protection)
        (BENIGN, ALICE, FRAUD),  # 8: the network asserts another identity: label (spoofed)
    ]
    calls, sipp = run_calls(sip_stack.kamailio.port, rows, sip_stack.workdir)
    codes = [c.code for c in calls]
    assert codes == [608, 608, 603, 200, 200, 200, 200, 200, 200], (codes, sipp.stdout[-3000:])
    assert sipp.returncode == 0, sipp.stdout[-3000:]

    # a 608 carries the API's own Call-Info value (RFC 8688 redress), a 603 none
    api = httpx.post(
        f"{sip_stack.url}/v1/decide",
        json={"caller": FRAUD, "callee": ALICE},
        headers={"Authorization": f"Bearer {sip_stack.network_key}"},
    ).json()
    assert api["call_info"] == f"<{sip_stack.url}/v1/redress/{FRAUD}>;purpose=jcard"
    assert calls[0].headers["call-info"] == api["call_info"]
    assert calls[1].headers["call-info"] == api["call_info"]
    assert calls[0].headers["cseq"] == "1 INVITE" and "call-info" not in calls[2].headers

    uas = sip_stack.uas
    for i in (0, 1, 2):  # a rejected call never reaches the callee
        assert uas.invite(calls[i].call_id, timeout=0) is None
    # allowed calls arrive unchanged: the caller's forged X-Callwarden-Tag is removed, from
    # the INVITE and from the in-dialog BYE alike
    for i in (3, 4):
        assert _callwarden_headers(uas.invite(calls[i].call_id)) == {}, rows[i]
        assert _callwarden_headers(uas.request("BYE", calls[i].call_id)) == {}, rows[i]
    # From shows a benign number, P-Asserted-Identity names another: someone else shows it
    assert _callwarden_headers(uas.invite(calls[8].call_id)) == {
        "x-callwarden-action": "label",
        "x-callwarden-tag": "疑似冒用号码",
        "x-callwarden-tag-en": "Suspected spoofed number",
    }
    assert _callwarden_headers(uas.invite(calls[5].call_id)) == {
        "x-callwarden-action": "label",
        "x-callwarden-tag": "疑似保险推销",
        "x-callwarden-tag-en": "Suspected insurance telemarketing",
    }
    screened = _callwarden_headers(uas.invite(calls[6].call_id))
    assert screened["x-callwarden-action"] == "screen"
    assert screened["x-callwarden-tag"] == "疑似诈骗（贷款诈骗）"
    assert _callwarden_headers(uas.invite(calls[7].call_id))["x-callwarden-action"] == "label"

    log = sip_stack.kamailio.log_text()
    assert f"From {BENIGN} asserted as {FRAUD}" in log
    assert "fail open" not in log


def test_fail_open_when_callwarden_is_unreachable(sip_stack: Stack) -> None:
    """Nothing listens where callwarden should be: calls ring unchanged, each failure logged;
    after one failure the proxy stops asking for CW_BREAKER_S seconds."""
    dead = f"http://127.0.0.1:{free_port()}"
    # the first call alone, then the second under a long breaker: 20 ms apart, the second
    # overlapped the first query when its worker was descheduled and asked too
    kam = _proxy(sip_stack, dead, {"CW_BREAKER_S": "120"})
    try:
        calls, sipp = run_calls(kam.port, [(FRAUD, ALICE)], sip_stack.workdir)
        assert sipp.returncode == 0, sipp.stdout[-3000:]
        more, sipp = run_calls(kam.port, [(HARASSER, ALICE)], sip_stack.workdir)
        calls += more
    finally:
        kam.stop()
    assert [c.code for c in calls] == [200, 200], sipp.stdout[-3000:]
    for c in calls:
        assert _callwarden_headers(sip_stack.uas.invite(c.call_id)) == {}
    log = kam.log_text()
    assert log.count("callwarden: fail open (no answer, curl error 7 ") == 1, log[-2000:]
    assert "callwarden: fail open (not asked until" in log, log[-2000:]
    assert f"it failed) {HARASSER} -> {ALICE}" in log, log[-2000:]  # the second call


def test_fail_open_when_callwarden_hangs(sip_stack: Stack) -> None:
    """callwarden stopped (SIGSTOP: its socket still accepts, nothing answers): the proxy gives
    up after CW_TIMEOUT_S (1 s, the least Kamailio 5.6's http_client takes) and relays; the
    calls after that are relayed without asking (the breaker), so not every call waits."""
    kam = _proxy(sip_stack, sip_stack.url)
    pause(sip_stack.server)
    try:
        t0 = time.monotonic()
        calls, sipp = run_calls(kam.port, [(FRAUD, ALICE)] * 20, sip_stack.workdir, rate=40)
        took = time.monotonic() - t0
    finally:
        resume(sip_stack.server)
        kam.stop()
    assert [c.code for c in calls] == [200] * 20, sipp.stdout[-3000:]
    for c in calls:
        assert _callwarden_headers(sip_stack.uas.invite(c.call_id)) == {}
    log = kam.log_text()
    assert "callwarden: fail open (no answer, curl error 28 " in log, log[-2000:]
    # the calls after the first timeouts are not held: the breaker skips the query
    assert "callwarden: fail open (not asked until" in log, log[-2000:]
    waited = [c.ms for c in calls if c.ms is not None and c.ms >= 900]
    assert 1 <= len(waited) < 20 and took < 8, ([c.ms for c in calls], took)
    # and callwarden, resumed, is asked again by the main proxy
    calls, _ = run_calls(sip_stack.kamailio.port, [(FRAUD, ALICE)], sip_stack.workdir)
    assert calls[0].code == 608


def test_screened_calls_go_to_the_screening_assistant(sip_stack: Stack) -> None:
    """With SCREEN_URI set, a screened call is relayed there (the callee stays in the R-URI);
    labelled and allowed calls still go to the callee."""
    screener = Uas(free_udp_port(), sip_stack.workdir).start()
    screen_uri = f'"sip:screener@127.0.0.1:{screener.port}"'
    kam = _proxy(sip_stack, sip_stack.url, defines={"SCREEN_URI": screen_uri})
    try:
        calls, sipp = run_calls(kam.port, [(SUSPECT, STRICT), (HARASSER, ALICE)], sip_stack.workdir)
        screened = screener.invite(calls[0].call_id)
        assert [c.code for c in calls] == [200, 200], sipp.stdout[-3000:]
        assert screened is not None and screened["x-callwarden-action"] == "screen"
        assert screener.invite(calls[1].call_id, timeout=0.5) is None
        assert sip_stack.uas.invite(calls[0].call_id, timeout=0) is None
        labelled = _callwarden_headers(sip_stack.uas.invite(calls[1].call_id))
        assert labelled["x-callwarden-action"] == "label"
    finally:
        kam.stop()
        screener.stop()


def test_connections_to_callwarden_are_kept_open(sip_stack: Stack) -> None:
    """Each worker keeps one connection to callwarden (a named http_client connection): 40
    asked calls open at most CHILDREN (8) connections; http_client_query opened one per call,
    leaving 40 ports in TIME_WAIT."""
    before = client_ports(sip_stack.port)
    calls, sipp = run_calls(sip_stack.kamailio.port, [(HARASSER, ALICE)] * 40, sip_stack.workdir)
    opened = client_ports(sip_stack.port) - before
    assert [c.code for c in calls] == [200] * 40, sipp.stdout[-3000:]
    assert all(_callwarden_headers(sip_stack.uas.invite(c.call_id)) for c in calls)
    assert len(opened) <= 8, sorted(opened)


def test_a_restarted_callwarden_is_asked_again_at_once(sip_stack: Stack) -> None:
    """callwarden restarted between calls: the workers' kept-open connections are dead; the
    next calls are decided over new connections, none fails open."""
    calls, _ = run_calls(sip_stack.kamailio.port, [(FRAUD, ALICE)] * 16, sip_stack.workdir)
    assert [c.code for c in calls] == [608] * 16
    assert len(client_ports(sip_stack.port)) >= 1
    sip_stack.server.terminate()
    sip_stack.server.wait(timeout=20)
    sip_stack.server = start_serve(sip_stack.db, sip_stack.port, sip_stack.workdir / "serve.log")
    log_at = len(sip_stack.kamailio.log_text())
    calls, sipp = run_calls(sip_stack.kamailio.port, [(FRAUD, ALICE)] * 16, sip_stack.workdir)
    assert [c.code for c in calls] == [608] * 16, sipp.stdout[-3000:]
    log = sip_stack.kamailio.log_text()[log_at:]
    assert "fail open" not in log, log[-2000:]
    assert log.count("callwarden: reject ") == 16, log[-2000:]


class _Fake(BaseHTTPRequestHandler):
    """A stand-in callwarden: answers every request with the class's status and body, and
    records each request's Authorization header."""

    protocol_version = "HTTP/1.1"
    status = 503
    body = b'{"detail":"overloaded"}'
    seen: list[str | None] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).seen.append(self.headers.get("Authorization"))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def test_fail_open_on_a_5xx_and_on_an_answer_without_action(sip_stack: Stack) -> None:
    """A 5xx: relayed unchanged and the breaker is used; a 200 without an action: relayed
    unchanged. Every request carried the key as HTTP Basic from the first (preemptive: curl
    never asked without it), user name kamailio."""
    for status, body, why in (
        (503, b'{"detail":"overloaded"}', "(HTTP 503 after "),
        (200, b'{"hello":"world"}', "(no action in the answer)"),
    ):
        handler: type[_Fake] = type("Fake", (_Fake,), {"status": status, "body": body, "seen": []})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        # a long breaker, and the first call alone before the other two: calls 20 ms apart
        # overlap the first query on a loaded machine, and each overlapping call asks too
        # (the breaker is set when an answer fails, not while a query is in flight)
        kam = _proxy(
            sip_stack, f"http://127.0.0.1:{server.server_address[1]}", {"CW_BREAKER_S": "120"}
        )
        try:
            calls, sipp = run_calls(kam.port, [(FRAUD, ALICE)], sip_stack.workdir)
            assert sipp.returncode == 0, sipp.stdout[-3000:]
            more, sipp = run_calls(kam.port, [(FRAUD, ALICE)] * 2, sip_stack.workdir)
            calls += more
        finally:
            kam.stop()
            server.shutdown()
            server.server_close()
        assert [c.code for c in calls] == [200] * 3, sipp.stdout[-3000:]
        for c in calls:
            assert _callwarden_headers(sip_stack.uas.invite(c.call_id)) == {}
        log = kam.log_text()
        assert f"callwarden: fail open {why}" in log, log[-2000:]
        basic = "Basic " + base64.b64encode(f"kamailio:{sip_stack.network_key}".encode()).decode()
        if status >= 500:
            assert "callwarden: fail open (not asked until" in log, log[-2000:]
            assert handler.seen == [basic], handler.seen  # one query, then the breaker
        else:
            assert handler.seen == [basic] * 3, handler.seen

"""The SIP call path for real: sipp calls through Kamailio (deploy/kamailio/kamailio.cfg), which
asks a real ``callwarden serve`` per INVITE, to a sipp UAS. Each action's SIP answer, the
label header the callee gets, and fail-open when callwarden is down or hung."""

from __future__ import annotations

import time

import httpx

from tests.api.test_crash import _free_port
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
from tests.sip.sipstack import Kamailio, Uas, free_udp_port, pause, resume, run_calls

UNKNOWN = "+8613655550000"  # no verdict, no list


def _callwarden_headers(headers: dict[str, str] | None) -> dict[str, str]:
    assert headers is not None, "the UAS never got the INVITE"
    return {k: v for k, v in headers.items() if k.startswith("x-callwarden")}


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
        (BENIGN, ALICE, FRAUD),  # 8: the network asserts another identity; From is asked
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
    # allowed calls arrive unchanged: the caller's forged X-Callwarden-Tag is removed
    for i in (3, 4, 8):
        assert _callwarden_headers(uas.invite(calls[i].call_id)) == {}, rows[i]
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
    dead = f"http://127.0.0.1:{_free_port()}/v1/decide"
    kam = Kamailio(
        free_udp_port(),
        f"sip:127.0.0.1:{sip_stack.uas.port}",
        dead,
        sip_stack.network_key,
        sip_stack.workdir,
    ).start()
    try:
        calls, sipp = run_calls(kam.port, [(FRAUD, ALICE), (HARASSER, ALICE)], sip_stack.workdir)
    finally:
        kam.stop()
    assert [c.code for c in calls] == [200, 200], sipp.stdout[-3000:]
    for c in calls:
        assert _callwarden_headers(sip_stack.uas.invite(c.call_id)) == {}
    log = kam.log_text()
    assert "callwarden: fail open (no answer, curl error 7 " in log, log[-2000:]
    assert "callwarden: fail open (not asked until" in log, log[-2000:]


def test_fail_open_when_callwarden_hangs(sip_stack: Stack) -> None:
    """callwarden stopped (SIGSTOP: its socket still accepts, nothing answers): the proxy gives
    up after CW_TIMEOUT_S (1 s, the least Kamailio 5.6's http_client takes) and relays; the
    calls after that are relayed without asking (the breaker), so not every call waits."""
    kam = Kamailio(
        free_udp_port(),
        f"sip:127.0.0.1:{sip_stack.uas.port}",
        f"{sip_stack.url}/v1/decide",
        sip_stack.network_key,
        sip_stack.workdir,
    ).start()
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
    kam = Kamailio(
        free_udp_port(),
        f"sip:127.0.0.1:{sip_stack.uas.port}",
        f"{sip_stack.url}/v1/decide",
        sip_stack.network_key,
        sip_stack.workdir,
        defines={"SCREEN_URI": f'"sip:screener@127.0.0.1:{screener.port}"'},
    ).start()
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

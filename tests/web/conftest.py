"""Chromium, driven by Playwright, against a real server: ``serve_run.py`` beside this file
runs the demo's own ``_serve`` (the API with its offline docs and the results page at ``/``,
under uvicorn, on a free 127.0.0.1 port) over a run folder a fixture writes.

Where the ``playwright`` package or Debian's Chromium is missing the tests are skipped with
what to install; ``scripts/setup --system`` (run by ``scripts/test`` and CI) installs both.
Playwright's own browser download is never used: it cannot reach its host here.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.serving import free_port, wait_healthy

CHROMIUM = Path(os.environ.get("CALLWARDEN_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVE_RUN = Path(__file__).with_name("serve_run.py")

#: Schemes that fetch nothing from a host (inline data, an object made by the page itself).
LOCAL_SCHEMES = {"data", "blob", "about"}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Playwright's Chromium browser type, or a skip that says what to install."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: .venv/bin/pip install -e '.[dev]'")
    if not CHROMIUM.is_file():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: apt-get install chromium fonts-wqy-microhei"
            " (scripts/setup --system installs them)"
        )
    with sync_playwright() as pw:
        yield pw.chromium


def launch(chromium: Any, env: dict[str, str] | None = None) -> Any:
    return chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, env=env)


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Iterator[Any]:
    b = launch(chromium)
    yield b
    b.close()


@dataclass
class Tab:
    """A page in a fresh browser context, and everything it did: every URL it asked for
    (workers included), console errors and uncaught exceptions (with the URL they name), and
    the message of every alert/confirm/prompt a script opened."""

    page: Any
    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)

    def off_machine(self) -> list[str]:
        """URLs that went (or tried to go) anywhere but 127.0.0.1; a request the page's
        Content-Security-Policy stopped inside the browser never went out."""
        out = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in LOCAL_SCHEMES or url in self.blocked:
                continue
            if parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname != "127.0.0.1":
                out.append(url)
        return out


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    t = Tab(page)
    context.on("request", lambda r: t.urls.append(r.url))

    def failed(request: Any) -> None:
        if request.failure in ("csp", "net::ERR_BLOCKED_BY_CSP"):  # as Playwright names it
            t.blocked.add(request.url)

    context.on("requestfailed", failed)

    def console(msg: Any) -> None:
        if msg.type == "error":
            # A browser's own fetch (the favicon) has no request event: its URL is here.
            url = (msg.location or {}).get("url", "")
            t.errors.append(f"{msg.text} ({url})")
            if url:
                t.urls.append(url)

    def dialog(d: Any) -> None:
        t.dialogs.append(d.message)
        d.dismiss()

    page.on("console", console)
    page.on("pageerror", lambda exc: t.errors.append(f"uncaught: {exc}"))
    page.on("dialog", dialog)
    yield t
    context.close()


def reasons_cell(*reasons: dict[str, Any]) -> str:
    return json.dumps(list(reasons), ensure_ascii=False)


def write_run(
    run: Path,
    verdicts: list[dict[str, str]],
    campaigns: list[dict[str, str]],
    evaluation: dict[str, Any] | None = None,
    replay: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
) -> Path:
    """A run folder as ``callwarden demo`` leaves it: ``scan/verdicts.csv``,
    ``scan/campaigns.csv``, ``scan/evaluation.json``, ``replay.json`` (and
    ``scan/scan-summary.json`` when ``summary`` is given)."""
    scan = run / "scan"
    scan.mkdir(parents=True)
    with (scan / "verdicts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["number", "label", "score", "category", "reasons", "campaign"])
        w.writeheader()
        w.writerows({"category": "", "campaign": "", **v} for v in verdicts)
    columns = ["campaign_id", "status", "members", "numbers", "ingresses", "daily_volume"]
    with (scan / "campaigns.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, [*columns, "answer_rate", "reasons"], restval="")
        w.writeheader()
        w.writerows(campaigns)
    if evaluation is not None:
        (scan / "evaluation.json").write_text(json.dumps(evaluation), encoding="utf-8")
    if replay is not None:
        (run / "replay.json").write_text(json.dumps(replay), encoding="utf-8")
    if summary is not None:
        (scan / "scan-summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return run


def results_run(run: Path) -> Path:
    """Figures, a replay, two flagged numbers and a benign one, a campaign."""
    high_attempts = {"code": "HIGH_ATTEMPTS", "evidence": {"attempts_by_caller_1h": 22}}
    shared_ingress = {"code": "SHARED_INGRESS", "evidence": {"ingress": "SIPT-1"}}
    return write_run(
        run,
        verdicts=[
            {
                "number": "+8613800138000",
                "label": "harassment",
                "score": "0.99",
                "category": "insurance",
                "reasons": reasons_cell(high_attempts),
                "campaign": "C1",
            },
            {"number": "+8617012345678", "label": "fraud", "score": "0.97", "reasons": "[]"},
            {"number": "+8613900139000", "label": "benign", "score": "0.01", "reasons": "[]"},
        ],
        campaigns=[
            {
                "campaign_id": "C1",
                "status": "active",
                "members": "2",
                "numbers": "+8613800138000;+8613800138001",
                "ingresses": "SIPT-1",
                "daily_volume": "4000",
                "answer_rate": "0.2",
                "reasons": reasons_cell(shared_ingress),
            }
        ],
        evaluation={
            "scanned": {"flagged_vs_benign": {"precision": 0.995, "recall": 0.9}},
            "legitimate_heavy_callers": {"rate": 0.0, "population": 12},
        },
        replay={
            "summary": {
                "unwanted_stopped_share": 0.931,
                "benign_rejected_share": 0.0,
                "baseline_unwanted_stopped_share": 0.12,
            },
            "by_category": {
                "harassment/insurance": {"calls": 10, "stopped": 0.9, "rejected": 0.5},
            },
        },
    )


#: Flagged numbers of the paged run: three pages of 50 and one of 7.
PAGED_FLAGGED = 157
PAGED_SUMMARY = {"day": "2026-11-02", "model_version": "6969f3fe3168", "numbers": 42722}


def paged_number(i: int) -> str:
    return f"+86139{i:08d}"


def paged_run(run: Path) -> Path:
    """Many flagged numbers (more than a page), a campaign with linking evidence, a summary."""
    ranges = {"code": "shared_list_ranges", "evidence": {"links": 2216}}
    verdicts = [
        {
            "number": paged_number(i),
            "label": "fraud" if i % 10 == 0 else "harassment",
            "score": f"{0.999 - i / 10_000:.4f}",
            "category": "insurance",
            "reasons": reasons_cell(
                {"code": "HIGH_ATTEMPTS", "evidence": {"attempts_by_caller_1h": 22}}
            ),
            "campaign": "Caed057bd" if i < 5 else "",
        }
        for i in range(PAGED_FLAGGED)
    ]
    verdicts.append(
        {"number": "+8613900139000", "label": "benign", "score": "0.01", "reasons": "[]"}
    )
    return write_run(
        run,
        verdicts=verdicts,
        campaigns=[
            {
                "campaign_id": "Caed057bd",
                "status": "dormant",
                "members": "241",
                "numbers": ";".join(paged_number(i) for i in range(5)),
                "ingresses": "SIPT-V1-1;SIPT-V1-2",
                "daily_volume": "17225",
                "answer_rate": "0.212",
                "reasons": reasons_cell(ranges),
            }
        ],
        summary=PAGED_SUMMARY,
    )


#: Markup in every text a verdict or campaign file carries (the folder's name has some too).
HOSTILE = {
    "code": '<script>window.ran = 1; alert("code")</script>',
    "evidence": '<img src=x onerror="window.ran = 2; alert(2)">',
    # no "/" in a verdict's campaign: verdicts.csv refuses one (it could never be fetched)
    "campaign": "<i>C9<b onclick=alert(7)>",
    "campaign_id": '<script>alert("id")</script>',
    "status": "</td></tr></table><h1>injected</h1>",
    "numbers": '<iframe src="javascript:alert(3)"></iframe>',
    "reasons": "<b onmouseover=alert(4)>bold</b><script>alert(5)</script>",
}
HOSTILE_FOLDER = "run<img src=x onerror=alert(6)>"


def hostile_run(run: Path) -> Path:
    reason = {"code": HOSTILE["code"], "evidence": {"note": HOSTILE["evidence"]}}
    return write_run(
        run,
        verdicts=[
            {
                "number": "+8613800138000",
                "label": "fraud",
                "score": "0.99",
                "reasons": reasons_cell(reason),
                "campaign": HOSTILE["campaign"],
            }
        ],
        campaigns=[{k: HOSTILE[k] for k in ("campaign_id", "status", "numbers", "reasons")}],
    )


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The run folders the site serves: ``results`` (a run with everything), ``hostile``
    (markup in its files), ``empty`` (a folder with nothing in it), ``paged`` (more flagged
    numbers than one page holds). Serving writes ``api-keys.txt`` (an operator key) in each."""
    root = tmp_path_factory.mktemp("web")
    found = {
        "results": results_run(root / "results"),
        "hostile": hostile_run(root / HOSTILE_FOLDER),
        "empty": root / "empty",
        "paged": paged_run(root / "paged"),
    }
    found["empty"].mkdir()
    return found


@pytest.fixture(scope="session")
def site(runs: dict[str, Path]) -> Iterator[dict[str, str]]:
    """Base URLs of one server process serving each of ``runs`` on a port of its own."""
    root = runs["empty"].parent
    cdrs = root / "cdrs.csv"
    cdrs.write_text(
        "start_time,caller,callee,duration_s\n"
        "2026-11-01T10:00:00Z,+8617012345678,+8613800138000,0\n",
        encoding="utf-8",
    )
    ports = {name: free_port() for name in runs}
    args = [str(a) for name, run in runs.items() for a in (run, ports[name])]
    log = root / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(SERVE_RUN), str(cdrs), *args], stdout=out, stderr=out
        )
    try:
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        for url in urls.values():
            wait_healthy(proc, url, log)
        yield urls
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

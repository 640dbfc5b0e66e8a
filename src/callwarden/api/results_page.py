"""The results page the demo serves at ``/``: what a scan and a replay found, for people.

Reads the artefacts the CLI writes (``scan/verdicts.csv``, ``scan/campaigns.csv``,
``scan/evaluation.json``, ``replay.json``) and renders one self-contained HTML page (no
script, no CDN): headline figures, flagged numbers with their reasons in Chinese and
English, campaigns with their evidence, and the replay against the complaint baseline.
"""

from __future__ import annotations

import csv
import json
import math
from html import escape
from pathlib import Path
from typing import Any

from callwarden.policy.render import CATEGORY_TEXT
from callwarden.reasons import Reason, render

#: The page's Content-Security-Policy: no script, nothing fetched; its own inline style and
#: the inline icon only. Escaping keeps a verdict file's markup text; this is the second line.
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

_STYLE = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",system-ui,sans-serif;margin:2rem;
color:#1d2430;max-width:1200px}
h1{margin-bottom:.2rem}.sub{color:#5b6575;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.card{border:1px solid #d6dbe3;border-radius:8px;padding:.8rem 1rem;min-width:200px}
.card b{display:block;font-size:1.6rem}.card span{color:#5b6575;font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border-bottom:1px solid #e4e8ee;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f8}.num{text-align:right;font-variant-numeric:tabular-nums}
.harassment{color:#a35a00}.fraud{color:#b00020}.muted{color:#5b6575}
code{font-size:.8rem;background:#f3f5f8;padding:0 .2rem}
"""


def _number(x: Any) -> float | None:
    """A JSON value as a finite number, or None (a hand-edited or foreign report may hold
    text, null or a list where a figure belongs: the page shows n/a, it does not fail)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return float(x) if math.isfinite(x) else None


def _pct(x: Any) -> str:
    v = _number(x)
    return "n/a" if v is None else f"{100 * v:.2f}%"


def _count(x: Any) -> str:
    v = _number(x)
    return "n/a" if v is None else f"{v:,.0f}"


def _obj(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        return _obj(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, UnicodeDecodeError):  # not JSON: shown as no report, not a crash
        return None


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _flagged_verdicts(path: Path) -> tuple[list[dict[str, str]], int]:
    """Flagged rows and the count of all rows; a scan has millions of benign rows to skip."""
    if not path.is_file():
        return [], 0
    flagged, scanned = [], 0
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            scanned += 1
            if row.get("label") in ("harassment", "fraud"):
                flagged.append(row)
    return flagged, scanned


def _reason_items(raw: str | None) -> list[dict[str, Any]] | None:
    """The reason objects of a CSV cell (a JSON list), or None when the cell is not one."""
    try:
        items = json.loads(raw or "[]")
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return None
    return items


def _score(value: str | None) -> float:
    """A verdict's score for sorting and display; blank or unreadable counts as 0."""
    try:
        x = float(value or 0)
    except ValueError:
        return 0.0
    return x if math.isfinite(x) else 0.0


def _reason_lines(raw: str) -> str:
    items = _reason_items(raw)
    if items is None:
        return escape(raw or "")
    lines = []
    for item in items:
        try:
            reason = Reason.from_dict(item)
        except (KeyError, TypeError, ValueError, AttributeError):
            lines.append(escape(json.dumps(item, ensure_ascii=False)))
            continue
        lines.append(
            f"<code>{escape(reason.code)}</code> {escape(render(reason, 'zh'))}"
            f"<br><span class=muted>{escape(render(reason, 'en'))}</span>"
        )
    return "<br>".join(lines)


def _cards(evaluation: dict[str, Any] | None, replay: dict[str, Any] | None) -> str:
    cards: list[tuple[str, str]] = []
    if evaluation:
        flagged = _obj(_obj(evaluation.get("scanned")).get("flagged_vs_benign"))
        heavy = _obj(evaluation.get("legitimate_heavy_callers"))
        cards += [
            (_pct(flagged.get("precision")), "precision of flagged numbers (harassment+fraud)"),
            (_pct(flagged.get("recall")), "recall of harassment+fraud numbers"),
            (
                _pct(heavy.get("rate")),
                f"legitimate heavy callers flagged ({_count(heavy.get('population', 0))})",
            ),
        ]
    if replay:
        s = _obj(replay.get("summary"))
        cards += [
            (
                _pct(s.get("unwanted_stopped_share")),
                "unwanted call attempts stopped before ringing",
            ),
            (_pct(s.get("benign_rejected_share")), "benign calls rejected"),
            (
                _pct(s.get("baseline_unwanted_stopped_share")),
                "stopped by a complaint blocklist alone",
            ),
        ]
    return (
        "<div class=cards>"
        + "".join(
            f"<div class=card><b>{escape(v)}</b><span>{escape(t)}</span></div>" for v, t in cards
        )
        + "</div>"
    )


def _verdict_table(flagged: list[dict[str, str]], scanned: int, top: int) -> str:
    flagged.sort(key=lambda v: -_score(v.get("score")))
    rows = "".join(
        f"<tr><td>{escape(v['number'])}</td><td class={escape(v['label'])}>{escape(v['label'])}</td>"
        f"<td class=num>{_score(v.get('score')):.4f}</td><td>{_category(v.get('category'))}</td>"
        f"<td>{escape(v.get('campaign', ''))}</td>"
        f"<td>{_reason_lines(v.get('reasons', ''))}</td></tr>"
        for v in flagged[:top]
    )
    return (
        f"<h2>Flagged numbers <span class=muted>({len(flagged):,} of {scanned:,} scanned;"
        f" top {min(top, len(flagged))} by score)</span></h2>"
        "<table><tr><th>number</th><th>label</th><th>score</th><th>category 类别</th>"
        f"<th>campaign</th><th>reasons 理由</th></tr>{rows}</table>"
    )


def _category(code: str | None) -> str:
    """A category as the tag names it (保险推销 / insurance telemarketing), else as written."""
    if not code:
        return ""
    if code in CATEGORY_TEXT:
        zh, en = CATEGORY_TEXT[code]
        return f"{escape(zh)}<br><span class=muted>{escape(en)}</span>"
    return escape(code)


def _campaign_table(campaigns: list[dict[str, str]]) -> str:
    rows = []
    for c in campaigns:
        members = c.get("numbers", "").split(";") if c.get("numbers") else []
        shown = ", ".join(members[:4]) + (f" … (+{len(members) - 4})" if len(members) > 4 else "")
        reasons = []
        items = _reason_items(c.get("reasons"))
        if items is None:  # not a JSON list of reasons: shown as written
            reasons.append(escape(c.get("reasons") or ""))
        for item in items or []:
            evidence = item.get("evidence")
            ev = ", ".join(
                f"{k}={v}" for k, v in (evidence.items() if isinstance(evidence, dict) else ())
            )
            reasons.append(f"<code>{escape(str(item.get('code', '')))}</code> {escape(ev)}")
        rows.append(
            f"<tr><td>{escape(c.get('campaign_id', ''))}</td><td>{escape(c.get('status', ''))}</td>"
            f"<td>{_category(c.get('category'))}</td>"
            f"<td class=num>{escape(c.get('members', ''))}</td><td>{escape(shown)}</td>"
            f"<td>{escape(c.get('ingresses', ''))}</td><td class=num>{escape(c.get('daily_volume', ''))}</td>"
            f"<td class=num>{escape(c.get('answer_rate', ''))}</td><td>{'<br>'.join(reasons)}</td></tr>"
        )
    return (
        f"<h2>Campaigns <span class=muted>({len(campaigns)})</span></h2><table><tr><th>id</th>"
        "<th>status</th><th>category 类别</th><th>members</th><th>numbers</th><th>ingresses</th><th>daily calls</th>"
        f"<th>answer rate</th><th>evidence</th></tr>{''.join(rows)}</table>"
    )


def _replay_table(replay: dict[str, Any] | None) -> str:
    if not replay:
        return ""
    rows = []
    for name, r in _obj(replay.get("by_category")).items():
        r = _obj(r)
        rows.append(
            f"<tr><td>{escape(str(name))}</td><td class=num>{_count(r.get('calls', 0))}</td>"
            f"<td class=num>{_pct(r.get('stopped'))}</td><td class=num>{_pct(r.get('rejected'))}</td>"
            f"<td class=num>{_pct(r.get('labelled'))}</td><td class=num>{_pct(r.get('baseline_stopped'))}</td></tr>"
        )
    return (
        "<h2>Replay: decided before each call rang</h2><table><tr><th>class</th><th>calls</th>"
        "<th>stopped</th><th>rejected</th><th>labelled</th><th>complaint blocklist</th></tr>"
        f"{''.join(rows)}</table>"
    )


#: What a run folder holds, relative to it; the page says so when none is there.
_ARTEFACTS = ("scan/verdicts.csv", "scan/campaigns.csv", "scan/evaluation.json", "replay.json")


def render_results_page(run_dir: Path, *, top: int = 50) -> str:
    """The HTML page for one demo run folder (``scan/``, ``replay.json``)."""
    evaluation = _read_json(run_dir / "scan" / "evaluation.json")
    replay = _read_json(run_dir / "replay.json")
    flagged, scanned = _flagged_verdicts(run_dir / "scan" / "verdicts.csv")
    campaigns = _read_csv(run_dir / "scan" / "campaigns.csv")
    found = [a for a in _ARTEFACTS if (run_dir / a).is_file()]
    empty = (
        ""
        if found
        else f"<p><b>No results in this run folder</b>: none of {', '.join(_ARTEFACTS)} is in it"
        " (<code>callwarden demo --out FOLDER</code> writes them).</p>"
    )
    # The icon is inline: without one a browser asks for /favicon.ico, which is a 404.
    return (
        "<!doctype html><html lang=zh><head><meta charset=utf-8><title>callwarden results</title>"
        f"<link rel=icon href='data:,'><style>{_STYLE}</style></head><body><h1>callwarden</h1>"
        "<p class=sub>Results of the run in "
        f"<code>{escape(str(run_dir))}</code>: simulated carrier traffic, model trained on seed 1, "
        "scanned and replayed on seed 2. API: <a href=/docs>/docs</a> · "
        f"<a href=/healthz>/healthz</a> · <a href=/metrics>/metrics</a></p>{empty}"
        f"{_cards(evaluation, replay)}{_replay_table(replay)}{_campaign_table(campaigns)}"
        f"{_verdict_table(flagged, scanned, top)}</body></html>"
    )

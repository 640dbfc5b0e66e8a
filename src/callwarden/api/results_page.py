"""The results page the demo serves at ``/``: what a scan and a replay found, for people.

Reads the artefacts the CLI writes (``scan/verdicts.csv``, ``scan/campaigns.csv``,
``scan/scan-summary.json``, ``scan/evaluation.json``, ``replay.json``) and renders
self-contained HTML pages (no script, no CDN), headings in Chinese and English: the model
and day of the scan, headline figures, the replay against the complaint baseline, campaigns
with their evidence rendered in both languages, and the flagged numbers with their reasons,
``PER_PAGE`` a page (``/?page=N``), each number and campaign linking to its case file.
"""

from __future__ import annotations

import csv
import json
import math
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

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
.en{color:#5b6575;font-weight:normal}.pager{margin:.5rem 0}.pager a,.pager b{margin:0 .2rem}
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


def _h2(zh: str, en: str, extra: str = "") -> str:
    return f"<h2>{escape(zh)} <span class=en lang=en>{escape(en)}</span>{extra}</h2>"


def _th(zh: str, en: str, cls: str = "") -> str:
    c = f" class={cls}" if cls else ""
    return f"<th{c}>{escape(zh)}<br><span class=en lang=en>{escape(en)}</span></th>"


def _cards(evaluation: dict[str, Any] | None, replay: dict[str, Any] | None) -> str:
    cards: list[tuple[str, str, str]] = []
    if evaluation:
        flagged = _obj(_obj(evaluation.get("scanned")).get("flagged_vs_benign"))
        heavy = _obj(evaluation.get("legitimate_heavy_callers"))
        cards += [
            (
                _pct(flagged.get("precision")),
                "标记号码的精确率（骚扰+诈骗）",
                "precision of flagged numbers (harassment+fraud)",
            ),
            (
                _pct(flagged.get("recall")),
                "骚扰+诈骗号码的召回率",
                "recall of harassment+fraud numbers",
            ),
            (
                _pct(heavy.get("rate")),
                f"被标记的合法高频号码（共 {_count(heavy.get('population', 0))} 个）",
                f"legitimate heavy callers flagged ({_count(heavy.get('population', 0))})",
            ),
        ]
    if replay:
        s = _obj(replay.get("summary"))
        cards += [
            (
                _pct(s.get("unwanted_stopped_share")),
                "振铃前拦下的骚扰/诈骗呼叫",
                "unwanted call attempts stopped before ringing",
            ),
            (_pct(s.get("benign_rejected_share")), "被拒接的正常呼叫", "benign calls rejected"),
            (
                _pct(s.get("baseline_unwanted_stopped_share")),
                "仅靠投诉黑名单能拦下的",
                "stopped by a complaint blocklist alone",
            ),
        ]
    return (
        "<div class=cards>"
        + "".join(
            f"<div class=card><b>{escape(v)}</b><span>{escape(zh)}<br>"
            f"<span lang=en>{escape(en)}</span></span></div>"
            for v, zh, en in cards
        )
        + "</div>"
    )


#: Where a number's and a campaign's case files are (operator key; docs/evidence.md).
CASE_NUMBER = "/v1/case-files/numbers/{}?format=html"
CASE_CAMPAIGN = "/v1/case-files/campaigns/{}?format=html"
#: Flagged numbers per page.
PER_PAGE = 50

_CASE_NOTE = (
    "<p class=muted>号码与团伙编号链接到其案卷（需运营方 API 密钥：浏览器询问时用户名任填，密码填密钥，"
    "见 <code>api-keys.txt</code>）。<br><span lang=en>Numbers and campaign ids link to their case "
    "files (an operator API key: when the browser asks, any user name and the key as the "
    "password; the demo writes it to <code>api-keys.txt</code>).</span></p>"
)


def _case_link(template: str, subject: str) -> str:
    href = template.format(quote(subject, safe=""))
    return f"<a href='{escape(href, quote=True)}'>{escape(subject)}</a>"


def _pager(page: int, pages: int) -> str:
    """Links to the first, previous, next and last pages and to the pages around this one."""
    if pages <= 1:
        return ""

    def link(n: int, text: str, rel: str = "") -> str:
        r = f" rel={rel}" if rel else ""
        return f"<a href='/?page={n}'{r}>{escape(text)}</a>"

    near = [n for n in range(1, pages + 1) if n in (1, pages) or abs(n - page) <= 3]
    items, last = [], 0
    for n in near:
        if n - last > 1:
            items.append("<span class=muted>…</span>")
        items.append(f"<b aria-current=page>{n}</b>" if n == page else link(n, str(n)))
        last = n
    prev = link(page - 1, "‹ 上一页 previous", "prev") if page > 1 else ""
    nxt = link(page + 1, "下一页 next ›", "next") if page < pages else ""
    return (
        f"<nav class=pager aria-label='pages 分页'>第 {page:,} / {pages:,} 页 "
        f"<span lang=en class=en>page {page:,} of {pages:,}</span> {prev} {' '.join(items)} "
        f"{nxt}</nav>"
    )


def _verdict_table(
    flagged: list[dict[str, str]], scanned: int, page: int = 1, per_page: int = PER_PAGE
) -> str:
    """One page of the flagged numbers (``flagged`` already sorted, highest score first)."""
    pages = max(1, math.ceil(len(flagged) / per_page))
    page = min(max(page, 1), pages)
    first = (page - 1) * per_page
    shown = flagged[first : first + per_page]
    rows = "".join(
        f"<tr><td class=num>{first + i + 1:,}</td><td>{_case_link(CASE_NUMBER, v['number'])}</td>"
        f"<td class={escape(v['label'])}>{_word(v['label'])}</td>"
        f"<td class=num>{_score(v.get('score')):.4f}</td><td>{_category(v.get('category'))}</td>"
        f"<td>{escape(v.get('campaign') or '')}</td>"
        f"<td>{_reason_lines(v.get('reasons', ''))}</td></tr>"
        for i, v in enumerate(shown)
    )
    span = f"{first + 1:,}–{first + len(shown):,}" if shown else "0"
    count = (
        f" <span class=muted>（扫描 {scanned:,} 个，标记 {len(flagged):,} 个；按分数排序，本页第 {span} 个）"
        f"<br><span lang=en>({len(flagged):,} of {scanned:,} scanned, by score; {span} on this "
        "page)</span></span>"
    )
    pager = _pager(page, pages)
    return (
        f"<section id=flagged>{_h2('被标记号码', 'Flagged numbers', count)}{_CASE_NOTE}{pager}"
        f"<table><tr>{_th('序号', '#', 'num')}{_th('号码', 'number')}{_th('标签', 'label')}"
        f"{_th('分数', 'score')}{_th('类别', 'category')}{_th('团伙', 'campaign')}"
        f"{_th('理由', 'reasons')}</tr>{rows}</table>{pager}</section>"
    )


def _category(code: str | None) -> str:
    """A category as the tag names it (保险推销 / insurance telemarketing), else as written."""
    if not code:
        return ""
    if code in CATEGORY_TEXT:
        zh, en = CATEGORY_TEXT[code]
        return f"{escape(zh)}<br><span class=muted lang=en>{escape(en)}</span>"
    return escape(code)


#: Labels and campaign statuses in Chinese (the English is the value itself).
_ZH = {
    "harassment": "骚扰",
    "fraud": "诈骗",
    "benign": "正常",
    "active": "活跃",
    "dormant": "休眠",
}


def _word(value: str | None) -> str:
    """A label or status with its Chinese name above it; an unknown one as written."""
    v = value or ""
    zh = _ZH.get(v)
    return f"{zh}<br><span class=muted lang=en>{escape(v)}</span>" if zh else escape(v)


def _replay_class(name: str) -> str:
    """``harassment/insurance`` as 骚扰/保险推销 above the name as written."""
    label, _, cat = name.partition("/")
    zh = _ZH.get(label)
    if zh is None:
        return escape(name)
    cat_zh = CATEGORY_TEXT[cat][0] if cat in CATEGORY_TEXT else cat
    return f"{escape(zh + ('/' + cat_zh if cat else ''))}<br><span class=muted lang=en>{escape(name)}</span>"


def _campaign_table(campaigns: list[dict[str, str]]) -> str:
    rows = []
    for c in campaigns:
        members = c.get("numbers", "").split(";") if c.get("numbers") else []
        shown = ", ".join(members[:4]) + (f" … (+{len(members) - 4:,})" if len(members) > 4 else "")
        cid = c.get("campaign_id", "")
        rows.append(
            f"<tr><td>{_case_link(CASE_CAMPAIGN, cid) if cid else ''}</td>"
            f"<td>{_word(c.get('status'))}</td><td>{_category(c.get('category'))}</td>"
            f"<td class=num>{_figure(c.get('members'))}</td><td>{escape(shown)}</td>"
            f"<td>{escape(c.get('ingresses', '').replace(';', ', '))}</td>"
            f"<td class=num>{_figure(c.get('daily_volume'))}</td>"
            f"<td class=num>{_figure(c.get('answer_rate'), rate=True)}</td>"
            f"<td>{_reason_lines(c.get('reasons') or '')}</td></tr>"
        )
    return (
        f"<section id=campaigns>{_h2('团伙', 'Campaigns', f' <span class=muted>({len(campaigns):,})</span>')}"
        f"<table><tr>{_th('编号', 'id')}{_th('状态', 'status')}{_th('类别', 'category')}"
        f"{_th('成员数', 'members', 'num')}{_th('号码', 'numbers')}{_th('入口', 'ingresses')}"
        f"{_th('日呼叫量', 'daily calls', 'num')}{_th('接通率', 'answer rate', 'num')}"
        f"{_th('证据', 'evidence')}</tr>{''.join(rows)}</table></section>"
    )


def _figure(raw: str | None, *, rate: bool = False) -> str:
    """A CSV figure for people (17225 -> 17,225; 0.212 -> 21.20%), else as written."""
    try:
        v = float(raw or "")
    except ValueError:
        return escape(raw or "")
    if not math.isfinite(v):
        return escape(raw or "")
    return _pct(v) if rate else _count(v) if v == int(v) else f"{v:,.2f}"


def _replay_table(replay: dict[str, Any] | None) -> str:
    if not replay:
        return ""
    rows = []
    for name, r in _obj(replay.get("by_category")).items():
        r = _obj(r)
        rows.append(
            f"<tr><td>{_replay_class(str(name))}</td><td class=num>{_count(r.get('calls', 0))}</td>"
            f"<td class=num>{_pct(r.get('stopped'))}</td><td class=num>{_pct(r.get('rejected'))}</td>"
            f"<td class=num>{_pct(r.get('labelled'))}</td><td class=num>{_pct(r.get('baseline_stopped'))}</td></tr>"
        )
    return (
        f"<section id=replay>{_h2('回放：每通呼叫振铃前的决定', 'Replay: decided before each call rang')}"
        f"<table><tr>{_th('类别', 'class')}{_th('呼叫', 'calls', 'num')}{_th('拦下', 'stopped', 'num')}"
        f"{_th('拒接', 'rejected', 'num')}{_th('标注', 'labelled', 'num')}"
        f"{_th('投诉黑名单', 'complaint blocklist', 'num')}</tr>{''.join(rows)}</table></section>"
    )


def _scan_line(summary: dict[str, Any] | None) -> str:
    """The model and day the verdicts came from (scan-summary.json), or that it is missing."""
    if not summary:
        return (
            "<p class=sub>扫描摘要缺失 <span lang=en>no scan/scan-summary.json: the model and day "
            "are not known</span></p>"
        )
    version = escape(str(summary.get("model_version") or "?"))
    day = escape(str(summary.get("day") or "?"))
    return (
        f"<p class=sub id=scan>模型版本 <code>{version}</code> · 扫描日 <b>{day}</b> · "
        f"扫描号码 {_count(summary.get('numbers'))}<br><span lang=en>model <code>{version}</code>, "
        f"scan day <b>{day}</b>, {_count(summary.get('numbers'))} numbers scanned</span></p>"
    )


#: What a run folder holds, relative to it; the page says so when none is there.
_ARTEFACTS = ("scan/verdicts.csv", "scan/campaigns.csv", "scan/evaluation.json", "replay.json")


class ResultsPages:
    """A run folder read once (a scan's millions of benign rows are skipped once), rendered
    one page of flagged numbers at a time: ``page(n)``."""

    def __init__(self, run_dir: Path, per_page: int = PER_PAGE) -> None:
        self.run_dir = run_dir
        self.per_page = max(1, per_page)
        self.evaluation = _read_json(run_dir / "scan" / "evaluation.json")
        self.replay = _read_json(run_dir / "replay.json")
        self.summary = _read_json(run_dir / "scan" / "scan-summary.json")
        flagged, self.scanned = _flagged_verdicts(run_dir / "scan" / "verdicts.csv")
        # highest score first; the number breaks ties, so a page holds the same rows each time
        self.flagged = sorted(flagged, key=lambda v: (-_score(v.get("score")), v.get("number", "")))
        self.campaigns = _read_csv(run_dir / "scan" / "campaigns.csv")
        self.found = [a for a in _ARTEFACTS if (run_dir / a).is_file()]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(len(self.flagged) / self.per_page))

    def page(self, n: int = 1) -> str:
        """Page ``n`` (1 = the first; one past the last shows the last)."""
        empty = (
            ""
            if self.found
            else "<p><b>此运行目录中没有结果 <span lang=en>No results in this run folder</span></b>:"
            f" none of {', '.join(_ARTEFACTS)} is in it"
            " (<code>callwarden demo --out FOLDER</code> writes them).</p>"
        )
        # The icon is inline: without one a browser asks for /favicon.ico, which is a 404.
        return (
            "<!doctype html><html lang=zh><head><meta charset=utf-8><title>callwarden results"
            f"</title><link rel=icon href='data:,'><style>{_STYLE}</style></head><body>"
            "<h1>callwarden</h1><p class=sub>运行目录 "
            f"<code>{escape(str(self.run_dir))}</code> 的结果：模拟的运营商话务，模型用种子 1 训练，"
            "在种子 2 上扫描和回放。<br><span lang=en>Results of the run in "
            f"<code>{escape(str(self.run_dir))}</code>: simulated carrier traffic, model trained on "
            "seed 1, scanned and replayed on seed 2.</span><br>API: <a href=/docs>/docs</a> · "
            f"<a href=/healthz>/healthz</a> · <a href=/metrics>/metrics</a></p>"
            f"{_scan_line(self.summary)}{empty}"
            f"{_cards(self.evaluation, self.replay)}{_replay_table(self.replay)}"
            f"{_campaign_table(self.campaigns)}"
            f"{_verdict_table(self.flagged, self.scanned, n, self.per_page)}</body></html>"
        )


def render_results_page(run_dir: Path, *, top: int = PER_PAGE, page: int = 1) -> str:
    """The HTML page for one demo run folder (``scan/``, ``replay.json``): page ``page`` of
    the flagged numbers, ``top`` a page."""
    return ResultsPages(run_dir, top).page(page)

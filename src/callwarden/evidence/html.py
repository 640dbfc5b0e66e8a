"""A case file as one printable HTML page, Chinese first with English beside it (pure).

Self-contained: no script, nothing fetched (the page's policy is ``PAGE_POLICY``); every
value from the inputs is escaped. The page shows what the JSON holds and names the JSON's
fingerprint, which is what a citation should quote.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from callwarden.reasons import fmt

#: No script, nothing fetched: inline style only.
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"

_STYLE = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",system-ui,sans-serif;margin:2rem;
color:#1d2430;max-width:1100px;font-size:14px}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #1d2430;padding-bottom:.2rem;margin-top:1.6rem}
.en{color:#5b6575;font-weight:normal}.muted{color:#5b6575}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{border:1px solid #d6dbe3;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f5f8}.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.8rem;word-break:break-all}.fp{font-family:monospace;word-break:break-all}
@media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}
h2{break-after:avoid}tr{break-inside:avoid}}
"""


def _h(zh: str, en: str, level: int = 2) -> str:
    return f"<h{level}>{escape(zh)} <span class=en lang=en>{escape(en)}</span></h{level}>"


def _v(value: Any) -> str:
    """A value for a cell: numbers with separators, missing as a dash, the rest escaped."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Mapping | list):
        return f"<code>{escape(json.dumps(value, ensure_ascii=False))}</code>"
    return escape(fmt(value, 6))


def _rows(pairs: Sequence[tuple[str, str, Any]]) -> str:
    body = "".join(
        f"<tr><th>{escape(zh)} <span class=en lang=en>{escape(en)}</span></th><td>{_v(v)}</td></tr>"
        for zh, en, v in pairs
    )
    return f"<table>{body}</table>"


def _table(
    head: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]], num: set[int] | None = None
) -> str:
    if not rows:
        return "<p class=muted>无 <span lang=en>none</span></p>"
    num = num or set()
    th = "".join(
        f"<th>{escape(zh)}<br><span class=en lang=en>{escape(en)}</span></th>" for zh, en in head
    )
    body = "".join(
        "<tr>" + "".join(
            f"<td class=num>{_v(c)}</td>" if i in num else f"<td>{_v(c)}</td>"
            for i, c in enumerate(r)
        ) + "</tr>"
        for r in rows
    )  # fmt: skip
    return f"<table><tr>{th}</tr>{body}</table>"


def _both(text: Mapping[str, Any] | None) -> str:
    if not text:
        return "—"
    return f"{escape(str(text.get('zh') or ''))}<br><span class=en lang=en>{escape(str(text.get('en') or ''))}</span>"


def reasons_table(reasons: Mapping[str, Any] | None) -> str:
    items = list((reasons or {}).get("items") or [])
    rows = "".join(
        f"<tr><td><code>{escape(str(r.get('code')))}</code></td>"
        f"<td><code>{escape(json.dumps(r.get('evidence'), ensure_ascii=False, sort_keys=True))}</code></td>"
        f"<td>{_both(r.get('text'))}</td></tr>"
        for r in items
    )
    bad = (reasons or {}).get("unreadable")
    extra = f"<p class=muted>unreadable: <code>{escape(str(bad))}</code></p>" if bad else ""
    if not rows:
        return extra + "<p class=muted>无理由 <span lang=en>no reasons</span></p>"
    return (
        "<table><tr><th>代码 <span class=en lang=en>code</span></th><th>证据 <span class=en "
        "lang=en>evidence</span></th><th>说明 <span class=en lang=en>explanation</span></th></tr>"
        f"{rows}</table>{extra}"
    )


#: Stored verdict fields shown, with their Chinese labels.
VERDICT_FIELDS = {
    "source": "来源",
    "protected": "申诉保护",
    "updated_at": "更新时间",
    "model_version": "模型版本",
    "day": "日期",
    "scan_day": "扫描日期",
}


def _verdict(v: Mapping[str, Any] | None, zh: str, en: str) -> str:
    if v is None:
        return _h(zh, en) + "<p>无 <span class=en lang=en>none</span></p>"
    cat = v.get("category") or {}
    pairs = [
        ("标签", "label", v.get("label")),
        ("分数", "score", v.get("score")),
        ("类别", "category", f"{cat.get('zh')} / {cat.get('en')}" if cat else None),
        ("提示语", "tag", f"{v['tag']['zh']} / {v['tag']['en']}" if v.get("tag") else None),
        ("团伙", "campaign", v.get("campaign")),
    ]
    pairs += [(VERDICT_FIELDS.get(k, k), k, v[k]) for k in VERDICT_FIELDS if k in v]
    out = _h(zh, en) + _rows(pairs) + reasons_table(v.get("reasons"))
    imp = v.get("import")
    if isinstance(imp, Mapping):
        out += _h("写入该判定的导入", "The import that wrote this verdict", 3) + _rows(
            [("导入编号", "import id", imp.get("import_id")),
             ("来源文件", "source file", imp.get("source_file")),
             ("模型版本", "model version", imp.get("model_version")),
             ("扫描日期", "scan day", imp.get("scan_day")),
             ("导入时间", "imported at", imp.get("at")),
             ("操作者", "actor", imp.get("actor"))]
        )  # fmt: skip
    return out


def _campaign(c: Mapping[str, Any] | None) -> str:
    if c is None:
        return ""
    cat = c.get("category") or {}
    out = _h("团伙", "Campaign") + _rows(
        [
            ("编号", "id", c.get("id")),
            ("状态", "status", c.get("status")),
            ("类别", "category", f"{cat.get('zh')} / {cat.get('en')}" if cat else None),
            ("成员数", "members", c.get("members")),
            ("入口", "ingresses", ", ".join(c.get("ingresses") or []) or None),
            ("首次出现", "first seen", c.get("first_seen")),
            ("最后出现", "last seen", c.get("last_seen")),
            ("日呼叫量", "daily calls", c.get("daily_volume")),
            ("接通率", "answer rate", c.get("answer_rate")),
            ("号码清单规模", "list size", c.get("list_size")),
            ("投诉数", "complaints", c.get("complaint_count")),
            ("被叫清单签名", "callee signature", c.get("callee_signature")),
            ("话术签名", "script signature", c.get("script_signature")),
        ]
    )
    out += _h("团伙理由", "Campaign reasons", 3) + reasons_table(c.get("reasons"))
    if c.get("member_list"):
        out += _h("成员号码及其判定", "Member numbers and their verdicts", 3) + _table(
            [("号码", "number"), ("标签", "label")],
            [
                (m.get("number"), m.get("label") or "无判定 no verdict")
                if isinstance(m, Mapping)
                else (m, None)
                for m in c["member_list"]
            ],
        )
    return out


def _calls(calls: Mapping[str, Any] | None) -> str:
    if calls is None:
        return (
            _h("当日呼叫", "Calls on the day")
            + "<p class=muted>无话单 <span lang=en>no CDRs</span></p>"
        )
    out = _h("当日呼叫", "Calls on the day") + _rows(
        [
            ("日期", "day", f"{calls['day']} ({calls['timezone']})"),
            ("呼叫", "calls", calls["calls"]),
            ("接通", "answered", calls["answered"]),
            ("接通率", "answer rate", calls["answer_rate"]),
            ("不同被叫", "distinct callees", calls["distinct_callees"]),
            ("总时长（秒）", "duration (s)", calls["duration_s"]),
        ]
    )
    out += _h("按小时", "By hour", 3) + _table(
        [("小时", "hour"), ("呼叫", "calls"), ("接通", "answered")],
        [(h["hour"], h["calls"], h["answered"]) for h in calls["by_hour"]], {1, 2},
    )  # fmt: skip
    out += _h("按入口", "By ingress", 3) + _table(
        [("入口", "ingress"), ("呼叫", "calls"), ("接通", "answered")],
        [(h["ingress"], h["calls"], h["answered"]) for h in calls["by_ingress"]], {1, 2},
    )  # fmt: skip
    out += _h("按释放原因", "By release cause (Q.850)", 3) + _table(
        [("原因值", "cause"), ("呼叫", "calls")],
        [(h["release_cause"], h["calls"]) for h in calls["by_release_cause"]], {1},
    )  # fmt: skip
    rows = calls["sample"]["rows"]
    cols = list(rows[0]) if rows else ["call_id"]
    out += (
        _h("话单样本", "Sample of CDR rows", 3)
        + (f"<p class=muted>{escape(calls['sample']['rule'])}; ≤ {calls['sample']['limit']}</p>")
        + _table([(c, c) for c in cols], [[r.get(c) for c in cols] for r in rows])
    )
    return out


def _store(case: Mapping[str, Any]) -> str:
    reports: Any = case.get("reports")
    appeals: Any = case.get("appeals")
    blocks: Any = case.get("block_log")
    audit: Any = case.get("audit")
    screened: Any = case.get("screenings") or {}
    if reports is None:
        return (
            _h("举报与申诉", "Reports and appeals")
            + "<p class=muted>无存储 <span lang=en>no store</span></p>"
        )
    out = _h("社区举报（607 与应用）", "Community reports (607 and app)") + _rows(
        [
            ("举报数", "reports", reports["count"]),
            ("加权", "weighted", reports["weighted"]),
            ("按类别", "by category", reports["by_category"]),
            ("按来源", "by source", reports["by_source"]),
        ]
    ) + _table(
        [("编号", "id"), ("号码", "number"), ("时间", "at"), ("举报人", "reporter"),
         ("类别", "category"), ("来源", "source"), ("权重", "weight")],
        [(r["id"], r["number"], r["at"], r["reporter"], (r["category"] or {}).get("code"),
          r["source"], r["weight"]) for r in reports["items"]],
    )  # fmt: skip
    out += _h("申诉及结果", "Appeals and outcomes") + _table(
        [("编号", "id"), ("号码", "number"), ("申诉方", "owner"), ("陈述", "statement"),
         ("提交", "filed"), ("状态", "status"), ("审核人", "reviewer"), ("审核意见", "note")],
        [(a["id"], a["number"], a["owner"], a["statement"], a["filed_at"], a["status"],
          a["reviewer"], a["review_note"]) for a in appeals["items"]],
    )  # fmt: skip
    out += _h("拦截记录", "Block log") + _rows(
        [
            ("决定数", "decisions", blocks["decisions"]),
            ("按动作", "by action", blocks["by_action"]),
            ("用户找回", "rescued by the subscriber", blocks["rescued"]),
        ]
    )
    if screened:  # (a case file saved before session 27 has none)
        out += _h("来电助手筛查", "Screened calls") + _rows(
            [
                ("通话数", "calls", screened["calls"]),
                ("按判定", "by verdict", screened["by_verdict"]),
                ("判定为机器人的被叫数", "callees that heard a bot", screened["bot_callees"]),
            ]
        )
    out += _h("审计记录", "Audit trail") + _table(
        [("时间", "at"), ("操作者", "actor"), ("动作", "action"), ("对象", "target"), ("详情", "detail")],
        [(e["at"], e["actor"], e["action"], e["target"], e["detail"]) for e in audit["items"]],
    )  # fmt: skip
    return out


def _scan(scan: Mapping[str, Any]) -> str:
    return _h("扫描与输入", "Scan and inputs") + _rows(
        [
            ("扫描日期", "scan day", scan.get("day")),
            ("模型版本", "model version", scan.get("model_version")),
            ("标记阈值", "flag threshold", scan.get("threshold")),
            ("扫描程序版本", "callwarden version", scan.get("callwarden_version")),
            ("扫描记录的输入", "inputs scan recorded", scan.get("recorded_inputs")),
            ("本机未找到（未计算哈希）", "not found here (not hashed)",
             ", ".join(scan.get("recorded_inputs_not_hashed") or []) or None),
        ]
    ) + _table(
        [("用途", "role"), ("文件", "file"), ("字节", "bytes"), ("SHA-256", "SHA-256")],
        [(i["role"], i["name"], i["bytes"], i["sha256"]) for i in scan.get("inputs") or []], {2},
    )  # fmt: skip


def _spoof_bridge(case: Mapping[str, Any]) -> str:
    s, b = case.get("spoofing"), case.get("bridging")
    out = ""
    if s is not None:
        out += _h("改号呼叫", "Spoofed calls") + _rows(
            [("呼叫", "calls", s["calls"]), ("按标志", "by flag", s["by_flag"]),
             ("话单编号（样本）", "call ids (sample)", ", ".join(s["call_ids"]) or None)]
        )  # fmt: skip
        if s.get("by_member"):
            out += _table(
                [("成员", "member"), ("改号呼叫", "spoofed calls"), ("其中空号", "of them unallocated")],
                [(m["number"], m["calls"], m["unallocated"]) for m in s["by_member"]], {1, 2},
            )  # fmt: skip
        rule = s.get("registry_rule")
        if isinstance(rule, Mapping):
            out += _h("号码资源登记规则", "Registry rule", 3) + (
                f"<p>{_both(rule.get('text'))}</p><p class=muted lang=en>"
                f"{escape(str(rule.get('note') or ''))}</p>"
            )
            if rule.get("by_member"):
                out += _table(
                    [("成员", "member"), ("规则", "rule"), ("当天呼叫", "calls that day"),
                     ("改号呼叫中的空号", "unallocated in spoofed calls")],
                    [(m["number"], m["code"], m["calls"], m["spoofed_calls_unallocated"])
                     for m in rule["by_member"]], {2, 3},
                )  # fmt: skip
    if b is not None and b["legs"]:
        out += _h("双向回呼", "Callback bridging") + _rows(
            [("呼叫腿", "legs", b["legs"]), ("按腿", "by leg", b["by_leg"])]
        ) + _table(
            [("话单编号", "call id"), ("腿", "leg"), ("坐席", "agent"), ("入口", "ingress"), ("配对", "pair")],
            [(r["call_id"], r["leg"], r["agent"], r["ingress"], r["pair_key"]) for r in b["rows"]],
        )  # fmt: skip
    return out


def render_html(case: Mapping[str, Any]) -> str:
    head = case["case_file"]
    kind_zh, kind_en = (
        ("号码案卷", "Case file: number")
        if head["kind"] == "number"
        else ("团伙案卷", "Case file: campaign")
    )
    fp = (head.get("fingerprint") or {}).get("sha256", "")
    parts = [
        f"<!doctype html><html lang=zh><head><meta charset=utf-8><title>{escape(kind_zh)} "
        f"{escape(str(head['subject']))}</title><link rel=icon href='data:,'><style>{_STYLE}</style>"
        f"</head><body>{_h(kind_zh, kind_en, 1)}<p><b>{escape(str(head['subject']))}</b></p>",
        _rows(
            [
                ("版本", "version", head.get("version")),
                ("生成时间", "generated at", head.get("generated_at")),
            ]
        ),
        f"<p>指纹 <span class=en lang=en>fingerprint</span> (SHA-256): <span class=fp>{escape(fp)}</span>"
        f"<br><span class=muted>{escape((head.get('fingerprint') or {}).get('covers', ''))}</span></p>",
    ]
    if "who" in case:
        w = case["who"]
        parts.append(_h("号码信息", "Who") + _rows(
            [("号码", "number", w["number"]), ("类型", "class", w["class"]),
             ("归属地", "location", f"{w['zh']['location'] or '—'} / {w['en']['location'] or '—'}"),
             ("运营商（原始）", "carrier (original)", f"{w['zh']['carrier'] or '—'} / {w['en']['carrier'] or '—'}")]
            + ([("说明", "note", w["note"])] if w.get("note") else [])
        ))  # fmt: skip
    parts.append(_scan(case.get("scan") or {}))
    if head["kind"] == "number":
        parts.append(_verdict(case.get("verdict"), "扫描判定", "Verdict of the scan"))
        parts.append(
            _verdict(case.get("verdict_in_force"), "当前生效判定", "Verdict in force (store)")
        )
        parts.append(_campaign(case.get("campaign")))
    else:
        parts.append(_campaign(case.get("campaign")))
        m = case["members"]
        parts.append(_h("成员", "Members") + _rows(
            [("成员数", "members", m["count"]), ("按标签", "by label", m["by_label"])]
        ) + _table(
            [("号码", "number"), ("类型", "class"), ("归属地", "location"), ("运营商", "carrier"),
             ("呼叫", "calls"), ("标签", "label"), ("分数", "score"), ("首次", "first seen"), ("最后", "last seen")],
            [(x["number"], x["class"], x["location"], x["carrier"], x["calls"], x["label"], x["score"],
              x["first_seen"], x["last_seen"]) for x in m["items"]], {4, 6},
        ))  # fmt: skip
    parts += [_calls(case.get("calls")), _spoof_bridge(case), _store(case)]
    notes = case.get("notes") or []
    if notes:
        parts.append(
            _h("说明", "Notes")
            + "<ul>"
            + "".join(f"<li>{escape(str(n))}</li>" for n in notes)
            + "</ul>"
        )
    parts.append("</body></html>")
    return "".join(parts)

"""Reasons: stable codes plus evidence, from the model's per-feature contributions.

A reason code names a feature family and the direction of the value against what benign
numbers show (``LOW_ANSWER_RATE``, ``HIGH_ATTEMPTS``); its evidence is the feature value
and the benign median it was compared with. Rules add their own codes
(``UNALLOCATED_CALLER``). Text for people comes from
:func:`callwarden.reasons.render`, which uses the wording registered at the end of this
module; the code never changes with the wording.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

import numpy as np

from callwarden.reasons import Reason, register, register_pattern

__all__ = ["Direction", "Reason", "RuleCode", "ScanCode", "code_for", "family_of", "top_reasons"]

#: Feature family -> (Chinese noun, English noun). Unknown families (carrier tables) fall
#: back to the column name.
FAMILY_TEXT: dict[str, tuple[str, str]] = {
    "attempts": ("呼叫次数", "call attempts"),
    "distinct_callees": ("不同被叫数", "distinct callees"),
    "answer_rate": ("接通率", "answer rate"),
    "talk_p50": ("通话时长中位数(秒)", "median talk time (s)"),
    "talk_p90": ("通话时长90分位(秒)", "90th percentile talk time (s)"),
    "short_call_share": ("10秒内挂断占比", "share of answered calls under 10 s"),
    "dead_callee_share": ("呼叫空号占比", "share of calls to unallocated numbers"),
    "rejected_share": ("被拒接占比", "share of calls rejected"),
    "interval_cv": ("呼叫间隔离散度", "call-interval variation"),
    "interval_p50": ("呼叫间隔中位数(秒)", "median gap between calls (s)"),
    "concurrent_share": ("并发呼叫占比", "share of concurrent calls"),
    "active_hours": ("活跃小时数", "active hours"),
    "night_share": ("夜间呼叫占比", "share of night calls"),
    "asserted_mismatch_share": (
        "主叫号码与网络认定号码不一致占比",
        "share of calls whose asserted identity differs",
    ),
    "attest_a_share": ("A级认证占比", "share of A-attested calls"),
    "attest_c_share": ("C级认证占比", "share of C-attested calls"),
    "region_mismatch_share": (
        "号码归属地与接入地不一致占比",
        "share of calls outside the number's home region",
    ),
    "distinct_callers": ("同一入口的不同主叫号码数", "distinct caller numbers on the ingress"),
    "unallocated_caller_share": (
        "入口空号主叫占比",
        "share of ingress calls from unallocated numbers",
    ),
    "callback_rate": ("被叫回拨率", "callee call-back rate"),
    "prior_contact_share": ("与被叫有过往联系占比", "share of callees with earlier contact"),
    "sequential_dialing_share": ("顺序拨号占比", "share of sequential dialling"),
    "inbound_calls": ("被呼叫次数", "calls received"),
    "distinct_inbound_callers": ("不同来电号码数", "distinct numbers calling in"),
    "in_out_ratio": ("呼入呼出比", "received/placed ratio"),
    "calls_per_callee": ("每个被叫的呼叫次数", "calls per callee"),
    "calls_per_caller": ("入口每个主叫号码的呼叫次数", "calls per number on the ingress"),
    "unallocated": ("主叫号码未分配(空号)", "displayed number unallocated"),
    "maturity_days": ("号码在网天数", "days since first seen"),
    "ingresses": ("接入入口数", "ingresses used"),
}

#: The 1h window is the busiest 60 consecutive minutes of the day (sliding by a minute; the
#: busiest clock hour until session 24, features.definitions).
_WINDOW_TEXT = {
    "1h": ("最忙60分钟", "busiest 60 minutes"),
    "1d": ("当日", "day"),
    "7d": ("7日", "7 days"),
}


class Direction(StrEnum):
    HIGH = "HIGH"
    LOW = "LOW"
    UNUSUAL = "UNUSUAL"


class RuleCode(StrEnum):
    """Codes of hard-signal rules (see ``callwarden.detect.rules``)."""

    UNALLOCATED_CALLER = "UNALLOCATED_CALLER"


class ScanCode(StrEnum):
    """Codes of the reasons ``scan --explain-benign`` gives numbers it did not flag."""

    NOT_SCORED_LOW_ACTIVITY = "NOT_SCORED_LOW_ACTIVITY"
    # the unallocated feature as a reason a number stayed benign (never the 空号 rule's code)
    ALLOCATED_CALLER = "ALLOCATED_CALLER"
    ALLOCATION_UNKNOWN = "ALLOCATION_UNKNOWN"
    UNUSUAL_UNALLOCATED = "UNUSUAL_UNALLOCATED"
    BELOW_FLAG_THRESHOLD = "BELOW_FLAG_THRESHOLD"


#: The entities of the CDR features' names (``features.definitions.Entity``).
_ENTITIES = ("caller", "ingress")


def family_of(feature: str) -> tuple[str, str | None, str | None]:
    """``answer_rate_by_caller_1d`` -> ("answer_rate", "caller", "1d"); other names as-is,
    a carrier table's ``calls_by_month`` too (it is not a per-ingress feature)."""
    if "_by_" in feature:
        base, _, rest = feature.rpartition("_by_")
        entity, _, window = rest.partition("_")
        if entity in _ENTITIES and window in ("", *_WINDOW_TEXT):
            return base, entity, window or None
    return feature, None, None


def code_for(feature: str, direction: Direction) -> str:
    base, entity, _ = family_of(feature)
    stem = base.upper() if entity in (None, "caller") else f"INGRESS_{base.upper()}"
    if base == "unallocated":
        return RuleCode.UNALLOCATED_CALLER.value
    return f"{direction.value}_{stem}"


def _num(v: float) -> float | int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 1e15 else round(f, 4)


def top_reasons(
    contributions: np.ndarray,
    X: np.ndarray,
    feature_names: tuple[str, ...],
    reference: dict[str, float | None],
    k: int = 3,
) -> list[list[Reason]]:
    """The ``k`` features that pushed each row hardest toward its label, as reasons.

    Families repeat across windows (``answer_rate`` 1d and 7d); only the strongest feature
    of a family is kept so three reasons say three different things.
    """
    # Per feature once, not per row (scan explains thousands of rows).
    families = [family_of(n)[0] + (family_of(n)[1] or "") for n in feature_names]
    codes = {d: [code_for(n, d) for n in feature_names] for d in Direction}
    refs = [reference.get(n) for n in feature_names]
    medians = [_num(ref) if ref is not None else None for ref in refs]
    out: list[list[Reason]] = []
    order = np.argsort(-contributions, axis=1, kind="stable")
    for r in range(len(X)):
        reasons: list[Reason] = []
        seen: set[str] = set()
        for j in order[r]:
            w = float(contributions[r, j])
            if w <= 0 or len(reasons) >= k:
                break
            fam = families[j]
            if fam in seen:
                continue
            seen.add(fam)
            name, ref = feature_names[j], refs[j]
            value = _num(float(X[r, j]))
            if value is None or ref is None:
                direction = Direction.UNUSUAL
            else:
                direction = Direction.HIGH if value > ref else Direction.LOW
            evidence: dict[str, Any] = {name: value}
            if ref is not None:
                evidence["benign_median"] = medians[j]
            reasons.append(Reason(codes[direction][j], evidence, w, "model", name))
        out.append(reasons)
    return out


def _render(reason: Reason, lang: str) -> str:
    """One line of text for people, in ``zh`` or ``en``."""
    if reason.code == RuleCode.UNALLOCATED_CALLER.value:
        return (
            "主叫号码未分配(空号)，号码被冒用"
            if lang == "zh"
            else "displayed number is not allocated (spoofed)"
        )
    name = reason.feature or next((k for k in reason.evidence if k != "benign_median"), reason.code)
    base, entity, window = family_of(name)
    zh, en = FAMILY_TEXT.get(base, (base, base.replace("_", " ")))
    value = reason.evidence.get(name)
    ref = reason.evidence.get("benign_median")
    direction = reason.code.split("_", 1)[0]
    wz, we = _WINDOW_TEXT.get(window or "", ("", ""))
    # A feature with no value (a ratio over no calls) can still weigh in the model: say so
    # in words, not as Python's "None"; a received/placed ratio has none when nothing was
    # received, which is what to say (most UNUSUAL_IN_OUT_RATIO flags are such numbers).
    none_zh, none_en = _NO_VALUE.get((base, window or ""), ("无数据", "no data"))
    if lang == "zh":
        who = "入口" if entity == "ingress" else ""
        word = {"HIGH": "偏高", "LOW": "偏低", "TYPICAL": "正常"}.get(direction, "异常")
        tail = f"（正常号码中位数 {ref}）" if ref is not None else ""
        shown = none_zh if value is None else value
        return f"{who}{wz}{zh}{word}：{shown}{tail}"
    who = "ingress " if entity == "ingress" else ""
    word = {"HIGH": "high", "LOW": "low", "TYPICAL": "typical"}.get(direction, "unusual")
    tail = f" (benign median {ref})" if ref is not None else ""
    span = f" ({we})" if we else ""
    shown = none_en if value is None else value
    return f"{word} {who}{en}{span}: {shown}{tail}"


#: Words for a feature without a value where the reason is known (features.definitions:
#: in_out_ratio is missing when the number received no call in the window).
_NO_VALUE = {
    ("in_out_ratio", "1d"): ("当日未接到来电", "received no calls that day"),
    ("in_out_ratio", "7d"): ("7日内未接到来电", "received no calls in 7 days"),
}


def _render_not_scored(reason: Reason, lang: str) -> str:
    calls = reason.evidence.get("attempts_by_caller_1d")
    bar = reason.evidence.get("min_attempts")
    if lang == "zh":
        said = f"当日呼叫 {calls} 次，" if calls is not None else ""
        return f"活跃度不足，模型未评分：{said}窗口内呼叫少于 {bar} 次"
    said = f"{calls} call(s) on the day, " if calls is not None else ""
    return f"too little activity to score: {said}fewer than {bar} in the window"


register([RuleCode.UNALLOCATED_CALLER.value], _render)


def _render_allocated(reason: Reason, lang: str) -> str:
    if reason.code == ScanCode.ALLOCATED_CALLER.value:
        return (
            "主叫号码已分配（在号码分配表中）" if lang == "zh" else "displayed number is allocated"
        )
    if reason.code == ScanCode.ALLOCATION_UNKNOWN.value:
        return (
            "主叫号码分配状态未知（未提供号码分配表）"
            if lang == "zh"
            else "displayed number's allocation unknown (no registry)"
        )
    return "主叫号码分配状态异常" if lang == "zh" else "displayed number's allocation is unusual"


def _render_below(reason: Reason, lang: str) -> str:
    score, threshold = reason.evidence.get("score"), reason.evidence.get("threshold")
    if lang == "zh":
        return f"模型评分 {score} 低于标记阈值 {threshold}"
    return f"model score {score} below the flag threshold {threshold}"


register([ScanCode.NOT_SCORED_LOW_ACTIVITY.value], _render_not_scored)
register(
    [
        ScanCode.ALLOCATED_CALLER.value,
        ScanCode.ALLOCATION_UNKNOWN.value,
        ScanCode.UNUSUAL_UNALLOCATED.value,
    ],
    _render_allocated,
)
register([ScanCode.BELOW_FLAG_THRESHOLD.value], _render_below)
register_pattern(r"^(HIGH|LOW|UNUSUAL|TYPICAL)_[A-Z0-9_]+$", _render)

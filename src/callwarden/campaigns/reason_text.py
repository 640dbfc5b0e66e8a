"""Wording of the campaign codes, registered with :mod:`callwarden.reasons`.

Also covers the codes the stream writes for campaign and spoofing verdicts, which reuse
these codes (``campaign_list_match``, ``spoof_unallocated``, ``spoof_asserted_mismatch``,
``spoof_international_domestic``).
"""

from __future__ import annotations

from callwarden.campaigns.records import ReasonCode as C
from callwarden.reasons import Reason, fill, register, table_renderer

#: code -> (zh, en); ``{name}`` is filled from the evidence.
TEXT: dict[str, tuple[str, str]] = {
    C.SHARED_CALLEES: (
        "与同一团伙号码经同一入口呼叫相同被叫（{links} 条关联）",
        "dialled the same people as other numbers of one operation, through one ingress "
        "({links} links)",
    ),
    C.SHARED_LIST_RANGES: (
        "按同一号码清单的相同号段拨号（{links} 条关联）",
        "dialled the same blocks of one purchased number list ({links} links)",
    ),
    C.SYNCHRONISED_TIMING: (
        "号码轮换接力：一个号码停呼后另一个立即接续（{links} 条关联）",
        "one number takes over as another stops, as in caller-ID rotation ({links} links)",
    ),
    C.SHARED_SCRIPT: (
        "多个号码播放同一话术（{links} 条关联）",
        "numbers play one script ({links} links)",
    ),
    C.SHARED_AUDIO: (
        "多个号码播放同一录音（{links} 条关联）",
        "numbers play one recording ({links} links)",
    ),
    C.SHARED_ASSERTED_IDENTITY: (
        "多个显示号码背后是同一网络认定身份（{links} 条关联）",
        "many displayed numbers share one network-asserted identity ({links} links)",
    ),
    C.ROTATION_POOL: (
        "号码池轮换：{numbers} 个号码，每个号码中位呼叫 {median_calls_per_number} 次",
        "rotating pool of {numbers} numbers, median {median_calls_per_number} calls each",
    ),
    C.UNALLOCATED_CALLEES: (
        "呼叫清单含空号（占比 {unallocated_callee_share}）",
        "its list holds unallocated numbers (share {unallocated_callee_share})",
    ),
    C.LOW_ANSWER_RATE: ("接通率低：{answer_rate}", "low answer rate: {answer_rate}"),
    C.CAMPAIGN_LIST_MATCH: (
        "新号码在呼叫已知骚扰团伙的号码清单",
        "a new number dialling a known campaign's list",
    ),
    C.CAMPAIGN_MEMBER: (
        "已知骚扰团伙的成员号码（{campaign}）",
        "a known member of campaign {campaign}",
    ),
    C.BRIDGED_CALLBACK: (
        "双向回呼：平台先呼坐席再呼用户（{agent_numbers} 个坐席号码）",
        "callback bridging: the platform rings an agent, then the customer "
        "({agent_numbers} agent numbers)",
    ),
    C.REGISTERED_BRIDGE: ("已登记的隐私号平台", "a registered privacy-number platform"),
    C.SPOOF_UNALLOCATED: (
        "主叫号码未分配(空号)，号码被冒用",
        "displayed number is not allocated (spoofed)",
    ),
    C.SPOOF_ASSERTED_MISMATCH: (
        "显示号码与网络认定号码不一致，疑似改号",
        "displayed number differs from the network-asserted one (suspected spoofing)",
    ),
    C.SPOOF_REGION_IMPLAUSIBLE: (
        "显示号码归属地与接入地不符，疑似改号",
        "displayed number's region does not fit where the call entered (suspected spoofing)",
    ),
    C.SPOOF_INTERNATIONAL_DOMESTIC: (
        "境外来电显示国内号码，机主未在境外漫游，号码被冒用",
        "a call from abroad shows a domestic number whose owner is not roaming abroad (spoofed)",
    ),
}

register(TEXT, table_renderer(TEXT))


def _flagged_members(reason: Reason, lang: str) -> str:
    """``campaign_flagged_members``: the campaign's evidence, then the number's own, so a
    reader sees the label is the campaign's (own score null: too few calls to be scored)."""
    e = reason.evidence
    own = e.get("own_score")
    if lang == "zh":
        head = "所属团伙 {campaign} 的 {members} 个号码中 {flagged_members} 个已被判定为骚扰/诈骗"
        tail = "本号码呼叫过少，模型未评分" if own is None else "本号码自身评分 {own_score}"
        return fill(f"{head}（{tail}）", e)
    head = "member of campaign {campaign}, {flagged_members} of whose {members} numbers are flagged"
    tail = "too few calls of its own to be scored" if own is None else "its own score {own_score}"
    return fill(f"{head} ({tail})", e)


register([C.CAMPAIGN_FLAGGED_MEMBERS], _flagged_members)

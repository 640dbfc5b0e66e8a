"""Text for people: category tags (疑似保险推销) and decision reasons in Chinese and English.

Pure tables and string formatting; the API and the SIP edge call these when they answer.
"""

from __future__ import annotations

from typing import Any

from callwarden.policy.model import Action, Decision, DecisionCode
from callwarden.reasons import Reason, fill, register, render_both

#: category -> (zh, en) noun used in the displayed tag.
CATEGORY_TEXT: dict[str, tuple[str, str]] = {
    "insurance": ("保险推销", "insurance telemarketing"),
    "real_estate": ("房产中介", "real estate telemarketing"),
    "loans": ("贷款推销", "loan telemarketing"),
    "education": ("教育培训推销", "education telemarketing"),
    "finance": ("金融理财推销", "investment telemarketing"),
    "medical": ("医疗推销", "medical telemarketing"),
    "recruitment": ("招聘推销", "recruitment calls"),
    "retail": ("商品推销", "retail telemarketing"),
    "debt_collection": ("催收", "debt collection"),
    "telecom": ("通信业务推销", "telecom telemarketing"),
    "survey": ("调查回访", "survey calls"),
    "robocall": ("AI外呼", "AI robocall"),
    "courier": ("快递物流", "courier"),
    "ride_hailing": ("网约车", "ride-hailing"),
    "bank": ("银行", "bank"),
    "impersonation_police": ("冒充公检法诈骗", "police impersonation fraud"),
    "impersonation_service": ("冒充客服诈骗", "customer-service impersonation fraud"),
    "investment_fraud": ("投资理财诈骗", "investment fraud"),
    "loan_fraud": ("贷款诈骗", "loan fraud"),
    # screening's categories (screening/categories.py) by the names it gives them
    "bank_service": ("银行服务", "bank service"),
    "fake_customer_service": ("冒充客服诈骗", "customer-service impersonation fraud"),
    "impersonation_acquaintance": ("冒充领导熟人诈骗", "boss or acquaintance impersonation fraud"),
    "prize_fraud": ("虚假中奖诈骗", "fake prize fraud"),
    "extortion_fraud": ("绑架勒索诈骗", "kidnapping or extortion fraud"),
    # a displayed number that is not the caller's (unallocated, or another asserted identity)
    "spoofed": ("冒用号码", "spoofed number"),
    # a call from abroad showing a domestic number, its owner's roaming unknown (境外来电)
    "from_abroad": ("境外来电", "call from abroad showing a domestic number"),
}

#: What a report may name as its category (empty, or one of these): the community label
#: shows it as its tag, so it must be one callwarden can render, never a reporter's text.
REPORTABLE_CATEGORIES: tuple[str, ...] = tuple(CATEGORY_TEXT)

_LABEL_TEXT: dict[str, tuple[str, str]] = {
    "harassment": ("骚扰电话", "harassment call"),
    "fraud": ("诈骗电话", "fraud call"),
}


def tag(label: str, category: str) -> tuple[str, str]:
    """The displayed tag for a labelled call: ``("疑似保险推销", "Suspected insurance telemarketing")``.

    A category callwarden does not name is shown as it is written only when every character
    of it is printable (``str.isprintable``); otherwise the label's own tag is shown. A tag
    never holds a control character (CR, LF: a SIP header a proxy builds from it would be
    split), a format character (a bidi override that reverses the text shown) or a line
    separator, whatever a verdict file's category holds."""
    if label == "fraud":
        zh, en = CATEGORY_TEXT.get(category, _LABEL_TEXT["fraud"])
        if category not in CATEGORY_TEXT:
            return f"疑似{zh}", f"Suspected {en}"
        return f"疑似诈骗（{zh}）", f"Suspected fraud ({en})"
    if category in CATEGORY_TEXT:
        zh, en = CATEGORY_TEXT[category]
    elif category and category.isprintable():
        zh, en = category, category.replace("_", " ")
    else:
        zh, en = _LABEL_TEXT.get(label, ("骚扰电话", "harassment call"))
    return f"疑似{zh}", f"Suspected {en}"


_REASON_TEXT: dict[str, tuple[str, str]] = {
    DecisionCode.PERSONAL_ALLOW.value: ("在您的联系人/白名单中", "in your contacts or allow list"),
    DecisionCode.PERSONAL_BLOCK.value: ("在您的黑名单中", "in your personal block list"),
    DecisionCode.PROTECTION_OFF.value: ("您已关闭拦截", "your protection is off"),
    DecisionCode.REGISTERED_BUSINESS.value: (
        "已登记企业号码：{name}",
        "registered business number: {name}",
    ),
    DecisionCode.APPEAL_PROTECTED.value: ("号码申诉已通过", "cleared on appeal"),
    DecisionCode.NO_VERDICT.value: ("无不良记录", "no record against this number"),
    DecisionCode.BENIGN.value: ("判定为正常号码", "judged benign"),
    DecisionCode.BELOW_THRESHOLD.value: (
        "风险分 {score} 低于阈值",
        "risk score {score} below threshold",
    ),
    DecisionCode.SPOOFED_CALLER.value: (
        "主叫号码未分配（空号），号码被冒用，拦截",
        "displayed number is not allocated: spoofed, rejected",
    ),
    # spoofed_caller with evidence rule=international_domestic (decide's step 4)
    "spoofed_caller_international": (
        "境外来电冒用国内号码，拦截",
        "a call from abroad shows a domestic number whose owner is not abroad: spoofed, rejected",
    ),
    # the label of a call from abroad without a roaming list (the rejecting reason,
    # spoof_international_domestic, reads as campaigns.reason_text words it)
    "from_abroad_domestic_number": (
        "境外来电显示国内号码 {number}（入口 {ingress}）",
        "a call from abroad (ingress {ingress}) showing the domestic number {number}",
    ),
    DecisionCode.FRAUD_CONFIDENT.value: (
        "高度疑似诈骗（风险分 {score}）",
        "very likely fraud (score {score})",
    ),
    DecisionCode.FRAUD_SUSPECTED.value: (
        "疑似诈骗（风险分 {score}）",
        "suspected fraud (score {score})",
    ),
    DecisionCode.HARASSMENT_CONFIDENT.value: (
        "高度疑似骚扰（风险分 {score}）",
        "very likely harassment (score {score})",
    ),
    DecisionCode.HARASSMENT_SUSPECTED.value: (
        "疑似骚扰（风险分 {score}）",
        "suspected harassment (score {score})",
    ),
    DecisionCode.REFUSED_CATEGORY.value: (
        "您已拒接此类来电：{category}",
        "you refuse this category: {category}",
    ),
    DecisionCode.COMMUNITY_REPORTS.value: ("多名用户标记", "marked by several subscribers"),
    DecisionCode.POLICY_UNAVAILABLE.value: (
        "暂时无法读取您的设置：此来电最多只作标记，不拦截",
        "your settings could not be read just now: this call is at most labelled, never blocked",
    ),
    DecisionCode.SCREENED_BOT.value: (
        "来电助手判定为机器人外呼（得分 {bot_score}），拦截",
        "the screening assistant judged the caller a bot (score {bot_score}): rejected",
    ),
    DecisionCode.SCREENED_HUMAN.value: (
        "来电助手判定为真人（得分 {bot_score}），接通",
        "the screening assistant judged the caller a person (score {bot_score}): connected",
    ),
    DecisionCode.SCREENED_SERVICE_BOT.value: (
        "来电助手判定为快递、银行等服务的自动语音（得分 {bot_score}），标记后接通",
        "the screening assistant judged the caller an automated service call, a courier's or a"
        " bank's (score {bot_score}): connected with its tag",
    ),
    DecisionCode.SCREENED_UNSURE.value: (
        "来电助手未能判定是否为机器人（得分 {bot_score}），标记后接通",
        "the screening assistant could not tell whether the caller is a bot (score"
        " {bot_score}): connected with a tag",
    ),
    DecisionCode.SCREENED_BOT_CALLEES.value: (
        "来电助手近 {window_days} 天接听其来电的 {judged_callees} 位用户中，有 {bot_callees} 位判定为机器人外呼",
        "the screening assistant judged it a bot on calls to {bot_callees} of the"
        " {judged_callees} subscribers it screened it for (last {window_days} days)",
    ),
    # a warning when a subscriber adds a pattern (model.list_warnings), not a decision
    "blocks_own_country": (
        "此规则拦截所有 +{country_code} 号码的来电，包括快递、银行等已登记企业；只有白名单中的号码可以接通",
        "this blocks every call from +{country_code} numbers, couriers, banks and registered"
        " businesses included; only your allow list still rings",
    ),
    # written by the store and the stream rather than by decide()
    "appeal_accepted": ("号码申诉已通过", "cleared on appeal"),
    "model": ("行为模型风险分 {score}", "behaviour model risk score {score}"),
    # the online campaign index lets a number go on its own calls' outcomes (campaigns/index.py)
    "campaign_released_answered": (
        "此前 {calls} 次通话中 {conversations} 次接通并通话 10 秒以上，像正常业务：不按团伙 {campaign} 的号码清单拦截",
        "{conversations} of its {calls} earlier calls were answered and lasted 10 s or more, as a "
        "business's are: not held to campaign {campaign}'s list",
    ),
    "campaign_released_called_back": (
        "此前 {calls} 次通话中 {conversations} 次接通，{callees} 位被叫中 {called_back} 位回拨，像正常业务：不按团伙 {campaign} 的号码清单拦截",
        "{conversations} of its {calls} earlier calls were answered and {called_back} of its "
        "{callees} callees called it back, as a business's do: not held to campaign {campaign}'s list",
    ),
    "unreadable_reasons": (
        "原因记录已损坏，无法读取",
        "the stored reasons are damaged and cannot be read",
    ),
}


def _render_decision(reason: Reason, lang: str) -> str:
    code = str(reason.code)
    if (
        code == DecisionCode.SPOOFED_CALLER.value
        and reason.evidence.get("rule") == "international_domestic"
    ):
        code = "spoofed_caller_international"
    zh, en = _REASON_TEXT[code]
    fields = dict(reason.evidence)
    cat = reason.evidence.get("category")
    if isinstance(cat, str) and cat in CATEGORY_TEXT:  # name the category in each language
        fields["category"] = CATEGORY_TEXT[cat][0 if lang == "zh" else 1]
    return fill(zh if lang == "zh" else en, fields)


register(_REASON_TEXT, _render_decision)


def reason_text(reason: Reason) -> tuple[str, str]:
    """(zh, en) for any reason, whichever detector wrote it (:func:`callwarden.reasons.render`)."""
    return render_both(reason)


def decision_tag(decision: Decision, label: str) -> tuple[str, str] | None:
    """The tag shown with a labelled or screened call, None for a plain allow or reject."""
    if decision.action in (Action.LABEL, Action.SCREEN) or (
        decision.action is Action.REJECT and decision.sip_code != 603
    ):
        return tag(label, decision.category)
    return None


def call_info(redress_uri: str) -> str:
    """The ``Call-Info`` header value for a 608: where the caller's jCard lives. RFC 8688
    names a *signed* jCard ``purpose=jwscard``; this one is unsigned, so it says ``jcard``
    (RFC 9796's token for a plain jCard): see docs/policy.md."""
    return f"<{redress_uri}>;purpose=jcard" if redress_uri else ""


def redress_jcard(operator: str, redress_page: str, email: str = "", tel: str = "") -> list[Any]:
    """A jCard (RFC 7095) naming who rejected the call and how to ask for redress (RFC 8688
    §3): the operator's e-mail and hotline, where given, are how a caller with no account at
    this operator reaches the appeal desk."""
    props: list[Any] = [
        ["version", {}, "text", "4.0"],
        ["fn", {}, "text", operator],
        ["url", {"type": "redress"}, "uri", redress_page],
        ["lang", {"pref": "1"}, "language-tag", "zh"],
        ["lang", {"pref": "2"}, "language-tag", "en"],
    ]
    if email:
        props.append(["email", {}, "text", email])
    if tel:
        props.append(["tel", {"type": "work"}, "uri", f"tel:{tel}"])
    return ["vcard", props]


#: How a rejected caller appeals, for the redress page (the appeal route itself needs a key).
APPEAL_HOW: dict[str, str] = {
    "zh": "号码被误拦截的企业或个人：请通过上面的电子邮箱或客服热线联系运营商，由运营商代为提交申诉；"
    "本运营商的用户也可在自己的应用中为本人号码申诉。",
    "en": "A business or person whose calls were wrongly rejected: contact the operator by the "
    "e-mail or hotline above, and the operator files the appeal for you; this operator's own "
    "subscribers can also appeal for their own number in their app.",
}

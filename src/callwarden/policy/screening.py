"""What the screener does once the bot test has judged a screened call (pure).

``decide`` answers ``screen`` for a call it is unsure of; the screening assistant answers,
asks its challenges and sends the transcript back (``POST /v1/screenings``). The verdict
then says what happens to the call:

| verdict | action | SIP |
|---|---|---|
| bot | reject | 608 (with the redress URI, as decide's rejects) |
| bot, a legitimate service's words (courier, bank_service) | label (connect with its tag) | |
| human | allow (connect) | |
| unsure | label (connect with the tag) | |
| human, unsure or a service's bot whose words are a category the callee refuses | reject | 608 |

The outcome is recorded on decide's ``screen`` entry in the callee's block log (拦截记录),
one entry per call.

A person on the line is connected even when the number's verdict is bad: the screener
heard a person, and a campaign that puts people on its lines is the detectors' and the
reports' to catch, not the screener's. A courier's delivery IVR or a bank's automated
call-back is a bot too, and one the callee wants: it rings, tagged with its service
(docs/policy.md, "After screening").
"""

from __future__ import annotations

from collections.abc import Collection

from callwarden.policy.model import SIP_GLOBAL_DECLINE, Action, Decision, DecisionCode, Reason
from callwarden.policy.render import CATEGORY_TEXT, tag
from callwarden.screening.categories_lexicon import LEGITIMATE

#: The screened verdicts (``screening.reasons.Verdict``'s values).
SCREENED_VERDICTS = ("bot", "human", "unsure")

#: The categories of a caller's words that name a kind of fraud: those whose tag says fraud
#: (``policy.render.CATEGORY_TEXT``) and screening's ``other_fraud``, which has no tag of its
#: own (it is shown as 疑似诈骗电话).
FRAUD_KINDS: frozenset[str] = frozenset(
    c for c, (_zh, en) in CATEGORY_TEXT.items() if "fraud" in en
) | {"other_fraud"}

#: The categories of a legitimate service's words (``screening.categories.LEGITIMATE``:
#: courier, bank_service): a bot speaking them is an automated service call, not a robocall.
SERVICE_KINDS: frozenset[str] = frozenset(c.value for c in LEGITIMATE)
#: What a stored screened call counts as, in the order counts are shown: a bot (a robocall),
#: ``service`` (judged a bot, its words a legitimate service's: SERVICE_KINDS; a delivery IVR,
#: connected with its tag), a person, unsure (GET /v1/numbers, case files, labels)
SCREENED_KINDS = ("bot", "service", "human", "unsure")

_CODES = {
    "bot": DecisionCode.SCREENED_BOT,
    "human": DecisionCode.SCREENED_HUMAN,
    "unsure": DecisionCode.SCREENED_UNSURE,
}


def screened_label(category: str) -> str:
    """The label a screened call's tag is drawn with: fraud when the caller's words name a
    fraud kind, else harassment (as a report's category decides a community label)."""
    return "fraud" if category in FRAUD_KINDS else "harassment"


def after_screening(
    caller: str,
    verdict: str,
    category: str,
    bot_score: float,
    redress_base: str = "",
    refused: Collection[str] = (),
) -> Decision:
    """The screener's next step for a call judged ``verdict`` (bot, human or unsure):
    reject a bot (608, logged in the callee's block log), connect a person, connect an
    unsure caller with a tag, connect a legitimate service's bot with its service's tag
    (module docstring). ``category`` is what the caller's words
    were about ("" when the classifier named nothing); ``bot_score`` is the bot test's
    score, shown as the reason's evidence. ``refused`` are the callee's refused categories
    (来电免打扰, the subscriber's settings): a call whose words are one of them is rejected
    as decide rejects a refused category, whoever is on the line (``refused_category``
    first, then the screened reason)."""
    if verdict not in _CODES:
        raise ValueError(f"a screened verdict is bot, human or unsure, not {verdict!r}")
    reason = Reason(_CODES[verdict].value, {"bot_score": round(float(bot_score), 2)})
    why: tuple[Reason, ...] = ()
    if verdict == "bot" and category not in SERVICE_KINDS:
        why = (reason,)
    elif category and category in refused:  # the callee refuses what the caller talked about
        why = (Reason(DecisionCode.REFUSED_CATEGORY.value, {"category": category}), reason)
    if why:  # a 608, built in one place
        return Decision(
            Action.REJECT,
            sip_code=SIP_GLOBAL_DECLINE,
            category=category,
            reasons=why,
            redress_uri=f"{redress_base}{caller}" if redress_base else "",
            logged=True,
        )
    if verdict == "bot":  # a delivery IVR, a bank's call-back
        service = Reason(DecisionCode.SCREENED_SERVICE_BOT.value, reason.evidence)
        return Decision(Action.LABEL, category=category, reasons=(service,))
    if verdict == "human":
        return Decision(Action.ALLOW, reasons=(reason,))
    return Decision(Action.LABEL, category=category, reasons=(reason,))


def screened_tag(decision: Decision) -> tuple[str, str] | None:
    """The tag shown with a screened call's action (None for a plain connect): a legitimate
    service's bot shows its service (快递物流（自动语音）), anything else the suspected kind
    (疑似医疗推销, 疑似诈骗（...）, 疑似骚扰电话)."""
    if decision.action is Action.ALLOW:
        return None
    if decision.reasons and decision.reasons[0].code == DecisionCode.SCREENED_SERVICE_BOT.value:
        zh, en = CATEGORY_TEXT.get(decision.category, ("自动语音", "automated"))
        return f"{zh}（自动语音）", f"{en[:1].upper()}{en[1:]} (automated call)"
    return tag(screened_label(decision.category), decision.category)


def stored_decision(
    caller: str,
    verdict: str,
    category: str,
    bot_score: float,
    action: str,
    redress_base: str = "",
) -> Decision:
    """The decision a stored screened call was answered with (its verdict, category, score
    and action as stored), as :func:`after_screening` gave it: a stored reject of a call
    that is no plain bot's was the callee's refused category (settings may change since)."""
    refused = (category,) if action == Action.REJECT.value else ()
    return after_screening(caller, verdict, category, bot_score, redress_base, refused)


_VERDICT_WORDS = {
    "bot": ("机器人", "bot"),
    "service": ("服务自动语音", "automated service call"),
    "human": ("真人", "person"),
    "unsure": ("未能判定", "unsure"),
}
_ACTION_WORDS = {
    Action.REJECT: ("已拦截", "rejected"),
    Action.ALLOW: ("已接通", "connected"),
    Action.LABEL: ("标记后接通", "connected with a tag"),
}


def outcome_text(verdict: str, decision: Decision) -> tuple[str, str]:
    """One line for the subscriber's block log: 已筛查：机器人，已拦截 / screened: bot, rejected."""
    code = decision.reasons[0].code if decision.reasons else ""
    who = "service" if code == DecisionCode.SCREENED_SERVICE_BOT.value else verdict
    vzh, ven = _VERDICT_WORDS.get(who, (who, who))
    azh, aen = _ACTION_WORDS.get(decision.action, (decision.action.value, decision.action.value))
    return f"已筛查：{vzh}，{azh}", f"screened: {ven}, {aen}"

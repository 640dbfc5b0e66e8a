"""What the screener does once the bot test has judged a screened call (pure).

``decide`` answers ``screen`` for a call it is unsure of; the screening assistant answers,
asks its challenges and sends the transcript back (``POST /v1/screenings``). The verdict
then says what happens to the call:

| verdict | action | SIP | block log (拦截记录) |
|---|---|---|---|
| bot | reject | 608 (with the redress URI, as decide's rejects) | a ``reject`` row, as decide writes |
| human | allow (connect) | | none |
| unsure | label (connect with the tag) | | none |

A person on the line is connected even when the number's verdict is bad: the screener
heard a person, and a campaign that puts people on its lines is the detectors' and the
reports' to catch, not the screener's (docs/policy.md, "After screening").
"""

from __future__ import annotations

from callwarden.policy.model import SIP_GLOBAL_DECLINE, Action, Decision, DecisionCode, Reason
from callwarden.policy.render import CATEGORY_TEXT

#: The screened verdicts (``screening.reasons.Verdict``'s values).
SCREENED_VERDICTS = ("bot", "human", "unsure")

#: The categories of a caller's words that name a kind of fraud: those whose tag says fraud
#: (``policy.render.CATEGORY_TEXT``) and screening's ``other_fraud``, which has no tag of its
#: own (it is shown as 疑似诈骗电话).
FRAUD_KINDS: frozenset[str] = frozenset(
    c for c, (_zh, en) in CATEGORY_TEXT.items() if "fraud" in en
) | {"other_fraud"}

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
    caller: str, verdict: str, category: str, bot_score: float, redress_base: str = ""
) -> Decision:
    """The screener's next step for a call judged ``verdict`` (bot, human or unsure):
    reject a bot (608, logged in the callee's block log), connect a person, connect an
    unsure caller with a tag (module docstring). ``category`` is what the caller's words
    were about ("" when the classifier named nothing); ``bot_score`` is the bot test's
    score, shown as the reason's evidence."""
    if verdict not in _CODES:
        raise ValueError(f"a screened verdict is bot, human or unsure, not {verdict!r}")
    reason = Reason(_CODES[verdict].value, {"bot_score": round(float(bot_score), 2)})
    if verdict == "bot":
        return Decision(
            Action.REJECT,
            sip_code=SIP_GLOBAL_DECLINE,
            category=category,
            reasons=(reason,),
            redress_uri=f"{redress_base}{caller}" if redress_base else "",
            logged=True,
        )
    if verdict == "human":
        return Decision(Action.ALLOW, reasons=(reason,))
    return Decision(Action.LABEL, category=category, reasons=(reason,))

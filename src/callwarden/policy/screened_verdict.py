"""A live verdict from the screener's repeated findings (pure): a caller the screening
assistant judged a bot on enough distinct callees is labelled at once, as a community label
is given on the report that reaches the bar, not at the next retraining.

One bar (:class:`ScreenedBotConfig`) for the live label and ``callwarden labels``' screening
rule (``detect.feedback_labels``): at least ``min_bot_callees`` distinct callees heard it
judged a bot (a legitimate service's bot, a courier's IVR, never counts: the store's
``bot_call``), and those are at least ``min_bot_share`` of the distinct callees that heard
it judged at all (bot, a service's bot, person or unsure). The live tally counts the
``window_days`` before the call (28, the reports' live tally window:
``ReputationConfig.tally_days``), screened calls whose block-log entry the callee rescued
left out, as labels leaves them out.

Never: a registered business (the operator's word), a number cleared on appeal (protected,
or source ``appeal``), a number the screener labelled already, nor over a verdict that acts
at least as hard at every protection level (:func:`as_strong_as_screened`). Over a verdict that acts less
hard it keeps that verdict's class and category and adds its reason, so no subscriber's call
is treated more softly after the label. ``decide`` labels the verdict at standard protection
and rejects it (608) at strict and in a refused category (docs/policy.md, "After
screening").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from callwarden.policy.model import (
    INTERNATIONAL_DOMESTIC,
    UNALLOCATED_REASON_CODES,
    DecisionCode,
    Reason,
    Thresholds,
    Verdict,
)
from callwarden.policy.render import REPORTABLE_CATEGORIES
from callwarden.policy.reputation import DEFAULT_REPUTATION
from callwarden.policy.screening import FRAUD_KINDS

#: The verdict source of a screener's live label.
SCREENING_SOURCE = "screening"


@dataclass(frozen=True, slots=True)
class ScreenedBotConfig:
    #: distinct callees that heard the number judged a bot: one callee is one subscriber's
    #: screener (a misheard call, or a callee who set up a test) and must not label a number
    #: for every subscriber
    min_bot_callees: int = 2
    #: and their share of the distinct callees that heard it judged (bot, a service's bot,
    #: person, unsure) at least this: a line of people (a courier's) is judged bot on about
    #: 1 % of its calls (9 of 1,006 people on simulated seed 0, per call alone), so a busy
    #: line's false bots pass any count; at half its callees, a false label needs 50 times that
    min_bot_share: float = 0.5
    #: the live tally's window, in days before the call: the reports' live window (28), so
    #: the two live labels count over the same month
    window_days: int = DEFAULT_REPUTATION.tally_days
    #: whether a stored screened call may label its caller live (``serve
    #: --screened-labels``); ``callwarden labels`` reads the bar whatever this says
    live: bool = True
    #: a label lapses this many days after it was given (``serve --screened-label-days``;
    #: 0: never): it rests on screenings of the ``window_days`` before it, and no later
    #: finding can renew it (a labelled number is rejected at strict before any screening
    #: and not screened at standard), so it lives as long as that evidence would count
    label_days: int = DEFAULT_REPUTATION.tally_days


DEFAULT_SCREENED_BAR = ScreenedBotConfig()


@dataclass(frozen=True, slots=True)
class ScreenedBots:
    """One number's screened calls over the live window (the store counts them)."""

    number: str
    bot_callees: int
    judged_callees: int
    #: the bot calls' top category of words (``feedback_labels.top_category``, fraud kinds
    #: losing a tie); "" for none
    top_category: str = ""


def meets_screened_bar(
    bot_callees: int,
    judged_callees: int,
    min_bot_callees: int = DEFAULT_SCREENED_BAR.min_bot_callees,
    min_bot_share: float = DEFAULT_SCREENED_BAR.min_bot_share,
) -> bool:
    """The one definition of the screened-bot bar: the live label (``screened_verdict``) and
    the training labels (``detect.feedback_labels``) both ask it. The share's base is never
    below the bot callees (a hand-built count may leave it 0)."""
    judged = max(judged_callees, bot_callees)
    share = bot_callees / judged if judged else 1.0
    return bot_callees >= min_bot_callees and share >= min_bot_share


def as_strong_as_screened(v: Verdict, thresholds: Thresholds) -> bool:
    """Whether ``v`` acts at least as hard as a screener's label (label at standard, reject
    at strict) at every protection level: a rejecting rule's reason (unallocated, shown
    from abroad), fraud in the reject band, harassment in strict's reject band. A community
    label (labels at strict too), a suspected band (screened at strict) or benign does not.
    The screener never labels over such a verdict, and ``compare``'s ``CLEARED_SCREENED``
    guard names a screener's label that a scan's verdict not this strong would replace."""
    if v.label == "benign" or v.source == "reports":
        return False
    if any(
        r.code in UNALLOCATED_REASON_CODES or r.code == INTERNATIONAL_DOMESTIC for r in v.reasons
    ):
        return True
    if v.label == "fraud":
        return v.score >= thresholds.reject_fraud_at
    return v.score >= thresholds.reject_harassment_at


def _acts(v: Verdict, thresholds: Thresholds) -> bool:
    """Whether ``v`` does anything to a call at some protection level: a community label, or
    a flag at the label band (none, benign and below the band let it ring)."""
    return v.label != "benign" and (v.source == "reports" or v.score >= thresholds.label_at)


def screened_verdict(
    bots: ScreenedBots,
    current: Verdict | None,
    registered: bool = False,
    thresholds: Thresholds = Thresholds(),
    cfg: ScreenedBotConfig = DEFAULT_SCREENED_BAR,
) -> Verdict | None:
    """The verdict the screener's findings justify, or None when they do not (or must not)
    change anything (module docstring). ``registered``: a registration covers the number
    (exact or prefix, any scope). Over a verdict that acts (``_acts``) it keeps that
    verdict's class, category, campaign and reasons (its reason first, the higher score):
    the label never acts less hard than what it replaces. Otherwise harassment, or fraud
    when the bot calls' top category is a fraud kind; the category shown only when
    callwarden names it; the campaign kept."""
    if not cfg.live or registered:
        return None
    if current is not None and (
        current.protected
        or current.source in ("appeal", SCREENING_SOURCE)
        or as_strong_as_screened(current, thresholds)
    ):
        return None
    if not meets_screened_bar(
        bots.bot_callees, bots.judged_callees, cfg.min_bot_callees, cfg.min_bot_share
    ):
        return None
    judged = max(bots.judged_callees, bots.bot_callees)
    share = bots.bot_callees / judged
    top = bots.top_category
    label = "fraud" if top in FRAUD_KINDS else "harassment"
    reason = Reason(
        DecisionCode.SCREENED_BOT_CALLEES.value,
        {
            "bot_callees": bots.bot_callees,
            "judged_callees": judged,
            "share": round(share, 4),
            "window_days": cfg.window_days,
        },
    )
    score = round(min(0.99, 0.5 + share / 2), 4)
    if current is not None and _acts(current, thresholds):
        # it adds strict's reject (and a refused category's to fraud) to what the verdict
        # already does, and takes nothing away: its class and category stay (a suspected
        # fraud stays 疑似诈骗（贷款诈骗）, a refused category still gets its 608), the
        # screener's category only filling an empty one of the same class
        same_class = (top in FRAUD_KINDS) == (current.label == "fraud")
        return Verdict(
            number=bots.number,
            label=current.label,
            score=max(score, current.score),
            category=current.category
            or (top if same_class and top in REPORTABLE_CATEGORIES else ""),
            reasons=(reason, *(r for r in current.reasons if r.code != reason.code)),
            campaign=current.campaign,
            source=SCREENING_SOURCE,
        )
    return Verdict(
        number=bots.number,
        label=label,
        score=score,
        category=top if top in REPORTABLE_CATEGORIES else "",
        reasons=(reason,),
        campaign=current.campaign if current is not None else "",
        source=SCREENING_SOURCE,
    )


def verdict_after_lapse(
    label: Verdict, before: Mapping[str, Any] | None, thresholds: Thresholds = Thresholds()
) -> Verdict | None:
    """What a lapsed live ``label`` (the screener's or the community's) gives way to: the
    verdict it replaced, as its audit entry recorded it (``before``; None: there was none, so
    the number's row goes). A screener's entry written before 2 Dec (session 30) kept only the
    replaced verdict's label, score and source: when that verdict acted (``_acts`` under
    ``thresholds``, the bands in force) the label had merged over it, keeping its class,
    category and reasons, so its own reason is taken off and the rest kept; otherwise the
    replaced verdict did nothing to a call and comes back without category or reasons (the
    label's class alone did not tell the two apart: audit 30a L4)."""
    if before is None:
        return None
    if "reasons" in before:  # the whole verdict was recorded
        return Verdict(
            number=label.number,
            label=str(before["label"]),
            score=float(before["score"]),
            category=str(before.get("category", "")),
            reasons=tuple(Reason(r["code"], r.get("evidence", {})) for r in before["reasons"]),
            campaign=str(before.get("campaign", "")),
            source=str(before["source"]),
        )
    replaced = Verdict(
        label.number, str(before["label"]), float(before["score"]), source=str(before["source"])
    )
    merged = replaced.label == label.label and _acts(replaced, thresholds)
    own = DecisionCode.SCREENED_BOT_CALLEES.value
    return Verdict(
        number=label.number,
        label=str(before["label"]),
        score=float(before["score"]),
        category=label.category if merged else "",
        reasons=tuple(r for r in label.reasons if r.code != own) if merged else (),
        campaign=label.campaign,  # (the label always kept the replaced verdict's)
        source=str(before["source"]),
    )

"""Verdicts and reasons of the screening core: stable codes plus evidence.

Text for people is rendered from the code and evidence (zh and en) by
:func:`callwarden.reasons.render` (re-exported here as ``render``), with the wording below.
"""

from __future__ import annotations

from enum import StrEnum

from callwarden.reasons import Reason, fill, register, render

__all__ = ["Reason", "ReasonCode", "Verdict", "render"]


class Verdict(StrEnum):
    BOT = "bot"
    HUMAN = "human"
    UNSURE = "unsure"


class ReasonCode(StrEnum):
    CHALLENGE_ANSWERED = "challenge_answered"
    CHALLENGE_PARTIAL = "challenge_partial"
    CHALLENGE_ENGAGED = "challenge_engaged"
    CHALLENGE_IGNORED = "challenge_ignored"
    CHALLENGE_SILENT = "challenge_silent"
    BARGE_IN = "barge_in"
    REPEATS_OWN_SCRIPT = "repeats_own_script"
    KNOWN_SCRIPT = "known_campaign_script"
    SCRIPT_SHARED_ACROSS_CALLS = "script_shared_across_calls"
    NO_CHALLENGE = "no_challenge"
    STEADY_LATENCY = "steady_reply_latency"
    FLUENT_REPLIES = "no_disfluency"
    TEMPLATED_REPLY = "templated_reply_across_calls"
    TRICK_SUPERHUMAN = "trick_superhuman"
    TRICK_PLAYED_ALONG = "trick_played_along"


_TEXT: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.CHALLENGE_ANSWERED: ("answered the {challenge} challenge", "回答了{challenge}问题"),
    ReasonCode.CHALLENGE_PARTIAL: (
        "gave an answer of the right kind to the {challenge} challenge, not exactly right",
        "对{challenge}问题作答但不完全正确",
    ),
    ReasonCode.CHALLENGE_ENGAGED: (
        "reacted to the {challenge} challenge without answering it",
        "对{challenge}问题有回应但未作答",
    ),
    ReasonCode.CHALLENGE_IGNORED: (
        "talked past the {challenge} challenge",
        "对{challenge}问题答非所问",
    ),
    ReasonCode.CHALLENGE_SILENT: (
        "said nothing after the {challenge} challenge",
        "{challenge}问题之后无应答",
    ),
    ReasonCode.BARGE_IN: (
        "kept talking over the {over} for {overlap_s} s",
        "{over}说话时仍继续说 {overlap_s} 秒",
    ),
    ReasonCode.REPEATS_OWN_SCRIPT: (
        "repeated its own earlier words (containment {containment})",
        "重复自己先前的话术（重合度 {containment}）",
    ),
    ReasonCode.KNOWN_SCRIPT: (
        "matches known campaign script {script_id} ({similarity})",
        "与已知话术 {script_id} 相同（相似度 {similarity}）",
    ),
    ReasonCode.SCRIPT_SHARED_ACROSS_CALLS: (
        "same script heard on {calls} calls",
        "同一话术出现在 {calls} 通电话中",
    ),
    ReasonCode.NO_CHALLENGE: ("no challenge was asked", "未进行问答验证"),
    ReasonCode.STEADY_LATENCY: (
        "replied after the same delay every time (spread {spread_s} s over {replies} replies)",
        "每次应答延迟几乎相同（{replies} 次应答相差 {spread_s} 秒）",
    ),
    ReasonCode.FLUENT_REPLIES: (
        "{replies} replies without any hesitation or filler",
        "{replies} 次应答均无停顿语气词",
    ),
    ReasonCode.TEMPLATED_REPLY: (
        "{replies} replies worded like other calls' replies of the same campaign ({calls} calls)",
        "{replies} 次应答与同一话术批次（{calls} 通电话）的应答措辞相同",
    ),
    ReasonCode.TRICK_SUPERHUMAN: (
        "said {digits_asked} digits backwards at once, without a pause, {latency_s} s after "
        "the question (a person rarely can)",
        "问题结束 {latency_s} 秒后即流利倒念 {digits_asked} 位数字（常人很难做到）",
    ),
    ReasonCode.TRICK_PLAYED_ALONG: (
        "took up the premise of a nonsense question instead of querying it",
        "对荒谬问题顺势附和，没有质疑",
    ),
}
# A right answer discounted after a superhuman reversal (judge._discount_answers).
_DISCOUNTED = (
    "answered the {challenge} challenge: not counted, the caller reversed the digits at once",
    "回答了{challenge}问题：因对方即时倒念数字，不计入",
)
_DISCOUNTED_HESITANT = (
    "answered the {challenge} challenge hesitantly: counted only for the hesitation, the "
    "caller reversed the digits at once",
    "回答了{challenge}问题，有迟疑：因对方即时倒念数字，只计迟疑",
)
# Talking over a challenge: the question is named ({over} is who asked it).
_BARGE_CHALLENGE = (
    "kept talking over the {over}'s {challenge} question for {overlap_s} s",
    "{over}提出{challenge}问题时仍继续说 {overlap_s} 秒",
)
_SPEAKER_NAMES = {"assistant": ("assistant", "来电助理"), "callee": ("callee", "被叫")}
# A date said on a call without a start time (judge: w_date_unchecked).
_DATE_UNCHECKED = (
    "answered the date challenge (date not checked: no start_time)",
    "回答了日期问题（未核对日期：无通话开始时间 start_time）",
)
# Only a greeting by name to a who-for question (judge: w_greeting_by_name, 0).
_GREETED = (
    "only greeted someone by name after the {challenge} challenge (a person or a bot: "
    "cannot tell, not counted)",
    "对{challenge}问题只是称呼问候（真人与机器人都可能，无法判断，不计分）",
)
_PIVOTED = (
    "went back to its business after a nonsense question instead of querying it",
    "对荒谬问题不加质疑，转回自己的话题",
)
_CHALLENGE_NAMES = {
    "who_for": ("who-for", "找谁"),
    "date": ("date", "日期"),
    "repeat_number": ("repeat-the-number", "复述数字"),
    "are_you_a_bot": ("are-you-a-robot", "是否机器人"),
    "one_word": ("reply-one-word", "回一句话"),
    "reverse_digits": ("say-it-backwards", "倒念数字"),
    "nonsense": ("nonsense-question", "荒谬问题"),
}


def _render(reason: Reason, lang: str) -> str:
    """One screening reason as a sentence for operators and subscribers."""
    idx = 1 if lang == "zh" else 0
    ev = dict(reason.evidence)
    if "challenge" in ev:
        ev["challenge"] = _CHALLENGE_NAMES.get(str(ev["challenge"]), (ev["challenge"],) * 2)[idx]
    try:
        template = _TEXT[ReasonCode(reason.code)][idx]
    except (KeyError, ValueError):
        return str(reason.code)
    if reason.code == ReasonCode.BARGE_IN:
        # (evidence from before 30 Nov has no "over": the callee, as it was worded then)
        ev["over"] = _SPEAKER_NAMES.get(str(ev.get("over", "callee")), (ev.get("over"),) * 2)[idx]
        if "challenge" in ev:
            template = _BARGE_CHALLENGE[idx]
    if reason.code == ReasonCode.CHALLENGE_ANSWERED and ev.get("discounted"):
        template = (_DISCOUNTED_HESITANT if ev.get("hesitant") else _DISCOUNTED)[idx]
    elif reason.code == ReasonCode.CHALLENGE_ANSWERED and ev.get("date_checked") is False:
        template = _DATE_UNCHECKED[idx]
    elif reason.code == ReasonCode.CHALLENGE_ENGAGED and ev.get("engaged") == "greeting_by_name":
        template = _GREETED[idx]
    elif reason.code == ReasonCode.TRICK_PLAYED_ALONG and ev.get("pivots"):
        template = _PIVOTED[idx]
    return fill(template, ev)


register(_TEXT, _render)

"""Challenges the screening assistant asks, and how a reply to each is scored.

Three kinds, after the press investigation's own test ("今天是几号?") and RobocallGuard:
who are you calling for, what is today's date, say this number. A recorded or scripted
caller does not answer them; a person does, even if clumsily ("呃……二十八号吧?"), or
refuses in words that are about the question ("你问这个干嘛?").

A challenge is recognised from the question's own words, so the same scoring applies to an
assistant's turns and to a callee who happens to ask the same thing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from callwarden.screening.answers import (
    DateAnswer,
    digit_string,
    names_someone,
    read_date,
    to_digits,
)


class ChallengeKind(StrEnum):
    WHO_FOR = "who_for"
    DATE = "date"
    REPEAT_NUMBER = "repeat_number"
    ARE_YOU_A_BOT = (
        "are_you_a_bot"  # "你是机器人吗?": a person says no (or laughs); a script goes on
    )
    ONE_WORD = "one_word"  # "回我一句就买": any short reply to it is a person's


class AnswerFit(StrEnum):
    """How a reply fits the challenge."""

    CORRECT = "correct"  # the kind of answer asked for, and right
    PARTIAL = "partial"  # the kind asked for, but wrong or incomplete
    ENGAGED = "engaged"  # no answer, but words about the question (refusal, "what?")
    OFF_TOPIC = "off_topic"  # talks past the question (keeps to a script)
    SILENT = "silent"  # nothing said


@dataclass(frozen=True, slots=True)
class Challenge:
    kind: ChallengeKind
    prompt: str
    expected_digits: str = ""  # for REPEAT_NUMBER


_ZH_DIGITS = "零一二三四五六七八九"
_CJK = re.compile(r"[\u4e00-\u9fff]")

PROMPTS: dict[tuple[ChallengeKind, str], tuple[str, ...]] = {
    (ChallengeKind.WHO_FOR, "zh"): (
        "您好，我是机主的来电助理，请问您找哪位？",
        "请问您要找的人叫什么名字？",
        "您好，请问您找谁？",
    ),
    (ChallengeKind.WHO_FOR, "en"): (
        "Hello, this is a call assistant. Who are you calling for?",
        "Who would you like to speak to?",
    ),
    (ChallengeKind.DATE, "zh"): ("请问今天是几号？", "麻烦先告诉我今天几月几号？", "今天是几号？"),
    (ChallengeKind.DATE, "en"): ("What is today's date?", "Can you tell me what day it is today?"),
    (ChallengeKind.REPEAT_NUMBER, "zh"): (
        "为确认您不是自动外呼，请跟我读这个数字：{n}。",
        "请重复一遍这几个数字：{n}。",
    ),
    (ChallengeKind.REPEAT_NUMBER, "en"): (
        "To show you're not a recording, please say this number: {n}.",
        "Please repeat these digits: {n}.",
    ),
}


def make_challenge(kind: ChallengeKind, lang: str, rng: random.Random) -> Challenge:
    """A challenge of one kind; the number to repeat is drawn from ``rng``."""
    template = rng.choice(PROMPTS[(kind, lang)])
    if kind is not ChallengeKind.REPEAT_NUMBER:
        return Challenge(kind, template)
    digits = "".join(rng.choice("0123456789") for _ in range(4))
    spoken = "".join(_ZH_DIGITS[int(d)] for d in digits) if lang == "zh" else " ".join(digits)
    return Challenge(kind, template.format(n=spoken), expected_digits=digits)


_WHO = re.compile(
    r"找哪位|找谁|找的人|要找哪|叫什么名字|who (?:are|is) .*(?:calling|looking) for"
    r"|who would you like|who do you want",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"几号|几月几|哪天|什么日子|星期几|today'?s date|what (?:day|date)", re.IGNORECASE
)
_REPEAT = re.compile(
    r"(?:跟我|请|麻烦)?(?:读|说|念|重复)[^，。:：]*(?:数字|号码)|repeat|say this number",
    re.IGNORECASE,
)


_BOT_Q = re.compile(
    r"机器人|真人|人工智能|录音吗|are you (?:a )?(?:robot|bot|real|human|recording)", re.IGNORECASE
)
_ONE_WORD = re.compile(
    r"回我一句|说一句|回一句|回个话|reply (?:with )?one word|say (?:one word|yes)", re.IGNORECASE
)


def recognise_challenge(text: str) -> Challenge | None:
    """The challenge a turn asks, read from its words; None when it asks none."""
    if _BOT_Q.search(text):
        return Challenge(ChallengeKind.ARE_YOU_A_BOT, text)
    if _ONE_WORD.search(text):
        return Challenge(ChallengeKind.ONE_WORD, text)
    if _REPEAT.search(text):
        digits = digit_string(text.split("：")[-1].split(":")[-1])
        if len(digits) >= 3:
            return Challenge(ChallengeKind.REPEAT_NUMBER, text, expected_digits=digits)
    if _DATE.search(text):
        return Challenge(ChallengeKind.DATE, text)
    if _WHO.search(text):
        return Challenge(ChallengeKind.WHO_FOR, text)
    return None


# A person who does not answer still reacts to the question: about its topic, or to the
# assistant ("你是谁?"), or refusing. Generic confusion ("没听清") is weaker evidence: intent
# bots say it too before carrying on with their pitch.
_TOPIC = {
    ChallengeKind.WHO_FOR: re.compile(
        r"找谁|找哪|接电话|让他|让她|叫他|叫她|助理|打错|名字|"
        r"put (?:him|her)|who is this|wrong number|why do you",
        re.IGNORECASE,
    ),
    ChallengeKind.DATE: re.compile(
        r"几号|几月|日期|星期几|礼拜几|看手机|什么日子|the date|what day|"
        r"calendar|check your phone",
        re.IGNORECASE,
    ),
    ChallengeKind.ARE_YOU_A_BOT: re.compile(r"机器人|真人|你说呢|robot|human", re.IGNORECASE),
    ChallengeKind.ONE_WORD: re.compile(r"买什么|一句|什么意思|one word|buy what", re.IGNORECASE),
    ChallengeKind.REPEAT_NUMBER: re.compile(
        r"数字|号码|念|读|重复|说一遍|再说|what number|which number|digits|"
        r"repeat|say (?:it|that) again|not doing",
        re.IGNORECASE,
    ),
}
_REFUSE = re.compile(
    r"怎么了|干嘛|干什么|为什么|为啥|凭什么|关你|管那么多|跟你有什么关系|你是谁|你哪位|"
    r"不告诉你|不想告诉|不方便|搞什么|不知道|记不清|忘了|none of your|not telling|"
    r"don't know|why are you|who is this",
    re.IGNORECASE,
)
_CONFUSED = re.compile(
    r"没听清|听不清|什么意思|啥|等一下|等等|稍等|sorry\?|pardon|excuse me|"
    r"didn't (?:hear|catch)|hang on|wait|what\?",
    re.IGNORECASE,
)


_BOT_ANSWER = re.compile(
    r"^\W*(?:不是|是啊|是的|我是真人|真人|人工|哈哈|开玩笑|当然不是)"
    r"|不是机器人|我是人|^\W*(?:no|nope|yes|haha|of course not)\b|real person|"
    r"not a (?:robot|bot)|i'?m human",
    re.IGNORECASE,
)


def normalise_len(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def _digit_similarity(said: str, expected: str) -> float:
    from rapidfuzz.distance import Levenshtein

    if not said or not expected:
        return 0.0
    return float(Levenshtein.normalized_similarity(said, expected))


def score_reply(challenge: Challenge, reply: str, today: date | None) -> tuple[AnswerFit, dict]:
    """How ``reply`` fits ``challenge``, with the evidence that decided it."""
    text = reply.strip()
    if not text:
        return AnswerFit.SILENT, {}
    ev: dict[str, object] = {}
    if challenge.kind is ChallengeKind.DATE:
        ans = read_date(text)
        bare = re.fullmatch(r"\D{0,6}?(\d{1,2})\D{0,8}", to_digits(text))
        if not ans.said_anything and bare and 1 <= int(bare.group(1)) <= 31:
            ans = DateAnswer(day=int(bare.group(1)))  # "呃，26吧": a day said without 号
        if ans.said_anything:
            ev = {"said_day": ans.day, "said_weekday": ans.weekday}
            if today is None:
                return AnswerFit.CORRECT, ev
            ok = ans.matches(today)
            ev["date_correct"] = ok
            return (AnswerFit.CORRECT if ok else AnswerFit.PARTIAL), ev
    elif challenge.kind is ChallengeKind.REPEAT_NUMBER:
        said = digit_string(text)
        sim = _digit_similarity(said, challenge.expected_digits)
        ev = {"digits_said": said, "digit_similarity": round(sim, 2)}
        if sim >= 0.99:
            return AnswerFit.CORRECT, ev
        # A misheard or dropped digit is a person trying; "19 dollars" in a pitch is not.
        if sim >= 0.7 and len(said) >= len(challenge.expected_digits) - 1:
            return AnswerFit.PARTIAL, ev
    elif challenge.kind is ChallengeKind.ARE_YOU_A_BOT:
        if _BOT_ANSWER.search(text[:30]):
            return AnswerFit.CORRECT, {"answers_bot_question": True}
    elif challenge.kind is ChallengeKind.ONE_WORD:
        if len(normalise_len(text)) <= 8:
            return AnswerFit.CORRECT, {"short_reply": True}
    elif names_someone(text):
        return AnswerFit.CORRECT, {"names_someone": True}
    # A reaction is short; a long reply that mentions "number" is a pitch ("card number").
    if len(text) > (30 if _CJK.search(text) else 60):
        return AnswerFit.OFF_TOPIC, ev
    if _TOPIC[challenge.kind].search(text) or _REFUSE.search(text):
        return AnswerFit.ENGAGED, {**ev, "engaged": "topical"}
    if _CONFUSED.search(text):
        return AnswerFit.ENGAGED, {**ev, "engaged": "confused"}
    return AnswerFit.OFF_TOPIC, ev

"""Challenges the screening assistant asks, and how a reply to each is scored.

Three kinds, after the press investigation's own test ("今天是几号?") and RobocallGuard:
who are you calling for, what is today's date, say this number. A recorded or scripted
caller does not answer them; a person does, even if clumsily ("呃……二十八号吧?"), or
refuses in words that are about the question ("你问这个干嘛?").

A challenge is recognised from the question's own words, so the same scoring applies to an
assistant's turns and to a callee who happens to ask the same thing.

Two trick challenges aim at LLM-style agents, which answer the three above correctly:
say a six-digit number backwards (an agent reverses it exactly, fluently and at once; a
person is slow, errs, stops part-way or asks "倒过来?"; a scripted bot ignores it), and a
nonsense, false-premise question ("你是为我那只紫色大象的保险打来的吗?": a person queries it
or laughs; an agent plays along or steers back to its pitch). Their replies are read here;
what counts as superhuman (timing, fluency) is decided in :mod:`callwarden.screening.judge`.
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
    first_clause,
    greets_by_name_only,
    names_someone,
    read_date,
    to_digits,
    without_events,
)


class ChallengeKind(StrEnum):
    WHO_FOR = "who_for"
    DATE = "date"
    REPEAT_NUMBER = "repeat_number"
    ARE_YOU_A_BOT = (
        "are_you_a_bot"  # "你是机器人吗?": a person says no (or laughs); a script goes on
    )
    ONE_WORD = "one_word"  # "回我一句就买": any short reply to it is a person's
    REVERSE_DIGITS = "reverse_digits"  # trick: say this number backwards
    NONSENSE = "nonsense"  # trick: a false-premise question a person would query


TRICK_KINDS = frozenset({ChallengeKind.REVERSE_DIGITS, ChallengeKind.NONSENSE})
REVERSE_DIGITS_LEN = 6  # long enough that most people cannot reverse it at once


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
    expected_digits: str = ""  # REPEAT_NUMBER: the digits; REVERSE_DIGITS: them reversed


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
    (ChallengeKind.REVERSE_DIGITS, "zh"): (
        "请把这个号码倒过来念一遍：{n}。",
        "麻烦把这串数字倒着念给我听：{n}。",
    ),
    (ChallengeKind.REVERSE_DIGITS, "en"): (
        "Please say this number backwards: {n}.",
        "Can you read these digits in reverse order: {n}?",
    ),
    (ChallengeKind.NONSENSE, "zh"): (
        "你是为我那只紫色大象的保险打来的吗？",
        "你是上周帮我修飞船的那位师傅吗？",
        "是来收我月球上那套房子的物业费的吧？",
    ),
    (ChallengeKind.NONSENSE, "en"): (
        "Is this about my purple elephant's insurance?",
        "Are you the mechanic who fixed my spaceship last week?",
        "Is this about the rent on my house on the moon?",
    ),
}


def make_challenge(kind: ChallengeKind, lang: str, rng: random.Random) -> Challenge:
    """A challenge of one kind; the number to repeat is drawn from ``rng``."""
    template = rng.choice(PROMPTS[(kind, lang)])
    if kind not in (ChallengeKind.REPEAT_NUMBER, ChallengeKind.REVERSE_DIGITS):
        return Challenge(kind, template)
    n = 4 if kind is ChallengeKind.REPEAT_NUMBER else REVERSE_DIGITS_LEN
    digits = "".join(rng.choice("0123456789") for _ in range(n))
    spoken = "".join(_ZH_DIGITS[int(d)] for d in digits) if lang == "zh" else " ".join(digits)
    expected = digits if kind is ChallengeKind.REPEAT_NUMBER else digits[::-1]
    return Challenge(kind, template.format(n=spoken), expected_digits=expected)


# Who are you calling for, in the wordings assistants and people use ("您找哪一位?",
# "Who are you trying to reach?", "May I ask who you are calling?"); not "who is calling?"
# (the caller's own name, which a script states as readily as a person), nor a callee's
# own questions ("Who is this, and why are you calling me?", "Who are you with, and what
# are you calling about?", 您找哪家银行办的卡？): the gap after "who" is short and holds no
# second question.
_WHO = re.compile(
    r"找哪(?!家|里|儿|种|款|个地方)|找谁|找的人|找的是(?:谁|哪)|叫什么名字|打给谁|给谁打|"
    r"\bwho(?:m)?\b(?:(?!\b(?:and|why|what|with|about)\b)[^.?!,]){0,24}?"
    r"\b(?:calling for|looking for|trying to (?:reach|call|get)|"
    r"(?:want|like|wish|hoping) to (?:speak|talk|reach)|(?:are|were) you (?:calling|reaching)|"
    r"you(?:'re| are) (?:calling|reaching))|\bwho would you like|\bwho do you (?:want|need)|"
    r"\bwho(?:'s| is) (?:this|the)(?: call)? for\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"几号|几月几|哪天|什么日子|什么日期|星期几|today'?s date|what (?:day|date)|"
    r"what(?:'s| is) the date",
    re.IGNORECASE,
)
# Say this number: a verb addressed to the caller (请/麻烦/跟我 or a clause's start +
# 读/说/念/重复/复述;
# "please"/"can you" or a sentence's start + say/repeat/read) with the digits (3 or more) as
# its object, in the same sentence and after it: "请在3秒内说出四七一九" asks 4719 (the time
# limit is before the verb). A callee's "我的验证码是472913，你们要这个干什么？", "Let me
# read back the number: 555 0199." or "Sorry, say that number again? 555 0199?" asks none,
# nor does "请说一下您要找的人，或者拨打12345" (a comma between the verb and the digits).
_SAY = re.compile(
    r"(?:请|麻烦|跟我)[^，,。？?！!；;]{0,8}?(?:读|说|念|重复|复述)(?:出|一遍|一下|给我听)?|"
    r"(?:^|[，,。？?！!：:])\s*(?:读|说|念|重复|复述)(?:出|一遍|一下)|"
    r"(?:\b(?:please|can you|could you|would you)(?:\s+\w+)?\s+|^\W*|[.!?,]\s*)"
    r"(?:say|repeat|read(?: out)?|recite)\b",
    re.IGNORECASE,
)
_SENTENCE_STOP = re.compile(r"[。？?！!]|\.(?:\s|$)")
_OBJECT_GAP = 20  # characters between the verb and the digits ("这个数字：", "these digits: ")


def _said_digits(text: str) -> str:
    """The digits a turn asks the caller to say (see ``_SAY``), or ""."""
    for m in _SAY.finditer(text):
        rest = text[m.end() :]
        if stop := _SENTENCE_STOP.search(rest):
            rest = rest[: stop.start()]
        rest = to_digits(rest)
        first = re.search(r"\d", rest)
        if first is None:
            continue
        gap = rest[: first.start()]
        if len(gap) > _OBJECT_GAP or re.search(r"[，,；;]", gap):
            continue
        digits = digit_string(rest[first.start() :])
        if len(digits) >= 3:
            return digits
    return ""


_BOT_Q = re.compile(
    r"机器人|真人|人工智能|录音吗|are you (?:a )?(?:robot|bot|real|human|recording)", re.IGNORECASE
)
_ONE_WORD = re.compile(
    r"回我一句|说一句|回一句|回个话|reply (?:with )?one word|say (?:one word|yes)", re.IGNORECASE
)


# The tricks are recognised only in the assistant's own prompt forms (PROMPTS, and the
# docs' "say 381726 backwards"): a callee's everyday talk ("我在看飞船发射直播呢，你找谁?",
# "I wrote your number reversed") asks no trick, and its call is judged as before.
_REVERSE = re.compile(
    r"(?:倒过来|倒[着著]|反过来|倒序|逆序)(?:念|读|说)|(?:say|read)\b.{0,40}?"
    r"\b(?:backwards?|in reverse(?: order)?)",
    re.IGNORECASE,
)
_NONSENSE = re.compile(
    r"紫色大象的保险|修飞船的那位|月球上那套房子|purple elephant'?s insurance|"
    r"fixed my spaceship|house on the moon",
    re.IGNORECASE,
)


def _asked_digits(text: str) -> str:
    """The digits a turn asks to be said backwards: those after its last colon when 3 or
    more, else its last run of digits, else all of them. Without a colon only the last run
    counts, so a time limit before it ("3秒内") is not glued on."""
    if "：" in text or ":" in text:
        digits = digit_string(text.split("：")[-1].split(":")[-1])
        if len(digits) >= 3:
            return digits
    runs = [re.sub(r"\D", "", m.group(0)) for m in _DIGIT_RUN.finditer(to_digits(text))]
    last = runs[-1] if runs else ""
    return last if len(last) >= 3 else digit_string(text)


def recognise_challenge(text: str) -> Challenge | None:
    """The challenge a turn asks, read from its words; None when it asks none."""
    if _NONSENSE.search(text):
        return Challenge(ChallengeKind.NONSENSE, text)
    if _REVERSE.search(text):
        digits = _asked_digits(text)
        if len(digits) >= 3:
            return Challenge(ChallengeKind.REVERSE_DIGITS, text, expected_digits=digits[::-1])
    # A number to say wins over the words around it: "为确认您不是机器人，请说出这个数字：
    # 8 3 0 5" asks for the digits, not whether the caller is a robot.
    if digits := _said_digits(text):
        return Challenge(ChallengeKind.REPEAT_NUMBER, text, expected_digits=digits)
    if _BOT_Q.search(text):
        return Challenge(ChallengeKind.ARE_YOU_A_BOT, text)
    if _ONE_WORD.search(text):
        return Challenge(ChallengeKind.ONE_WORD, text)
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
    ChallengeKind.ARE_YOU_A_BOT: re.compile(
        r"机器人|真人|你说呢|robot|human|real person", re.IGNORECASE
    ),
    ChallengeKind.ONE_WORD: re.compile(r"买什么|一句|什么意思|one word|buy what", re.IGNORECASE),
    ChallengeKind.REPEAT_NUMBER: re.compile(
        r"数字|号码|念|读|重复|说一遍|再说|what number|which number|digits|"
        r"repeat|say (?:it|that) again|not doing",
        re.IGNORECASE,
    ),
    # A refusal is about the question too ("我不会。", "做不到。", "I can't do that."), the
    # polite ones alike in both languages ("这个我不太方便念。", "Sorry, I'd rather not.").
    ChallengeKind.REVERSE_DIGITS: re.compile(
        r"倒过来|倒着|反过来|倒序|倒不过来|念不了|念不出|记不住|太长|数字|号码|不会|做不到|办不到|"
        r"没法|不行|不(?:太)?方便|不(?:太)?想|backwards|reverse|too long|can'?t remember|"
        r"what number|which number|not doing|say (?:it|that) again|\bcan'?t\b|cannot|can not|won'?t|rather not|no way",
        re.IGNORECASE,
    ),
    ChallengeKind.NONSENSE: re.compile(r"$^"),  # read by _score_nonsense
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


# A date said in a pitch's words is the offer's date, not today's ("This offer ends Nov. 30",
# "活动截止到十一月三十", "Press one." read as day 1, 按1): these words void the whole reply's
# date ("今天30号，名额不多了。").
_DATE_PITCH = re.compile(
    r"截止|活动|名额|优惠|办理|免息|\boffers?\b|\bvalid\b|expire|deadline|discount|\bsale\b|"
    r"\bpress\b|按\s*[0-9一二三四五六七八九零]",
    re.IGNORECASE,
)
# So is a bill's due date and a deal's day ("Your payment was due on the 30th.", "11月30日到
# 期", "本周一特惠", "Cyber Monday deals end today": audit 6), but only in their own clause:
# people say why they call after the date ("The 30th. I got a text saying my bill is
# overdue.", "三十号，我信用卡还款日嘛。", audit 7).
_DUE_DEAL = re.compile(
    r"到期|逾期|还款|账单|特惠|特价|促销|秒杀|全场|[0-9一二三四五六七八九]折|"
    r"\b(?:over)?due\b|\bpayments?\b|\bbills?\b|\bdeals?\b|\bpromo(?:tion)?s?\b",
    re.IGNORECASE,
)
# The clauses of a reply: split at commas and stops, a "." only before a capital or the end
# ("Nov. 30" stays whole).
_DATE_CLAUSE = re.compile(
    r"[^，,。!?！？;；.]+(?:\.(?!\s+[A-Z]|\s*$)[^，,。!?！？;；.]*)*[，,。!?！？;；.]*"
)


def _date_clauses(text: str) -> str:
    """``text`` as read for a date: nothing where a pitch's words are in it, and without the
    clauses that hold a bill's or deal's words."""
    if _DATE_PITCH.search(text):
        return ""
    if not _DUE_DEAL.search(text):
        return text
    return "".join(c for c in _DATE_CLAUSE.findall(text) if not _DUE_DEAL.search(c))


def is_long_reply(text: str) -> bool:
    """Longer than a reaction (30 characters with Chinese, else 60): a pitch, not a reply."""
    return len(text.strip()) > (30 if _CJK.search(text) else 60)


def normalise_len(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def _echoes(reply: str, prompt: str) -> bool:
    """The whole question said back (8 or more characters, 90 % alike); a person's short
    echo ("几号？", "Today's date?") is a reaction, not this."""
    a, b = normalise_len(reply).lower(), normalise_len(prompt).lower()
    return len(b) >= 8 and _digit_similarity(a, b) >= 0.9


def _digit_similarity(said: str, expected: str) -> float:
    from rapidfuzz.distance import Levenshtein

    if not said or not expected:
        return 0.0
    return float(Levenshtein.normalized_similarity(said, expected))


# Digits said in one go: separated by nothing, spaces, commas or hesitation dots.
_DIGIT_RUN = re.compile(r"\d(?:[\s,，、.。…·-]*\d)*")
# Digits said in pairs ("sixty-two, seventy-one, eighty-three"): read as two digits each, for
# the reversal and the classic number challenge (dates read as before).
_EN_TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
_EN_TEENS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
_EN_ONES = "one|two|three|four|five|six|seven|eight|nine"
_EN_PAIR = re.compile(
    r"\b(" + "|".join(_EN_TENS) + r")(?:[\s-]+(" + _EN_ONES + r"))?\b"
    r"|\b(" + "|".join(_EN_TEENS) + r")\b",
    re.IGNORECASE,
)
_EN_ONE_DIGIT = {w: str(i + 1) for i, w in enumerate(_EN_ONES.split("|"))}


def _en_pairs(text: str) -> str:
    def pair(m: re.Match[str]) -> str:
        if m.group(3):
            return _EN_TEENS[m.group(3).lower()]
        ones = m.group(2)
        return _EN_TENS[m.group(1).lower()] + (_EN_ONE_DIGIT[ones.lower()] if ones else "0")

    return _EN_PAIR.sub(pair, text)


# Pair words are read as two digits only in a clause that holds nothing but number words,
# separators and fillers ("four seven nineteen", "four seven, nineteen"), not in a pitch's
# figures ("We have forty-seven locations and nineteen years of experience.", audit 7).
_NUMBER_WORDS_ONLY = re.compile(
    r"(?:[\W_\d]|\b(?:zero|oh|"
    + _EN_ONES
    + "|"
    + "|".join([*_EN_TENS, *_EN_TEENS])
    + r"|uh|um|er|erm|hmm|ok|okay|so|sure|yes|yeah|it'?s|that'?s)\b)*",
    re.IGNORECASE,
)
# Chinese tens said back to back with no pause written ("四十七十九": 47, 19).
_ZH_TENS_RUN = re.compile(r"(?:[二三四五六七八九]?十[一二三四五六七八九]?){2,}")


def _number_clauses_in_pairs(text: str) -> str:
    out = []
    for c in _DATE_CLAUSE.findall(text):
        if _NUMBER_WORDS_ONLY.fullmatch(c):
            c = _en_pairs(c)
        elif m := re.fullmatch(r"([\W_嗯呃啊]*)(" + _ZH_TENS_RUN.pattern + r")([\W_吧啊]*)", c):
            tens = re.findall(r"[二三四五六七八九]?十[一二三四五六七八九]?", m[2])
            c = m[1] + "，".join(tens) + m[3]
        out.append(c)
    return "".join(out)


def _best_digit_run(reply: str, expected: str) -> tuple[str, float, str, int]:
    t = to_digits(_en_pairs(reply))
    best = ("", 0.0, "", len(t))
    for m in _DIGIT_RUN.finditer(t):
        said = re.sub(r"\D", "", m.group(0))
        sim = _digit_similarity(said, expected)
        if not best[0] or sim > best[1]:
            end = _SENTENCE_END.search(t, m.end())
            best = (said, sim, t[: end.end() if end else len(t)], m.start())
    return best


def words_before_digits(reply: str, expected: str) -> str:
    """What ``reply`` says before its run of digits nearest ``expected`` (numerals as digits)."""
    t = to_digits(_en_pairs(reply))
    return t[: _best_digit_run(reply, expected)[3]]


def reversed_digits_said(reply: str, expected: str) -> tuple[str, float, str]:
    """The run of digits in ``reply`` nearest ``expected``: (digits, similarity, the reply's
    text up to the end of the sentence holding that run, numerals as digits). A reply that goes on with a pitch
    ("每个月只要十九元") holds other numbers; only the best run is compared."""
    said, sim, head, _ = _best_digit_run(reply, expected)
    return said, sim, head


_SENTENCE_END = re.compile(r"[。！!？?]|\.(?:\s|$)")


def said_with_hesitation(head: str) -> bool:
    """Pauses written into the digits ("六……二七", "6... 2 7"), or the digits put as a
    question ("…一八三，对吧?", "…8 3, right?"): a person checking, not reciting."""
    return "…" in head or ".." in head or bool(re.search(r"[？?]", head))


# Nonsense questions: a person queries the premise, laughs or denies it; an agent accepts it
# ("是的, 关于您的…") or steers back to its pitch. Read in this order: a reply that says it
# does not follow, or asks what was meant, is a query even after a polite "好的,"/"Right,";
# then an acceptance or a pivot back to business wins over an echo of the premise ("是的，关
# 于您那只大象的保险…"); then a laugh, a denial or a question about the premise is a query.
_NOT_FOLLOWED = re.compile(
    r"不(?:太)?明白|没明白|(?:听)?不懂|没懂|不知道你|你说(?:的)?什么|说(?:什么|啥)|什么意思|"
    r"打错|认错人|找错人|搞错|开玩笑|逗我|"
    r"don'?t (?:follow|understand|get (?:it|you))|no idea what|what do you mean|"
    r"what are you talking|wrong (?:person|number)|not sure what you",
    re.IGNORECASE,
)
_ACCEPT = re.compile(
    r"^\W*(?:是的|是啊|对的|对对|对，|没错|好的|嗯嗯|当然|可以的|明白|了解|"
    r"yes|yeah|yep|sure|right|of course|that's right|correct|exactly|absolutely|certainly)",
    re.IGNORECASE,
)
# Back to business after the premise: an agent's pivot ("那我们继续说贷款的事吧").
_PIVOT = re.compile(
    r"(?:我们|咱们)(?:继续|接着|回到|再)(?:说|聊|谈|讲)?|言归正传|回到(?:正题|刚才)|"
    r"\blet'?s (?:get back|continue|move on|go back)|\b(?:getting|get|going|back) back to\b|"
    r"as i was saying",
    re.IGNORECASE,
)
_PREMISE = r"大象|飞船|月球|房子|物业费|elephant|spaceship|moon|house|rent"
# A query of the premise: a laugh, a denial, or a question about it ("什么大象?", "What
# elephant?", "大象？", "what?"); an echo without a question ("您说的房子的事情我记下了") is not.
_PREMISE_QUERY = re.compile(
    r"哈哈|呵呵|没有|不是|哪来|哪有|神经|有病|胡说|什么(?:东西|玩意|鬼|呀|啊)|"
    r"(?:什么|啥|哪(?:只|个|来的)?)\s*(?:" + _PREMISE + r")|(?:" + _PREMISE + r")\s*[？?]|"
    r"^\W*(?:啊|嗯|哈|哦)?\W*(?:什么|啥)\W*$|"
    r"haha|kidding|joking|don'?t have|^\W*no\b|\bhuh\b|crazy|nonsense|"
    r"\bwhat\b[^.?!]{0,12}\b(?:" + _PREMISE + r")|^\W*(?:uh|um|oh|sorry)?\W*what\W*$",
    re.IGNORECASE,
)


# A denial of the premise that goes on with an offer ("不是的，我们是为您提供优惠贷款服务的。",
# "No, we're calling about a low-rate loan offer."): back to the caller's own pitch, not a
# person's query. The words are a pitch's promotion, not the business nouns of people stating
# their business: a real bank calling about a repayment ("不是的，我是银行的，想跟您确认一下贷款
# 还款的事。", "No, I'm from your bank, calling about your loan repayment.") names 贷款/loan/
# bank/account too. 保险/insurance, package and free are left out (the premise's "大象的保险",
# a courier's package, "is he free tonight").
_DENIAL = re.compile(r"^\W*(?:不是|没有|不对|no\b|nope\b)", re.IGNORECASE)
_OFFER = re.compile(
    r"优惠|低息|免息|特价|活动|办理|赠送|礼品|名额|返现|补贴|提额|"
    r"(?:提升|提高|增加|上调|开通|送|赠|给您|为您)\S{0,4}额度|额度(?:提升|提高|上调)|"
    r"\boffers?\b|discount|promotion|low[- ]?rate|\bspecial\b|cash ?back|"
    r"(?:increase|raise|higher)\w*\s+(?:your\s+|the\s+)?credit limit|credit limit (?:increase|raise)",
    re.IGNORECASE,
)


_LEAD_FILLER = re.compile(
    r"^(?:\W*(?:呃|嗯|那个|啊|哦|诶|uh|um|oh|er)(?![a-z])\W*)+", re.IGNORECASE
)


def strip_lead_filler(text: str) -> str:
    """``text`` without its leading fillers ("呃，", "um... "); English "oh" would read as 0."""
    return _LEAD_FILLER.sub("", text)


def _score_nonsense(text: str) -> tuple[AnswerFit, dict]:
    long_reply = is_long_reply(text)
    text = _LEAD_FILLER.sub("", text) or text
    accepts = bool(_ACCEPT.search(text))
    if long_reply:
        # Long: a pitch, whether it first took up the premise or brushed it aside.
        return AnswerFit.OFF_TOPIC, {"accepts_premise": accepts}
    if _NOT_FOLLOWED.search(text):
        return AnswerFit.ENGAGED, {"engaged": "topical", "queries_premise": True}
    if _PIVOT.search(text):
        return AnswerFit.OFF_TOPIC, {"accepts_premise": False, "pivots": True}
    if accepts:
        return AnswerFit.OFF_TOPIC, {"accepts_premise": True}
    if _DENIAL.search(text) and _OFFER.search(text) and not re.search(r"[？?]", text):
        return AnswerFit.OFF_TOPIC, {"accepts_premise": False, "pivots": True, "denies": True}
    if _PREMISE_QUERY.search(text):
        return AnswerFit.ENGAGED, {"engaged": "topical", "queries_premise": True}
    if _CONFUSED.search(text) or _REFUSE.search(text):
        return AnswerFit.ENGAGED, {"engaged": "confused"}
    return AnswerFit.OFF_TOPIC, {"accepts_premise": False}


def score_reply(challenge: Challenge, reply: str, today: date | None) -> tuple[AnswerFit, dict]:
    """How ``reply`` fits ``challenge``, with the evidence that decided it."""
    text = reply.strip()
    if not text:
        return AnswerFit.SILENT, {}
    ev: dict[str, object] = {}
    if _echoes(text, challenge.prompt):
        # A parrot bot says the question back ("请问您找哪位？" to "请问您找哪位？"): its
        # words hold the topic words and the digits, but it answers nothing.
        return AnswerFit.OFF_TOPIC, {"echoes_question": True}
    if challenge.kind is ChallengeKind.NONSENSE:
        return _score_nonsense(text)
    full = text
    if challenge.kind in (ChallengeKind.DATE, ChallengeKind.WHO_FOR) and is_long_reply(text):
        # A pitch holds dates and names of its own ("valid until November 30th", "we're
        # looking for the homeowner to offer a free solar panel inspection."): a long reply
        # is read for the answer in its first short clause only ("我找张伟，我是平安的客服…",
        # an agent answering, then pitching).
        text = first_clause(text)
        if not text or is_long_reply(text):
            return AnswerFit.OFF_TOPIC, ev
    if challenge.kind is ChallengeKind.DATE:
        said = _date_clauses(text)
        ans = read_date(said) if said.strip() else DateAnswer()
        if ans.month_end and said.strip() != text.strip() and not read_date(text).month_end:
            # The month's end counts only as the whole answer, judged before a deal's clause
            # is dropped: "本月最后一天，全场五折。" is the deal's last day (audit 8).
            said, ans = "", DateAnswer()  # (nor its month read as a bare day: 十一 -> 11)
        bare = said.strip() and re.fullmatch(
            r"\D{0,6}?(\d{1,2})\D{0,8}", to_digits(without_events(said))
        )
        if not ans.said_anything and bare and 1 <= int(bare.group(1)) <= 31:
            ans = DateAnswer(day=int(bare.group(1)))  # "呃，26吧": a day said without 号
        if ans.said_anything:
            ev = {"said_day": ans.day, "said_weekday": ans.weekday}
            if ans.event is not None:
                ev["said_event"] = ans.event
            if ans.month_end:
                ev["said_month_end"] = True
            if today is None:
                # No call start time: the date cannot be checked. The judge weighs it as a
                # date of the right kind, not as a right one (any date passes unchecked).
                return AnswerFit.CORRECT, {**ev, "date_checked": False}
            ok = ans.matches(today)
            ev["date_correct"] = ok
            return (AnswerFit.CORRECT if ok else AnswerFit.PARTIAL), ev
    elif challenge.kind is ChallengeKind.REPEAT_NUMBER:
        # Digits said partly in pairs ("four seven nineteen", "forty-seven nineteen": 4719
        # read as 47, audit 6) read two digits a pair word, as for the reversal, where that
        # reads nearer; a pitch's "twenty four hours" after the digits stays as it was.
        said = max(
            (digit_string(text), digit_string(_number_clauses_in_pairs(text))),
            key=lambda d: _digit_similarity(d, challenge.expected_digits),
        )
        sim = _digit_similarity(said, challenge.expected_digits)
        ev = {"digits_said": said, "digit_similarity": round(sim, 2)}
        if sim >= 0.99:
            return AnswerFit.CORRECT, ev
        # A misheard or dropped digit is a person trying; "19 dollars" in a pitch is not.
        if sim >= 0.7 and len(said) >= len(challenge.expected_digits) - 1:
            return AnswerFit.PARTIAL, ev
    elif challenge.kind is ChallengeKind.REVERSE_DIGITS:
        expected = challenge.expected_digits
        # A leading filler is a hesitation, and English "oh" would read as a zero.
        unfilled = _LEAD_FILLER.sub("", text)
        said, sim, head = reversed_digits_said(unfilled, expected)
        ev = {
            "digits_said": said,
            "digit_similarity": round(sim, 2),
            "digits_asked": len(expected),
            "hesitant": unfilled != text or said_with_hesitation(head),
        }
        if sim >= 0.99:
            return AnswerFit.CORRECT, ev
        if said and _digit_similarity(said, expected[::-1]) >= 0.99:
            return AnswerFit.PARTIAL, {**ev, "said_forwards": True}  # heard "repeat", not "reverse"
        # A digit swapped or lost, or a try given up part-way ("六二七……后面忘了").
        if sim >= 0.5 and len(said) >= 3:
            return AnswerFit.PARTIAL, ev
    elif challenge.kind is ChallengeKind.ARE_YOU_A_BOT:
        if _BOT_ANSWER.search(text[:30]):
            return AnswerFit.CORRECT, {"answers_bot_question": True}
    elif challenge.kind is ChallengeKind.ONE_WORD:
        if len(normalise_len(text)) <= 8:
            return AnswerFit.CORRECT, {"short_reply": True}
    elif names_someone(text):
        return AnswerFit.CORRECT, {"names_someone": True}
    elif challenge.kind is ChallengeKind.WHO_FOR and greets_by_name_only(full):
        # "您好，王先生。", "Hello, Mr. Johnson.": whom they think answered, a person's as often
        # as a mail-merge bot's; the judge weighs it 0 (audit 7).
        return AnswerFit.ENGAGED, {"engaged": "greeting_by_name", "cannot_tell": True}
    # A reaction is short; a long reply that mentions "number" is a pitch ("card number").
    text = full
    if is_long_reply(text):
        return AnswerFit.OFF_TOPIC, ev
    if _TOPIC[challenge.kind].search(text) or _REFUSE.search(text):
        return AnswerFit.ENGAGED, {**ev, "engaged": "topical"}
    if (
        challenge.kind is ChallengeKind.REPEAT_NUMBER
        and _TOPIC[ChallengeKind.ARE_YOU_A_BOT].search(challenge.prompt)
        and _TOPIC[ChallengeKind.ARE_YOU_A_BOT].search(text)
    ):
        # "为确认您不是机器人，请说出这个数字…" answered "我是真人！": the robot part taken up.
        return AnswerFit.ENGAGED, {**ev, "engaged": "topical", "answers_bot_question": True}
    if _CONFUSED.search(text):
        return AnswerFit.ENGAGED, {**ev, "engaged": "confused"}
    return AnswerFit.OFF_TOPIC, ev

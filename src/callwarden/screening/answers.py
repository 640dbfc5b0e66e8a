"""Reading a reply for the kind of answer a challenge asks for: a date, a number, a name.

Chinese numerals are turned into digits first (``cn2an``; digit-by-digit readings such as
"幺三零七" keep their leading zeros), so "十一月二十八号", "28号" and "the 28th" all read as
the same day. Everything here is pure text handling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_DIGIT = {
    "零": "0",
    "〇": "0",
    "洞": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
_DIGIT_RUN = re.compile(r"[零〇洞一幺二两三四五六七八九]{2,}")
_CN_NUM = re.compile(r"[零〇一二两三四五六七八九十百千万]+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_EN_NUM = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_EN_NUM_RE = re.compile(r"\b(" + "|".join(_EN_NUM) + r")\b", re.IGNORECASE)


def _cn_number(text: str) -> str:
    """One run of Chinese numerals as Arabic digits (positional or digit by digit)."""
    if not any(c in "十百千万" for c in text):
        return "".join(_DIGIT.get(c, "") for c in text)
    import cn2an  # imported lazily: it loads a large table on import

    try:
        return str(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError):
        return text


def to_digits(text: str) -> str:
    """Text with every numeral (Chinese, full-width, spelled English digits) as ASCII digits."""
    text = text.translate(_FULLWIDTH)
    text = _DIGIT_RUN.sub(lambda m: "".join(_DIGIT[c] for c in m.group(0)), text)
    text = _CN_NUM.sub(
        lambda m: _cn_number(m.group(0)) if _is_numeral(m.group(0)) else m.group(0), text
    )
    return _EN_NUM_RE.sub(lambda m: _EN_NUM[m.group(1).lower()], text)


def _is_numeral(run: str) -> bool:
    # A lone "一" or "两" is usually a word ("一下", "两个人"), not a number said on purpose.
    return len(run) > 1 or run in "三四五六七八九十零"


def digit_string(text: str) -> str:
    """Only the digits of a reply, in order: what "say this number" is compared on."""
    return "".join(re.findall(r"\d", to_digits(text)))


_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAYS_EN = {
    d: i
    for i, d in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}


@dataclass(frozen=True, slots=True)
class DateAnswer:
    """What a reply said about the date; any part may be missing."""

    day: int | None = None
    month: int | None = None
    weekday: int | None = None

    @property
    def said_anything(self) -> bool:
        return self.day is not None or self.weekday is not None

    def matches(self, today: date, *, tolerance_days: int = 1) -> bool:
        """True when every part said agrees with ``today`` (a day either side forgiven)."""
        if self.day is not None:
            diffs = []
            for delta in range(-tolerance_days, tolerance_days + 1):
                d = date.fromordinal(today.toordinal() + delta)
                if d.day == self.day and (self.month is None or self.month == d.month):
                    diffs.append(delta)
            if not diffs:
                return False
        if self.weekday is not None and self.day is None:
            return abs(self.weekday - today.weekday()) in (0, 1, 6)
        return self.said_anything


_ZH_DAY = re.compile(r"(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*(?:号|日)(?!子)")
_ZH_WEEK = re.compile(r"(?:星期|周|礼拜)([一二三四五六日天1-7])")
_EN_DAY = re.compile(
    r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b|\b(\d{1,2})(?:st|nd|rd|th)\b"
    r"(?:\s+of\s+(" + "|".join(_MONTHS) + r"))?",
    re.IGNORECASE,
)
_ISO = re.compile(r"\b\d{4}[-/.](\d{1,2})[-/.](\d{1,2})\b")


def read_date(text: str) -> DateAnswer:
    """The date a reply states, Chinese or English, in words or digits."""
    t = to_digits(text)
    day = month = weekday = None
    if m := _ISO.search(t):
        month, day = int(m.group(1)), int(m.group(2))
    elif m := _ZH_DAY.search(t):
        month = int(m.group(1)) if m.group(1) else None
        day = int(m.group(2))
    elif m := _EN_DAY.search(t):
        if m.group(1):
            month, day = _MONTHS[m.group(1).lower()], int(m.group(2))
        else:
            day = int(m.group(3))
            month = _MONTHS[m.group(4).lower()] if m.group(4) else None
    if m := _ZH_WEEK.search(text):
        w = m.group(1)
        weekday = _WEEKDAYS_ZH.get(w, int(w) - 1 if w.isdigit() else None)
    else:
        low = text.lower()
        weekday = next((i for d, i in _WEEKDAYS_EN.items() if d in low), None)
    if day is not None and not 1 <= day <= 31:
        day = None
    if month is not None and not 1 <= month <= 12:
        month = None
    return DateAnswer(day=day, month=month, weekday=weekday)


# Whom a caller asks for: a surname with a title, a full name, "the owner", or "you".
# Common surnames (words that double as surnames, such as 于 and 方, left out on purpose).
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁沈姚卢姜崔钟谭陆汪范金廖贾夏韦付邹孟熊秦邱尹薛闫段雷侯龙陶黎贺顾毛郝龚邵钱严"
    "覃武戴莫孔汤欧蓝"
)
_ZH_TITLE = re.compile(
    r"([\u4e00-\u9fff])(?:先生|女士|小姐|总|经理|老师|师傅|医生|阿姨|叔叔|哥|姐)"
)
_ZH_WHO = re.compile(r"机主|户主|本人|业主|收件人|找您|找你|这个号|他在吗|她在吗")
_ZH_NAME = re.compile(
    r"(?:找|叫|姓)\s*([\u4e00-\u9fff])|是([\u4e00-\u9fff])[\u4e00-\u9fff]{1,2}吗"
    r"|(?:^|[，,。\s])([\u4e00-\u9fff])[\u4e00-\u9fff]{1,2}(?=[，,。？?！!]|$|吧|吗|呢)"
)
_EN_NAME = re.compile(
    r"\b(?i:mr|mrs|ms|miss|dr)\.?\s+[A-Z][a-z]+"
    r"|\b(?i:looking|calling|asking)\s+for\s+(?:[A-Z][a-z]+|(?i:you\b|the owner|the account))"
    r"|\b(?i:speak (?:to|with)) [A-Z][a-z]+|\b(?i:is this) [A-Z][a-z]+"
    r"|\b(?i:is) [A-Z][a-z]+ (?i:there|home|in)\b|^\W*[A-Z][a-z]+,? (?i:please)"
    r"|^\W*(?:(?i:uh|um|oh)\W*)?(?!(?:Hello|Sorry|What|Yes|No|Okay)\b)[A-Z][a-z]+\W*$"
)


def names_someone(text: str) -> bool:
    """Does the reply name the person called for (a name, a title, "the owner", "you")?"""
    if _ZH_WHO.search(text) or _EN_NAME.search(text):
        return True
    if any(m.group(1) in SURNAMES for m in _ZH_TITLE.finditer(text)):
        return True
    return any(
        (m.group(1) or m.group(2) or m.group(3)) in SURNAMES for m in _ZH_NAME.finditer(text)
    )


_ZH_Q = re.compile(r"[？?]|吗|呢|什么|谁|哪|怎么|干嘛|为啥|为什么")
_EN_Q = re.compile(r"\?|\b(?:who|what|why|which|how)\b", re.IGNORECASE)


def is_question(text: str) -> bool:
    return bool(_ZH_Q.search(text) or _EN_Q.search(text))

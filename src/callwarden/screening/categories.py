"""Categories of what a caller talks about, from weighted keyword lexicons (zh and en).

Marketing (insurance, real estate, education, loans, medical), legitimate service
(courier, bank service) and fraud kinds. A lexicon needs no training data and its evidence
is the words it found, which an analyst can check; the trained
:mod:`callwarden.screening.textmodel` is the tool where labelled texts exist.

A fraud script is told by two things at once (the police's own taxonomy reads the same
way): the **cover** it wears (a courier's claims desk, a platform's customer service, a
lender, the police, a boss or friend, a lottery) and the **act** it asks for (move money,
give a code or a card number, share the screen, install an app, keep it secret). Cover
without an act is the service itself or its marketing; an act makes the cover a fraud kind
(a "courier" that asks for a transfer to pay out compensation is fake customer service).
A few cues are fraud on their own (安全账户, 猜猜我是谁, a ransom). An act mentioned only
under a negation (切勿转账, "never share your code") is not an act.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from callwarden.screening.normalise import has_traditional, regional_spellings, to_simplified


class Category(StrEnum):
    INSURANCE = "insurance"
    REAL_ESTATE = "real_estate"
    EDUCATION = "education"
    LOANS = "loans"
    MEDICAL = "medical"
    COURIER = "courier"
    BANK_SERVICE = "bank_service"
    FRAUD_IMPERSONATION_POLICE = "impersonation_police"
    FRAUD_CUSTOMER_SERVICE = "fake_customer_service"
    FRAUD_LOAN = "loan_fraud"
    FRAUD_ACQUAINTANCE = "impersonation_acquaintance"
    FRAUD_INVESTMENT = "investment_fraud"
    FRAUD_PRIZE = "prize_fraud"
    FRAUD_EXTORTION = "extortion_fraud"
    FRAUD_OTHER = "other_fraud"
    UNKNOWN = "unknown"


LEGITIMATE = frozenset({Category.COURIER, Category.BANK_SERVICE})
FRAUD = frozenset(
    {
        Category.FRAUD_IMPERSONATION_POLICE,
        Category.FRAUD_CUSTOMER_SERVICE,
        Category.FRAUD_LOAN,
        Category.FRAUD_ACQUAINTANCE,
        Category.FRAUD_INVESTMENT,
        Category.FRAUD_PRIZE,
        Category.FRAUD_EXTORTION,
        Category.FRAUD_OTHER,
    }
)

# keyword -> weight; lower-case for English. Weights: 1 topical, 2 specific, 3 decisive.
LEXICON: Mapping[Category, Mapping[str, float]] = {
    Category.INSURANCE: {
        "保险": 2,
        "医疗险": 3,
        "重疾": 3,
        "保单": 2,
        "理赔": 2,
        "意外险": 3,
        "投保": 3,
        "保费": 3,
        "insurance": 2,
        "policy": 1,
        "coverage": 2,
        "medicare": 2,
        "premium": 1,
        "warranty": 2,
    },
    Category.REAL_ESTATE: {
        "楼盘": 3,
        "售楼": 3,
        "看房": 3,
        "首付": 2,
        "户型": 3,
        "置业": 3,
        "房源": 3,
        "两居": 2,
        "精装": 2,
        "二手房": 3,
        "real estate": 3,
        "property": 1,
        "home value": 2,
        "realtor": 3,
    },
    Category.EDUCATION: {
        "课程": 2,
        "试听": 3,
        "家长": 1,
        "辅导": 2,
        "名师": 3,
        "报名": 1,
        "年级": 2,
        "学历": 2,
        "订课": 3,
        "tutoring": 3,
        "course": 1,
        "enroll": 2,
    },
    Category.LOANS: {
        "贷款": 2,
        "额度": 2,
        "借款": 2,
        "日息": 3,
        "放款": 2,
        "征信": 1,
        "利息": 1,
        "loan": 2,
        "pre-approved": 3,
        "funding": 2,
        "credit line": 2,
    },
    Category.MEDICAL: {
        "医院": 2,
        "口腔": 3,
        "种植牙": 3,
        "体检": 2,
        "门诊": 2,
        "复诊": 2,
        "预约": 1,
        "牙齿": 2,
        "clinic": 2,
        "dental": 3,
        "appointment": 1,
    },
    Category.COURIER: {
        "快递": 3,
        "包裹": 2,
        "取件": 3,
        "派送": 3,
        "驿站": 3,
        "送货": 2,
        "放门口": 3,
        "外卖": 3,
        "package": 2,
        "delivery": 2,
        "parcel": 3,
    },
    Category.BANK_SERVICE: {
        "信用卡中心": 3,
        "银行": 1,
        "账单": 2,
        "还款日": 3,
        "消费": 1,
        "回访": 1,
        "bank": 1,
        "statement": 2,
        "fraud department": 1,
    },
    Category.FRAUD_IMPERSONATION_POLICE: {
        "公安": 3,
        "警察": 3,
        "洗钱": 4,
        "通缉": 4,
        "安全账户": 5,
        "检察院": 3,
        "法院": 2,
        "涉嫌": 3,
        "冻结": 2,
        "反诈中心": 2,
        "机密": 2,
        # "warrant" alone is no cue: a recogniser hears "car warranty" as "car warrant"
        # (Whisper tiny.en, 30 Nov audit); the police's warrant is one for an arrest.
        "warrant": 2,
        "arrest warrant": 3,
        "warrant for your arrest": 3,
        "arrest": 3,
        "social security number": 3,
        "irs": 3,
    },
    Category.FRAUD_CUSTOMER_SERVICE: {
        "退款": 3,
        "理赔款": 3,
        "备用金": 3,
        "自动扣费": 4,
        "关闭服务": 3,
        "百万保障": 4,
        "会员服务": 2,
        "屏幕共享": 5,
        "refund": 3,
        "gift card": 5,
        "suspicious charge": 4,
        "verify your card": 4,
    },
    Category.FRAUD_LOAN: {
        "解冻金": 5,
        "保证金": 4,
        "不看征信": 3,
        "无抵押": 2,
        "刷流水": 5,
        "验证还款能力": 5,
        "手续费": 2,
        "upfront fee": 5,
        "processing fee": 3,
    },
    Category.FRAUD_ACQUAINTANCE: {
        "猜猜我是谁": 5,
        "我是你领导": 5,
        "换号了": 4,
        "借我": 2,
        "急用钱": 3,
        "帮我转": 4,
        "老同学": 2,
        "it's your grandson": 5,
        "bail money": 5,
    },
    Category.FRAUD_INVESTMENT: {
        "炒股": 3,
        "内幕": 4,
        "稳赚": 4,
        "高回报": 4,
        "虚拟币": 3,
        "理财群": 4,
        "带单": 4,
        "guaranteed return": 5,
        "crypto": 2,
        "高收益": 2,
        "低风险": 2,
        "风险低": 2,
        "零风险": 4,
        "保本": 3,
        "稳定收益": 2,
        "收益率": 1,
        "回报率": 1,
        "no risk": 3,
        "年化收益": 2,
        "投资项目": 2,
        "投资机会": 2,
        "投资顾问": 2,
    },
    Category.FRAUD_PRIZE: {
        "中奖": 2,
        "一等奖": 3,
        "彩票中心": 3,
        "领奖": 3,
        "奖金": 2,
        "you've won": 3,
        "you have won": 3,
        "claim your prize": 4,
    },
    Category.FRAUD_EXTORTION: {
        "绑架": 5,
        "赎金": 5,
        "撕票": 5,
        "在我手上": 5,
        "在我们手上": 5,
        "kidnapped": 5,
        "ransom": 5,
    },
}

#: Cover stories: a fraud kind's own words (counted only beside an act) and the topics it
#: imitates (their lexicon scores count too, beside an act).
COVER: Mapping[Category, tuple[Mapping[str, float], tuple[Category, ...]]] = {
    Category.FRAUD_CUSTOMER_SERVICE: (
        {
            "客服": 2,
            "京东": 2,
            "淘宝": 2,
            "天猫": 2,
            "支付宝": 2,
            "快手": 2,
            "抖音": 2,
            "拼多多": 2,
            "美团": 1,
            "商城": 1,
            "订单": 1,
            "会员": 1,
            "理赔": 2,
            "赔偿": 2,
            "补偿": 2,
            "退款": 2,
            "退货": 2,
            "丢失": 1,
            "白条": 2,
            "金条": 2,
            "花呗": 2,
            "借呗": 2,
            "微粒贷": 2,
            "注销": 2,
            "代理": 1,
            "扣费": 2,
            "异常": 2,
            "异常交易": 2,
            "异常活动": 2,
            "违禁品": 3,
            "海关": 2,
            "银联": 2,
            "工号": 1,
            "customer service": 2,
            "amazon": 2,
            "account": 1,
            "order": 1,
        },
        (Category.COURIER, Category.BANK_SERVICE, Category.INSURANCE),
    ),
    Category.FRAUD_LOAN: (
        {"无抵押": 2, "低利率": 2, "审批": 1, "申请": 1, "审核": 1, "网贷": 2, "提现": 2},
        (Category.LOANS,),
    ),
    Category.FRAUD_IMPERSONATION_POLICE: (
        {
            "调查": 2,
            "案件": 3,
            "涉案": 4,
            "民警": 3,
            "警官": 3,
            "警方": 3,
            "公安机关": 3,
            "逮捕": 3,
            "拘留": 3,
            "社保": 2,
            "医保": 2,
            "税务": 2,
            "银保监": 3,
            "监管": 1,
            "通讯管理局": 3,
            "法律责任": 2,
            "police": 3,
            "government": 2,
            "legal action": 3,
        },
        (),
    ),
    Category.FRAUD_ACQUAINTANCE: (
        {
            "领导": 3,
            "我是你": 2,
            "好友": 2,
            "老板": 2,
            "部长": 2,
            "局长": 2,
            "主任": 1,
            "校长": 2,
            "老师": 1,
            "朋友": 2,
            "同学": 2,
            "亲戚": 2,
            "孙子": 2,
            "侄子": 2,
            "侄女": 2,
            "外甥": 2,
            "表弟": 2,
            "表妹": 2,
            "舅舅": 2,
            "老乡": 2,
            "机场": 2,
            "回国": 3,
            "机票": 3,
            "新号": 2,
            "换号": 3,
            "办公室": 2,
            "急用": 3,
            "急需": 2,
            "帮忙": 1,
            "帮我": 2,
            "grandson": 3,
            "granddaughter": 3,
            "your boss": 3,
        },
        (),
    ),
    Category.FRAUD_INVESTMENT: (
        {
            "股票": 2,
            "理财": 2,
            "投资": 2,
            "收益": 2,
            "回报": 2,
            "导师": 3,
            "比特币": 3,
            "数字货币": 3,
            "期货": 2,
            "外汇": 2,
            "翻倍": 3,
            "investment": 2,
            "returns": 2,
        },
        (),
    ),
    Category.FRAUD_PRIZE: (
        {
            "中奖": 3,
            "彩票": 2,
            "一等奖": 3,
            "大奖": 2,
            "奖金": 3,
            "领奖": 3,
            "获奖": 3,
            "奖品": 2,
            "抽奖": 1,
            "won": 2,
            "prize": 3,
            "lottery": 3,
            "sweepstakes": 3,
        },
        (),
    ),
    Category.FRAUD_EXTORTION: (
        {
            "出事": 3,
            "扣押": 3,
            "生命危险": 3,
            "放人": 4,
            "车祸": 3,
            "手术费": 3,
            "医药费": 2,
            "your son": 2,
            "your daughter": 2,
        },
        (),
    ),
}

#: What the caller asks the callee to do: move money, give credentials, hand over control.
#: Counted once a word; not when every occurrence is in a clause with a negation (切勿转账
#: is advice, not a request).
ACTS: Mapping[str, float] = {
    # move money
    "转账": 3,
    "转钱": 3,
    "汇款": 3,
    "打款": 3,
    "转入": 3,
    "转到": 2,
    "转给": 3,
    "打到": 2,
    "垫付": 4,
    "指定账户": 5,
    "指定的账户": 5,
    "转至": 3,
    "远程协助": 4,
    "远程操作": 3,
    "对公账户": 3,
    "提供的账户": 4,
    "对方账户": 3,
    "借钱": 3,
    "定金": 2,
    "周转": 2,
    "借点钱": 3,
    "付款": 1,
    "红包": 1,
    "缴纳": 1,
    "支付": 1,
    "费用": 1,
    "手续费": 2,
    "工本费": 3,
    "处理费": 3,
    "保证金": 3,
    "押金": 2,
    "解冻": 4,
    "冻结": 1,
    "流水": 2,
    "个人所得税": 3,
    "赎金": 5,
    "罚款": 3,
    "税费": 3,
    "关税": 2,
    # give credentials
    "验证码": 3,
    "身份证号": 3,
    "银行卡号": 4,
    "卡信息": 3,
    "卡号": 2,
    "账户号码": 4,
    "密码": 3,
    "银行卡": 2,
    "身份信息": 2,
    "个人信息": 1,
    "出生日期": 2,
    "核实身份": 2,
    "身份验证": 2,
    "安全验证": 2,
    "账户信息": 2,
    # hand over control
    "屏幕共享": 5,
    "共享屏幕": 5,
    "投屏": 4,
    "会议": 2,
    # english
    "gift card": 5,
    "gift cards": 5,
    "wire": 3,
    "western union": 4,
    "bitcoin": 3,
    "verification code": 4,
    "one-time code": 4,
    "pin": 2,
    "password": 3,
    "remote access": 4,
    "anydesk": 5,
    "teamviewer": 5,
    "account number": 3,
    "routing number": 4,
    "bank account": 2,
    "social security number": 3,
    "pay a fee": 4,
    "processing fee": 3,
    "fee": 1,
    "pay": 1,
}
#: Where the caller moves the callee: add weight to an act, never one on their own (operators'
#: and shops' own messages say "download the app", "tap the link").
CHANNELS: Mapping[str, float] = {
    "下载": 2,
    "app": 1,
    "链接": 2,
    "网址": 2,
    "二维码": 2,
    "扫码": 2,
    "qq": 2,
    "加微信": 2,
    "微信": 1,
    "软件": 1,
    "应用程序": 1,
    "link": 2,
    "download": 2,
}
#: A lender that moves the borrower to a personal chat account is no bank (虚假贷款 through
#: QQ or WeChat, then a fake app).
PRIVATE_CHANNELS: tuple[str, ...] = ("qq", "加微信", "添加微信", "微信号", "加我微信", "企业微信")

#: Isolation: asking to keep it from others is an act whatever negation it carries.
ISOLATION: Mapping[str, float] = {
    "不许报警": 5,
    "不能报警": 5,
    "不要报警": 5,
    "别报警": 5,
    "不要告诉": 3,
    "保密": 2,
    "don't tell": 3,
    "do not tell": 3,
}
#: A clause with one of these gives advice or reassurance, not a request ("切勿转账",
#: "请妥善保管密码", "we will never ask for your PIN").
_NEGATION = re.compile(
    r"不要|切勿|请勿|勿|谨防|警惕|不会|不得|严禁|绝不|从不|保管|妥善|防止|never|don't|do not|won't"
)
_CLAUSE = re.compile(r"[。！？；，,.!?;\n]")

FRAUD_MIN_SCORE = 4.0  # fraud on its own words needs a specific cue, not one topical word
CORE_ACT_MIN_SCORE = 3.0  # a transfer, a code, a card number: one clear request
ACT_MIN_SCORE = 4.0  # and with the channels it goes through, e.g. a transfer through an app
PRETEXT_MIN_SCORE = 5.0  # a kind's own cover words that make a channel an act
MIN_SCORE = 2.0


@dataclass(frozen=True, slots=True)
class CategoryResult:
    category: Category
    score: float
    matched: tuple[str, ...]

    @property
    def is_fraud(self) -> bool:
        return self.category in FRAUD

    @property
    def is_legitimate_service(self) -> bool:
        return self.category in LEGITIMATE


@functools.cache
def _whole_word(word: str) -> re.Pattern[str]:
    """``word`` not inside a longer Latin word. Not ``\\b``: a Chinese character is a word
    character to it, so "下载app" and "加qq" would hide "app" and "qq"."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])")


def _found(word: str, low: str) -> bool:
    if word not in low:  # (most words, and nearly every English one in a Chinese text)
        return False
    # whole English words: "warrant" is not in "warranty"
    return not word.isascii() or _whole_word(word).search(low) is not None


def _hits(words: Mapping[str, float], low: str) -> tuple[float, list[str]]:
    found = [w for w in words if _found(w, low)]
    return sum(words[w] for w in found), found


def _plain_clauses(low: str) -> str:
    """The clauses that carry no negation (where a request can be), one a line: no word
    holds a clause's end, so a word found in the result lies inside one such clause."""
    return "\n".join(c for c in _CLAUSE.split(low) if c and not _NEGATION.search(c))


def _acts(low: str, plain: str) -> tuple[float, list[str]]:
    """The act and channel words found outside negated clauses, and their summed weight;
    zero when no act is found (channels alone are no act)."""
    acts = [w for w in ACTS if _found(w, plain)]
    acts += [w for w in ISOLATION if _found(w, low)]
    weights = [ACTS.get(w, 0) + ISOLATION.get(w, 0) for w in acts]
    if sum(x for x in weights if x >= 2) < CORE_ACT_MIN_SCORE:  # weight 1: never alone
        return 0.0, []
    channels = [w for w in CHANNELS if _found(w, plain)]
    return sum(weights) + sum(CHANNELS[w] for w in channels), acts + channels


def _pretext_and_channel(low: str, plain: str) -> tuple[float, list[str]]:
    """A fraud kind's own cover story (not the service it imitates) told strongly, and a
    channel to move the callee to: the compensation or account-closing story that ends in
    "download this app" or "add me on QQ"; or a loan offer moved to a personal chat account
    (``PRIVATE_CHANNELS``). The channel then stands in for the act (the score returned is
    the act threshold itself, so it counts as an act and no more)."""
    channels = [w for w in CHANNELS if _found(w, plain)]
    channel = sum(CHANNELS[w] for w in channels)
    if channel < 2:
        return 0.0, []
    cover = max(_hits(words, low)[0] for words, _ in COVER.values())
    if cover >= PRETEXT_MIN_SCORE:
        return ACT_MIN_SCORE, channels
    private = [w for w in PRIVATE_CHANNELS if _found(w, plain)]
    if private and _hits(LEXICON[Category.LOANS], low)[0] >= PRETEXT_MIN_SCORE - 1:
        return ACT_MIN_SCORE, channels + private
    return 0.0, []


@functools.cache
def _regional_words() -> dict[str, str]:
    words = {w for d in LEXICON.values() for w in d} | {w for d, _ in COVER.values() for w in d}
    words |= set(ACTS) | set(CHANNELS) | set(ISOLATION) | set(PRIVATE_CHANNELS)
    return regional_spellings(sorted(words))


@functools.cache
def _regional() -> re.Pattern[str]:
    """Any of :func:`_regional_words`, the longest first."""
    alts = sorted(_regional_words(), key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, alts)) or "(?!)")


def categorise(text: str) -> CategoryResult:
    """The category a caller's text is most about, with the keywords behind it. Traditional
    characters and full-width letters are read as Simplified and ASCII (``normalise.py``)."""
    low = to_simplified(text).lower()
    if has_traditional(text):  # Taiwan's words for the lexicon's (软体 for 软件)
        low = _regional().sub(lambda m: _regional_words()[m.group(0)], low)
    topical = {c: _hits(words, low) for c, words in LEXICON.items()}
    plain = _plain_clauses(low)
    act, act_words = _acts(low, plain)
    if act < ACT_MIN_SCORE:
        act, act_words = _pretext_and_channel(low, plain)
    if act >= ACT_MIN_SCORE:
        kinds: dict[Category, tuple[float, list[str]]] = {}
        for kind, (cover_words, imitated) in COVER.items():
            score, words = topical.get(kind, (0.0, []))
            cover, found = _hits(cover_words, low)
            score, words = score + cover, words + found
            for c in imitated:
                score, words = score + topical[c][0], words + topical[c][1]
            if score > 0:
                kinds[kind] = (score, words)
        if not kinds:
            return CategoryResult(Category.FRAUD_OTHER, act, tuple(act_words))
        best = _best(kinds)
        evidence = dict.fromkeys(kinds[best][1] + act_words)  # once each, in order found
        return CategoryResult(best, kinds[best][0] + act, tuple(evidence))
    fraud = {c: v for c, v in topical.items() if c in FRAUD and v[0] >= FRAUD_MIN_SCORE}
    pool = fraud or {c: v for c, v in topical.items() if c not in FRAUD and v[0] >= MIN_SCORE}
    if not pool:
        return CategoryResult(Category.UNKNOWN, 0.0, ())
    best = _best(pool)
    return CategoryResult(best, float(pool[best][0]), tuple(pool[best][1]))


def _best(pool: Mapping[Category, tuple[float, list[str]]]) -> Category:
    """Highest score; a tie goes to the category listed first."""
    order = list(Category)
    return max(pool, key=lambda c: (pool[c][0], -order.index(c)))

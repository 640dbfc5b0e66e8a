"""Categories of what a caller talks about, from a weighted keyword lexicon (zh and en).

Marketing (insurance, real estate, education, loans, medical), legitimate service
(courier, bank service) and fraud kinds. A lexicon needs no training data (there is none
labelled for these categories) and its evidence is the words it found, which an analyst
can check; the trained :mod:`callwarden.screening.textmodel` is the tool where labelled
texts exist (the fraud kinds). Fraud cues outweigh the service they imitate: a "bank"
call that asks for a transfer to a "safe account" is fraud.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


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
    UNKNOWN = "unknown"


LEGITIMATE = frozenset({Category.COURIER, Category.BANK_SERVICE})
FRAUD = frozenset(
    {
        Category.FRAUD_IMPERSONATION_POLICE,
        Category.FRAUD_CUSTOMER_SERVICE,
        Category.FRAUD_LOAN,
        Category.FRAUD_ACQUAINTANCE,
        Category.FRAUD_INVESTMENT,
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
        "warrant": 4,
        "arrest": 3,
        "social security number": 3,
        "irs": 3,
    },
    Category.FRAUD_CUSTOMER_SERVICE: {
        "退款": 3,
        "理赔款": 3,
        "备用金": 4,
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
    },
}
FRAUD_MIN_SCORE = 4.0  # fraud needs a specific cue, not one topical word
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


def _found(word: str, low: str) -> bool:
    if word.isascii():  # whole English words: "warrant" is not in "warranty"
        return re.search(rf"\b{re.escape(word)}\b", low) is not None
    return word in low


def categorise(text: str) -> CategoryResult:
    """The category a caller's text is most about, with the keywords behind it."""
    low = text.lower()
    scores: dict[Category, tuple[float, list[str]]] = {}
    for cat, words in LEXICON.items():
        hits = [w for w in words if _found(w, low)]
        if hits:
            scores[cat] = (sum(words[w] for w in hits), hits)
    fraud = {c: v for c, v in scores.items() if c in FRAUD and v[0] >= FRAUD_MIN_SCORE}
    pool = fraud or {c: v for c, v in scores.items() if c not in FRAUD and v[0] >= MIN_SCORE}
    if not pool:
        return CategoryResult(Category.UNKNOWN, 0.0, ())
    best = max(pool, key=lambda c: (pool[c][0], -list(Category).index(c)))
    return CategoryResult(best, float(pool[best][0]), tuple(pool[best][1]))

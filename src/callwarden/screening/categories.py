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

import bisect
import functools
import re
from collections.abc import Iterable, Mapping
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
        "extended warranty": 2,
        "vehicle service contract": 3,
        "advantage plan": 2,
        "medicare supplement": 2,
        "licensed agent": 2,
        "final expense": 3,
        "term life": 3,
        "dental plan": 3,  # a plan that covers the dentist is insurance, not the clinic
        "health plan": 2,
        "open enrollment": 2,
        "deductible": 2,
        "quote": 1,
        "cover": 1,
        # round 2: other countries' words and the plans sold as "cover"
        "funeral cover": 3,
        "life cover": 3,
        "appliance cover": 3,
        "boiler cover": 3,
        "guaranteed acceptance": 3,
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
        "realty": 3,
        "zillow": 3,
        "redfin": 3,
        "buy houses": 3,  # cash house buyers ("we buy houses", "buys houses for cash")
        "buy homes": 3,
        "buy your house": 3,
        "buy your home": 3,
        "cash offer": 3,
        "listing": 3,
        "buying or selling": 3,
        "selling": 1,
        "buyer": 2,
        "down payment": 2,
        "bedroom": 2,
        "viewing": 2,
        "open house": 2,
        "townhome": 2,
        "condo": 2,
        "property manager": 2,
        "rent out": 2,
        "tenant": 2,
        # round 2
        "valuation": 2,
        "property developer": 3,
        "apartment": 2,
        "bhk": 3,  # (Indian listings: "a three bhk")
        "off the plan": 3,
        "villa": 2,
        "timeshare": 3,
        "home buying": 3,
        "land buying": 3,
        "on the market": 2,
        "instant offer": 2,
        "rent or buy": 3,
        "for sale": 2,
        "land": 1,
        "as is": 1,
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
        "tutor": 3,  # (and tutoring, tutors)
        "course": 1,
        "enroll": 2,
        "online degree": 3,
        "degree program": 3,
        "university": 2,
        "college": 2,
        "admissions": 3,
        "class": 1,  # (business class, class action)
        "trial": 1,
        "lesson": 2,
        "trial class": 3,
        "bootcamp": 3,
        "certification": 2,
        "tuition": 3,
        "scholarship": 2,
        "learning center": 3,
        "language school": 3,
        "prep course": 3,
        "placement test": 2,
        "mba": 3,
        "student": 1,
        "school": 1,
        # round 2
        "coaching": 2,
        "admission": 2,
        "revision": 2,
        "exam": 1,
        "ielts": 3,
        "toefl": 3,
        "degree": 2,
        "education advisor": 3,
        "training": 1,
        "webinar": 1,
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
        "line of credit": 2,
        "lending": 2,
        "debt": 2,
        "debt relief": 3,
        "debt consolidation": 3,
        "consolidate": 2,
        "refinance": 3,
        "mortgage": 2,
        "cash advance": 3,
        "working capital": 2,
        "interest rate": 1,
        "repayment": 1,
        # round 2
        "remortgage": 3,
        "lender": 2,
        "car finance": 3,
        "finance": 1,
        "personal loan": 3,
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
        "hearing aid": 3,
        "hearing test": 3,
        "brace": 3,
        "pain": 1,
        "weight loss": 2,
        "diabetic": 3,
        "blood sugar": 2,
        "lasik": 3,
        "eye surgery": 3,
        "physical therapy": 3,
        "chiropractic": 3,
        "chiropractor": 3,
        "teeth whitening": 3,
        "sleep apnea": 3,
        "screening": 1,
        "consultation": 1,
        # round 2
        "health check": 3,
        "blood test": 2,
        "ecg": 2,
        "physiotherapy": 3,
        "physiotherapist": 3,
        "ayurvedic": 3,
        "diabetes": 2,
        "doctor": 1,
        "nurse": 1,
        # A clinic that calls about the callee's own appointment or results is a notice, not
        # marketing: these take back what "dental" or "clinic" gave.
        "your appointment": -2,
        "your cleaning": -2,
        "your lab results": -2,
        "your test results": -2,
        "reminding you": -1,
        "confirming your": -1,
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
        "deliver": 2,
        "courier": 3,
        "driver": 1,
        "ups": 3,
        "fedex": 3,
        "dhl": 3,
        "usps": 3,
        "royal mail": 3,
        "post office": 3,
        "signature": 2,
        "registered letter": 3,
        "redelivery": 3,
        "depot": 1,  # (Home Depot)
        "tracking number": 3,
        "front door": 1,
        # round 2: a driver at the door, payment on delivery
        "food order": 3,
        "on the truck": 2,
        "downstairs": 1,
        "house number": 1,
        "directions": 1,
        "rider": 1,
        "cash on delivery": 3,
        "on delivery": 2,
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
        "fraud alert": 2,
        "debit card": 2,
        "credit card": 1,
        "card ending in": 3,
        "replacement card": 3,
        "credit limit": 3,
        "branch": 2,
        "checkbook": 3,
        "online banking": 2,
        "banking app": 2,
        "savings account": 2,
        "relationship manager": 3,
        "escrow": 2,
        "servicing": 2,
        # round 2: a bank's own calls (a card, an account, a yes/no on a transaction)
        "fraud prevention": 2,
        "was this you": 2,
        "was it you": 2,
        "yes or no": 1,
        "card company": 2,
        "card services": 2,
        "back of your card": 3,
        "overdraft": 3,
        "direct debit": 2,
        "current account": 2,
        "fixed deposit": 3,
        "payslip": 2,
        "payee": 1,
        "recipient": 1,
        # banks by name, as 京东 and 支付宝 name the platforms
        "chase": 2,
        "wells fargo": 2,
        "citi": 2,
        "capital one": 2,
        "american express": 2,
        "barclays": 2,
        "hsbc": 2,
        "santander": 2,
        "natwest": 2,
        "lloyds": 2,
        "monzo": 2,
        "revolut": 2,
        "starling": 2,
        "halifax": 2,
        "nationwide": 2,
        "td bank": 2,
        "rbc": 2,
        "scotiabank": 2,
        "commonwealth bank": 2,
        "westpac": 2,
        "anz": 2,
        "dbs": 2,
        "ocbc": 2,
        "sbi": 2,
        "hdfc": 2,
        "icici": 2,
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
        "irs": 3,
        "hmrc": 3,
        "legal proceedings": 2,
        "legal action": 2,
        "lawsuit": 2,
        "safe account": 5,  # 安全账户
        "money laundering": 4,  # 洗钱
        # round 2: other countries' agencies, and their enforcement (a second word of
        # them, as 公安 and 涉嫌, names the kind without an act)
        "police": 2,
        "federal police": 3,
        "tax office": 2,
        "taxation office": 3,
        "inland revenue": 3,
        "revenue agency": 3,
        "cra": 2,
        "ato": 2,
        "ird": 2,
        "action fraud": 3,
        "constable": 3,
        "bailiff": 3,
        "enforcement agent": 3,
        "county court": 3,
        "custody": 3,
        "tax fraud": 3,
        "tax file": 2,
        "deportation": 3,
        "homeland security": 2,
        "cyber crime": 3,
        "cybercrime": 3,
        "illegal drugs": 3,
        "fake passport": 3,
        # ("social security number" is an act, not a cue: any caller may ask for it)
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
        # (not "gift card": every kind asks for them, so it is an act and names no kind)
        "suspicious charge": 4,
        "verify your card": 4,
        # round 2: 自动扣费 and its threat (cancel it or your credit score suffers)
        "automatic deduction": 3,
        "monthly deduction": 3,
        "affect your credit score": 3,
        "kyc": 2,
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
        "advance fee": 5,
        "show you can repay": 5,  # 验证还款能力
        "prove you can repay": 5,
        "verify you can afford": 5,
        "verification account": 4,
        "release fee": 3,
        "arrangement fee": 2,
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
        "it's your granddaughter": 5,
        "bail money": 5,
        "guess who": 4,  # 猜猜我是谁
        "do you know who i am": 4,
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
        "guaranteed profit": 5,
        "guaranteed": 2,
        "guarantee": 2,  # (guarantees; "guaranteed" is its own word: see _inflections)
        "never lose": 3,
        "capital is protected": 3,
        "stock tips": 3,
        "trading signals": 3,
        "signals": 1,
        "insider": 3,
        "pre ipo": 3,
        "pre-ipo": 3,
        "early investors": 2,
        "passive income": 2,
        "staking": 3,
        "forex": 2,
        "usdt": 2,
        "crypto scam": 3,  # (a recovery scam: "we can recover what you lost")
        "recover your money": 3,
        "recover your funds": 3,
        "blockchain": 1,
        "outperform": 2,
        "double your money": 4,
        "triple your money": 4,
        "inside information": 4,  # 内幕
        "risk free": 3,
        "risk-free": 3,
        "fixed return": 2,
        "monthly return": 2,
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
        "you won": 3,
        "claim your prize": 4,
        "winner": 2,
        "lucky winner": 3,
        "grand prize": 3,
        "congratulations": 1,
    },
    Category.FRAUD_EXTORTION: {
        "绑架": 5,
        "赎金": 5,
        "撕票": 5,
        "在我手上": 5,
        "在我们手上": 5,
        "kidnapped": 5,
        "ransom": 5,
        "we know where you live": 4,
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
            "order": 1,
            "apple": 2,
            "icloud": 2,
            "iphone": 1,
            "microsoft": 2,
            "windows": 2,
            "tech support": 3,
            "technical support": 3,
            "support": 1,
            "technician": 2,
            "computer": 1,
            "router": 1,
            "internet provider": 2,
            "virus": 2,
            "hack": 2,
            "hackers": 2,
            "norton": 2,
            "mcafee": 2,
            "geek squad": 3,
            "subscription": 2,
            "renew": 2,
            "refund": 2,
            "paypal": 2,
            "ebay": 2,
            "netflix": 2,
            "verizon": 2,
            "unauthorized": 2,
            "suspend": 2,
            "compromise": 2,
            "security team": 2,
            "fraud team": 2,
            "fraud department": 2,
            "card services": 2,
            "buyer protection": 2,
            "bill credit": 2,
            "visa": 1,
            "mastercard": 1,
            "license": 1,
            "membership": 1,  # 会员
            # round 2: other countries' shops, wallets and carriers; their refund story
            "customer support": 2,
            "billing": 1,
            # (not "account": every act names one, "transfer the money to this account")
            "shopee": 2,
            "lazada": 2,
            "flipkart": 2,
            "aliexpress": 2,
            "taobao": 2,
            "paytm": 2,
            "telstra": 2,
            "kyc": 3,
            "compensate": 2,
            "vip member": 2,
            "purchase": 1,
            "card has been used": 2,
            "security department": 2,
        },
        (Category.COURIER, Category.BANK_SERVICE, Category.INSURANCE),
    ),
    Category.FRAUD_LOAN: (
        {
            **{"无抵押": 2, "低利率": 2, "审批": 1, "申请": 1, "审核": 1, "网贷": 2, "提现": 2},
            "approve": 2,
            "bad credit": 3,
            "no credit check": 3,
            "guaranteed approval": 3,
            "underwriter": 2,
            "disburse": 2,
            "release the funds": 3,
            "unfreeze": 3,  # 解冻
            "application": 1,
            "credit score": 1,
            "sanction": 2,  # (India: "your loan is sanctioned")
            "nbfc": 2,
            "credit history": 1,
            "loan officer": 2,
            "payday": 2,
        },
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
            "officer": 2,
            "detective": 3,
            "sheriff": 3,
            "deputy": 2,
            "sergeant": 3,
            "fbi": 3,
            "federal bureau": 3,
            "homeland security": 3,
            "department of justice": 3,
            "crime agency": 3,
            "fraud squad": 2,
            "internal revenue service": 3,
            "tax office": 3,
            "back taxes": 3,
            "unpaid tax": 2,
            "tax refund": 2,
            "social security administration": 3,
            "customs": 3,
            "border protection": 3,
            "immigration": 3,
            "deport": 3,
            "court": 2,
            "jury duty": 3,
            "judge": 2,
            "clerk": 1,
            "lawsuit": 2,
            "investigation": 2,
            "case number": 2,
            "drug trafficking": 3,
            "illegal drugs": 3,
            "seize": 2,
            "suspend": 2,
            "frozen": 2,  # 冻结
            "face charges": 3,
            "criminal charges": 3,
            "jail": 1,
            # round 2
            "investigate": 2,
            "constable": 3,
            "custody": 3,
            "detained": 2,
            "caseworker": 2,
            "hmrc": 3,
            "taxation office": 3,
            "ministry": 2,
            "penalty": 1,
            "bailiff": 3,
            "deportation": 3,
            "audit": 1,
            "legal department": 2,
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
            "grandpa": 3,
            "grandma": 3,
            "grandmother": 3,
            "grandfather": 3,
            "it's me": 2,  # 我是你
            "mum": 2,
            "mom": 2,
            "dad": 2,
            "nephew": 2,
            "niece": 2,
            "cousin": 2,
            "aunt": 1,
            "uncle": 1,
            "friend": 2,
            "old friend": 3,
            "the ceo": 3,
            "your manager": 3,
            "quick favour": 2,
            "quick favor": 2,
            "new number": 3,  # 换号
            "temporary number": 3,
            "lost my phone": 2,
            "dropped my phone": 2,
            "phone broke": 2,
            "lost my wallet": 2,
            "was stolen": 2,
            "airport": 2,  # 机场
            "abroad": 2,
            "explain later": 2,
            # round 2: a colleague, a church friend, a leader; a debt they promise to repay
            "ceo": 3,
            "director": 2,
            "leader": 2,
            "superior": 2,
            "in a meeting": 2,
            "from work": 2,
            "from church": 2,
            "neighbour": 2,
            "neighbor": 2,
            "in trouble": 2,
            "in a bit of trouble": 2,
            "repay you": 2,
            "pay you back": 2,
            "give it back": 2,
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
            "invest": 2,
            "investor": 2,
            "trade": 2,
            "trading platform": 2,
            "trading group": 3,
            "platform": 1,
            "profit": 2,
            "forex": 3,
            "stock": 2,
            "shares": 2,
            "go public": 2,
            "goes public": 2,
            "crypto": 2,
            "bitcoin": 2,
            "coins": 2,
            "usdt": 2,
            "precious metals": 3,
            "gold": 1,
            "financial advisor": 2,
            "account manager": 1,
            "401k": 2,
            "retirement savings": 1,
            "mining": 1,
            "stock market": 1,
            "exchange": 1,
            "wallet": 1,
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
            "winner": 3,
            "winnings": 3,
            "jackpot": 3,
            "congratulations": 1,
            "lucky": 1,
            "cruise": 2,
            "vacation": 1,
            "claim": 1,
            "draw": 2,
            "award": 2,
            "promotion": 1,
            "selected": 1,
            "ticket": 1,
        },
        (),
    ),
    # Round 2: English task and job scams (paid to like videos, a "task account" to top up,
    # money to pass on from home). English words only, so no Chinese text gets this kind.
    Category.FRAUD_OTHER: (
        {
            "hiring": 2,
            "part time": 2,
            "part-time": 2,
            "task": 2,
            "work from home": 2,
            "from home": 1,
            "job": 1,
            "commission": 1,
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
            "your kid": 2,
            "your child": 2,
            "your children": 2,
            "your husband": 2,
            "your wife": 2,
            "your family": 2,
            "we have your": 3,  # 在我们手上
            "holding him": 3,
            "holding her": 3,
            "see her again": 3,
            "see him again": 3,
            "hurt": 2,
            "kill": 3,
            "hitman": 4,
            "something will happen": 3,
            "we know where you live": 4,
            "webcam": 3,
            "private photos": 4,
            "photos": 1,
            "video": 1,
            "accident": 2,  # 车祸
            "hospital": 1,
            # round 2
            "your boy": 2,
            "your girl": 2,
            "with us": 2,
            "want him back": 3,
            "want her back": 3,
            "in one piece": 3,
            "beat him": 3,
            "beat her": 3,
            "your contacts": 2,
            "browsing history": 3,
            "hacker": 2,
            "come to your house": 2,
            "you'll regret": 3,
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
    "gift card": 5,  # (and "gift cards": every English word is found in its inflections)
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
    # english, session 23: move money
    "transfer": 3,
    "send money": 3,
    "send the money": 3,
    "send me money": 3,
    "move money": 3,
    "move your money": 3,
    "send": 1,
    "payment": 1,
    "deposit": 2,
    "moneygram": 4,
    "zelle": 3,
    "cash app": 3,
    "venmo": 3,
    "google play card": 5,
    "play card": 5,
    "itunes card": 5,
    "steam card": 5,
    "prepaid card": 4,
    "bitcoin atm": 5,
    "crypto atm": 5,
    "usdt": 3,
    "wallet address": 4,
    "to this account": 3,
    "to my account": 3,
    "escrow account": 3,
    "account details": 3,
    "bank details": 3,
    "withdraw cash": 3,
    "hand it to": 3,
    "pick up the cash": 4,
    "collect the cash": 4,
    "bail": 2,
    "lend me": 3,
    "pay you back": 3,
    # round 2: other countries' rails and what the scripts call the money
    "upi": 3,
    "paynow": 3,
    "interac": 3,
    "e-transfer": 3,
    "sort code": 3,  # (routing number)
    "secure account": 4,
    "withdraw": 2,  # ("withdraw five thousand pound in cash")
    "top up": 3,  # a task scam's "task account", a loan's "guarantee deposit"
    "upfront": 1,
    "charge": 1,  # (as "fee": "a file charge", "the processing charge")
    "payment details": 4,
    "need money": 3,
    "send it to": 2,
    "send it on": 3,
    "send it back": 3,
    "bring cash": 4,  # (pick up the cash)
    "bring the cash": 4,
    "enter your pin": 3,
    "otp": 3,  # 验证码
    "access your computer": 4,
    "access your pc": 4,
    "access your device": 4,
    # a courier's fee asked on the phone (the courier itself says it "will never" ask one)
    "shipping fee": 3,
    "delivery fee": 3,
    "redelivery fee": 3,
    # give credentials
    "passcode": 3,
    "security code": 3,
    "six-digit code": 4,
    "code we": 3,  # "the code we just sent you"
    "login": 3,
    "card number": 4,  # 银行卡号
    "card details": 4,
    "expiry date": 3,
    "expiration date": 3,
    "cvv": 4,
    "digits on the back": 4,
    "date of birth": 2,
    "copy of your id": 3,
    "mother's maiden name": 3,
    "verify your": 2,  # 核实身份
    # hand over control
    "remotely": 3,
    "connect to your": 3,
    "share your screen": 5,
    "screen share": 5,
    "ultraviewer": 5,
    "run box": 3,
    "on your screen": 2,
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
    "install": 2,
    "website": 1,
    "whatsapp": 2,
    "telegram": 2,
    # a robocall's transfer to its agent ("an order was placed on your account, press one")
    "press one": 2,
    "press 1": 2,
    # round 2: any key ("press nine to speak to the legal department"); "press one if you
    # made this purchase" is an answer, not a channel (see _EN_ANSWER)
    **{f"press {k}": 2 for k in ("two", "three", "four", "five", "six", "seven", "eight")},
    **{f"press {k}": 2 for k in ("nine", "zero", "2", "3", "4", "5", "6", "7", "8", "9", "0")},
    "qr code": 2,
    "go to the website": 2,
    "turn on the computer": 2,
    "turn on your computer": 2,
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
    "don't tell anyone": 4,
    "do not tell anyone": 4,
    "if you tell anyone": 4,
    "if you call anyone": 4,
    "don't call the police": 5,  # 不许报警
    "do not call the police": 5,
    "if you call the police": 5,
    "don't call the cops": 5,
    "don't discuss": 3,
    "keep this between us": 3,
    "keep this call confidential": 3,
    "don't hang up": 2,
    "stay on the line": 2,
    "don't call anyone": 4,
    "do not call anyone": 4,
    "keep it between us": 3,
}
#: A clause with one of these gives advice or reassurance, not a request ("切勿转账",
#: "请妥善保管密码", "we will never ask for your PIN").
_NEGATION = re.compile(
    r"不要|切勿|请勿|勿|谨防|警惕|不会|不得|严禁|绝不|从不|保管|妥善|防止|never|don't|do not|won't"
)
_CLAUSE = re.compile(r"[。！？；，,.!?;\n]")

# English (session 23). A clause with no Chinese character is read the English way: a
# negation covers what follows it in its clause, not the words before it ("pay the bond
# today, don't hang up"), and at most 6 words of it: a call without punctuation is one clause
# ("don't hang up or you will be arrested you need to pay ..."), and whether a full stop
# stood elsewhere in the text (or a line break between turns) must not change that (round
# 3; it covered the whole clause in a text with any separator). "no" negates the noun phrase
# it opens ("no upfront fees", 3 words); the others a predicate ("we will never call you to
# ask for your full card number").
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_EN_NEGATOR = re.compile(r"(?<![a-z0-9])(?:never|not|no|nobody|cannot|[a-z]+n['’]t)(?![a-z0-9])")
#: Speech recognisers and typists drop the apostrophe ("dont tell mom", "we wont ever ask"):
#: a negation is read with it put back.
_EN_BARE_NOT = re.compile(
    r"(?<![a-z0-9])(don|won|can|didn|doesn|isn|aren|wasn|weren|shouldn|wouldn|couldn)t(?![a-z0-9])"
)
_EN_SCOPE_WORDS = 6
#: Words the six do not count (round 2): "we will never ask you to move money to a safe
#: account" negates all of its predicate.
_EN_SCOPE_FREE = frozenset({"to", "a", "an", "for", "of", "any"})
#: A negation right after "if" or "unless" states the condition of a demand or a threat ("if
#: you don't pay two thousand dollars ...", "if you did not authorise this press one"): it
#: negates nothing the caller asks. (Round 2.)
_EN_CONDITION = re.compile(r"(?<![a-z0-9])(?:if|unless)(?: +[a-z'’]+){0,2} *$")
#: Where a negation's reach ends inside its clause: "he's not leaving until you pay".
_EN_SCOPE_END = re.compile(r"[^a-z0-9]*(?:until|unless|but|otherwise|because|till)")
_EN_NO_SCOPE_WORDS = 3
_EN_WORD = re.compile(r"[^a-z0-9'’-]*[a-z0-9'’-]+")
#: A request to pay or send that names the money it wants ("pay the port fees", "send me six
#: hundred on zelle", "wire the first month's rent"): one act, weight 3, however the money is
#: named. Verbs, not nouns: "your card payment of two hundred dollars is due" asks nothing;
#: not an option offered ("you can pay the eighty five dollars online"), where a request is
#: an order or a question ("can you send me ..."); not the caller paying ("we pay cash").
_EN_MONEY_VERB = (
    r"(?:pay|pays|paying|paid|send|sends|sending|sent|transfer|transfers|transferring|wire"
    r"|wires|wiring|deposit|deposits|depositing|put in"
    # round 2: lending and withdrawing to hand over ("lend me some money", "advance some
    # money", "withdraw five thousand pound in cash")
    r"|lend|lending|advance|withdraw|withdrawing|top up|topping up)"
)
_EN_MONEY = (
    r"(?:fees?|fines?|tax|taxes|bail|bond|deposit|dollars?|pounds?|euros?|money|cash|funds?"
    r"|installments?|interest|difference|damages|ransom|rent|hundred|thousand|grand|bitcoin"
    # round 2: what scripts call the charge, and other countries' money
    r"|penalty|penalties|charges?|clearance|compensation|invoice|repayments?"
    r"|rupees?|lakhs?|crores?|quid|rand|ringgit|dirhams?|yuan|rmb)"
)
#: Reading a code or a card's numbers out to the caller ("read me the six-digit code", "tell
#: me the numbers on your screen"): weight 3.
_EN_READ_OUT = r"(?:read|tell|give|text|send) +(?:me|us)"
#: ... or the code named first ("read it to me", "give it back to us"): weight 3.
_EN_SECRET = r"(?:codes?|numbers?|digits|pin|password|passcode|otps?)"
_EN_GAP = r"(?: +[a-z0-9'’-]+){0,4}? +"
#: Round 3: what an advance fee comes "before" is what the callee is to get ("a fee payable
#: before the money is sent", "before your application is processed"), not an event of the
#: service that charges it ("the lesson fee is payable before the test", "the course fee is
#: due before the first lesson").
_EN_PAYOUT = (
    r"(?:the|your)(?! +(?:first +|next +)?(?:test|lesson|class|session|appointment|course"
    r"|trip|match|game|exam|visit|stay|term|event|start|season|treatment|procedure)s?"
    r"(?![a-z0-9]))"
)
#: ... and "first" as an ordinal ("on the first", "at the first training session", "your
#: first lesson") or before a payment offered ("... for parts first you can pay me when i
#: arrive") asks nothing first.
_EN_NOT_ORDINAL = "".join(
    f"(?<!{d} )" for d in ("the", "your", "our", "my", "his", "her", "their", "a", "this")
)
_EN_NOT_OFFERED = r"(?![ ,]+(?:you|we) +(?:can|could|may)(?![a-z0-9]))"
EN_RULES: Mapping[str, tuple[re.Pattern[str], float]] = {
    "money request": (
        re.compile(
            rf"(?<![a-z0-9])(?<!you can )(?<!you may )(?<!you could )"
            rf"(?<!we )(?<!i )(?<!we'll )(?<!i'll )(?<!we will )(?<!i will )"
            rf"{_EN_MONEY_VERB}{_EN_GAP}{_EN_MONEY}(?![a-z0-9])"
        ),
        3,
    ),
    "read-out": (re.compile(rf"(?<![a-z0-9]){_EN_READ_OUT}{_EN_GAP}{_EN_SECRET}(?![a-z0-9])"), 3),
    # round 2: "share the otp you receive", "give the code to me"; not "give you a code"
    "share-code": (
        re.compile(
            r"(?<![a-z0-9])(?:share|sharing|forward|read out|give|giving|tell)"
            rf"(?: +(?!you(?![a-z0-9]))[a-z0-9'’-]+){{0,3}}? +{_EN_SECRET}(?![a-z0-9])"
        ),
        3,
    ),
    # round 2: a charge due before the money comes (an advance fee, however named: "a one-off
    # arrangement fee payable before the money is sent", "an upfront insurance premium
    # before we can pay out"); "first" said of a charge means the same
    "fee before": (
        re.compile(
            r"(?<![a-z0-9])(?:fees?|charges?|deposit|premium|tax|taxes|insurance)"
            rf"(?: +[a-z0-9'’-]+){{0,8}}? +(?:before +(?:we|you|i|it|they|{_EN_PAYOUT})"
            rf"|{_EN_NOT_ORDINAL}first{_EN_NOT_OFFERED})"
            r"(?![a-z0-9])"
            # ... or a payment asked "first" ("but first top up your task account")
            rf"|(?<![a-z0-9]){_EN_NOT_ORDINAL}first{_EN_NOT_OFFERED}(?: +[a-z'’]+){{0,3}}?"
            r" +(?:pay|top up|deposit|send|transfer|wire)(?![a-z0-9])"
        ),
        3,
    ),
}
#: Round 2: a money mule, money received to pass on ("receive money into your account and
#: send it on", "get transfers ...; just forward them on"), read across clauses: weight 4.
_EN_PASS_ON = re.compile(
    r"(?<![a-z0-9])(?:receive|receiving|accept|accepting|get|getting)(?:[ ,;:]+[a-z0-9'’-]+)"
    r"{0,3}?[ ,;:]+(?:money|payments?|funds|transfers?)(?:[ ,;:]+[a-z0-9'’-]+){0,8}?[ ,;:]+"
    r"(?:send|sending|transfer|transferring|forward|forwarding|pass|passing|wire)"
    r"(?: +[a-z0-9'’-]+){0,2}? +on(?![a-z0-9])"
)
EN_PASS_ON_WEIGHT = 4.0
#: A code named, then "read it to me" ("we sent a code to your phone, please read it to me"),
#: read across clauses: weight 4 (a letter read out names no code).
_EN_READ_IT = re.compile(
    r"(?<![a-z0-9])(?:codes?|otps?|pin|passcode|password)(?:[ ,;:.]+[a-z0-9'’-]+){0,10}?[ ,;:.]+"
    r"(?:read|tell|give|text|send|say) +(?:it|them)(?: +out| +back)? +to +(?:me|us)(?![a-z0-9])"
)
EN_READ_IT_WEIGHT = 4.0

# Round 2: what a legitimate service says that reads like a request. Each is rewritten out
# of the text acts are read from (English clauses only, so Chinese is untouched):
#: a money word said as a noun ("a transfer of three thousand dollars you just made", "the
#: wire transfer you requested", "your card payment"), unless a verb asks for it ("make a
#: transfer", "send a payment", "pay a deposit"; "did you make a transfer" only asks);
_EN_MONEY_NOUN = re.compile(
    r"(?<![a-z0-9'’])(?:a|an|the|your|this|that|any|my|our|their|his|her|by|via)"
    r"((?: +(?:wire|bank|card|online|international|direct|recent|large|pending|first"
    r"|last|monthly|scheduled|incoming|outgoing))*"
    r" +(?:transfers?|payments?|wires?|deposits?|withdrawals?))(?![a-z0-9])"
    # (not a noun that modifies another: "your payment details", "the transfer fee")
    r"(?! +(?:details|info|information|method|methods|fees?|charges?|card|codes?))"
)
#: ... or one followed by "of" ("the trip deposit of thirty pounds", "a wire of twenty
#: thousand"), where a determiner has not already said so;
_EN_MONEY_OF = re.compile(
    r"(?<![a-z0-9'’])(?:transfers?|payments?|wires?|deposits?|withdrawals?)(?= +of(?![a-z0-9]))"
)
_EN_DETERMINERS = frozenset(
    {"a", "an", "the", "your", "this", "that", "any", "my", "our", "their", "his", "her"}
)
#: A means of payment offered, not asked for.
_EN_OPTION = re.compile(
    r"(?<![a-z0-9])(?:you can|you could|you may|if you prefer|if you like)(?![a-z0-9])"
)
_EN_ASKS_FOR = frozenset(
    {"make", "makes", "making", "do", "send", "sending", "complete", "initiate", "arrange"}
    | {"authorise", "authorize", "pay", "paying", "put", "need", "needs", "require", "wire"}
    | {"deposit", "transfer", "process", "approve", "place", "set", "sign"}
)
#: money moved to the callee's own account, address or phone ("transfer it to your savings
#: account", "we'll send it to your home address"), not to a "new secure account";
_EN_TO_OWN = re.compile(
    r"(?<![a-z0-9])(?:pay|paid|send|sent|sending|transfer|transferred|transferring|move|moved"
    r"|moving|wire|wired|deposit|deposited|put|sweep|credit|credited)(?![a-z0-9])"
    r"(?=(?: +[a-z0-9'’-]+){0,5}? +(?:to|into|in|between) +your +"
    r"(?:own +|other +|existing +|usual +)?(?:(?:savings|current|checking|chequing|deposit|main"
    r"|joint|everyday|isa|bank|salary) +)?(?:accounts?|home|address|house|phone|mobile|email"
    r"|inbox|door)(?![a-z0-9]))"
    # ... or paid in ("please pay in funds today to avoid a fee": into one's own account)
    r"|(?<![a-z0-9])(?:pay|paying|put|putting)(?= +(?:in +(?:some +)?(?:funds|money)"
    r"|(?:some +)?(?:funds|money) +in)(?![a-z0-9]))"
)
#: a payment taken at the door, for what is delivered ("it's cash on delivery, do you want to
#: pay by card or cash when i get there");
_EN_IN_PERSON = re.compile(
    r"(?<![a-z0-9])(?:on delivery|cash or card|card or cash|at the door|at your door"
    r"|to the driver|with the driver|to your driver|with your driver"
    r"|(?:when|once) +(?:i|we|i'm|we're|the driver|he|she)(?: +(?:get|gets|arrive|arrives|reach"
    r"|am|is|are))? +(?:there|here|outside|(?:to|at) +your +(?:door|house|place|address))"
    r"|when i deliver"
    # round 3: at the front desk of a place the callee comes to ("a deposit to hold the
    # room, you can pay it at check in", "at your next appointment")
    r"|at check[- ]?in|at reception|at the front desk|at your (?:next +)?(?:appointment|visit)"
    r"|when you (?:pick|collect) (?:it|them)(?: up)?)(?![a-z0-9])"
)
#: (there the money verbs and a code read out are the handover: "can you read me the otp
#: when i'm at your door")
_EN_HANDOVER = re.compile(rf"(?<![a-z0-9])(?:{_EN_MONEY_VERB}|read|tell|give|say)(?![a-z0-9])")
#: a keypad answer ("press one if you made this purchase, press two if not") is no channel;
#: "press one if you want to cancel" still is.
_EN_ANSWER = re.compile(
    r"(?<![a-z0-9])press +(?:one|two|1|2)(?= +if +(?:not|yes|no|so|correct|(?:you|this|it"
    r"|that)(?: +[a-z'’]+)? +(?:made|make|did|do|was|is|were|recogni[sz]e|authori[sz]ed?))"
    r"(?![a-z0-9]))"
)
#: A warning not to give a code away ("never read it out to anyone who calls you", "we'll
#: never ask for your pin", "don't share the code we send you"): the codes it names are no
#: act, and it is a bank's (or a shop's) own notice: 2 points to bank service.
_EN_CODE_WARNING = re.compile(
    r"(?<![a-z0-9])(?:never|not|nobody|no one|[a-z]+n't)(?: +[a-z'’-]+){0,4}? +"
    r"(?:share|sharing|give|giving|read|tell|disclose|reveal|say|ask|asking|text|send)"
    r"(?:(?: +[a-z0-9'’-]+){0,6}? +(?:codes?|passcodes?|pins?|passwords?|otps?)"
    r"|(?: +(?:it|them|this|that))(?: +out)? +(?:to|with) +(?:anyone|anybody|others|someone))"
    r"(?![a-z0-9])"
)
EN_WARNING_POINTS = 2.0
#: A code the callee types into their own bank's app or website ("enter the code we sent in
#: your banking app", "on our website") is no more given away than one warned about.
_EN_SELF_ENTRY = re.compile(
    r"(?<![a-z0-9])(?:enter|type|input|key in)(?: +[a-z0-9'’-]+){0,6}? +(?:in|into|on|in to)"
    r" +(?:your|our) +(?:banking +|bank's +|mobile +)?(?:app|online banking|website)(?![a-z0-9])"
)
#: Round 3: card details the callee updates in the company's own app or account ("update
#: your card details in the app to avoid a late fee") are not given to the caller, unless the
#: call also sends them somewhere (a link, a download, a website).
_EN_SELF_UPDATE = re.compile(
    r"(?<![a-z0-9])(?:update|updating|change|changing|enter|add|check)(?: +[a-z0-9'’-]+){0,4}?"
    r" +(?:in|on|through|via) +(?:the|your|our) +(?:app|online account|account online"
    r"|account settings|customer portal)(?![a-z0-9])"
)
_EN_ELSEWHERE = re.compile(r"(?<![a-z0-9])(?:link|download|install|website|text message)")
_EN_CARD_ACTS = frozenset({"card details", "card number", "payment details", "expiry date"})
#: The English credentials such a warning names.
_EN_CODE_ACTS = frozenset(
    {"verification code", "one-time code", "pin", "password", "passcode", "security code"}
    | {"six-digit code", "code we", "login", "otp"}
)
#: A promised rate of return ("twenty percent returns every week", "one percent daily",
#: "returns of thirty percent", "the price will triple"): investment's cue, 2 points, never
#: enough alone (a bank's "seven percent per annum" names no fraud without a second cue).
_EN_RETURNS = re.compile(
    r"(?<![a-z0-9])(?:(?:percent|%)(?: +[a-z]+){0,2}? +(?:returns?|profits?|daily|weekly"
    r"|monthly|a day|a week|a month|per day|per week|per month|per annum|every day|every week"
    r"|every month|each day|each week|each month)"
    r"|(?:returns?|profits?) +of(?: +[a-z-]+){1,4}? +percent"
    r"|(?:daily|weekly|monthly) +(?:returns?|profits?|income)"
    r"|(?:make|earn|making|earning)(?: +[a-z]+){1,4}? +(?:a|per|every) +(?:day|week|month)"
    r"|(?:will|to|could|can) +(?:double|triple)|times +(?:your|their|the) +money)(?![a-z0-9])"
)
EN_RETURNS_POINTS = 2.0


def _en_mentions_out(line: str, in_person: bool) -> str:
    """An English clause less what :data:`_EN_MONEY_NOUN`, :data:`_EN_TO_OWN`,
    :data:`_EN_IN_PERSON` and :data:`_EN_ANSWER` say a service's own words are."""

    # (the words before a match and the first option are looked up, not re-read from the
    # line's start at every match: "a wire " * 20,000 took seconds, audit 23)
    def noun(m: re.Match[str]) -> str:
        words = _words_before(line, tokens, m.start())
        if words and words[-1] in _EN_ASKS_FOR and tuple(words[-3:-1]) not in _EN_ONLY_ASKS:
            return m.group(0)
        if m.group(0)[:3] in ("by ", "via") and option_end > m.start():
            return m.group(0)  # "required by wire transfer"; "you can pay me by bank transfer"
        return m.group(0)[: m.start(1) - m.start(0)] + " ~"

    def noun_of(m: re.Match[str]) -> str:
        words = _words_before(line, tokens, m.start())
        if words and words[-1] in _EN_DETERMINERS:
            return m.group(0)  # (a determiner's noun is _EN_MONEY_NOUN's to judge)
        if any(w in _EN_ASKS_FOR for w in words):
            return m.group(0)  # "needs a good-faith payment of", "pay a security deposit of"
        return "~"

    line = _EN_SERVICE_WORDS.sub("~", line)
    tokens = _token_index(line)
    line = _EN_MONEY_OF.sub(noun_of, line)
    tokens = _token_index(line)
    # where the first option offered ends (none: past the end); a match after it is offered
    first_option = _EN_OPTION.search(line)
    option_end = first_option.end() if first_option is not None else len(line) + 1
    line = _EN_MONEY_NOUN.sub(noun, line)
    line = _EN_TO_OWN.sub("~", line)
    if in_person:
        line = _EN_HANDOVER.sub("~", line)
    return _EN_ANSWER.sub("answer", line)


_EN_TOKEN = re.compile(r"\S+")


def _token_index(line: str) -> tuple[list[int], list[int]]:
    """Where each whitespace-separated word of ``line`` starts and ends (for
    :func:`_words_before`)."""
    spans = [m.span() for m in _EN_TOKEN.finditer(line)]
    return [a for a, _ in spans], [b for _, b in spans]


def _words_before(line: str, tokens: tuple[list[int], list[int]], end: int) -> list[str]:
    """``line[:end].split()[-3:]``, found through ``tokens`` (:func:`_token_index` of ``line``)
    in time that does not grow with ``end``."""
    starts, ends = tokens
    k = bisect.bisect_left(starts, end)  # the words that start before ``end``
    return [line[starts[i] : min(ends[i], end)] for i in range(max(0, k - 3), k)]


#: Round 3: a service's own words that hold a request's: a co-payment is what a pharmacy or a
#: dentist charges for what it hands over ("your co-pay is twelve dollars"), and the number of
#: a card that pays nothing (a library, loyalty or membership card) is no card number.
_EN_SERVICE_WORDS = re.compile(
    r"(?<![a-z0-9'’])co[- ]?pays?(?:ments?)?(?![a-z0-9])"
    r"|(?<![a-z0-9'’])(?:library|loyalty|membership|member|rewards?|student|gym|clubcard"
    r"|frequent flyer|frequent flier) +card(?: +(?:numbers?|details|no))?(?![a-z0-9])"
)

#: "did you make a transfer", "have you made a payment": a question about one, not a request.
_EN_ONLY_ASKS = frozenset({("did", "you"), ("have", "you"), ("if", "you")})

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


# Words an English cue's inflections are not looked for in (a phrase's function words).
_UNINFLECTED = frozenset(
    {"the", "you", "your", "our", "for", "and", "not", "can", "any", "out", "off", "who"}
    | {"its", "are", "her", "him", "his", "she", "was", "has", "had", "all", "one", "two"}
    | {"this", "that", "with", "from", "into"}
)


def _inflections(token: str) -> str:
    """A regex for an English word and its regular endings: -s, -es, -ed, -ing; -d and
    e-dropping -ing after a silent e (wire: wired, wiring; not fee: feed); -ies, -ied after
    a consonant and y (policy: policies); a doubled final consonant after one vowel
    (transfer: transferred, kidnap: kidnapped). Irregular forms are listed as their own
    words. Not for short words or a phrase's function words ("the" is not "thing")."""
    if len(token) < 3 or not token.isalpha() or token in _UNINFLECTED:
        return re.escape(token)
    forms = [token + "s", token + "es", token + "ed", token + "ing"]
    if token.endswith("e") and not token.endswith("ee"):
        forms += [token + "d", token[:-1] + "ing"]
    if token.endswith("y") and token[-2] not in "aeiou":
        forms += [token[:-1] + "ies", token[:-1] + "ied"]
    if token[-1] not in "aeiouwxy" and token[-2] in "aeiou" and token[-3] not in "aeiou":
        forms += [token + token[-1] + "ed", token + token[-1] + "ing"]
    return "(?:" + "|".join(map(re.escape, [token, *forms])) + ")"


@functools.cache
def _whole_word(word: str) -> re.Pattern[str]:
    """``word`` not inside a longer Latin word, each of its words in any regular inflection
    (:func:`_inflections`: "arrest" finds "arrested"). Not ``\\b``: a Chinese character is a
    word character to it, so "下载app" and "加qq" would hide "app" and "qq"."""
    body = " ".join(_inflections(t) for t in word.split(" "))
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


@functools.cache
def _stem(word: str) -> str:
    """What every inflection of ``word`` holds: its first word less a final e or y."""
    first = word.split(" ")[0]
    return first[:-1] if len(first) > 3 and first[-1] in "ey" else first


def _found(word: str, low: str) -> bool:
    if not word.isascii():
        return word in low
    if _stem(word) not in low:  # (nearly every English word in a Chinese text)
        return False
    # whole English words: "warrant" is not in "warranty"
    return _whole_word(word).search(low) is not None


_LATIN = re.compile(r"[a-z]")
_LATIN_RUN = re.compile(r"[a-z0-9]+")
#: Two English words in a row: where the English rules, all of several words, can match.
_EN_PROSE = re.compile(r"[a-z][a-z'’-]*[ ,]+[a-z]")


@dataclass(frozen=True, slots=True)
class _Entries:
    """A word list prepared for :func:`_found_all`: the Chinese words, and the English ones
    by the first (up to) four letters of their stem (where any inflection of them starts;
    two letters until round 2, when the longer key kept a Chinese text's placeholders,
    <digit>, <name>, <url>, from setting off a search for every English word in di-, na-)."""

    words: Iterable[str]  # (held, so that its id is not reused while the entry lives)
    chinese: tuple[tuple[int, str], ...]
    english: Mapping[str, tuple[tuple[int, str, str], ...]]


_ENTRIES: dict[int, _Entries] = {}


def _entries(words: Iterable[str]) -> _Entries:
    got = _ENTRIES.get(id(words))
    if got is None or got.words is not words:
        english: dict[str, list[tuple[int, str, str]]] = {}
        for i, w in enumerate(words):
            if w.isascii():
                first = _LATIN_RUN.match(_stem(w))
                key = first.group(0)[:_KEY] if first else ""  # "" (checked always): none yet
                english.setdefault(key, []).append((i, w, _stem(w)))
        chinese = tuple((i, w) for i, w in enumerate(words) if not w.isascii())
        got = _Entries(words, chinese, {k: tuple(v) for k, v in english.items()})
        _ENTRIES[id(words)] = got
    return got


_KEY = 4


@functools.lru_cache(maxsize=64)
def _latin_keys(low: str) -> frozenset[str]:
    """The first one to four letters of each Latin word in ``low``, and "" (see
    :class:`_Entries`)."""
    if not _LATIN.search(low):
        return frozenset()
    runs = set(_LATIN_RUN.findall(low))
    return frozenset(m[:k] for m in runs for k in range(1, _KEY + 1)) | {""}


def _found_all(words: Iterable[str], low: str) -> list[str]:
    """The ``words`` found in ``low`` (as :func:`_found` finds each), in their order. An
    English word is looked for only where a Latin word of the text starts as it does, so the
    lexicon's hundreds of English words cost a Chinese text next to nothing."""
    e = _entries(words)
    found = [(i, w) for i, w in e.chinese if w in low]
    keys = _latin_keys(low) & e.english.keys() if e.english else ()
    if keys:
        for key in keys:
            for i, w, stem in e.english[key]:
                if stem in low and _whole_word(w).search(low):
                    found.append((i, w))
        found.sort()
    return [w for _, w in found]


def _hits(words: Mapping[str, float], low: str) -> tuple[float, list[str]]:
    found = _found_all(words, low)
    return sum(words[w] for w in found), found


def _cut_en_negations(clause: str) -> str:
    """An English clause less each negation and the words it covers (``_EN_SCOPE_WORDS``, or
    the rest of the clause if shorter; ``_EN_NO_SCOPE_WORDS`` after "no"), the pieces left
    one a line."""
    pieces, pos = [], 0
    for m in _EN_NEGATOR.finditer(clause):
        if m.start() < pos:  # inside the span of the negation before
            continue
        if _EN_CONDITION.search(clause, max(0, m.start() - 24), m.start()):
            continue  # "if you don't pay ..." is the demand itself
        pieces.append(clause[pos : m.start()])
        pos = m.end()
        scope = _EN_NO_SCOPE_WORDS if m.group(0) == "no" else _EN_SCOPE_WORDS
        while scope > 0:
            w = _EN_WORD.match(clause, pos)
            if w is None or _EN_SCOPE_END.fullmatch(w.group(0).strip(" \t")):
                break  # ... up to "until", "unless", "but": "he's not leaving until you pay"
            pos = w.end()
            scope -= w.group(0).strip(" \t") not in _EN_SCOPE_FREE
    pieces.append(clause[pos:])
    return "\n".join(p for p in pieces if p.strip())


def _plain_clauses(low: str) -> str:
    """The clauses that carry no negation (where a request can be), one a line: no word
    holds a clause's end, so a word found in the result lies inside one such clause. A
    clause without a Chinese character keeps what lies outside its negations' scope."""
    clauses = _CLAUSE.split(low)
    if _LATIN.search(low) is None:  # (Chinese: the clauses without a negation)
        return "\n".join(c for c in clauses if c and not _NEGATION.search(c))
    plain = []
    for c in clauses:
        if not c:
            continue
        if not _CJK.search(c):
            plain.append(_cut_en_negations(c))
        elif not _NEGATION.search(c):
            plain.append(c)
    return "\n".join(plain)


def _unnegated(low: str) -> str:
    """``low`` less what English negations cover (Chinese clauses as they are): where a
    fraud kind's own words count ("there are no upfront fees" is debt relief's promise)."""
    if _EN_NEGATOR.search(low) is None:
        return low
    clauses = _CLAUSE.split(low)
    if not any(_EN_NEGATOR.search(c) and not _CJK.search(c) for c in clauses):
        return low
    return "\n".join(c if _CJK.search(c) else _cut_en_negations(c) for c in clauses if c)


def _fraud_hits(words: Mapping[str, float], low: str, unneg: str) -> tuple[float, list[str]]:
    """A fraud kind's own words outside negations; a cue that holds its own negation ("no
    risk") as written."""
    if unneg is low:
        return _hits(words, low)
    found = [w for w in words if _found(w, low if _EN_NEGATOR.search(w) else unneg)]
    return sum(words[w] for w in found), found


_EN_TEXT_RULES = ((_EN_PASS_ON, EN_PASS_ON_WEIGHT), (_EN_READ_IT, EN_READ_IT_WEIGHT))


def _en_code_kept(low: str) -> bool:
    """A code warned about, given at the door or typed into one's own app: not given away."""
    return any(p.search(low) for p in (_EN_CODE_WARNING, _EN_IN_PERSON, _EN_SELF_ENTRY))


def _acts(low: str, plain: str, unneg: str | None = None) -> tuple[float, list[str]]:
    """The act and channel words found outside negated clauses, and their summed weight;
    zero when no act is found (channels alone are no act)."""
    acts = _found_all(ACTS, plain)
    if acts and unneg is not None and _en_code_kept(low):
        acts = [w for w in acts if w not in _EN_CODE_ACTS]
    updated = acts and unneg is not None and _EN_SELF_UPDATE.search(plain)
    if updated and _EN_ELSEWHERE.search(low) is None:
        acts = [w for w in acts if w not in _EN_CARD_ACTS]
    acts += _found_all(ISOLATION, low)
    weights = [ACTS.get(w, 0) + ISOLATION.get(w, 0) for w in acts]
    for pattern, weight in EN_RULES.values() if unneg is not None else ():
        m = pattern.search(plain)
        if m is not None:  # the words it found are its evidence
            acts.append(m.group(0))
            weights.append(weight)
    if unneg is not None:
        for pattern, weight in _EN_TEXT_RULES:
            if pattern is _EN_READ_IT and _EN_IN_PERSON.search(low):
                continue  # a code given at the door
            m = pattern.search(unneg)  # (across clauses, outside negations)
            if m is not None:
                acts.append(m.group(0))
                weights.append(weight)
    if sum(x for x in weights if x >= 2) < CORE_ACT_MIN_SCORE:  # weight 1: never alone
        return 0.0, []
    channels = _found_all(CHANNELS, plain)
    return sum(weights) + sum(CHANNELS[w] for w in channels), acts + channels


def _pretext_and_channel(low: str, plain: str) -> tuple[float, list[str]]:
    """A fraud kind's own cover story (not the service it imitates) told strongly, and a
    channel to move the callee to: the compensation or account-closing story that ends in
    "download this app" or "add me on QQ"; or a loan offer moved to a personal chat account
    (``PRIVATE_CHANNELS``). The channel then stands in for the act (the score returned is
    the act threshold itself, so it counts as an act and no more)."""
    channels = _found_all(CHANNELS, plain)
    channel = sum(CHANNELS[w] for w in channels)
    if channel < 2:
        return 0.0, []
    cover = max(_hits(words, low)[0] for words, _ in COVER.values())
    if cover >= PRETEXT_MIN_SCORE:
        return ACT_MIN_SCORE, channels
    private = _found_all(PRIVATE_CHANNELS, plain)
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
    # English costs a text without English nothing: no Latin letter, no English step; no
    # two English words in a row (a Chinese text's "app", "qq" or <url>), no English rule
    latin = _LATIN.search(low) is not None
    prose = latin and _EN_PROSE.search(low) is not None
    if latin:
        low = _EN_BARE_NOT.sub(r"\1't", low.replace("’", "'"))
    unneg = _unnegated(low) if latin else low
    topical = {
        c: _fraud_hits(words, low, unneg) if c in FRAUD else _hits(words, low)
        for c, words in LEXICON.items()
    }
    plain = _plain_clauses(low)
    if prose:
        at_door = _EN_IN_PERSON.search(low) is not None
        plain = "\n".join(
            c if _CJK.search(c) else _en_mentions_out(c, at_door) for c in plain.split("\n")
        )
        _en_points(low, unneg, topical)
    act, act_words = _acts(low, plain, unneg if prose else None)
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
    if fraud and prose and _en_notice(low, plain):
        fraud = {}  # a fraud kind's words in a notice that asks nothing and sends nowhere
    pool = fraud or {c: v for c, v in topical.items() if c not in FRAUD and v[0] >= MIN_SCORE}
    if not pool:
        return CategoryResult(Category.UNKNOWN, 0.0, ())
    best = _best(pool)
    return CategoryResult(best, float(pool[best][0]), tuple(pool[best][1]))


#: Round 3 (audit 23 H3): a notice that says the callee need do nothing ("if this was you, no
#: action is needed"), or warns not to give a code away, asks nothing: with no act and no
#: channel (a robocall's "if not, press one"), a fraud kind's words in it ("a suspicious
#: charge") name no fraud.
_EN_NOTHING_TO_DO = re.compile(
    r"(?<![a-z0-9])(?:no (?:further )?action (?:is |will be )?(?:needed|required|necessary)"
    r"|(?:don't|do not) need to do anything|nothing (?:you need|for you) to do)(?![a-z0-9])"
)


def _en_notice(low: str, plain: str) -> bool:
    said = _EN_NOTHING_TO_DO.search(low) or _EN_CODE_WARNING.search(low)
    return said is not None and not _found_all(CHANNELS, plain)


def _en_points(low: str, unneg: str, topical: dict[Category, tuple[float, list[str]]]) -> None:
    """Round 2's English cues that are patterns, not words: a warning not to give a code away
    is a bank's notice; a promised rate of return is investment's cue (outside negations)."""
    warning = _EN_CODE_WARNING.search(low)
    if warning is not None:
        score, words = topical[Category.BANK_SERVICE]
        topical[Category.BANK_SERVICE] = (score + EN_WARNING_POINTS, [*words, warning.group(0)])
    returns = _EN_RETURNS.search(unneg)
    if returns is not None:
        score, words = topical[Category.FRAUD_INVESTMENT]
        topical[Category.FRAUD_INVESTMENT] = (score + EN_RETURNS_POINTS, [*words, returns.group(0)])


def _best(pool: Mapping[Category, tuple[float, list[str]]]) -> Category:
    """Highest score; a tie goes to the category listed first."""
    order = list(Category)
    return max(pool, key=lambda c: (pool[c][0], -order.index(c)))

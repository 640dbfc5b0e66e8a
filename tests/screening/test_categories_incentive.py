"""An incentive's object does not name the call (audit 25 M1): the simulator's insurance
pitch offering a 免费试听课 was named education, a campaign of 280 insurance numbers with it."""

from __future__ import annotations

import itertools

import pytest

from callwarden.screening.categories import Category, categorise
from callwarden.sim.transcripts import load_scripts

MARKETING = ("insurance", "real_estate", "education", "medical", "loans")


def _renderings(key: str) -> list[tuple[str, str]]:
    """Every variant of the simulator's ``key`` script with every gift (the other slots at
    their first value), as (gift, text)."""
    scripts = load_scripts()
    options = [line.split("|") for line in scripts["caller"][key]]
    first = {name: values[0] for name, values in scripts["slots"].items()}
    out = []
    for gift in scripts["slots"]["gift"]:
        for combo in itertools.product(*options):
            out.append((gift, "".join(combo).format_map({**first, "gift": gift})))
    return out


@pytest.mark.parametrize("key", MARKETING)
def test_every_gift_leaves_every_script_its_own_category(key: str) -> None:
    wrong = [
        (gift, categorise(text).category.value, text)
        for gift, text in _renderings(key)
        if categorise(text).category.value != key
    ]
    assert not wrong, wrong[:3]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "您好，有一份医疗保险需要吗？这份保险每月19.8元，住院费用都能报销。现在办理还送免费试听课",
            Category.INSURANCE,
        ),
        (
            "您好，这里是安居地产，新楼盘首付二十万起，到售楼处看房赠送名师试听课一节",
            Category.REAL_ESTATE,
        ),
        ("家长您好，少儿英语寒假班现在报名，加送口腔检查一次，课程名额有限", Category.EDUCATION),
        ("您好，我们做车险续保，今天投保另送洗车卡和体检套餐", Category.INSURANCE),
        (
            "Hello, we offer home insurance for new owners. As a bonus, you get a free trial "
            "lesson at our partner school.",
            Category.INSURANCE,
        ),
        (
            "Hi, this is Oakwood Realty about the open house on Saturday; every visitor gets a "
            "free gift, a tutoring class voucher for the kids.",
            Category.REAL_ESTATE,
        ),
    ],
)
def test_the_offer_decides_over_its_gift(text: str, category: Category) -> None:
    got = categorise(text)
    assert got.category is category, got


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("您的快递已送达，请到驿站取件", Category.COURIER),  # 送 alone is no incentive
        ("快递员明天再送一次，请保持电话畅通", Category.COURIER),
        ("现在报名还送体检卡", Category.MEDICAL),  # only the gift names a topic: it stands
    ],
)
def test_what_is_not_cut(text: str, category: Category) -> None:
    assert categorise(text).category is category

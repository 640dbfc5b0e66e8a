from __future__ import annotations

import pytest

from callwarden.numbers import (
    NumberClass,
    classify,
    classify_array,
    describe,
    describe_array,
    normalize,
)

CASES = {
    "+8613800138000": NumberClass.MOBILE,
    "+8619912345678": NumberClass.MOBILE,
    "+861062345678": NumberClass.FIXED,
    "+8675588888888": NumberClass.FIXED,
    "+864008123123": NumberClass.TOLL_FREE,
    "+868008123123": NumberClass.TOLL_FREE,
    "+8695588": NumberClass.SERVICE,
    "+8610086": NumberClass.SERVICE,
    "+8612345": NumberClass.SERVICE,
    "+86110": NumberClass.SHORT,
    "+14155552671": NumberClass.FOREIGN,
    "+85291234567": NumberClass.FOREIGN,
    "+8612": NumberClass.INVALID,
    "13800138000": NumberClass.INVALID,  # not E.164: normalise first
    "+9991234567": NumberClass.INVALID,  # no such country code
    "": NumberClass.INVALID,
}


@pytest.mark.parametrize(("e164", "cls"), sorted(CASES.items()))
def test_classify(e164: str, cls: NumberClass) -> None:
    assert classify(e164) is cls


def test_classify_array_matches_scalar() -> None:
    values = [*CASES, None]
    got = classify_array(values).to_pylist()
    assert got == [c.value for c in CASES.values()] + ["invalid"]


def test_describe_mobile_and_landline() -> None:
    info = describe("13800138000")
    assert (info.e164, info.number_class, info.country) == (
        "+8613800138000",
        NumberClass.MOBILE,
        "CN",
    )
    assert (info.province, info.city, info.carrier) == ("北京市", "北京市", "中国移动")
    shenzhen = describe("(0755)8888-8888")
    assert (shenzhen.province, shenzhen.city, shenzhen.carrier) == ("广东省", "深圳市", None)
    assert describe("0571-88888888").city == "杭州市"
    assert describe("+14155552671").country == "US"
    assert describe("95588").province is None
    bad = describe("abc")
    assert bad.e164 is None and bad.number_class is NumberClass.INVALID
    assert describe("13800138000", lang="en").province == "Beijing"


def test_describe_array_matches_scalar() -> None:
    raws = ["13800138000", "(0755)8888-8888", "95588", "+14155552671", "13800138000"]
    values = [normalize(r) for r in raws] + [None]
    table = describe_array(values).to_pylist()
    for row, raw in zip(table, raws, strict=False):
        info = describe(raw)
        assert row["class"] == info.number_class.value
        assert (row["province"], row["city"], row["carrier"]) == (
            info.province,
            info.city,
            info.carrier,
        )
    assert table[-1]["class"] == "invalid"

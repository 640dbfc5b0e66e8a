"""A block list takes a whole country by its calling code (``+44*``: 拦截境外来电); an allow
list and a registered business's numbers keep the 4-digit minimum, since a country-wide entry
there would let that country's fraud through. Before, every use refused ``+44*``."""

from __future__ import annotations

import pytest

from callwarden.errors import InputError
from callwarden.numbers import normalize_prefix
from callwarden.policy import (
    Action,
    Call,
    ListKind,
    PatternSet,
    SubscriberPolicy,
    decide,
    list_warnings,
    reason_text,
)
from callwarden.store.io import PatternUse, pattern

ME = "+8613800138000"
UK, US, CANADA, HONG_KONG = "+447911123456", "+12024561111", "+14162161234", "+85223456789"
CHINA = "+8675512345678"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("+44*", "+44*"),
        ("0044*", "+44*"),
        ("+44 0*", "+44*"),  # the trunk 0 goes, as in numbers
        ("+1*", "+1*"),
        ("+852*", "+852*"),
        ("＋８５２＊", "+852*"),
        ("+86*", "+86*"),  # the subscriber's own country: allowed, with a warning (below)
    ],
)
def test_a_block_list_takes_a_country_calling_code(raw: str, stored: str) -> None:
    assert pattern(raw, PatternUse.BLOCK) == stored


@pytest.mark.parametrize("raw", ["+4*", "+12*", "+442*", "+999*", "0*", "1*", "+0*", "+*"])
def test_a_block_list_refuses_what_is_no_country_code_nor_4_digits(raw: str) -> None:
    with pytest.raises(InputError, match=r"is not a block-list prefix: a country calling code"):
        pattern(raw, PatternUse.BLOCK)


@pytest.mark.parametrize(
    ("use", "name"),
    [
        (PatternUse.ALLOW, "an allow-list prefix"),
        (PatternUse.REGISTRATION, "a registered business"),
    ],
)
@pytest.mark.parametrize("raw", ["+44*", "0044*", "+1*", "+86*"])
def test_an_allow_list_and_a_registration_refuse_a_country(
    use: PatternUse, name: str, raw: str
) -> None:
    with pytest.raises(InputError, match=f"is not {name}.*4 to 15 digits.*only by a block list"):
        pattern(raw, use)


@pytest.mark.parametrize("use", [None, PatternUse.BLOCK, PatternUse.ALLOW, PatternUse.REGISTRATION])
def test_four_digits_and_more_are_unchanged_for_every_use(use: PatternUse | None) -> None:
    assert pattern("+4420*", use) == "+4420*"
    assert pattern("0755*", use) == "+86755*"
    assert pattern("400*", use) == "+86400*"
    assert pattern("+8613800138000", use) == "+8613800138000"
    with pytest.raises(InputError):
        pattern("+86*" if use is not PatternUse.BLOCK else "+868*", use)


def test_normalize_prefix_takes_a_country_code_only_when_asked_and_only_internationally() -> None:
    for raw, cc in (("+44", "+44"), ("0044", "+44"), ("+1", "+1"), ("+852", "+852")):
        assert normalize_prefix(raw) is None
        assert normalize_prefix(raw, country_wide=True) == cc
    assert normalize_prefix("0", country_wide=True) is None  # national: not "+86"
    assert normalize_prefix("+8", country_wide=True) is None


def _block(*patterns: str) -> SubscriberPolicy:
    return SubscriberPolicy(
        ME, block=PatternSet.of([pattern(p, PatternUse.BLOCK) for p in patterns])
    )


def test_a_country_block_matches_that_countrys_numbers_only() -> None:
    uk = _block("+44*")
    assert decide(Call(UK, ME), None, uk).sip_code == 603
    assert decide(Call(CHINA, ME), None, uk).action is Action.ALLOW
    assert decide(Call(HONG_KONG, ME), None, uk).action is Action.ALLOW
    nanp = _block("+1*")  # the North American plan: the US and Canada
    assert decide(Call(US, ME), None, nanp).sip_code == 603
    assert decide(Call(CANADA, ME), None, nanp).sip_code == 603
    assert decide(Call(UK, ME), None, nanp).action is Action.ALLOW


def test_a_longer_allow_entry_still_wins_over_a_country_block() -> None:
    friend = "+442071838750"
    policy = SubscriberPolicy(
        ME, block=PatternSet.of(["+44*"]), allow=PatternSet.of([pattern(friend, PatternUse.ALLOW)])
    )
    assert decide(Call(friend, ME), None, policy).action is Action.ALLOW
    assert decide(Call(UK, ME), None, policy).sip_code == 603


def test_blocking_the_own_country_warns() -> None:
    (w,) = list_warnings(ME, ListKind.BLOCK, "+86*")
    assert w.code == "blocks_own_country" and w.evidence == {
        "pattern": "+86*",
        "country_code": "86",
    }
    zh, en = reason_text(w)
    assert "+86" in zh and "+86" in en and "allow list" in en
    assert list_warnings(ME, ListKind.BLOCK, "+44*") == ()
    assert list_warnings(ME, ListKind.BLOCK, "+86755*") == ()  # a region, not the country
    assert list_warnings(ME, ListKind.BLOCK, "+8613800138000") == ()
    assert list_warnings(UK, ListKind.BLOCK, "+44*") != ()

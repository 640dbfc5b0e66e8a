"""Digits of other scripts and odd spellings: the scalar and the array path give the same
ASCII E.164 (or both None), and a prefix is read like a number."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callwarden.numbers import (
    classify,
    classify_array,
    normalize,
    normalize_array,
    normalize_prefix,
)
from callwarden.numbers._plan import plan_for, trunk_may_lead

#: The same ten digits in scripts people and switches really send (Nd) and in NFKC forms.
SCRIPTS = {
    "ascii": "0123456789",
    "full-width": "０１２３４５６７８９",
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "extended-arabic-indic": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
    "math-bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
}


def _in(script: str, text: str) -> str:
    return text.translate(str.maketrans("0123456789", SCRIPTS[script]))


ODD = [
    "170١٢٣٤٥٦٧٨",  # mixed ASCII and Arabic-Indic (the audit's fraud number)
    "١٧٠١٢٣٤٥٦٧٨",
    "138٠٠١٣٨٠٠٠",
    "+٨٦13800138000",
    "+86 ١٣٨ ٠٠١٣ ٨٠٠٠",
    "۱۳۸۰۰۱۳۸۰۰۰",
    "१३८००१३८०००",
    "１３８００１３８０００",
    "+８６ １３８-００１３-８０００",
    "𝟏𝟑𝟖00138000",
    "¹³⁸⁰⁰¹³⁸⁰⁰⁰",
    "+86 0755 8888 8888",
    "+86 ０７５５ ８８８８ ８８８８",
    "(٠٧٥٥)٨٨٨٨-٨٨٨٨",
    "0086 138 0013 8000",
    "٠٠٨٦١٣٨٠٠١٣٨٠٠٠",
    "tel:+86-١٣٨-0013-8000",
    "+4420794601٢٣",
    "+1 ٤١٥ 555 2671",
    "٩٥٥٨٨",
    "١١٠",
    "13800138000٠",  # one digit too many
    "١٣٨٠٠١٣٨٠٠٠١",
    "+",
    "+٨٦",
    "",
    " ",
    "١٣٨-",
    "abc١٢٣",
    "13800138000\u3000",  # ideographic space
    "\u00a013800138000",  # no-break space
    "138\u2007 0013\u20078000",  # figure space
    "138\x0b0013\x0c8000",  # vertical tab, form feed
    "138\x1c0013\x1f8000",  # ASCII separators Python counts as whitespace
]


def test_scalar_and_array_agree_on_odd_spellings() -> None:
    scalar = [normalize(v) for v in ODD]
    assert normalize_array(ODD).to_pylist() == scalar
    # one value at a time too: the non-ASCII branch of the array path runs per batch
    assert [normalize_array([v]).to_pylist()[0] for v in ODD] == scalar
    assert all(e is None or (e.isascii() and e[1:].isdigit()) for e in scalar)


@pytest.mark.parametrize("raw", ["170١٢٣٤٥٦٧٨", "١٧٠١٢٣٤٥٦٧٨", "17012345678", "+86170١٢٣٤٥٦٧٨"])
def test_mixed_scripts_read_like_all_ascii(raw: str) -> None:
    assert normalize(raw) == "+8617012345678"
    assert normalize_array([raw]).to_pylist() == ["+8617012345678"]


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_each_script_alone_and_mixed(script: str) -> None:
    for nat, e164 in [("13800138000", "+8613800138000"), ("075588888888", "+8675588888888")]:
        whole = _in(script, nat)
        mixed = nat[:3] + whole[3:]
        values = [whole, mixed, "+86" + _in(script, nat.lstrip("0"))]
        assert [normalize(v) for v in values] == [e164] * 3
        assert normalize_array(values).to_pylist() == [e164] * 3


digit_strings = st.text(alphabet="0123456789", min_size=3, max_size=16)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        digit_strings,
        st.sampled_from(["13800138000", "17012345678", "075588888888", "95588", "+14155552671"]),
    ),
    st.lists(st.sampled_from(sorted(SCRIPTS)), min_size=1, max_size=16),
    st.sampled_from(["", " ", "-", "+", "+86", "0086", "+86 0"]),
)
def test_any_mix_of_scripts_agrees_with_ascii(ascii: str, scripts: list[str], head: str) -> None:
    """Writing any digit in another script changes nothing, in either path."""
    odd = "".join(
        SCRIPTS[scripts[i % len(scripts)]][int(c)] if c.isdigit() else c
        for i, c in enumerate(ascii)
    )
    values = [head + ascii, head + odd]
    expect = normalize(head + ascii)
    assert [normalize(v) for v in values] == [expect, expect]
    assert normalize_array(values).to_pylist() == [expect, expect]


def test_non_ascii_e164_is_no_class() -> None:
    odd = ["+86138٠٠١٣٨٠٠٠", "+44٢٠٧٩٤٦٠٩٥٨", "+86¹³⁸00138000"]
    assert [classify(v).value for v in odd] == ["invalid"] * 3
    assert classify_array(odd).to_pylist() == ["invalid"] * 3


# --- prefixes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [
        ("+86400", "+86400"),
        ("400", "+86400"),
        ("４００", "+86400"),
        ("+86４００", "+86400"),
        ("٤٠٠", "+86400"),
        ("17٠", "+86170"),
        ("+86²²²²", "+862222"),  # NFKC reads superscripts as digits, as it does in numbers
        ("010", "+8610"),
        ("0755", "+86755"),
        ("+86 0755", "+86755"),  # stray trunk 0, as "+86 0755 1234 5678" -> +8675512345678
        ("0086 0755", "+86755"),
        ("0086170", "+86170"),
        ("+44 020 7946", "+44207946"),  # UK: no national number starts with 0
        ("+7 8 800", "+78800"),  # Russia: 8 may start a number (800): kept as written
    ],
)
def test_prefix_is_read_like_a_number(raw: str, prefix: str) -> None:
    assert normalize_prefix(raw) == prefix


@pytest.mark.parametrize(
    "raw", ["", "+", "+86", "+86 0", "0", "1", "abc", "4OO", "+0086", "+1234567890123456"]
)
def test_bad_prefixes_are_none(raw: str) -> None:
    assert normalize_prefix(raw) is None


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["13800138000", "17012345678", "075588888888", "01062345678", "4008123123"]),
    st.integers(4, 9),
    st.sampled_from(["", "+86 ", "+86 0", "0086 ", "0086 0"]),
    st.sampled_from(sorted(SCRIPTS)),
)
def test_a_prefix_of_a_spelling_matches_its_number(
    nat: str, n: int, head: str, script: str
) -> None:
    """Any spelling's leading digits, read as a prefix, start that spelling's E.164."""
    sig = nat.lstrip("0") if head else nat
    e164 = normalize(head + sig)
    assert e164 is not None
    prefix = normalize_prefix(head + _in(script, sig[:n]))
    assert prefix is not None and e164.startswith(prefix)


def test_trunk_prefix_rule_per_plan() -> None:
    assert not trunk_may_lead(plan_for("CN"))  # no Chinese number begins with 0
    assert not trunk_may_lead(plan_for("GB"))
    assert trunk_may_lead(plan_for("RU"))  # 8 is the trunk prefix and starts 800 numbers

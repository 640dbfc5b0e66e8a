"""Invisible format characters around or inside a copied number are not part of it, nor is
a URI scheme in capitals.

Android wraps a number it shares in LEFT-TO-RIGHT EMBEDDING ... POP DIRECTIONAL FORMATTING
(U+202A, U+202C); web pages and editors add zero-width spaces, a byte-order mark or a soft
hyphen. ``phonenumbers`` reads all of these; ``normalize`` returned None for every one (NFKC
keeps them, and they are neither digits nor separators)."""

from __future__ import annotations

import pytest

from callwarden.numbers import describe, normalize, normalize_array, normalize_prefix

COPIED = [
    "\u202a+86 138 0013 8000\u202c",  # Android share: LRE ... PDF
    "\u2066+8613800138000\u2069",  # LRI ... PDI
    "\u200e13800138000",  # LEFT-TO-RIGHT MARK
    "\ufeff13800138000",  # a byte-order mark: the first line of a file saved as UTF-8 with BOM
    "138\u200b0013\u200b8000",  # zero-width spaces
    "138\u00ad0013\u00ad8000",  # soft hyphens
    "\u2060１３８００１３８０００",  # WORD JOINER, full-width digits
]


@pytest.mark.parametrize("raw", COPIED)
def test_format_characters_are_dropped(raw: str) -> None:
    assert normalize(raw) == "+8613800138000"
    assert normalize_array([raw]).to_pylist() == ["+8613800138000"]
    assert describe(raw).e164 == "+8613800138000"


def test_a_prefix_with_format_characters() -> None:
    assert normalize_prefix("\u202a0755\u202c") == "+86755"


def test_only_format_characters_is_no_number() -> None:
    assert normalize("\u202a\u202c") is None
    assert normalize_array(["\u200b", None]).to_pylist() == [None, None]


@pytest.mark.parametrize(
    "raw", ["TEL:+8613800138000", "Tel:+86-138-0013-8000", "SIP:13800138000@ims.cn;user=phone"]
)
def test_uri_schemes_in_any_case(raw: str) -> None:
    """URI schemes are case-insensitive (RFC 3261 19.1.1, RFC 3966); ``TEL:`` was invalid."""
    assert normalize(raw) == "+8613800138000"
    assert normalize_array([raw]).to_pylist() == ["+8613800138000"]

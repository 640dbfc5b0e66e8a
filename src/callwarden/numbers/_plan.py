"""A region's numbering plan as vectorisable regular expressions, taken from ``phonenumbers``.

The patterns are libphonenumber's own metadata (``PhoneMetadata``), so the vectorised fast
path and the library agree on what is valid; no hand-made prefix table is kept here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import PhoneMetadata

from callwarden.errors import InputError

from ._classes import NumberClass

#: Plan entries (libphonenumber description name -> our class), checked in this order.
_LONG_TYPES: tuple[tuple[str, NumberClass], ...] = (
    ("mobile", NumberClass.MOBILE),
    ("fixed_line", NumberClass.FIXED),
    ("toll_free", NumberClass.TOLL_FREE),
    ("shared_cost", NumberClass.SHARED_COST),
    ("uan", NumberClass.SERVICE),
    ("premium_rate", NumberClass.SERVICE),
    ("personal_number", NumberClass.FIXED),
    ("voip", NumberClass.FIXED),
)
_SHORT_TYPES: tuple[str, ...] = ("emergency", "toll_free", "standard_rate", "short_code")

#: Short numbers this long or longer are service numbers (95588, 10086, 12345); shorter are short.
SERVICE_MIN_DIGITS = 5


@dataclass(frozen=True)
class NumberingPlan:
    """Anchored RE2/Python patterns for one region's national significant numbers."""

    region: str
    country_code: int
    national_prefix: str  # trunk prefix dialled before national numbers ("0" in China)
    international_prefix: str  # plain digits ("00"): the rule, or its preferred form where the
    # library's rule is a pattern (China); "" when neither is plain digits
    long_patterns: tuple[tuple[NumberClass, str], ...]  # (class, anchored pattern)
    short_pattern: str  # anchored pattern of valid short numbers, "" when none

    @property
    def cc(self) -> str:
        return str(self.country_code)

    @property
    def any_pattern(self) -> str:
        """One anchored pattern matching every valid national number of the plan."""
        parts = [p[1:-1] for _, p in self.long_patterns]
        if self.short_pattern:
            parts.append(self.short_pattern[1:-1])
        return "^(?:" + "|".join(parts) + ")$"

    def classify_national(self, national: str) -> NumberClass:
        """Class of one national significant number (scalar twin of the vectorised rules)."""
        for cls, pat in self.long_patterns:
            if _compiled(pat).match(national):
                return _refine(cls, national)
        if self.short_pattern and _compiled(self.short_pattern).match(national):
            return short_class(len(national))
        return NumberClass.INVALID


def short_class(n_digits: int) -> NumberClass:
    return NumberClass.SERVICE if n_digits >= SERVICE_MIN_DIGITS else NumberClass.SHORT


def _refine(cls: NumberClass, national: str) -> NumberClass:
    # China's 400 numbers are "shared cost" to libphonenumber but toll-free (400/800) to people;
    # the rest of that block (10 10xxxx, 96xxx, 950 xxxx) are service numbers.
    if cls is NumberClass.SHARED_COST:
        return NumberClass.TOLL_FREE if national.startswith("400") else NumberClass.SERVICE
    return cls


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    # ASCII: libphonenumber's ``\d`` means 0-9; Python's would also take ``١`` or ``९``.
    return re.compile(pattern, re.ASCII)


@lru_cache(maxsize=64)
def trunk_may_lead(plan: NumberingPlan) -> bool:
    """Whether a valid national number of ``plan`` may begin with its trunk prefix's first digit.

    False for China (no national number begins with ``0``): a ``0`` after ``+86`` is always a
    stray trunk prefix. True for Russia (trunk ``8``, toll-free ``800``) and wherever the
    patterns cannot be read, so a prefix is then kept as written.
    """
    if not plan.national_prefix:
        return False
    first = _first_chars(plan.any_pattern)
    return first is None or plan.national_prefix[0] in first


_DIGIT_SET = frozenset("0123456789")


class _Unsure(Exception):
    """A construct whose first characters are not worked out here."""


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can begin with, None where unsure.

    Read from the parse tree of ``re`` itself (libphonenumber's patterns use only literals,
    classes, ``\\d``, groups, alternation and repeats)."""
    import re._parser as sre_parse  # type: ignore[import-not-found]

    try:
        return _seq_first(sre_parse.parse(pattern, re.ASCII))[0]
    except (re.error, _Unsure, ImportError, AttributeError):
        return None


def _seq_first(items: Any) -> tuple[frozenset[str], bool]:
    """(first characters, may be empty) of a sequence of parsed regex items."""
    import re._constants as c  # type: ignore[import-not-found]

    out: set[str] = set()
    for op, av in items:
        if op is c.AT:
            continue
        if op in (c.LITERAL, c.IN) or (op is c.CATEGORY and av is c.CATEGORY_DIGIT):
            return frozenset(out | _class_chars([(op, av)] if op is not c.IN else av)), False
        if op is c.SUBPATTERN:
            first, empty = _seq_first(av[-1])
        elif op is c.BRANCH:
            parts = [_seq_first(b) for b in av[1]]
            first = frozenset().union(*(f for f, _ in parts))
            empty = any(e for _, e in parts)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            first, empty = _seq_first(av[2])
            empty = empty or av[0] == 0
        else:
            raise _Unsure(op)
        out |= first
        if not empty:
            return frozenset(out), False
    return frozenset(out), True


def _class_chars(members: Any) -> set[str]:
    import re._constants as c

    out: set[str] = set()
    for op, av in members:
        if op is c.LITERAL:
            out.add(chr(av))
        elif op is c.RANGE:
            out.update(chr(i) for i in range(av[0], av[1] + 1))
        elif op is c.CATEGORY and av is c.CATEGORY_DIGIT:
            out |= _DIGIT_SET
        else:
            raise _Unsure(op)
    return out


def _anchor(pattern: str) -> str:
    return "^(?:" + pattern + ")$"


@lru_cache(maxsize=32)
def plan_for(region: str) -> NumberingPlan:
    """The numbering plan of ``region`` (ISO 3166 code such as ``CN``); ConfigError if unknown."""
    region = region.upper()
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None or region not in phonenumbers.SUPPORTED_REGIONS:
        raise InputError(f"unknown region {region!r}: use an ISO 3166 code such as CN")
    long_patterns: list[tuple[NumberClass, str]] = []
    for attr, cls in _LONG_TYPES:
        desc = getattr(meta, attr, None)
        if desc is not None and desc.national_number_pattern:
            long_patterns.append((cls, _anchor(desc.national_number_pattern)))
    short_meta = PhoneMetadata.short_metadata_for_region(region)
    short_parts: list[str] = []
    if short_meta is not None:
        for attr in _SHORT_TYPES:
            desc = getattr(short_meta, attr, None)
            if desc is not None and desc.national_number_pattern:
                short_parts.append(desc.national_number_pattern)
    # China's rule is a pattern ("00|1(?:[12]\\d|79)\\d\\d00"): its plain "00" is the
    # preferred prefix. Without it "00" + a foreign number lost two "trunk" zeros and could
    # read as Chinese (001 917 555 0123 as the mobile +86 191 7555 0123).
    intl = next(
        (p for p in (meta.international_prefix, meta.preferred_international_prefix)
         if p and p.isascii() and p.isdigit()),
        "",
    )  # fmt: skip
    return NumberingPlan(
        region=region,
        country_code=int(meta.country_code or 0),
        national_prefix=meta.national_prefix or "",
        international_prefix=intl,
        long_patterns=tuple(long_patterns),
        short_pattern=_anchor("|".join(short_parts)) if short_parts else "",
    )


def plan_for_country_code(cc: int) -> NumberingPlan | None:
    """The plan of the main region of a country calling code, or None if there is none."""
    region = phonenumbers.region_code_for_country_code(cc)
    if region in ("ZZ", "001"):
        return None
    return plan_for(region)

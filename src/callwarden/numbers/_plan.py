"""A region's numbering plan as vectorisable regular expressions, taken from ``phonenumbers``.

The patterns are libphonenumber's own metadata (``PhoneMetadata``), so the vectorised fast
path and the library agree on what is valid; no hand-made prefix table is kept here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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
    international_prefix: str  # plain digits ("00") or "" when the library's rule is a pattern
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
    return re.compile(pattern)


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
    intl = meta.international_prefix or ""
    return NumberingPlan(
        region=region,
        country_code=int(meta.country_code or 0),
        national_prefix=meta.national_prefix or "",
        international_prefix=intl if intl.isdigit() else "",
        long_patterns=tuple(long_patterns),
        short_pattern=_anchor("|".join(short_parts)) if short_parts else "",
    )


def plan_for_country_code(cc: int) -> NumberingPlan | None:
    """The plan of the main region of a country calling code, or None if there is none."""
    region = phonenumbers.region_code_for_country_code(cc)
    if region in ("ZZ", "001"):
        return None
    return plan_for(region)

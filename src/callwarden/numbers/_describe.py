"""Number class, 归属地 (province, city) and original carrier, from libphonenumber's data.

Geocoding and carrier data are keyed by prefixes of at most nine digits, so the vectorised
path looks each distinct prefix up once; phonenumbers answers about 23k look-ups a second.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import carrier as pn_carrier
from phonenumbers import geocoder, shortnumberinfo

from ._classes import NumberClass, NumberInfo
from ._normalize import _as_string_array, normalize
from ._plan import plan_for, short_class

# Longest prefix in phonenumbers' geocoding and carrier data (9 for every country as shipped).
_PREFIX_DIGITS = max(
    getattr(geocoder, "GEOCODE_LONGEST_PREFIX", 9), getattr(pn_carrier, "CARRIER_LONGEST_PREFIX", 9)
)
_GEO_CLASSES = frozenset({NumberClass.MOBILE, NumberClass.FIXED, NumberClass.FOREIGN})
_ZH_PROVINCE = re.compile(r"^(.+?(?:省|自治区|特别行政区))(.*)$")


def classify(e164: str | None, home: str = "CN") -> NumberClass:
    """The class of an E.164 number (``+8613800138000`` -> MOBILE); INVALID for anything else."""
    if not e164 or not e164.startswith("+") or not (e164.isascii() and e164[1:].isdigit()):
        return NumberClass.INVALID
    plan = plan_for(home)
    head = "+" + plan.cc
    if e164.startswith(head):
        cls = plan.classify_national(e164[len(head) :])
        if cls is NumberClass.INVALID and _shared_code(plan.cc) and _valid_foreign(e164):
            return NumberClass.FOREIGN  # another region of the code: +1 for CA seen from US
        return cls
    return NumberClass.FOREIGN if _valid_foreign(e164) else NumberClass.INVALID


def _shared_code(cc: str) -> bool:
    """Whether regions other than the home one use the calling code (+1, +7, +44...)."""
    return len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(cc), ())) > 1


@lru_cache(maxsize=1 << 16)
def _valid_foreign(e164: str) -> bool:
    try:
        num = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(num) or shortnumberinfo.is_valid_short_number(num)


def classify_array(
    values: pa.Array | pa.ChunkedArray | list[str | None], home: str = "CN"
) -> pa.StringArray:
    """Vectorised :func:`classify`: the :class:`NumberClass` value (``"mobile"``...) per number."""
    arr = _as_string_array(values)
    if len(arr) == 0:
        return pa.array([], pa.string())
    encoded = pc.dictionary_encode(arr)
    classes = _classify_unique(encoded.dictionary, home)
    return pc.fill_null(pc.take(classes, encoded.indices), NumberClass.INVALID.value)


def _classify_unique(u: pa.Array, home: str) -> pa.Array:
    plan = plan_for(home)
    head = "+" + plan.cc
    out = np.full(len(u), NumberClass.INVALID.value, dtype=object)
    todo = pc.fill_null(pc.starts_with(u, head), False)
    nat = pc.utf8_slice_codeunits(u, len(head))
    well_formed = pc.fill_null(pc.match_substring_regex(u, r"^\+\d+$"), False)
    todo = pc.and_kleene(todo, well_formed)
    for cls, pattern in plan.long_patterns:
        hit = pc.and_kleene(todo, pc.fill_null(pc.match_substring_regex(nat, pattern), False))
        mask = hit.to_numpy(zero_copy_only=False)
        if mask.any():
            if cls is NumberClass.SHARED_COST:
                is400 = pc.starts_with(nat, "400").to_numpy(zero_copy_only=False)
                out[mask & is400] = NumberClass.TOLL_FREE.value
                out[mask & ~is400] = NumberClass.SERVICE.value
            else:
                out[mask] = cls.value
        todo = pc.and_kleene(todo, pc.invert(hit))
    if plan.short_pattern:
        hit = pc.and_kleene(
            todo, pc.fill_null(pc.match_substring_regex(nat, plan.short_pattern), False)
        )
        mask = hit.to_numpy(zero_copy_only=False)
        lengths = pc.utf8_length(nat).to_numpy(zero_copy_only=False)
        out[mask] = np.where(lengths[mask] >= 5, NumberClass.SERVICE.value, NumberClass.SHORT.value)
    foreign = pc.and_kleene(well_formed, pc.invert(pc.fill_null(pc.starts_with(u, head), False)))
    foreign = foreign.to_numpy(zero_copy_only=False)
    if _shared_code(plan.cc):  # home-code numbers no home pattern took: another region's?
        foreign = foreign | (
            well_formed.to_numpy(zero_copy_only=False) & (out == NumberClass.INVALID.value)
        )
    for i in np.flatnonzero(foreign):
        if _valid_foreign(u[i].as_py()):
            out[i] = NumberClass.FOREIGN.value
    return pa.array(out, pa.string())


def describe(number: str, region: str = "CN", lang: str = "zh") -> NumberInfo:
    """Everything the digits tell about ``number`` (any spelling; normalised with ``region``)."""
    e164 = normalize(number, region) if number else None
    if e164 is None:
        return NumberInfo(e164=None, number_class=NumberClass.INVALID)
    return _describe_e164(e164, classify(e164, region), lang)


def _describe_e164(e164: str, cls: NumberClass, lang: str) -> NumberInfo:
    country, location, carrier_name = _prefix_facts(e164[: 1 + _PREFIX_DIGITS], cls, lang, e164)
    province, city = _split_location(location, country, lang)
    return NumberInfo(
        e164=e164,
        number_class=cls,
        country=country,
        province=province,
        city=city,
        carrier=carrier_name,
        location=location,
    )


_FACTS: dict[tuple[str, NumberClass, str], tuple[str | None, str | None, str | None]] = {}


def _prefix_facts(
    key: str, cls: NumberClass, lang: str, e164: str
) -> tuple[str | None, str | None, str | None]:
    """(country, location, carrier) for a prefix, from one representative valid number."""
    cache_key = (key, cls, lang)
    hit = _FACTS.get(cache_key)
    if hit is not None:
        return hit
    num = _number(e164)
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(num.country_code or 0, ())
    # One region per code (86 -> CN) needs no validity search; shared codes (+1) do.
    country = regions[0] if len(regions) == 1 else phonenumbers.region_code_for_number(num)
    location = carrier_name = None
    if cls in _GEO_CLASSES:
        location = geocoder.description_for_valid_number(num, lang) or None
        carrier_name = pn_carrier.name_for_valid_number(num, lang) or None
    facts = (country, location, carrier_name)
    if len(_FACTS) < 1 << 20:
        _FACTS[cache_key] = facts
    return facts


def _number(e164: str) -> phonenumbers.PhoneNumber:
    """A PhoneNumber for a valid E.164 string, without the cost of ``phonenumbers.parse``."""
    digits = e164[1:]
    for n in (1, 2, 3):
        cc = int(digits[:n])
        if cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            nat = digits[n:]
            if nat.startswith("0"):  # Italian-style leading zeros: let the library decide
                break
            return phonenumbers.PhoneNumber(country_code=cc, national_number=int(nat))
    return phonenumbers.parse(e164, None)


def _split_location(
    location: str | None, country: str | None, lang: str
) -> tuple[str | None, str | None]:
    """Split 广东省深圳市 into (广东省, 深圳市); municipalities (北京市) are both."""
    if not location or country != "CN" or location in ("中国", "China"):
        return None, None
    if lang.startswith("zh"):
        m = _ZH_PROVINCE.match(location)
        if m:
            return m.group(1), m.group(2) or None
        return location, location
    parts = [p.strip() for p in location.split(",")]
    if len(parts) >= 2:
        return parts[-1], parts[0]
    return location, location


def describe_array(
    values: pa.Array | pa.ChunkedArray | list[str | None], region: str = "CN", lang: str = "zh"
) -> pa.Table:
    """Vectorised :func:`describe` over E.164 numbers: one row per input value.

    Columns: ``e164, class, country, province, city, carrier, location``. Classes are computed with
    Arrow kernels; place and carrier once per distinct (9-digit prefix, class), the key of
    libphonenumber's data, so a million numbers cost a few thousand look-ups.
    """
    arr = _as_string_array(values)
    classes = classify_array(arr, region)
    valid = pc.not_equal(classes, NumberClass.INVALID.value)
    key = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(arr, 0, 1 + _PREFIX_DIGITS), classes, "|"
    )
    key = pc.if_else(valid, key, pa.scalar(None, pa.string()))
    encoded = pc.dictionary_encode(key)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    n_keys = len(encoded.dictionary)
    first = np.full(n_keys, -1, np.int64)
    ok = ~np.isnan(indices) if indices.dtype.kind == "f" else np.ones(len(indices), bool)
    positions = np.flatnonzero(ok)
    keys_at = indices[ok].astype(np.int64)
    first[keys_at[::-1]] = positions[::-1]  # the first number with each key represents it
    facts: list[tuple[str | None, str | None, str | None, str | None, str | None]] = []
    for i in first:
        e164 = arr[int(i)].as_py()
        info = _describe_e164(e164, NumberClass(classes[int(i)].as_py()), lang)
        facts.append((info.country, info.province, info.city, info.carrier, info.location))
    cols = list(zip(*facts, strict=True)) if facts else [(), (), (), (), ()]
    idx = encoded.indices
    return pa.table(
        {
            "e164": arr,
            "class": classes,
            "country": pc.take(pa.array(cols[0], pa.string()), idx),
            "province": pc.take(pa.array(cols[1], pa.string()), idx),
            "city": pc.take(pa.array(cols[2], pa.string()), idx),
            "carrier": pc.take(pa.array(cols[3], pa.string()), idx),
            "location": pc.take(pa.array(cols[4], pa.string()), idx),
        }
    )


__all__ = ["classify", "classify_array", "describe", "describe_array", "short_class"]

"""A number written with China's international prefix ``00`` is the foreign number it dials.

The region's plan took libphonenumber's international-prefix *pattern* for China
(``00|1(?:[12]\\d|79)\\d\\d00``), which is not plain digits, so ``00`` was never read as ``+``:
``00`` lost a trunk ``0``, gained ``+86``, lost the "stray" second ``0``, and whatever was
left was kept if it looked Chinese. ``001 917 555 0123`` (New York) became the China Telecom
mobile ``+8619175550123``, ``00 297 560 5947`` (Aruba) the Xi'an landline ``+862975605947``:
3,224 of 19,046 valid foreign numbers drawn from libphonenumber's examples were misread.
"""

from __future__ import annotations

import random

import phonenumbers
import pytest

from callwarden.numbers import classify, normalize, normalize_array

DIALLED_FROM_CHINA = {
    "0019175550123": "+19175550123",  # New York; was +8619175550123
    "001 312 555 0123": "+13125550123",  # Chicago; was +8613125550123
    "0016502530000": "+16502530000",  # Mountain View; was +8616502530000
    "001-506-234-5678": "+15062345678",  # New Brunswick; was +8615062345678
    "002975605947": "+2975605947",  # Aruba; was +862975605947 (Xi'an)
    "004722123456": "+4722123456",  # Norway; was +864722123456
    # unchanged: the home country and other foreign numbers written with 00
    "008613800138000": "+8613800138000",
    "0086 10 6234 5678": "+861062345678",
    "0086 0755 8888 8888": "+8675588888888",
    "0014155552671": "+14155552671",
    "0066812345678": "+66812345678",
    "0085291234567": "+85291234567",
}


@pytest.mark.parametrize(("raw", "e164"), sorted(DIALLED_FROM_CHINA.items()))
def test_00_is_the_international_prefix(raw: str, e164: str) -> None:
    assert normalize(raw) == e164
    assert normalize_array([raw]).to_pylist() == [e164]


def test_a_foreign_number_with_00_is_never_made_chinese() -> None:
    """Valid numbers of every other region (libphonenumber's examples, last digits varied),
    written ``00`` + country code + number, read as themselves, on both paths."""
    rng = random.Random(0)
    raws, want = [], []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS - {"CN"}):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            ex = phonenumbers.example_number_for_type(region, kind)
            if ex is None:
                continue
            nat = str(ex.national_number)
            for _ in range(5):
                tail = "".join(rng.choice("0123456789") for _ in range(min(3, len(nat) - 1)))
                num = phonenumbers.parse(f"+{ex.country_code}{nat[: -len(tail)]}{tail}", None)
                if phonenumbers.is_valid_number(num):
                    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
                    raws.append("00" + e164[1:])
                    want.append(e164)
    assert len(raws) > 1000
    wrong = [(r, normalize(r), w) for r, w in zip(raws, want, strict=True) if normalize(r) != w]
    assert wrong == []
    assert normalize_array(raws).to_pylist() == want
    assert classify(normalize("0019175550123")).value == "foreign"

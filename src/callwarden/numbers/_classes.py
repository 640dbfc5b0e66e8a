"""Number classes and the description of one number."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class NumberClass(enum.StrEnum):
    """What kind of line a number is, as far as its digits tell.

    ``FOREIGN`` is any valid number outside the home region (default CN); its finer kind is in
    :class:`NumberInfo`. ``SHARED_COST`` never leaves this package: China's 400 numbers are
    reported as ``TOLL_FREE`` and the rest of that block as ``SERVICE``.
    """

    MOBILE = "mobile"  # 13x-19x mobiles
    FIXED = "fixed"  # landlines with area code (010-62345678, 0755-88888888)
    TOLL_FREE = "toll_free"  # 400 and 800 numbers
    SERVICE = "service"  # 95xxx, 10xxx, 12xxx, 96xxx: banks, carriers, government hotlines
    SHORT = "short"  # 3-4 digit short codes (110, 119, 120)
    FOREIGN = "foreign"  # a valid number of another country
    INVALID = "invalid"  # not a valid number
    SHARED_COST = "shared_cost"  # internal only (see class docstring)


@dataclass(frozen=True)
class NumberInfo:
    """What callwarden knows about one number from its digits (归属地 and original carrier).

    ``province``/``city`` come from libphonenumber's geocoding data (mobile prefix or area
    code); ``carrier`` is the carrier that the prefix was allocated to, which is wrong for
    numbers ported since (携号转网). ``country`` is the ISO 3166 region code.
    """

    e164: str | None
    number_class: NumberClass
    country: str | None = None
    province: str | None = None
    city: str | None = None
    carrier: str | None = None
    location: str | None = None  # the library's description, e.g. 广东省深圳市

    def to_dict(self) -> dict[str, str | None]:
        return {
            "e164": self.e164,
            "class": self.number_class.value,
            "country": self.country,
            "province": self.province,
            "city": self.city,
            "carrier": self.carrier,
            "location": self.location,
        }

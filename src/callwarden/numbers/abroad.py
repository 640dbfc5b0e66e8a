"""Domestic numbers displayed on calls from abroad (国际来话改号拦截): a per-call rule, pure.

A call that enters through an international gateway comes from abroad. If it displays a
domestic number (one of the country calling codes the allocation registry speaks for, its
``scope``), either the number's owner is abroad (one of the carrier's own subscribers
roaming, whom the HLR knows) or the number is spoofed. So:

* with a roaming list (``numbers.roaming``): a domestic number on an international gateway
  that is not roaming at the call's time is ``SPOOFED`` (rejected, 608);
* without one: ``UNVERIFIED`` (labelled 境外来电): a roamer cannot be told apart.

The rule is off (``AbroadRule.of`` gives None) without an ingress file naming at least one
international gateway, or without a registry: which numbers are domestic is the registry's
scope, never guessed. A foreign number on an international gateway, and any number on
another ingress, are nothing to this rule.

It judges calls, not numbers: the displayed number belongs to a real person, so the rule
never flags the number itself (docs/detection.md).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pyarrow as pa

from callwarden.numbers.ingresses import IngressKinds
from callwarden.numbers.registry import _CODE_OF, _keys, calling_codes
from callwarden.numbers.roaming import Roaming

#: the reason of a rejected call (``spoofed_caller``, 608)
INTERNATIONAL_DOMESTIC = "spoof_international_domestic"
#: the reason of a labelled call (no roaming list to tell a roamer apart)
FROM_ABROAD = "from_abroad_domestic_number"


class Abroad(IntEnum):
    NONE = 0
    UNVERIFIED = 1  # label: no roaming list
    SPOOFED = 2  # reject: not roaming at the call's time


def domestic(numbers: Sequence[str] | np.ndarray | pa.Array, scope: Collection[int]) -> np.ndarray:
    """True per E.164 number whose country calling code is in ``scope`` (a value that is no
    number is not domestic: the unallocated rule judges those)."""
    arr = numbers if isinstance(numbers, pa.Array) else pa.array(list(numbers), pa.string())
    keys, ok = _keys(arr)
    ours = np.zeros(1000, bool)
    ours[np.asarray(sorted(scope), np.int64)] = True
    return ok & ours[calling_codes(keys)]


_E164 = re.compile(r"\+([0-9]{1,15})")


def domestic_one(number: str, scope: Collection[int]) -> bool:
    """``domestic`` for one number without Arrow (the online path, ~1 us instead of ~250):
    the same test, ``registry._keys``'s E.164 shape and ``calling_codes``'s table."""
    m = _E164.fullmatch(number) if isinstance(number, str) else None
    if m is None:
        return False
    digits = m.group(1)
    return int(_CODE_OF[int(digits[:3]) * 8 + min(len(digits), 4)]) in scope


@dataclass(frozen=True)
class AbroadRule:
    """The rule's configuration: the international gateways, the domestic country codes and
    the roaming list (None: none given, so calls are only labelled)."""

    international: frozenset[str]
    scope: tuple[int, ...]
    roaming: Roaming | None = None

    @classmethod
    def of(
        cls, ingresses: IngressKinds | None, scope: Collection[int] | None, roaming: Roaming | None
    ) -> AbroadRule | None:
        """The rule, or None when it is off (no international gateway named, no scope)."""
        if ingresses is None or not ingresses.international or not scope:
            return None
        return cls(ingresses.international, tuple(sorted(scope)), roaming)

    def judge(
        self,
        callers: Sequence[str] | np.ndarray,
        international: np.ndarray,
        t: np.ndarray,
    ) -> np.ndarray:
        """Abroad code (int8) per call: ``international`` says which calls entered through an
        international gateway (the caller looks it up by ingress code), ``t`` is each call's
        set-up time (s since 1970 UTC) for the roaming windows. Only those calls are looked
        at, so calls on other ingresses cost one mask."""
        out = np.zeros(len(international), np.int8)
        on = np.flatnonzero(international)
        if not len(on):
            return out
        shown = pa.array(np.asarray(callers, dtype=object)[on].tolist(), pa.string())
        dom = domestic(shown, self.scope)
        if self.roaming is None:
            out[on[dom]] = Abroad.UNVERIFIED
            return out
        roaming = self.roaming.at(shown, np.asarray(t, np.float64)[on])
        out[on[dom & ~roaming]] = Abroad.SPOOFED
        return out

    def judge_names(
        self, callers: Sequence[str], ingresses: Sequence[str], t: np.ndarray
    ) -> np.ndarray:
        """``judge`` with the calls' ingress names, a Python test per call: for hand cases and
        tests (the stream looks gateways up by ingress code, the online path uses ``judge_one``)."""
        intl = np.fromiter((i in self.international for i in ingresses), bool, len(ingresses))
        return self.judge(callers, intl, t)

    def judge_one(self, caller: str, ingress: str, t: float) -> Abroad:
        """One call (the online path): the roaming list is asked by a dict look-up, so
        nothing of the list is touched per call."""
        if ingress not in self.international or not domestic_one(caller, self.scope):
            return Abroad.NONE
        if self.roaming is None:
            return Abroad.UNVERIFIED
        return Abroad.NONE if self.roaming.at_one(caller, float(t)) else Abroad.SPOOFED

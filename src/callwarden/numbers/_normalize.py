"""E.164 normalisation: a scalar path for single numbers and a vectorised one for columns.

Both follow the same rules, so they always agree (a property test checks it):

1. clean: NFKC (full-width ``１``, mathematical ``𝟏`` and superscript ``¹`` digits become 0-9),
   then every other script's decimal digit becomes its 0-9 (Arabic-Indic ``١``, Devanagari
   ``१``...: ``phonenumbers`` reads them so, whole or mixed with ASCII), invisible format
   characters (bidi marks, zero-width spaces, a byte-order mark) are dropped, strip a
   ``tel:``/``sip:`` URI down to its user part, drop separators (spaces, ``-``, ``()``, ``.``,
   ``/``); what is left must be ``+?[0-9]+`` (output is always ASCII);
2. candidate: ``+digits`` stays; the international prefix (``00`` in China) becomes ``+``;
   national digits lose the trunk prefix (``0``) and gain the country code;
3. a home-region candidate is valid when its national part matches the region's plan
   (libphonenumber's own patterns, :mod:`._plan`), also after dropping a stray trunk ``0``
   (``+86 0755 ...``);
4. everything else (foreign numbers, odd spellings) goes to ``phonenumbers.parse`` once per
   distinct value: valid numbers and valid short numbers (95588, 110) are kept, the rest is None.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata, shortnumberinfo

from ._plan import NumberingPlan, _compiled, plan_for, plan_for_country_code, trunk_may_lead

_URI_SCHEME = r"(?i)^(?:tel:|sips?:)"  # schemes are case-insensitive (RFC 3261, RFC 3966)
_URI = re.compile(_URI_SCHEME)
_URI_TAIL = re.compile(r"[@;].*$")
_SEPARATORS = re.compile(r"[\s\-().\/]")
_DIGITS = re.compile(r"^\+?[0-9]+$")
_SEP_RE2 = r"[\t\n\v\f\r\x1c-\x1f \-().\/]"  # RE2's \s lacks \v and \x1c-\x1f; Python's has them


class _DigitFold(dict[int, int | None]):
    """``str.translate`` table: any Unicode decimal digit (category Nd) to its ASCII digit, and
    invisible format characters (category Cf: the bidi marks Android wraps a shared number in,
    zero-width spaces, a byte-order mark, soft hyphens) to nothing.

    Filled as characters are met (a few hundred code points at most); others map to themselves.
    """

    def __missing__(self, cp: int) -> int | None:
        c = chr(cp)
        d = unicodedata.decimal(c, None)
        out = (None if unicodedata.category(c) == "Cf" else cp) if d is None else 48 + d
        self[cp] = out
        return out


_FOLD = _DigitFold()


def _fold(raw: str) -> str:
    """NFKC, then other scripts' decimal digits to ASCII and format characters dropped (only
    for non-ASCII text)."""
    return unicodedata.normalize("NFKC", raw).translate(_FOLD)


def _clean(raw: str) -> str:
    s = raw if raw.isascii() else _fold(raw)
    s = s.strip()
    if ":" in s or "@" in s or ";" in s:
        s = _URI_TAIL.sub("", _URI.sub("", s))
    return _SEPARATORS.sub("", s)


def _candidate(s: str, plan: NumberingPlan) -> str:
    if s.startswith("+"):
        return s
    ip = plan.international_prefix
    if ip and s.startswith(ip):
        return "+" + s[len(ip) :]
    npfx = plan.national_prefix
    if npfx and s.startswith(npfx):
        s = s[len(npfx) :]
    return "+" + plan.cc + s


def _home_valid(cand: str, plan: NumberingPlan) -> str | None:
    head = "+" + plan.cc
    if not cand.startswith(head):
        return None
    national = cand[len(head) :]
    pattern = _compiled(plan.any_pattern)
    if pattern.match(national):
        return cand
    npfx = plan.national_prefix
    if npfx and national.startswith(npfx) and pattern.match(national[len(npfx) :]):
        return head + national[len(npfx) :]
    return None


def _library(s: str, region: str) -> str | None:
    """The slow path: phonenumbers' parser, for one cleaned ``+?digits`` string."""
    try:
        num = phonenumbers.parse(s, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(num) or shortnumberinfo.is_valid_short_number(num):
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    cc = plan_for(region).cc
    if s[:1] != "+" and s.startswith(cc) and len(s) > len(cc):
        # A switch's country code without "+" before a service or short number (8695588,
        # 86110): libphonenumber strips it only before a full number (8613800138000).
        try:
            alt = phonenumbers.parse("+" + s, region)
        except phonenumbers.NumberParseException:
            return None
        if shortnumberinfo.is_valid_short_number(alt):
            return phonenumbers.format_number(alt, phonenumbers.PhoneNumberFormat.E164)
    return None


def _read(raw: str, region: str) -> tuple[NumberingPlan, str] | None:
    """Steps 1-2 shared by numbers and prefixes: (the region's plan, ``raw`` cleaned), or
    None when nothing is left or what is left is not ``+?[0-9]+``."""
    if not raw:
        return None
    s = _clean(raw)
    return (plan_for(region), s) if _DIGITS.match(s) else None


@lru_cache(maxsize=1 << 16)
def normalize(raw: str, region: str = "CN") -> str | None:
    """``raw`` in E.164 (``+8613800138000``; ``+8695588`` for service numbers), or None."""
    if (read := _read(raw, region)) is None:
        return None
    plan, s = read
    home = _home_valid(_candidate(s, plan), plan)
    return home if home is not None else _library(s, plan.region)


#: A prefix of fewer digits (after the +) is wider than a country; longer, it matches no number.
#: ``normalize_prefix(..., country_wide=True)`` also takes a country calling code alone.
PREFIX_DIGITS = (4, 15)
_CODES = frozenset(str(cc) for cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)  # prefix-free


def normalize_prefix(raw: str, region: str = "CN", *, country_wide: bool = False) -> str | None:
    """The E.164 start (``+86755``) shared by the numbers ``raw`` is a prefix of, or None.

    ``raw`` is the digits of a list pattern without its ``*`` (``+86 0755``, ``0755``, ``400``,
    ``0086 170``, ``４００``), read by steps 1-2 like a number; a trunk prefix after a country
    code is dropped (``+860755`` -> ``+86755``, as ``+86 0755 1234 5678`` becomes
    ``+8675512345678``) where that country's numbers never begin with it
    (:func:`._plan.trunk_may_lead`). None when it is not ``+?[0-9]+`` after cleaning, starts
    with no country code (``+0...``), or has fewer or more digits than :data:`PREFIX_DIGITS`.
    ``country_wide``: a country calling code alone, written internationally (``+44``,
    ``0044``, ``+1``, ``+852``), is a prefix too (every number of that code); a national
    spelling (``0``) never is.
    """
    if (read := _read(raw, region)) is None:
        return None
    plan, s = read
    dial_out = _dial_out(plan.region)
    ip = plan.international_prefix
    international = s.startswith("+") or any(p and s.startswith(p) for p in (dial_out, ip))
    cand = "+" + s[len(dial_out) :] if dial_out and s.startswith(dial_out) else _candidate(s, plan)
    cc = next((cand[1 : 1 + n] for n in (1, 2, 3) if cand[1 : 1 + n] in _CODES), None)
    if cc is None:  # "+0...", "+999...": no number starts so
        return None
    cc_plan = plan if cc == plan.cc else plan_for_country_code(int(cc))
    national = cand[1 + len(cc) :]
    if (
        cc_plan is not None
        and cc_plan.national_prefix
        and national.startswith(cc_plan.national_prefix)
        and not trunk_may_lead(cc_plan)
    ):
        cand = "+" + cc + national[len(cc_plan.national_prefix) :]
    if country_wide and international and cand[1:] == cc:
        return cand
    lo, hi = PREFIX_DIGITS
    return cand if lo <= len(cand) - 1 <= hi else None


@lru_cache(maxsize=32)
def _dial_out(region: str) -> str:
    """The region's international prefix in plain digits (``00`` in China), "" when none.

    Numbers need not know it (``phonenumbers`` reads ``0086...`` with the full rule); a prefix
    cannot be parsed, so it takes the plain or the preferred prefix."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return ""
    for ip in (meta.international_prefix, meta.preferred_international_prefix):
        if ip and ip.isascii() and ip.isdigit():
            return str(ip)
    return ""


def normalize_array(
    values: pa.Array | pa.ChunkedArray | list[str | None], region: str = "CN"
) -> pa.StringArray:
    """Vectorised :func:`normalize`: E.164 strings, null where a value is null or invalid.

    Works on the distinct values only (dictionary encoding), so a column of 10 million calls
    among a million numbers costs a million normalisations, mostly done by Arrow's RE2 kernels.
    """
    plan = plan_for(region)
    arr = _as_string_array(values)
    if len(arr) == 0:
        return pa.array([], pa.string())
    fast, done = _fast_mobiles(arr, plan)
    if done is None:
        return _via_uniques(arr, plan)
    n_done = pc.sum(done.cast(pa.int64())).as_py() or 0
    if n_done == len(arr):
        return fast
    rest = pc.filter(arr, pc.invert(done))
    return pc.replace_with_mask(fast, pc.invert(done), _via_uniques(rest, plan))


def _via_uniques(arr: pa.Array, plan: NumberingPlan) -> pa.Array:
    encoded = pc.dictionary_encode(arr)
    uniques = normalize_unique(encoded.dictionary, plan)
    return pc.take(uniques, encoded.indices)


def _fast_mobiles(arr: pa.Array, plan: NumberingPlan) -> tuple[pa.Array, pa.Array | None]:
    """The bulk of real columns, on every row without encoding: ``138...`` or ``+86138...``.

    One RE2 pass with the plan's own mobile pattern; what it does not take goes the general way.
    """
    mobile = next((p for cls, p in plan.long_patterns if cls.value == "mobile"), None)
    if mobile is None:
        return arr, None
    head = "+" + plan.cc
    pattern = "^(?:" + re.escape(head) + ")?(?:" + mobile[1:-1] + ")$"
    done = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    plus = pc.starts_with(arr, "+")
    fast = pc.if_else(plus, arr, pc.binary_join_element_wise(head, arr, ""))
    return pc.if_else(done, fast, pa.scalar(None, pa.string())), done


def _as_string_array(values: pa.Array | pa.ChunkedArray | list[str | None]) -> pa.Array:
    if isinstance(values, list):
        return pa.array(values, pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if pa.types.is_large_string(values.type) or pa.types.is_string_view(values.type):
        values = values.cast(pa.string())
    elif not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    return values


def normalize_unique(u: pa.Array, plan: NumberingPlan) -> pa.Array:
    """Normalise an array of (usually distinct) strings; the vectorised core."""
    s = u
    if not pc.all(pc.string_is_ascii(s)).as_py():
        s = pc.utf8_normalize(s, "NFKC")
        odd = pc.invert(pc.string_is_ascii(s))
        if pc.any(odd).as_py():  # other scripts' digits, odd spaces: the scalar rule, per value
            idx = np.flatnonzero(pc.fill_null(odd, False).to_numpy(zero_copy_only=False))
            cleaned = pa.array([_clean(v) for v in s.take(pa.array(idx)).to_pylist()], pa.string())
            s = pc.replace_with_mask(s, pc.fill_null(odd, False), cleaned)
    s = pc.utf8_trim_whitespace(s)
    if pc.any(pc.match_substring_regex(s, r"[:@;]")).as_py():
        s = pc.replace_substring_regex(
            pc.replace_substring_regex(s, _URI_SCHEME, ""), r"[@;].*$", ""
        )
    if pc.any(pc.match_substring_regex(s, _SEP_RE2)).as_py():
        s = pc.replace_substring_regex(s, _SEP_RE2, "")
    digits = pc.fill_null(pc.match_substring_regex(s, r"^\+?[0-9]+$"), False)

    # Candidate "+<digits>" per step 2 of the module docstring.
    plus = pc.starts_with(s, "+")
    cand = s
    national = s
    npfx, ip = plan.national_prefix, plan.international_prefix
    if npfx:
        national = pc.if_else(pc.starts_with(s, npfx), pc.utf8_slice_codeunits(s, len(npfx)), s)
    cand = pc.binary_join_element_wise("+" + plan.cc, national, "")
    if ip:
        intl = pc.and_kleene(pc.starts_with(s, ip), pc.invert(plus))
        cand = pc.if_else(
            intl, pc.binary_join_element_wise("+", pc.utf8_slice_codeunits(s, len(ip)), ""), cand
        )
    cand = pc.if_else(plus, s, cand)

    head = "+" + plan.cc
    home = pc.and_kleene(digits, pc.starts_with(cand, head))
    nat = pc.utf8_slice_codeunits(cand, len(head))
    ok = pc.and_kleene(home, pc.fill_null(pc.match_substring_regex(nat, plan.any_pattern), False))
    out = pc.if_else(ok, cand, pa.scalar(None, pa.string()))
    if npfx:  # "+86 0755 ..." : a stray trunk prefix after the country code
        nat2 = pc.utf8_slice_codeunits(nat, len(npfx))
        ok2 = pc.and_kleene(
            pc.and_kleene(home, pc.invert(ok)),
            pc.and_kleene(
                pc.starts_with(nat, npfx),
                pc.fill_null(pc.match_substring_regex(nat2, plan.any_pattern), False),
            ),
        )
        if pc.any(ok2).as_py():
            out = pc.if_else(ok2, pc.binary_join_element_wise(head, nat2, ""), out)
            ok = pc.or_kleene(ok, ok2)

    out, ok = _foreign(cand, digits, ok, out, head)

    # Slow path for what no plan accepted: odd spellings, other regions of a shared code.
    rest = pc.and_kleene(digits, pc.invert(ok)).to_numpy(zero_copy_only=False)
    idx = np.flatnonzero(rest)
    if len(idx):
        cleaned = s.take(pa.array(idx)).to_pylist()
        slow = pa.array([_library_cached(c, plan.region) for c in cleaned], pa.string())
        out_np = out.to_numpy(zero_copy_only=False).astype(object)
        out_np[idx] = slow.to_numpy(zero_copy_only=False)
        out = pa.array(out_np, pa.string())
    return out


_CC_BY_LENGTH = {
    n: pa.array(
        sorted(str(cc) for cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE if len(str(cc)) == n)
    )
    for n in (1, 2, 3)
}


def _foreign(
    cand: pa.Array, digits: pa.Array, ok: pa.Array, out: pa.Array, head: str
) -> tuple[pa.Array, pa.Array]:
    """Foreign ``+CC...`` candidates, checked against their own country's plan, per code."""
    todo = pc.and_kleene(
        pc.and_kleene(digits, pc.invert(ok)),
        pc.and_kleene(pc.starts_with(cand, "+"), pc.invert(pc.starts_with(cand, head))),
    )
    idx = np.flatnonzero(pc.fill_null(todo, False).to_numpy(zero_copy_only=False))
    if len(idx) == 0:
        return out, ok
    sub = cand.take(pa.array(idx))
    cc = np.full(len(sub), None, dtype=object)
    for n, codes in _CC_BY_LENGTH.items():  # country codes are prefix-free: one length fits
        prefix = pc.utf8_slice_codeunits(sub, 1, 1 + n)
        hit = pc.fill_null(pc.is_in(prefix, value_set=codes), False).to_numpy(zero_copy_only=False)
        cc[hit] = np.asarray(prefix.filter(pa.array(hit)).to_pylist(), dtype=object)
    accepted = np.zeros(len(cand), bool)
    for code in {c for c in cc if c is not None}:
        plan = plan_for_country_code(int(code))
        if plan is None:
            continue
        rows = np.flatnonzero(cc == code)
        nat = pc.utf8_slice_codeunits(sub.take(pa.array(rows)), 1 + len(code))
        good = pc.fill_null(pc.match_substring_regex(nat, plan.any_pattern), False)
        accepted[idx[rows[good.to_numpy(zero_copy_only=False)]]] = True
    if not accepted.any():
        return out, ok
    mask = pa.array(accepted)
    return pc.if_else(mask, cand, out), pc.or_kleene(ok, mask)


@lru_cache(maxsize=1 << 18)
def _library_cached(s: str, region: str) -> str | None:
    return _library(s, region)

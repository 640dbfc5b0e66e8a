"""A case file for regulators, assembled from values (pure: no files, no database).

The edges (:mod:`callwarden.evidence.sources`) read what callwarden stores and writes (the
scan's output folder, the CDRs of the scan's day, the reputation store) into the frozen
values below; :func:`number_case` and :func:`campaign_case` turn them into one JSON-ready
dict, the same bytes for the same inputs except ``case_file.generated_at``.

Every reason is kept as its stable code and evidence and rendered in Chinese and English
with the renderers every other surface uses (:func:`callwarden.reasons.render`). The
``case_file.fingerprint`` is the sha256 of the canonical JSON of everything else
(:func:`fingerprint`), so a case can be cited by it and checked by anyone who holds it.

Subscribers named in a case (callees of the sampled calls, reporters) are masked
(``+86138****8000``): the file leaves the carrier; the carrier resolves a sampled call from
its ``call_id``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from callwarden.errors import InputError
from callwarden.numbers import describe
from callwarden.policy.model import UNALLOCATED_REASON_CODES
from callwarden.policy.render import CATEGORY_TEXT, tag
from callwarden.policy.screening import SCREENED_KINDS
from callwarden.reasons import Reason, render

#: The layout of the JSON; bumped when a field changes meaning or moves.
CASE_FILE_VERSION = 1
#: Sampled CDR rows per case (spread evenly over the day's calls, in time order).
SAMPLE_ROWS = 50
#: Members listed in a campaign case, and the store's rows (reports, appeals, audit entries)
#: listed per case; the counts always cover them all.
MAX_MEMBERS = 2000
MAX_ITEMS = 200
#: Fields left out of the fingerprint: when the file was made, and the fingerprint itself.
UNHASHED = ("generated_at", "fingerprint")


class CaseNotFoundError(InputError):
    """The subject of a case file is not in the inputs (an unknown campaign)."""

    status_hint = 404
    code = "not_found"


@dataclass(frozen=True)
class InputFile:
    """One file a case was assembled from: its role, its name under its root, and content."""

    role: str
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ScanFacts:
    """What the scan's output folder says about the numbers of a case.

    ``verdicts``: number -> its ``verdicts.csv`` row; ``campaigns``: campaign id -> its
    ``campaigns.csv`` row; ``members``: campaign id -> its ``campaign_members.csv`` rows;
    ``spoofed``: the ``spoofed_calls.csv`` rows of the case's callers; ``bridged``: the
    ``bridged_calls.csv`` rows whose agent is one of them."""

    summary: Mapping[str, Any]
    verdicts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    campaigns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    members: Mapping[str, Sequence[Mapping[str, str]]] = field(default_factory=dict)
    spoofed: Sequence[Mapping[str, str]] = ()
    bridged: Sequence[Mapping[str, str]] = ()


@dataclass(frozen=True)
class CallFacts:
    """The case's calls on the scan's day (local day, ``tz_hours`` east of UTC).

    Counts are (calls, answered) pairs; ``sample`` rows carry ``call_id`` and the CDR columns
    present, callee unmasked (masked here)."""

    day: str
    tz_hours: int
    calls: int
    answered: int
    callees: int
    duration_s: float
    by_hour: Mapping[int, tuple[int, int]]
    by_ingress: Mapping[str, tuple[int, int]]
    by_release_cause: Mapping[str, int]
    sample: Sequence[Mapping[str, Any]]
    #: caller -> calls that day (the subject's, a campaign's members')
    by_caller: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StoreFacts:
    """What the reputation store holds about the case's numbers. ``verdicts``: number -> the
    stored verdict row (the verdict in force); ``blocks``: action -> decisions logged;
    times are epoch seconds, as stored."""

    verdicts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    reports: Sequence[Mapping[str, Any]] = ()
    appeals: Sequence[Mapping[str, Any]] = ()
    blocks: Mapping[str, int] = field(default_factory=dict)
    rescued: int = 0
    audit: Sequence[Mapping[str, Any]] = ()
    #: entries in the audit trail when ``audit`` holds only the oldest of them
    audit_total: int | None = None
    #: number -> the import that wrote its stored verdict (``imports`` row: import_id,
    #: imported_at, actor, source_file, model_version, scan_day, rows)
    imports: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: the screened calls from the case's numbers (``POST /v1/screenings``): kind (bot, a
    #: service's bot, human, unsure) -> calls, and the distinct callees that heard a bot (a
    #: service's left out)
    screenings: Mapping[str, int] = field(default_factory=dict)
    screened_bot_callees: int = 0


@dataclass(frozen=True)
class Sources:
    """Everything a case is assembled from; a part left None is named in ``notes``."""

    scan: ScanFacts | None
    calls: CallFacts | None
    store: StoreFacts | None
    inputs: Sequence[InputFile] = ()
    missing: Sequence[str] = ()


# -- small pure helpers ---------------------------------------------------------------------


def _country_code(digits: str) -> str:
    """The country calling code a ``+``-number's digits start with ("" when none is known)."""
    import phonenumbers

    for n in (1, 2, 3):
        if digits[:n].isdigit() and int(digits[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return digits[:n]
    return ""


def mask(number: Any) -> str:
    """A subscriber's number with at least 4 digits hidden (``MASK_RULE``):
    ``+8613812345678`` -> ``+86138****5678``, ``+861012345678`` -> ``+86101*****78``."""
    s = "" if number is None else str(number)
    plus = s.startswith("+")
    digits = s[1:] if plus else s
    cc = _country_code(digits) if plus else ""
    national = digits[len(cc) :]
    n = len(national)
    if n >= 11:
        lead, tail = 3, 4
    else:
        tail = max(0, min(2, n - 4))
        lead = max(0, min(3, n - tail - 4))
    hidden = n - lead - tail
    return ("+" if plus else "") + cc + national[:lead] + "*" * hidden + national[n - tail :][:tail]


#: How :func:`mask` hides a number (written into every case file's ``privacy`` note).
MASK_RULE = (
    "subscriber numbers keep the country code, at most 3 more digits and the last 4 digits "
    "when the national number has 11 or more digits (the last 2 otherwise); at least 4 digits "
    "are always hidden"
)
#: A number written in free text (an audit entry's detail, an appeal's statement), in the
#: shapes people write: a run of 7-15 digits (``13812345678``, next to Chinese text too:
#: ``号码13812345678请回电``), or a phone grouping (``138 1234 5678``, ``138-1234-5678``,
#: ``(028) 8765-4321``, ``028-87654321``), either after a country prefix (``+86``, ``0086``,
#: ``(+86)``). Groupings need an area group and a 3-4 + 4 digit tail, so dates (``2026-11-02
#: 09:30``), counts (``2000 3000``) and tickets (``20261102-0042``) are not one.
_SEP = r"(?:\s?-\s?|[ .])"
_NUMBER_RE = re.compile(
    r"(?<![0-9_])"
    r"(?:\(\+?\d{1,3}\)\s?|(?:\+|00)\d{1,3}(?:\s?-\s?|[ .])?)?"
    rf"(?:\(?\d{{2,4}}\)?{_SEP}\d{{3,4}}{_SEP}\d{{4}}|\(?0\d{{2,3}}\)?{_SEP}\d{{7,8}}|\d{{7,15}})"
    r"(?![0-9])"
)
#: A Chinese mobile number: the one shape masked even right after ASCII letters (``TEL138...``).
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
#: ``yyyymmdd`` (``20261102``), optionally with ``HHMM`` or ``HHMMSS``: a date, not a number.
_DATE_RE = re.compile(
    r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d)?)?"
)


def _mask_found(m: re.Match[str], keep: frozenset[str]) -> str:
    """One number found in free text, masked unless it is the case's own or no number:
    joined to an ASCII letter or ``_`` (an id, a hash: ``imp_2026...``, ``x1381234...``;
    ``+...`` and a mobile number excepted), part of a decimal (``0.12345678``), or a date."""
    found, text = m.group(0), m.string
    digits = "".join(c for c in found if c.isdigit())
    before = text[m.start() - 1] if m.start() else ""
    after = text[m.end()] if m.end() < len(text) else ""
    plus = found.startswith(("+", "(+")) or (found.startswith("00") and len(digits) > 11)
    glued_after = after == "_" or (after.isascii() and after.isalpha())
    glued_before = before.isascii() and before.isalpha()
    if glued_after or (
        glued_before and not found.startswith(("+", "(+")) and not _MOBILE_RE.fullmatch(found)
    ):
        return found
    if (before == "." and m.start() > 1 and text[m.start() - 2].isdigit()) or (
        after == "." and text[m.end() + 1 : m.end() + 2].isdigit()
    ):
        return found
    if not 7 <= len(digits) <= 15 or _DATE_RE.fullmatch(digits):
        return found
    if found.startswith("00") and plus:
        digits = digits[2:]
    number = ("+" if plus else "") + digits
    return found if _keep(number, keep) else mask(number)


#: Keys of free-form details whose value is a subscriber's number whatever its spelling.
SUBSCRIBER_KEYS = frozenset({"reporter", "subscriber", "callee", "caller", "filed_by"})


def mask_text(value: Any, keep: frozenset[str] = frozenset(), key: str | None = None) -> Any:
    """``value`` (text, or JSON lists and objects of it) with every number in it masked but
    the case's own numbers ``keep``; a value under a :data:`SUBSCRIBER_KEYS` key is masked
    whole (an integer too)."""
    if key in SUBSCRIBER_KEYS and isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value)
        if text and not _keep(text, keep) and sum(c.isdigit() for c in text) >= 5:
            return mask(text)
    if isinstance(value, str):
        return _NUMBER_RE.sub(lambda m: _mask_found(m, keep), value)
    if isinstance(value, Mapping):
        return {k: mask_text(v, keep, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_text(v, keep, key) for v in value]
    return value


def _keep(found: str, keep: frozenset[str]) -> bool:
    """Whether ``found`` is one of the case's own numbers, also written nationally (with or
    without the trunk 0: ``028...`` for ``+8628...``)."""
    digits = found.lstrip("+")
    national = digits[1:] if digits.startswith("0") else digits
    return any(k.lstrip("+") == digits or k.lstrip("+").endswith(national) for k in keep if k)


def clean(value: Any) -> Any:
    """JSON-ready and canonical: non-finite floats as None, tuples as lists, keys as text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def canonical_json(case: Mapping[str, Any]) -> bytes:
    """The bytes the fingerprint is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        case, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def fingerprint(case: Mapping[str, Any]) -> str:
    """sha256 (hex) of the case without ``case_file.generated_at`` and ``case_file.fingerprint``."""
    head = {k: v for k, v in dict(case.get("case_file") or {}).items() if k not in UNHASHED}
    return hashlib.sha256(canonical_json({**case, "case_file": head})).hexdigest()


def verify(case: Mapping[str, Any]) -> bool:
    """Whether a case file's recorded fingerprint is that of its content."""
    recorded = dict(case.get("case_file") or {}).get("fingerprint") or {}
    return isinstance(recorded, Mapping) and recorded.get("sha256") == fingerprint(case)


def iso(epoch: Any) -> str | None:
    """Epoch seconds as UTC ISO 8601 (the store's times), None when there is none."""
    if epoch is None or isinstance(epoch, bool) or not isinstance(epoch, int | float):
        return None
    if not math.isfinite(epoch):
        return None
    return datetime.fromtimestamp(float(epoch), UTC).isoformat().replace("+00:00", "Z")


def _float(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _int(x: Any) -> int | None:
    v = _float(x)
    return None if v is None else int(v)


def _json_list(raw: Any) -> tuple[list[dict[str, Any]], str | None]:
    """Reason objects of a CSV cell or stored column, and the raw text when it is not a
    JSON list of objects (kept as written, never dropped)."""
    if isinstance(raw, list):
        items = raw
    else:
        try:
            items = json.loads(raw or "[]")
        except (TypeError, ValueError):
            return [], str(raw)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return [], str(raw)
    return items, None


def reasons(raw: Any) -> dict[str, Any]:
    """``{"items": [{code, evidence, weight, source, text: {zh, en}}], "unreadable": ...}``."""
    items, unreadable = _json_list(raw)
    out = []
    for item in items:
        reason = Reason.from_dict(item)
        entry: dict[str, Any] = {"code": reason.code, "evidence": dict(reason.evidence)}
        if reason.source:
            entry["weight"] = reason.weight
            entry["source"] = reason.source
        entry["text"] = {"zh": render(reason, "zh"), "en": render(reason, "en")}
        out.append(entry)
    result: dict[str, Any] = {"items": out}
    if unreadable is not None:
        result["unreadable"] = unreadable
    return result


def category(code: Any) -> dict[str, Any] | None:
    """A category code and its name in both languages (as written when callwarden has none)."""
    if not code:
        return None
    zh, en = CATEGORY_TEXT.get(str(code), (str(code), str(code)))
    return {"code": str(code), "zh": zh, "en": en}


def who(number: str) -> dict[str, Any]:
    """The number, its class, and 归属地 and original carrier in both languages."""
    zh, en = describe(number, lang="zh"), describe(number, lang="en")
    return {
        "number": number,
        "class": zh.number_class.value,
        "country": zh.country,
        "zh": {"location": zh.location, "carrier": zh.carrier},
        "en": {"location": en.location, "carrier": en.carrier},
    }


def _verdict(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A verdicts.csv row (or a stored verdict) for people: label, score, tag, reasons."""
    if row is None:
        return None
    label = str(row.get("label") or "")
    cat = str(row.get("category") or "")
    zh, en = tag(label, cat) if label in ("harassment", "fraud") else ("", "")
    out: dict[str, Any] = {
        "label": label,
        "score": _float(row.get("score")),
        "category": category(cat),
        "tag": {"zh": zh, "en": en} if zh else None,
        "campaign": str(row.get("campaign") or "") or None,
        "reasons": reasons(row.get("reasons")),
    }
    extra = {k: v for k, v in row.items() if k not in out and k not in ("number",)}
    if "updated_at" in extra:
        extra["updated_at"] = iso(extra["updated_at"])
    return {**out, **{k: clean(v) for k, v in sorted(extra.items())}}


def _pairs(counts: Mapping[Any, tuple[int, int]], key: str) -> list[dict[str, Any]]:
    return [
        {key: k, "calls": int(c), "answered": int(a)}
        for k, (c, a) in sorted(counts.items(), key=lambda kv: (str(type(kv[0])), kv[0]))
    ]


def calls_section(facts: CallFacts | None, masked_columns: Iterable[str] = ("callee",)) -> Any:
    if facts is None:
        return None
    hidden = set(masked_columns)
    sample = [
        {k: (mask(v) if k in hidden else clean(v)) for k, v in row.items()} for row in facts.sample
    ]
    return {
        "day": facts.day,
        "timezone": f"UTC{facts.tz_hours:+d}",
        "calls": facts.calls,
        "answered": facts.answered,
        "answer_rate": round(facts.answered / facts.calls, 4) if facts.calls else None,
        "distinct_callees": facts.callees,
        "duration_s": round(facts.duration_s, 1),
        "by_hour": _pairs(facts.by_hour, "hour"),
        "by_ingress": _pairs(facts.by_ingress, "ingress"),
        "by_release_cause": [
            {"release_cause": k, "calls": int(v)} for k, v in sorted(facts.by_release_cause.items())
        ],
        "sample": {
            "rows": sample,
            "limit": SAMPLE_ROWS,
            "rule": "spread evenly over the day's calls in time order; callee masked",
        },
    }


SPOOF_FLAGS = ("unallocated", "asserted_mismatch", "region_implausible", "international_domestic")


def _flags(rows: Sequence[Mapping[str, str]], columns: Sequence[str]) -> dict[str, int]:
    return {c: sum(1 for r in rows if str(r.get(c, "")).lower() == "true") for c in columns}


#: Why the campaign check's per-call list can be empty for a number the registry rule judged.
UNALLOCATED_NOTE = (
    "the scan's registry rule judged this number unallocated (spoofed): it judges every "
    "number of the registry's country; the per-call list (spoofed_calls.csv, the campaign "
    "check) is narrower: it judges only numbers whose 10,000-number block holds a number the "
    "registry lists as allocated, so it can count fewer calls, or none"
)
#: The same for the members of a campaign.
UNALLOCATED_MEMBERS_NOTE = (
    "the scan's registry rule judged these members unallocated (spoofed): it judges every "
    "number of the registry's country; the per-call list (spoofed_calls.csv, the campaign "
    "check) is narrower: it judges only numbers whose 10,000-number block holds a number the "
    "registry lists as allocated, so it can count fewer calls for a member, or none"
)


def _registry_rule(verdicts: Sequence[Mapping[str, Any] | None]) -> dict[str, Any] | None:
    """The registry rule's finding (from a verdict's UNALLOCATED_CALLER / spoof_unallocated
    reason), None when no verdict carries it."""
    for row in verdicts:
        if row is None:
            continue
        for item in _json_list(row.get("reasons"))[0]:
            if str(item.get("code")) in UNALLOCATED_REASON_CODES:
                ev = item.get("evidence") if isinstance(item.get("evidence"), Mapping) else {}
                return {
                    "unallocated": True,
                    "code": str(item.get("code")),
                    "calls": _int((ev or {}).get("attempts_by_caller_1d")),
                }
    return None


def _rule_text(calls: int | None, members: tuple[int, int] | None = None) -> dict[str, str]:
    shown = f"{calls:,}" if calls is not None else "?"
    if members is None:
        return {
            "zh": f"扫描的号码资源登记规则判定该号码为空号（未分配，冒用）；当天呼叫 {shown} 次",
            "en": "the scan's registry rule judged the number unallocated (spoofed); "
            f"{shown} calls that day",
        }
    judged, total = members
    return {
        "zh": f"扫描的号码资源登记规则判定该团伙 {total} 个成员中的 {judged} 个为空号"
        f"（未分配，冒用）；这些号码当天共呼叫 {shown} 次",
        "en": f"the scan's registry rule judged {judged} of the campaign's {total} members "
        f"unallocated (spoofed); {shown} calls that day from them",
    }


def _by_caller(rows: Sequence[Mapping[str, str]], flag: str | None = None) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        if flag is None or str(r.get(flag, "")).lower() == "true":
            out[str(r.get("caller", ""))] = out.get(str(r.get("caller", "")), 0) + 1
    return out


def spoofing_section(
    scan: ScanFacts | None,
    verdicts: Sequence[Mapping[str, Any] | None] = (),
    calls: CallFacts | None = None,
) -> Any:
    """A number's spoofed calls (``spoofed_calls.csv``) and, when its verdict carries the
    scan's registry rule, the rule's finding with its calls that day (the reason's
    ``attempts_by_caller_1d``; the day's CDRs when the reason has no count)."""
    if scan is None:
        return None
    rows = sorted(scan.spoofed, key=lambda r: str(r.get("call_id", "")))
    out: dict[str, Any] = {
        "calls": len(rows),
        # the four checks of spoofed_calls.csv (international_domestic since 1 Dec: a scan
        # before it has no such column, and counts 0)
        "by_flag": _flags(rows, SPOOF_FLAGS),
        "call_ids": [str(r.get("call_id", "")) for r in rows[:SAMPLE_ROWS]],
    }
    rule = _registry_rule(verdicts)
    if rule is not None:
        if rule["calls"] is None and calls is not None:
            rule["calls"] = calls.calls
        out["registry_rule"] = {**rule, "text": _rule_text(rule["calls"]), "note": UNALLOCATED_NOTE}
    return out


def campaign_spoofing_section(
    scan: ScanFacts,
    members: Sequence[str],
    stored: Mapping[str, Mapping[str, Any]] | None = None,
    calls: CallFacts | None = None,
) -> dict[str, Any]:
    """A campaign's spoofed calls with counts per member, and the registry rule's finding per
    member: for each member whose verdict (the scan's, or the one in force) carries
    ``UNALLOCATED_CALLER`` / ``spoof_unallocated``, its calls that day as the number's own
    case file counts them, beside its rows in ``spoofed_calls.csv``."""
    out: dict[str, Any] = spoofing_section(scan)
    rows = scan.spoofed
    flagged, unallocated = _by_caller(rows), _by_caller(rows, "unallocated")
    out["by_member"] = [
        {"number": n, "calls": flagged[n], "unallocated": unallocated.get(n, 0)}
        for n in sorted(flagged)
    ][:MAX_MEMBERS]
    judged = []
    for n in sorted(set(members)):
        rule = _registry_rule((scan.verdicts.get(n), (stored or {}).get(n)))
        if rule is None:
            continue
        count = rule["calls"]
        if count is None and calls is not None:
            count = calls.by_caller.get(n, 0)
        judged.append(
            {
                "number": n,
                "code": rule["code"],
                "calls": count,
                "spoofed_calls_unallocated": unallocated.get(n, 0),
            }
        )
    if judged:
        known = [int(j["calls"]) for j in judged if j["calls"] is not None]
        total = sum(known) if len(known) == len(judged) else None
        out["registry_rule"] = {
            "members": len(judged),
            "calls": total,
            "by_member": judged[:MAX_MEMBERS],
            "text": _rule_text(total, (len(judged), len(set(members)))),
            "note": UNALLOCATED_MEMBERS_NOTE,
        }
    return out


def bridging_section(scan: ScanFacts | None) -> Any:
    if scan is None:
        return None
    rows = sorted(scan.bridged, key=lambda r: (str(r.get("pair_key", "")), str(r.get("call_id"))))
    legs: dict[str, int] = {}
    for r in rows:
        legs[str(r.get("leg", ""))] = legs.get(str(r.get("leg", "")), 0) + 1
    return {
        "legs": len(rows),
        "by_leg": dict(sorted(legs.items())),
        "rows": [
            {k: str(r.get(k, "")) for k in ("call_id", "leg", "agent", "ingress", "pair_key")}
            for r in rows[:SAMPLE_ROWS]
        ],
    }


def _report(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": _int(r.get("id")),
        "number": r.get("number"),
        "reporter": mask(r.get("reporter")),
        "category": category(r.get("category")),
        "source": r.get("source"),
        "weight": _float(r.get("weight")),
        "at": iso(r.get("created_at")),
        "flagged_when_reported": bool(r.get("flagged_when_reported")),
    }


def _appeal(a: Mapping[str, Any], keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {
        "id": _int(a.get("id")),
        "number": a.get("number"),
        "owner": mask_text(a.get("owner"), keep),
        "statement": mask_text(a.get("statement"), keep),
        "filed_by": mask_text(a.get("filed_by"), keep),
        "filed_at": iso(a.get("created_at")),
        "status": a.get("status"),
        "reviewed_at": iso(a.get("reviewed_at")),
        "reviewer": mask_text(a.get("reviewer"), keep),
        "review_note": mask_text(a.get("review_note"), keep),
    }


def _audit(e: Mapping[str, Any], keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """An audit entry; every number in it but the case's own ``keep`` is masked (a report's
    reporter, a subscriber's key, a number in a note)."""
    detail = e.get("detail")
    if isinstance(detail, str):
        with contextlib.suppress(ValueError):
            detail = json.loads(detail)
    return {
        "id": _int(e.get("id")),
        "at": iso(e.get("at")),
        "actor": mask_text(e.get("actor"), keep),
        "action": e.get("action"),
        "target": mask_text(e.get("target"), keep),
        "detail": clean(mask_text(detail, keep)),
    }


def _case_numbers(store: StoreFacts) -> frozenset[str]:
    """The numbers a case is about (left unmasked in free-form details)."""
    nums = set(store.verdicts)
    for rows in (store.reports, store.appeals):
        nums |= {str(r.get("number")) for r in rows if r.get("number")}
    nums |= {str(e.get("target")) for e in store.audit if str(e.get("target") or "")[:1] == "+"}
    return frozenset(nums)


def _by_id(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(rows, key=lambda r: (_int(r.get("id")) or 0, str(r.get("number", ""))))


def store_sections(store: StoreFacts | None) -> dict[str, Any]:
    if store is None:
        return {
            "reports": None, "appeals": None, "block_log": None, "screenings": None,
            "audit": None,
        }  # fmt: skip
    reports = _by_id(store.reports)
    by_cat: dict[str, int] = {}
    by_source: dict[str, int] = {}
    for r in reports:
        c = str(r.get("category") or "unspecified")
        by_cat[c] = by_cat.get(c, 0) + 1
        s = str(r.get("source") or "")
        by_source[s] = by_source.get(s, 0) + 1
    appeals = _by_id(store.appeals)
    outcomes: dict[str, int] = {}
    for a in appeals:
        outcomes[str(a.get("status"))] = outcomes.get(str(a.get("status")), 0) + 1
    audit = _by_id(store.audit)
    keep = _case_numbers(store)
    return {
        "reports": {
            "count": len(reports),
            "weighted": round(sum(_float(r.get("weight")) or 0.0 for r in reports), 4),
            "by_category": dict(sorted(by_cat.items())),
            "by_source": dict(sorted(by_source.items())),
            "items": [_report(r) for r in reports[:MAX_ITEMS]],
        },
        "appeals": {
            "count": len(appeals),
            "by_status": dict(sorted(outcomes.items())),
            "items": [_appeal(a, keep) for a in appeals[:MAX_ITEMS]],
        },
        "block_log": {
            "decisions": int(sum(store.blocks.values())),
            "by_action": {k: int(v) for k, v in sorted(store.blocks.items())},
            "rescued": int(store.rescued),
        },
        "screenings": {
            "calls": int(sum(store.screenings.values())),
            "by_verdict": {v: int(store.screenings.get(v, 0)) for v in SCREENED_KINDS},
            "bot_callees": int(store.screened_bot_callees),
        },
        "audit": {
            "count": len(audit) if store.audit_total is None else int(store.audit_total),
            "items": [_audit(e, keep) for e in audit[:MAX_ITEMS]],
        },
    }


def _scan_section(sources: Sources) -> dict[str, Any]:
    summary = dict(sources.scan.summary) if sources.scan is not None else {}
    return {
        "day": summary.get("day"),
        "model_version": summary.get("model_version"),
        "threshold": _float(summary.get("threshold")),
        "kind": summary.get("kind"),
        "inputs": [
            {"role": f.role, "name": f.name, "sha256": f.sha256, "bytes": f.size}
            for f in sorted(sources.inputs, key=lambda f: (f.role, f.name))
        ],
        **_recorded(summary, sources.inputs),
    }


def _recorded(summary: Mapping[str, Any], inputs: Sequence[InputFile]) -> dict[str, Any]:
    """scan-summary.json's ``inputs`` (the paths scan read and callwarden's version), and
    which of the named paths are not hashed (absent on the machine that made the case)."""
    recorded = summary.get("inputs")
    if not isinstance(recorded, Mapping):
        return {}
    roles = {f.role for f in inputs}
    unhashed = sorted(
        k
        for k, v in recorded.items()
        if k != "callwarden" and v and f"scan input: {k}" not in roles
    )
    return {
        "recorded_inputs": {str(k): recorded[k] for k in sorted(recorded)},
        "callwarden_version": recorded.get("callwarden"),
        "recorded_inputs_not_hashed": unhashed,
    }


def _provenance(imp: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The import that wrote the stored verdict: its file, model version, scan day, time, actor."""
    if imp is None:
        return None
    return {
        "import_id": _int(imp.get("import_id")),
        "source_file": imp.get("source_file") or None,
        "model_version": imp.get("model_version") or None,
        "scan_day": imp.get("scan_day") or None,
        "at": iso(imp.get("imported_at")),
        "actor": imp.get("actor"),
        "rows": _int(imp.get("rows")),
    }


def _campaign(cid: str, row: Mapping[str, str]) -> dict[str, Any]:
    members = str(row.get("numbers") or "")
    return {
        "id": cid,
        "status": row.get("status") or None,
        "category": category(row.get("category")),
        "members": _int(row.get("members")),
        "ingresses": [i for i in str(row.get("ingresses") or "").split(";") if i],
        "first_seen": row.get("first_seen") or None,
        "last_seen": row.get("last_seen") or None,
        "daily_volume": _float(row.get("daily_volume")),
        "answer_rate": _float(row.get("answer_rate")),
        "list_size": _int(row.get("list_size")),
        "complaint_count": _int(row.get("complaint_count")),
        "callee_signature": row.get("callee_signature") or None,
        "script_signature": row.get("script_signature") or None,
        "reasons": reasons(row.get("reasons")),
        "numbers_listed": len([m for m in members.split(";") if m]),
    }


def _members(scan: ScanFacts, cid: str) -> list[dict[str, Any]]:
    rows = sorted(scan.members.get(cid, ()), key=lambda r: str(r.get("number", "")))
    out = []
    for r in rows[:MAX_MEMBERS]:
        number = str(r.get("number", ""))
        v = scan.verdicts.get(number)
        info = who(number)
        out.append(
            {
                "number": number,
                "class": info["class"],
                "location": info["zh"]["location"],
                "carrier": info["zh"]["carrier"],
                "first_seen": r.get("first_seen") or None,
                "last_seen": r.get("last_seen") or None,
                "calls": _int(r.get("calls")),
                "label": (v or {}).get("label"),
                "score": _float((v or {}).get("score")),
            }
        )
    return out


def _head(kind: str, subject: str, generated_at: str | None) -> dict[str, Any]:
    return {
        "version": CASE_FILE_VERSION,
        "kind": kind,
        "subject": subject,
        "generated_at": generated_at,
        "fingerprint": None,
    }


def _notes(sources: Sources) -> list[str]:
    notes = list(sources.missing)
    if sources.scan is None:
        notes.append("no scan output folder: verdict, campaign and spoofing sections are empty")
    if sources.calls is None:
        notes.append("no CDRs: the calls section is empty")
    if sources.store is None:
        notes.append("no store: reports, appeals, block log and audit sections are empty")
    return notes


def seal(case: dict[str, Any]) -> dict[str, Any]:
    """Fill ``case_file.fingerprint`` (sha256 of everything but it and ``generated_at``)."""
    case = clean(case)
    case["case_file"]["fingerprint"] = {
        "algorithm": "sha256",
        "sha256": fingerprint(case),
        "covers": "canonical JSON (sorted keys, no spaces, UTF-8) of the case file without "
        "case_file.generated_at and case_file.fingerprint",
    }
    return case


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def number_case(number: str, sources: Sources, generated_at: str | None = None) -> dict[str, Any]:
    """The case file of one number (E.164)."""
    scan = sources.scan
    row = scan.verdicts.get(number) if scan is not None else None
    stored = sources.store.verdicts.get(number) if sources.store is not None else None
    cid = str((row or {}).get("campaign") or (stored or {}).get("campaign") or "")
    campaign = None
    if cid and scan is not None and cid in scan.campaigns:
        listed = sorted(str(r.get("number", "")) for r in scan.members.get(cid, ()))
        campaign = {
            **_campaign(cid, scan.campaigns[cid]),
            "member_list": [
                {"number": n, "label": (scan.verdicts.get(n) or {}).get("label") or None}
                for n in listed[:MAX_MEMBERS]
            ],
        }
    notes = _notes(sources)
    if scan is not None and row is None:
        notes.append(f"{number} is not in the scan's verdicts.csv (no verdict for that day)")
    if cid and campaign is None and scan is not None:
        notes.append(f"campaign {cid} is not in the scan's campaigns.csv")
    in_force = _verdict(stored)
    if in_force is not None and sources.store is not None:
        in_force["import"] = _provenance(sources.store.imports.get(number))
    scan_day = str(scan.summary.get("day") or "") if scan is not None else ""
    if sources.calls is not None and scan_day and sources.calls.day != scan_day:
        notes.append(
            f"the calls are of {sources.calls.day} (--day); the verdict, spoofing and bridging "
            f"sections are of the scan's day {scan_day}"
        )
    holder = who(number)
    if _registry_rule((row, stored)) is not None:
        holder["note"] = (
            "the number is not allocated (the scan's registry rule); location and carrier are "
            "those of its prefix, not of a subscriber"
        )
    case = {
        "case_file": _head("number", number, generated_at),
        "who": holder,
        "scan": _scan_section(sources),
        "verdict": _verdict(row),
        "verdict_in_force": in_force,
        "campaign": campaign,
        "calls": calls_section(sources.calls),
        "spoofing": spoofing_section(scan, (row, stored), sources.calls),
        "bridging": bridging_section(scan),
        **store_sections(sources.store),
        "notes": notes,
    }
    return seal(case)


def campaign_case(cid: str, sources: Sources, generated_at: str | None = None) -> dict[str, Any]:
    """The case file of one campaign: its reasons, every member, their calls and reports."""
    scan = sources.scan
    if scan is None:
        raise CaseNotFoundError(f"campaign {cid}: a campaign case file needs the scan's folder")
    if cid not in scan.campaigns:
        known = ", ".join(sorted(scan.campaigns)[:10]) or "none"
        raise CaseNotFoundError(
            f"campaign {cid!r} is not in the scan's campaigns.csv (campaigns there: {known})"
        )
    members = _members(scan, cid)
    later = _in_force_later(scan, cid, sources.store)
    for m in members:
        if m["number"] in later:
            m["in_force_later"] = later[m["number"]]
    by_label: dict[str, int] = {}
    for m in members:
        by_label[str(m["label"] or "no verdict")] = (
            by_label.get(str(m["label"] or "no verdict"), 0) + 1
        )
    case = {
        "case_file": _head("campaign", cid, generated_at),
        "scan": _scan_section(sources),
        "campaign": _campaign(cid, scan.campaigns[cid]),
        "members": {
            "count": len(scan.members.get(cid, ())),
            "by_label": dict(sorted(by_label.items())),
            "items": members,
        },
        "calls": calls_section(sources.calls),
        "spoofing": campaign_spoofing_section(
            scan,
            [str(r.get("number", "")) for r in scan.members.get(cid, ())],
            sources.store.verdicts if sources.store is not None else None,
            sources.calls,
        ),
        "bridging": bridging_section(scan),
        **store_sections(sources.store),
        "notes": _notes(sources) + _later_note(later, len(scan.members.get(cid, ()))),
    }
    return seal(case)


def _in_force_later(
    scan: ScanFacts, cid: str, store: StoreFacts | None
) -> dict[str, dict[str, Any]]:
    """The campaign's members whose verdict in force was written by the import of a later
    scan day than this case's (an operation seen again the next day, perhaps under another
    campaign id): number -> that verdict's label, campaign and scan day."""
    day = str(scan.summary.get("day") or "")
    if store is None or not day:
        return {}
    out = {}
    for r in scan.members.get(cid, ()):
        number = str(r.get("number", ""))
        later = str((store.imports.get(number) or {}).get("scan_day") or "")
        if later > day:
            v = store.verdicts.get(number) or {}
            out[number] = {
                "scan_day": later,
                "label": v.get("label"),
                "campaign": v.get("campaign") or None,
            }
    return out


def _later_note(later: Mapping[str, Mapping[str, Any]], count: int) -> list[str]:
    if not later:
        return []
    days = sorted({str(v["scan_day"]) for v in later.values()})
    camps = sorted({str(v["campaign"]) for v in later.values() if v["campaign"]})
    return [
        f"{len(later)} of {count} members' verdicts in force were written by the import of a "
        f"later scan day ({', '.join(days)}), under campaign(s) {', '.join(camps) or 'none'}: "
        "the members section shows this scan's verdicts, and each such member's verdict in "
        "force under in_force_later"
    ]


def to_json(case: Mapping[str, Any]) -> str:
    """The file's text: indented, keys in the case's own order, UTF-8 as written."""
    return json.dumps(case, ensure_ascii=False, indent=2, allow_nan=False) + "\n"

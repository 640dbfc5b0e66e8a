"""Request and response models of the HTTP API (pydantic at the edge only)."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from callwarden.errors import InputError
from callwarden.features.local_time import zone
from callwarden.policy import (
    REFUSABLE_CATEGORIES,
    REPORTABLE_CATEGORIES,
    Action,
    ListKind,
    Protection,
    Thresholds,
)
from callwarden.store.campaign_traits import MAX_ITEM_CHARS, MAX_ITEMS, item_problem


class _Lean(BaseModel):
    """A request body. Non-finite numbers (``NaN``, ``Infinity``, which Python's JSON reader
    accepts) are refused in every float field: 422, never a row the store cannot keep."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class _In(_Lean):
    """A request body whose text may be stored: a NUL character in any text field is refused
    too (PostgreSQL cannot store one, SQLite would; it was a 500 on PostgreSQL)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else (value,)
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("text must not contain a NUL character (\\u0000)")
        return value


#: Bounds of a reason's evidence: objects and lists nest at most this deep (the evidence
#: object itself is level 1), and its JSON is at most this many bytes.
EVIDENCE_MAX_DEPTH = 8
EVIDENCE_MAX_BYTES = 4096


def _check_evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """Walks the evidence without recursion: numbers finite, nesting at most
    EVIDENCE_MAX_DEPTH, strings and keys valid Unicode (no lone surrogates, which cannot be
    stored as UTF-8), then its JSON within EVIDENCE_MAX_BYTES."""
    budget = EVIDENCE_MAX_BYTES  # every node costs at least one byte of JSON
    todo: list[tuple[Any, int]] = [(evidence, 1)]
    while todo:
        value, depth = todo.pop()
        budget -= 1
        if budget < 0:
            raise ValueError(f"evidence must be at most {EVIDENCE_MAX_BYTES} bytes of JSON")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("evidence numbers must be finite (no NaN or Infinity)")
        if isinstance(value, str):
            _valid_text(value)
        elif isinstance(value, dict | list):
            if depth > EVIDENCE_MAX_DEPTH:
                raise ValueError(f"evidence must nest at most {EVIDENCE_MAX_DEPTH} levels")
            if isinstance(value, dict):
                for k in value:
                    _valid_text(k)
                todo += [(v, depth + 1) for v in value.values()]
            else:
                todo += [(v, depth + 1) for v in value]
    if len(json.dumps(evidence, ensure_ascii=False).encode()) > EVIDENCE_MAX_BYTES:
        raise ValueError(f"evidence must be at most {EVIDENCE_MAX_BYTES} bytes of JSON")
    return evidence


def _valid_text(text: str) -> None:
    try:
        text.encode()
    except UnicodeEncodeError:
        raise ValueError("evidence strings must be valid Unicode (no lone surrogates)") from None


#: A reason's evidence: a small JSON object (see _check_evidence) whose numbers are finite.
Evidence = Annotated[dict[str, Any], AfterValidator(_check_evidence)]


# Decide -----------------------------------------------------------------------------------
class DecideRequest(_Lean):  # the hot path stores no text of it (numbers are normalised):
    # no NUL check, which doubled the model's validation time (3 -> 6.5 us)
    caller: str = Field(min_length=1, max_length=40, examples=["+8617012345678"])
    callee: str = Field(min_length=1, max_length=40, examples=["+8613800138000"])
    ingress: str = Field("", max_length=100)
    at: float | None = Field(None, description="call set-up time, epoch seconds (default: now)")
    asserted: str | None = Field(
        None,
        max_length=40,
        description="the identity the network asserts for the caller (P-Asserted-Identity);"
        " another number than caller says someone else shows it: labelled as spoofed where"
        " its own verdict would let it ring",
        examples=["+8617012345678"],
    )


class Text(BaseModel):
    zh: str
    en: str


class ReasonOut(BaseModel):
    code: str
    evidence: dict[str, Any]
    text: Text


class DecideResponse(BaseModel):
    action: Action
    sip_code: int | None
    category: str
    tag: Text | None = Field(None, description="display tag for a labelled call (疑似保险推销)")
    reasons: list[ReasonOut]
    redress_uri: str = Field("", description="RFC 8688 redress URI for a 608")
    call_info: str = Field("", description="Call-Info header value to send with the 608")


# Numbers ----------------------------------------------------------------------------------
class ProvenanceOut(BaseModel):
    """The import that wrote a verdict."""

    import_id: int
    imported_at: float
    actor: str
    source_file: str | None = Field(
        description="the file imported, as the importer named it (often a path on the"
        " server): shown to operator keys only, null for any other key"
    )
    model_version: str
    scan_day: str


class VerdictOut(BaseModel):
    label: str
    score: float
    category: str
    campaign: str
    source: str
    protected: bool
    tag: Text | None
    reasons: list[ReasonOut]
    provenance: ProvenanceOut | None = Field(
        None,
        description="the import that wrote it; null for a verdict set by reports or an appeal",
    )
    lapses_at: float | None = Field(
        None,
        description="a screener's live label (source screening): when it lapses, the verdict "
        "it replaced coming back (Unix time: when it was given plus serve "
        "--screened-label-days); null for any other verdict, or when labels never lapse",
    )


class LiveLabelOut(BaseModel):
    number: str
    labelled_at: float = Field(
        description="when the label was given (Unix time); a community label that a "
        "screener's label gave back: when the community gave it (its community_label audit "
        "entry), not when it came back"
    )
    live_since: float = Field(
        description="when it became the number's verdict (Unix time), the list's order: "
        "labelled_at, or for a community label given back, when it came back"
    )
    lapses_at: float | None = Field(
        description="a screener's label: when it lapses (given plus serve "
        "--screened-label-days; null when labels never lapse); a community label: null, it "
        "stands while its reports meet the bar (re-tallied hourly). verdict.lapses_at is the "
        "same"
    )
    cursor: str = Field(
        description="this entry's place in the list (opaque): the page's last cursor as "
        "after= gives the next page, which labels lapsing meanwhile do not shift"
    )
    verdict: VerdictOut


class RegistrationOut(BaseModel):
    pattern: str
    name: str
    category: str
    callee_prefixes: list[str]


class AppealBrief(BaseModel):
    id: int
    status: str
    created_at: float
    reviewed_at: float | None = None


class ReportSummary(BaseModel):
    reports: int
    weighted: float
    recipients: int
    by_category: dict[str, int]


class ScreeningCounts(BaseModel):
    """A calling number's stored screened calls (every one kept, not windowed)."""

    bot: int = Field(description="judged a bot, its words no legitimate service's")
    service: int = Field(
        description="judged a bot whose words are a legitimate service's (a courier's or a "
        "bank's automated call: policy.SERVICE_KINDS), connected with its tag; not in `bot`"
    )
    human: int | None = Field(None, description="operator keys only (null for any other)")
    unsure: int | None = Field(None, description="operator keys only (null for any other)")
    bot_callees: int = Field(
        description="distinct callees that heard it judged a bot (a service's bot left out)"
    )


class NumberOut(BaseModel):
    number: str
    verdict: VerdictOut | None
    registration: RegistrationOut | None
    reports: ReportSummary
    appeals: list[AppealBrief]
    screenings: ScreeningCounts = Field(
        description="its screened calls by the bot test's verdict (POST /v1/screenings)"
    )


# Subscribers -----------------------------------------------------------------------------
def _refusable(categories: list[str]) -> list[str]:
    unknown = sorted(set(categories) - set(REFUSABLE_CATEGORIES))
    if unknown:
        known = ", ".join(REFUSABLE_CATEGORIES)
        raise ValueError(f"not refusable categories: {', '.join(unknown)} (known: {known})")
    return categories


class SettingsIn(_In):
    protection: Protection = Protection.STANDARD
    refused_categories: Annotated[
        list[Annotated[str, Field(max_length=64)]], AfterValidator(_refusable)
    ] = Field(
        default_factory=list,
        max_length=len(REFUSABLE_CATEGORIES),
        description="each one of the refusable categories (GET .../settings lists them)",
    )


class SettingsOut(BaseModel):
    subscriber: str
    protection: Protection
    refused_categories: list[str]
    refusable_categories: list[str]


class PatternIn(_In):
    pattern: str = Field(min_length=2, max_length=40, examples=["+8695588", "+86400*"])
    note: str = Field("", max_length=200)


class PatternOut(BaseModel):
    pattern: str
    note: str
    created_at: float


class ListOut(BaseModel):
    subscriber: str
    kind: ListKind
    entries: list[PatternOut]
    warnings: list[ReasonOut] = Field(
        default_factory=list,
        description="after an addition: what the new entry does that the subscriber should"
        " know (blocks_own_country: a block of its own country calling code, +86*)",
    )


class ScreenedEntry(BaseModel):
    """A screened call's outcome on decide's `screen` entry in the block log."""

    verdict: Literal["bot", "human", "unsure"]
    action: Action = Field(description="what the screener did: reject, allow or label")
    sip_code: int | None = Field(description="608 for a rejected call")
    category: str | None = Field(description="what the caller talked about (null: none named)")
    tag: Text | None = Field(description="the tag shown with the screener's action")
    text: Text = Field(description="one line: 已筛查：机器人，已拦截 / screened: bot, rejected")


class BlockedOut(BaseModel):
    id: int | None = Field(
        description="null for a call of the last moment not yet written (a second or so)"
    )
    caller: str
    at: float
    action: str
    sip_code: int | None
    category: str
    tag: Text | None = Field(
        description="the tag the subscriber was shown at decision time (null: none shown, as"
        " for a personal block, or logged before the tag was stored)"
    )
    reasons: list[ReasonOut] = Field(description="code, evidence and text (zh/en), as decide's")
    rescued_at: float | None
    screening: ScreenedEntry | None = Field(
        None,
        description="for a `screen` entry the screener answered (POST /v1/screenings): what"
        " it judged and did; null for any other entry and a call not yet sent back",
    )


class RescueOut(BaseModel):
    id: int
    caller: str
    allowed: bool = True


# Reports and received calls --------------------------------------------------------------
def _reportable(category: str) -> str:
    """A report's category is shown to other subscribers as the community label's tag: one
    callwarden can name (``policy.REPORTABLE_CATEGORIES``), or none."""
    if category and category not in REPORTABLE_CATEGORIES:
        known = ", ".join(REPORTABLE_CATEGORIES)
        raise ValueError(f"not a report category: {category!r} (known: {known}, or empty)")
    return category


class ReportIn(_In):
    number: str = Field(min_length=1, max_length=40, description="the calling number reported")
    reporter: str | None = Field(
        None, max_length=40, description="default: the subscriber key's own number"
    )
    category: Annotated[str, AfterValidator(_reportable)] = Field(
        "", max_length=64, description="empty, or one of the categories callwarden names"
    )
    source: Literal["app", "sip607"] | None = Field(
        None,
        description="app (a subscriber's app) or sip607 (relayed by the network from a SIP 607);"
        " default: sip607 for a network key, which files nothing else, app for any other",
    )


class ReportOut(BaseModel):
    id: int
    number: str
    weight: float
    reports: int
    weighted: float
    labelled: bool = Field(description="this report made the community label the number")


class ReportRow(BaseModel):
    id: int
    number: str
    category: str
    source: str
    weight: float
    created_at: float


class CallIn(_In):
    caller: str = Field(min_length=1, max_length=40)
    callee: str = Field(min_length=1, max_length=40)
    at: float


class CallsIn(_In):
    calls: list[CallIn] = Field(max_length=10_000)


class CountOut(BaseModel):
    count: int


# Appeals and review ----------------------------------------------------------------------
class AppealIn(_In):
    number: str = Field(min_length=1, max_length=40)
    owner: str = Field(min_length=1, max_length=200, examples=["顺丰速运 北京朝阳站"])
    contact: str = Field("", max_length=200)
    statement: str = Field("", max_length=4000)


class AppealOut(BaseModel):
    id: int
    number: str
    owner: str
    contact: str
    statement: str
    filed_by: str
    status: str
    created_at: float
    reviewed_at: float | None
    reviewer: str | None
    review_note: str | None


class ReviewIn(_In):
    decision: Literal["accept", "reject"]
    note: str = Field("", max_length=2000)


# Operator: verdicts, registry, campaigns, keys, audit ------------------------------------
class ReasonIn(_In):
    """A reason as ``Reason.to_dict`` writes it; other keys (``text`` of a reason read back
    from the API) are ignored, as ``Reason.from_dict`` ignores them."""

    model_config = ConfigDict(extra="ignore")

    code: str = Field(min_length=1, max_length=200)
    evidence: Evidence = Field(default_factory=dict)
    weight: float = 0.0
    source: str = Field("", max_length=64)


def _printable(text: str) -> str:
    """Text shown to people or put in a path: every character printable (``str.isprintable``:
    no control character such as CR or LF, no format character such as a bidi override, no
    line separator, no space but ASCII's). A category reaches decide's tag, which a proxy
    may copy into a SIP header (a CR LF there splits it)."""
    if not text.isprintable():
        bad = next(c for c in text if not c.isprintable())
        name = " (a NUL character)" if bad == "\x00" else ""
        raise ValueError(f"must hold printable characters only (found U+{ord(bad):04X}{name})")
    return text


def _campaign_id(campaign: str) -> str:
    """A campaign id is fetched as a path segment (``/v1/campaigns/{id}``, its case file): one
    holding ``/`` could be imported but never fetched, nor could ``.`` or ``..``."""
    _printable(campaign)
    if "/" in campaign or campaign in (".", ".."):
        raise ValueError("a campaign id must not contain '/' nor be '.' or '..'")
    return campaign


def _zone_name(tz: str) -> str:
    """A zone name or a UTC offset that reads (``features.local_time.zone``), or ""."""
    if tz:
        try:
            zone(tz)
        except InputError as exc:
            raise ValueError(str(exc).removeprefix("--tz ")) from None
    return tz


class VerdictIn(_In):
    number: str = Field(min_length=1, max_length=40)
    label: Literal["benign", "harassment", "fraud"]
    score: float = Field(ge=0.0, le=1.0)
    category: Annotated[str, AfterValidator(_printable)] = Field(
        "", max_length=64, description="printable characters only (no CR, LF, bidi overrides)"
    )
    reasons: list[ReasonIn] = Field(default_factory=list)
    campaign: Annotated[str, AfterValidator(_campaign_id)] = Field(
        "", max_length=64, description="printable, without '/' (it is fetched as a path segment)"
    )


def _trait_item(text: str) -> str:
    """An ingress or asserted identity: non-blank, printable, without ``;`` (the store joins
    them), not formula-looking: ``campaign_traits.item_problem``, which campaigns.csv's
    rows are held to as well."""
    _printable(text)
    if (why := item_problem(text.strip())) is not None:
        raise ValueError(why)
    return text.strip()


_TraitItem = Annotated[str, Field(max_length=MAX_ITEM_CHARS), AfterValidator(_trait_item)]


class CampaignTraitsIn(_In):
    """A campaign's traits from scan's campaigns.csv (``ingresses``, ``asserted``): the second
    way an import's campaign keeps a stored campaign's id (docs/api.md)."""

    campaign: Annotated[str, AfterValidator(_campaign_id)] = Field(min_length=1, max_length=64)
    ingresses: list[_TraitItem] = Field(default_factory=list, max_length=MAX_ITEMS)
    asserted: list[_TraitItem] = Field(default_factory=list, max_length=MAX_ITEMS)


def _one_per_campaign(items: list[CampaignTraitsIn]) -> list[CampaignTraitsIn]:
    """A campaign's traits given twice would make the store choose one: refused, as
    campaigns.csv's repeated ids are."""
    seen: set[str] = set()
    for c in items:
        if c.campaign in seen:
            raise ValueError(f"campaign {c.campaign!r} given more than once")
        seen.add(c.campaign)
    return items


class VerdictsIn(_In):
    verdicts: list[VerdictIn] = Field(max_length=100_000)
    campaigns: Annotated[list[CampaignTraitsIn], AfterValidator(_one_per_campaign)] = Field(
        default_factory=list,
        max_length=10_000,
        description="the campaigns' ingresses and asserted identities (campaigns.csv); "
        "without them campaign ids continue by shared members only",
    )
    #: provenance, stored once per import (scan-summary.json names the model and the day)
    source_file: str = Field("", max_length=500, description="the file the rows come from")
    model_version: str = Field(
        "", max_length=200, description="the model that scored them (scan-summary.json)"
    )
    scan_day: str = Field("", max_length=32, description="the day scanned (scan-summary.json)")
    tz: Annotated[str, AfterValidator(_zone_name)] = Field(
        "",
        max_length=64,
        description="the zone scan_day is a day in (scan-summary.json's tz: a zone name or a "
        "UTC offset, as scan --tz takes it); it places the day's end for the precedence's rule "
        "4 (a screener's label given after it is kept); without it the day ends as it does in "
        "UTC-12, the latest",
    )


class RegistrationIn(_In):
    pattern: str = Field(min_length=2, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=64, examples=["courier"])
    callee_prefixes: list[str] = Field(default_factory=list, max_length=100)


class CampaignOut(BaseModel):
    campaign: str
    label: str
    category: str
    numbers: int
    max_score: float
    updated_at: float
    members: list[dict[str, Any]] | None = None


class KeyIn(_In):
    role: Literal["operator", "subscriber", "network", "screener"]
    subscriber: str | None = Field(None, max_length=40)
    name: str = Field("", max_length=200)


class KeyOut(BaseModel):
    id: int
    role: str
    subscriber: str | None
    name: str
    secret: str | None = Field(None, description="shown once, at creation")


class AuditOut(BaseModel):
    id: int
    at: float
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="degraded: the store cannot be read (decide answers from memory)"
    )
    store: Literal["up", "down"] = "up"
    database: str
    schema_revision: str | None
    verdicts: int
    write_behind_pending: int
    write_behind_rejected: int = Field(
        description="buffered rows the store refused (set aside and logged, never retried)"
    )
    write_behind_dropped: int = Field(
        0, description="rows not buffered because the buffer was full (the store down long)"
    )


class ThresholdsIn(_In):
    """Score bands on the detector's scale (``callwarden serve --model`` sets them from the
    model's flag threshold, as the stream engine does)."""

    label_at: float = Field(
        ge=0.0, le=1.0, description="label (or screen) at or above; allow below"
    )
    reject_fraud_at: float = Field(ge=0.0, le=1.0, description="reject fraud at or above")
    reject_harassment_at: float = Field(
        ge=0.0, le=1.0, description="strict protection rejects harassment at or above"
    )
    note: str = Field("", max_length=150, description="why, for the audit trail")

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsIn:
        """The label band may not be above a reject band (``Thresholds`` says why)."""
        Thresholds(self.label_at, self.reject_fraud_at, self.reject_harassment_at)
        return self


class ThresholdsOut(BaseModel):
    label_at: float
    reject_fraud_at: float
    reject_harassment_at: float
    source: str = Field(description="where the bands in force came from")


# Screenings -------------------------------------------------------------------------------
#: The most turns one screened call may hold (a screening dialogue has about ten).
MAX_SCREENING_TURNS = 500


def _storable_turns(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The turns are stored as sent: no NUL character (PostgreSQL cannot store one) and no
    lone surrogate (no UTF-8 for it) in any key or text. What a turn must hold is
    ``screening.transcript.transcript_from_dict``'s to say, as ``screen`` reads it."""
    for j, turn in enumerate(turns):
        for k, v in turn.items():
            for text in (k, v):
                if isinstance(text, str):
                    if "\x00" in text:
                        raise ValueError(f"turn {j}: text must not contain a NUL character")
                    try:
                        text.encode()
                    except UnicodeEncodeError:
                        raise ValueError(
                            f"turn {j}: text must be valid Unicode (no lone surrogates)"
                        ) from None
    return turns


def _not_a_boolean(value: Any) -> Any:
    """true is no time (it read as epoch second 1.0)."""
    if isinstance(value, bool):
        raise ValueError(f"must be ISO 8601 text or epoch seconds, not {str(value).lower()}")
    return value


class ScreeningIn(_In):
    """One screened call as ``callwarden screen`` reads a line of transcripts.jsonl: the
    turns are read by the same function (``screening.transcript.transcript_from_dict``).
    Other keys (the simulator's truth fields ``label``, ``caller_kind``, ...) are accepted
    and ignored, as ``screen`` ignores them."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, allow_inf_nan=False)

    call_id: Annotated[str, AfterValidator(_printable)] = Field(
        min_length=1, max_length=200, description="the call's id: a call is screened once"
    )
    caller: str = Field(min_length=1, max_length=40, examples=["+8617012345678"])
    callee: str = Field(min_length=1, max_length=40, examples=["+8613800138000"])
    start_time: Annotated[str | float | None, BeforeValidator(_not_a_boolean)] = Field(
        None,
        description="when the call started: ISO 8601 (without an offset: local time in serve's"
        " --tz, as CDR CSV times) or epoch seconds;"
        " without it a date the caller says is not checked, and the call is stored at the"
        " time it was received",
        examples=["2026-11-29T09:34:17+00:00"],
    )
    turns: Annotated[list[dict[str, Any]], AfterValidator(_storable_turns)] = Field(
        max_length=MAX_SCREENING_TURNS,
        description="the call's turns: speaker (caller, callee or assistant), text, start_s"
        " and end_s (seconds from the call's start), as in transcripts.jsonl",
        examples=[
            [
                {"speaker": "caller", "text": "您好，这里是博文口腔医院。", "start_s": 0.3,
                 "end_s": 5.9},
                {"speaker": "assistant", "text": "麻烦先告诉我今天几月几号？", "start_s": 6.5,
                 "end_s": 9.4},
            ]
        ],
    )  # fmt: skip


class ScreeningOut(BaseModel):
    call_id: str
    caller: str
    callee: str
    at: float = Field(description="the call's start (its start_time, else when it was received)")
    verdict: Literal["bot", "human", "unsure"]
    bot_score: float
    challenges: int = Field(description="challenges the assistant asked that were recognised")
    reasons: list[ReasonOut] = Field(description="the bot test's reasons (code, evidence, zh/en)")
    category: str | None = Field(
        description="what the caller talked about (screening's categories), null when the"
        " script classifier names none"
    )
    action: Action = Field(description="what the screener does now: reject, allow or label")
    sip_code: int | None = Field(
        description="608 for a rejected call: a bot, or any caller (a person, an unsure one, a"
        " service's bot) whose words are a category the callee refuses; null for a call that"
        " rings"
    )
    tag: Text | None = Field(description="the tag shown with a labelled call or a 608")
    action_reason: ReasonOut = Field(
        description="why this action (screened_bot, refused_category, ...)"
    )
    redress_uri: str = Field("", description="RFC 8688 redress URI for a 608")
    call_info: str = Field("", description="Call-Info header value to send with the 608")
    transcript_sha256: str = Field(description="sha256 of the transcript as judged")
    caller_labelled: bool = Field(
        False,
        description="storing this call labelled the caller live: the screener has now judged"
        " it a bot on enough distinct callees (docs/policy.md, 'Labelled by the screener');"
        " a repeat of that call says so too",
    )

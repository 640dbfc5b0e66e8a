"""Domain values of the subscriber policy: verdicts in, decisions out.

Everything here is a frozen dataclass or an enum; the API and the store translate to and from
them at the edge. Numbers are E.164 strings (``+8613800138000``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from callwarden.numbers import PREFIX_DIGITS
from callwarden.reasons import Reason


class Protection(StrEnum):
    """How hard a subscriber wants callwarden to act."""

    OFF = "off"  # never touch the subscriber's calls (personal block list still applies)
    STANDARD = "standard"  # reject confident fraud, label harassment
    STRICT = "strict"  # reject harassment too, screen what is uncertain


class Action(StrEnum):
    ALLOW = "allow"
    LABEL = "label"  # ring, with a category tag on the display (疑似保险推销)
    SCREEN = "screen"  # answer with the challenge-response screener before ringing
    REJECT = "reject"  # SIP 608 (network) or 603 (personal block)


class ListKind(StrEnum):
    ALLOW = "allow"  # contacts: always ring
    BLOCK = "block"  # personal block list: 603 Decline


class DecisionCode(StrEnum):
    """Stable codes for why a decision was taken (rendered to zh/en by ``policy.render``)."""

    PERSONAL_ALLOW = "personal_allow"
    PERSONAL_BLOCK = "personal_block"
    PROTECTION_OFF = "protection_off"
    REGISTERED_BUSINESS = "registered_business"
    APPEAL_PROTECTED = "appeal_protected"
    NO_VERDICT = "no_verdict"
    BENIGN = "benign"
    FRAUD_CONFIDENT = "fraud_confident"
    FRAUD_SUSPECTED = "fraud_suspected"
    HARASSMENT_CONFIDENT = "harassment_confident"
    HARASSMENT_SUSPECTED = "harassment_suspected"
    REFUSED_CATEGORY = "refused_category"
    COMMUNITY_REPORTS = "community_reports"
    BELOW_THRESHOLD = "below_threshold"
    SPOOFED_CALLER = "spoofed_caller"
    POLICY_UNAVAILABLE = "policy_unavailable"  # the subscriber's settings could not be read
    # after the screener's bot test (``policy.screening.after_screening``)
    SCREENED_BOT = "screened_bot"
    SCREENED_HUMAN = "screened_human"
    SCREENED_UNSURE = "screened_unsure"
    SCREENED_SERVICE_BOT = "screened_service_bot"  # a bot speaking a legitimate service's words
    # a caller the screener judged a bot on enough distinct callees (policy.screened_verdict)
    SCREENED_BOT_CALLEES = "screened_bot_callees"


#: Verdict reasons that are the hard signal "the displayed number is not allocated" (空号):
#: scan's rule (``detect.reasons.RuleCode.UNALLOCATED_CALLER``) and the stream engine's
#: per-call check. Such a number belongs to nobody, so rejecting it blocks no subscriber.
UNALLOCATED_REASON_CODES: frozenset[str] = frozenset({"UNALLOCATED_CALLER", "spoof_unallocated"})

#: The reason of a call from abroad (an international gateway, ``numbers.abroad``) showing a
#: domestic number whose owner is not roaming abroad then: spoofed, rejected as the
#: unallocated rule rejects (``spoofed_caller``, 608). A per-call reason: the number is a real
#: subscriber's, so no verdict about the number carries it.
INTERNATIONAL_DOMESTIC = "spoof_international_domestic"
#: The reason of such a call when no roaming list tells a roamer apart: labelled (境外来电).
FROM_ABROAD = "from_abroad_domestic_number"


#: The reason of a call whose displayed number is not the one the network asserts.
ASSERTED_MISMATCH = "spoof_asserted_mismatch"


#: Categories a subscriber may refuse, after MIIT's 来电免打扰 service, plus fraud kinds the
#: detectors emit. Unknown categories from a verdict file are kept as given.
REFUSABLE_CATEGORIES: tuple[str, ...] = (
    "insurance",
    "real_estate",
    "loans",
    "education",
    "finance",
    "medical",
    "recruitment",
    "retail",
    "debt_collection",
    "telecom",
    "survey",
    "robocall",
)

SIP_GLOBAL_DECLINE = 608  # RFC 8688: rejected by an intermediary (the carrier's analytics)
SIP_DECLINE = 603  # the callee's own decision (personal block)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the detectors (``scan``), reports or appeals say about one calling number."""

    number: str
    label: str  # benign | harassment | fraud
    score: float
    category: str = ""
    reasons: tuple[Reason, ...] = ()
    campaign: str = ""
    source: str = "model"  # model | rule | reports | screening | appeal
    protected: bool = False  # an accepted appeal: never label or reject on the model's word


@dataclass(frozen=True, slots=True)
class Call:
    """One call attempt, as the network sees it before it rings."""

    caller: str
    callee: str
    ingress: str = ""


@dataclass(frozen=True, slots=True)
class PatternSet:
    """Exact numbers and prefix patterns (``+86400*``), matched by the longest pattern.

    Built once per change, then matched per call without allocation beyond slicing.
    """

    exact: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()
    prefix_lengths: tuple[int, ...] = ()

    @classmethod
    def of(cls, patterns: list[str] | tuple[str, ...] | frozenset[str]) -> PatternSet:
        exact = frozenset(p for p in patterns if not p.endswith("*"))
        prefixes = frozenset(p[:-1] for p in patterns if p.endswith("*"))
        lengths = tuple(sorted({len(p) for p in prefixes}, reverse=True))
        return cls(exact, prefixes, lengths)

    def match_length(self, number: str) -> int:
        """Length of the most specific pattern matching ``number`` (exact beats any prefix), 0 if none."""
        if number in self.exact:
            return len(number) + 1
        for n in self.prefix_lengths:
            if n <= len(number) and number[:n] in self.prefixes:
                return n
        return 0

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes)


#: The warning for a block-list pattern that is the subscriber's own country calling code.
BLOCKS_OWN_COUNTRY = "blocks_own_country"


def list_warnings(subscriber: str, kind: ListKind, pattern: str) -> tuple[Reason, ...]:
    """What a subscriber should know when it adds ``pattern`` to its ``kind`` list. Blocking
    its own country's calling code (``+86*`` for a +86 number) is its choice, but that entry
    outranks everything but a longer allow-list match: couriers, banks, registered businesses
    and numbers cleared on appeal are declined too; only the allow list still rings."""
    head = pattern[:-1]
    if (
        kind is ListKind.BLOCK
        and pattern.endswith("*")
        and len(head) - 1 < PREFIX_DIGITS[0]  # shorter: a country code alone (store.io)
        and subscriber.startswith(head)
    ):
        return (Reason(BLOCKS_OWN_COUNTRY, {"pattern": pattern, "country_code": head[1:]}),)
    return ()


@dataclass(frozen=True, slots=True)
class SubscriberPolicy:
    """One subscriber's settings and personal lists."""

    subscriber: str
    protection: Protection = Protection.STANDARD
    refused_categories: frozenset[str] = frozenset()
    allow: PatternSet = PatternSet()
    block: PatternSet = PatternSet()


DEFAULT_POLICY = SubscriberPolicy(subscriber="")


@dataclass(frozen=True, slots=True)
class Registration:
    """A registered business number (courier, bank call-back) and where it may call.

    ``callee_prefixes`` empty means nationwide; otherwise only callees under one of these
    prefixes are covered (a city's courier station registers for its own area code).
    """

    pattern: str
    name: str
    category: str
    callee_prefixes: tuple[str, ...] = ()

    def covers(self, callee: str) -> bool:
        return not self.callee_prefixes or any(callee.startswith(p) for p in self.callee_prefixes)


#: Reject only where the odds of being benign are this many times lower than at the model's
#: flag threshold: a false block costs more than a false label.
REJECT_ODDS_FACTOR = 10.0
#: A model's bands never go above this: it is the score a hard rule gives the numbers it flags
#: (``detect.rules.RuleConfig.score_floor``: an unallocated displayed number), which must be
#: rejected whatever the model's flag threshold is (some reach 0.9999 on easy data).
BAND_CAP = 0.999


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score cut-offs on the detector's scale (false blocks cost most).

    The defaults suit a model whose flag threshold is 0.5; a trained model's bands come from
    :meth:`for_model`, and the stream engine and ``callwarden serve --model`` both use it, so
    the replay's figures describe what the HTTP path does.
    """

    label_at: float = 0.5  # below: allow
    reject_fraud_at: float = 0.9  # standard protection rejects fraud at or above this
    reject_harassment_at: float = 0.8  # strict protection rejects harassment at or above this

    def __post_init__(self) -> None:
        for name in ("label_at", "reject_fraud_at", "reject_harassment_at"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
                raise ValueError(f"threshold {name} must be a number from 0 to 1, not {v!r}")
        # A label band above a reject band would allow, as 'below threshold', a score the
        # reject band names (label_at 0.97 with reject_fraud_at 0.9 let a 0.95 fraud ring).
        for name in ("reject_fraud_at", "reject_harassment_at"):
            if self.label_at > getattr(self, name):
                raise ValueError(
                    f"threshold label_at ({self.label_at!r}) must not be above {name}"
                    f" ({getattr(self, name)!r})"
                )

    @classmethod
    def for_model(
        cls, model_threshold: float, reject_odds_factor: float = REJECT_ODDS_FACTOR
    ) -> Thresholds:
        """Bands on a trained model's scale: label from its flag threshold (chosen for the
        target precision); reject only where the odds of being benign are ``k`` times lower
        still, never below the default reject bands nor above :data:`BAND_CAP`."""
        if not 0.0 <= model_threshold <= 1.0:
            raise ValueError(f"a model threshold is from 0 to 1, not {model_threshold!r}")
        d = cls()
        reject = min(1.0 - (1.0 - model_threshold) / max(reject_odds_factor, 1.0), BAND_CAP)
        return cls(
            label_at=min(model_threshold, BAND_CAP),
            reject_fraud_at=max(d.reject_fraud_at, reject),
            reject_harassment_at=max(d.reject_harassment_at, reject),
        )

    def as_dict(self) -> dict[str, float]:
        return {
            "label_at": self.label_at,
            "reject_fraud_at": self.reject_fraud_at,
            "reject_harassment_at": self.reject_harassment_at,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    sip_code: int | None = None
    category: str = ""
    reasons: tuple[Reason, ...] = ()
    redress_uri: str = ""
    logged: bool = False  # goes into the subscriber's block log (拦截记录)

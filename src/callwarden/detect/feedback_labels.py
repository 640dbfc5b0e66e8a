"""Training labels from what people told the store: one label per number, by precedence.

A carrier has no ``labels.csv``; it has reports, community labels, accepted appeals,
registered businesses, the campaigns of imported scans and the screener's judged calls.
``store.training_labels`` reads them over a window into a :class:`Feedback`;
:func:`training_labels` decides, per number, the first rule that applies (docs/detection.md, "Labels from the store"):

1. **people cleared it** -> benign: an accepted appeal (source ``appeal``), an exact number
   registered as a business (``registered``), whatever its reports (a design choice: the
   registration is the operator's word). A number that only a registered *prefix* covers
   is ``unknown`` (``registered_prefix``): the business vouches for a block, not for that
   line, and its reports are not taken as harassment either;
2. **its own reports** when they meet the live community bar in the window
   (``policy.reputation.meets_community_bar``: weighted reports, distinct reporters --
   ``min_reporters`` -- and weighted reports per distinct recipient, recipients counted
   over [since - report window, until)), or a community label (verdict source ``reports``)
   set in the window -> harassment, or fraud when the reports' top weighted category is a
   fraud kind (``FRAUD_CATEGORIES``); source ``reports``. People's word becomes a training
   label only when it would count live: a retrained model flags for every subscriber;
3. **screened as a bot**: its screened calls in the window (``POST /v1/screenings``) were
   judged bot by at least ``min_screened_bots`` distinct callees, and those are at least
   ``min_screened_bot_share`` of the distinct callees that heard it judged bot, human or
   unsure (its people and unsure calls count against it: a courier's line is judged bot on ~1 % of calls; a bot
   speaking a legitimate service's words, a delivery IVR, counts as judged, never as bot) ->
   harassment, or fraud when the bot calls' top category is a fraud kind
   (``policy.FRAUD_KINDS``); source ``screening``. After the reports, which name the
   category subscribers met and are what the live label counts; before everything below, as
   the number's own calls heard by the screener outweigh its campaign's pooled reports and
   reports below the bar. A ``human`` verdict makes no number benign (a campaign can put a
   person on the line); it only weighs against the bot share;
4. **a community label before the window** -> ``unknown`` (``reports_before_window``); one
   set after it is ignored (the window's own reports are judged);
5. **its campaign's reports**: a stored campaign whose members' pooled reports meet the
   campaign bar (``campaign_min_reporters`` distinct reporters over at least
   ``campaign_min_members`` members, pooled weight at least the community's weighted bar
   and at least ``campaign_min_report_rate`` per distinct recipient of its members; a
   member a registration covers feeds none of it) -> each member takes the campaign's
   label (source ``campaign_reports``), except, ``unknown``: a member the detectors scored
   benign below ``own_score_floor`` on its own calls (as the campaign verdicts spare it; a
   stored score of exactly 0 means *not scored*, the activity cascade's mark, which takes
   the campaign's label like any rotated number), and a member that drew too few reports
   of its own for the rate of the campaign's other members (its distinct recipients x
   their reports per distinct recipient; Poisson P(X <= its own) at most
   exp(-``campaign_member_expected_reports``): none when 3 are expected): a busy line the
   campaign's reports hardly touched, the school on a robocall trunk;
6. **below the bar**: reports that meet neither -> ``unknown``
   (``reports_below_threshold``): not enough to call it bad, too much to call it benign;
7. **detector verdicts** (harassment/fraud by the model or a rule): their label only with
   ``with_detector_verdicts`` (self-training amplifies the model's own errors); otherwise
   ``unknown``, kept out of training rather than taught as benign (``train`` counts a
   number the labels do not list as benign). Source: the verdict's (``model``, ``rule``).

Anything else is not listed. Pure: values in, values out; the store reads, the CLI writes.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from callwarden.detect.campaign_verdicts import CampaignVerdictConfig
from callwarden.policy import (
    DEFAULT_SCREENED_BAR,
    EMPTY_REGISTRY,
    FRAUD_KINDS,
    REPORTABLE_CATEGORIES,
    SCREENING_SOURCE,
    Registry,
    meets_screened_bar,
)
from callwarden.policy.render import CATEGORY_TEXT
from callwarden.policy.reputation import (
    DEFAULT_REPUTATION,
    ReputationConfig,
    meets_community_bar,
)

#: The categories that name a kind of fraud: those whose tag says fraud
#: (``policy.render.CATEGORY_TEXT``: 冒充公检法诈骗, 投资理财诈骗, ...).
FRAUD_CATEGORIES: frozenset[str] = frozenset(
    c for c, (_zh, en) in CATEGORY_TEXT.items() if "fraud" in en
)

#: The columns of a labels file written from the store.
COLUMNS = ("number", "label", "source", "category", "evidence")


class Source(StrEnum):
    """Why a number got its label (the ``source`` column; detector rows carry the verdict's
    own source, ``model`` or ``rule``)."""

    APPEAL = "appeal"
    REGISTERED = "registered"
    REGISTERED_PREFIX = "registered_prefix"
    REPORTS = "reports"
    REPORTS_BEFORE_WINDOW = "reports_before_window"
    CAMPAIGN_REPORTS = "campaign_reports"
    REPORTS_BELOW_THRESHOLD = "reports_below_threshold"
    SCREENING = "screening"


@dataclass(frozen=True, slots=True)
class NumberReports:
    """The reports one number drew in the window."""

    reporters: int  # distinct reporters (one report per reporter and number)
    weighted: float  # their weights summed (``policy.reporter_weight``)
    recipients: int = 0  # distinct subscribers it called, [since - 7 d, until) (as ``Tally``)
    categories: Mapping[str, float] = field(default_factory=dict)  # weight per category


@dataclass(frozen=True, slots=True)
class CampaignReports:
    """The reports a stored campaign's members drew in the window, together."""

    reporters: int  # distinct reporters over all members (those a registration covers aside)
    reported_members: int
    weighted: float
    categories: Mapping[str, float] = field(default_factory=dict)
    recipients: int = 0  # distinct subscribers its members called, pooled (as NumberReports)
    #: report rows over its members, one per reporter and number (0: not counted; the rule
    #: then takes ``reporters``, which a count of reports is never below)
    reports: int = 0


@dataclass(frozen=True, slots=True)
class ScreenedCalls:
    """The screened calls of one calling number in the window, by the bot test's verdict."""

    #: distinct callees that heard it judged a bot, a legitimate service's bot (its words a
    #: courier's or a bank's: ``policy.SERVICE_KINDS``) left out
    bot_callees: int
    #: calls judged a bot, a legitimate service's left out (those are ``service``)
    bot: int = 0
    human: int = 0
    unsure: int = 0
    #: the bot calls per category of the caller's words (calls naming none, and a legitimate
    #: service's, left out)
    bot_categories: Mapping[str, float] = field(default_factory=dict)
    #: distinct callees that heard it judged a bot (a service's too), a person or unsure (the
    #: base of the bot share: an unsure callee counts against it, read-through 27 item 5)
    judged_callees: int = 0
    #: calls judged a bot whose words are a legitimate service's (a delivery IVR)
    service: int = 0

    def judged(self) -> int:
        """The share's base: ``judged_callees``, never below ``bot_callees`` (a
        hand-built value may leave it 0)."""
        return max(self.judged_callees, self.bot_callees)

    def bot_share(self) -> float:
        """Distinct bot callees over distinct callees judged bot, human or unsure (1.0 for
        none)."""
        judged = self.judged()
        return self.bot_callees / judged if judged else 1.0


@dataclass(frozen=True, slots=True)
class StoredVerdict:
    label: str
    score: float
    source: str  # model | rule | reports | appeal
    protected: bool = False
    campaign: str = ""
    category: str = ""
    updated_at: float = 0.0


@dataclass(frozen=True)
class Feedback:
    """What the store holds for the window [since, until) (None: open)."""

    reports: Mapping[str, NumberReports] = field(default_factory=dict)
    campaigns: Mapping[str, CampaignReports] = field(default_factory=dict)
    #: the verdicts that matter: cleared, community, flagged, reported, or members of a
    #: campaign in ``campaigns`` (every member of those)
    verdicts: Mapping[str, StoredVerdict] = field(default_factory=dict)
    registry: Registry = EMPTY_REGISTRY
    #: distinct subscribers each campaign member called (as ``NumberReports.recipients``)
    recipients: Mapping[str, int] = field(default_factory=dict)
    #: screened calls by calling number, in the window (by the call's start)
    screenings: Mapping[str, ScreenedCalls] = field(default_factory=dict)
    since: float | None = None
    until: float | None = None

    def in_window(self, at: float) -> bool:
        return (self.since is None or at >= self.since) and (self.until is None or at < self.until)


@dataclass(frozen=True, slots=True)
class LabelConfig:
    #: the live community bar (weighted reports, share of recipients) a number's own reports
    #: must meet; ``min_reporters`` replaces its distinct-reporter bar
    reputation: ReputationConfig = DEFAULT_REPUTATION
    min_reporters: int = DEFAULT_REPUTATION.min_distinct_reporters
    campaign_min_reporters: int = 3
    campaign_min_members: int = 2  # reported members the campaign's reporters spread over
    #: pooled weighted reports per distinct recipient of the members. Background, not tuned:
    #: a new reporter weighs 0.3; the simulator reports an answered unwanted call with
    #: probability 0.05 and a benign one 0.0005, so a benign caller draws 0.00015 weight per
    #: recipient (0.0005 were every reporter trusted, weight 1) and a bad one up to 0.015.
    #: 0.002 is 13x the first, 4x the second, 7.5x under the third (docs/detection.md).
    campaign_min_report_rate: float = 0.002
    #: a member is unknown when, at the rate of the campaign's other members, drawing as few
    #: reports of its own as it did has Poisson probability at most exp(-this): none when 3.0
    #: are expected (e^-3 = 5 %), at most one at 4.74, two at 6.3; a member that truly shares
    #: the campaign's rate is set aside 5 % of the time at most, a school with hundreds of
    #: recipients on a campaign drawing a report per ~100 recipients is set aside
    campaign_member_expected_reports: float = 3.0
    #: the campaign verdicts' floor: a member scored under it keeps its own verdict there too
    own_score_floor: float = CampaignVerdictConfig().own_score_floor
    with_detector_verdicts: bool = False
    #: distinct callees whose screened call from a number was judged bot, in the window,
    #: that label it, and their share of the distinct callees that heard it judged: the
    #: live label's bar (``policy.ScreenedBotConfig``, where the two numbers and their
    #: reasons are written once)
    min_screened_bots: int = DEFAULT_SCREENED_BAR.min_bot_callees
    min_screened_bot_share: float = DEFAULT_SCREENED_BAR.min_bot_share


@dataclass(frozen=True, slots=True)
class TrainingLabel:
    number: str
    label: str  # benign | harassment | fraud | unknown
    source: str
    category: str = ""
    evidence: Mapping[str, object] = field(default_factory=dict)

    def row(self) -> tuple[str, str, str, str, str]:
        """The CSV row: evidence as compact JSON with sorted keys (deterministic)."""
        text = json.dumps(dict(self.evidence), sort_keys=True, separators=(",", ":"))
        return (self.number, self.label, self.source, self.category, text)


def top_category(weights: Mapping[str, float], fraud: Collection[str] = FRAUD_CATEGORIES) -> str:
    """The category with the most weight ('' for none). A tie goes to a category that is no
    fraud kind (``fraud``: harassment on a tie, the milder, as the campaign verdicts break
    theirs), then to the first by name (as ``ReportsMixin.tally`` orders them)."""
    if not weights:
        return ""
    return min(weights, key=lambda c: (-weights[c], c in fraud, c))


def _bad_label(top: str) -> tuple[str, str]:
    """(label, category) the reports' top category gives: fraud for a fraud kind; the
    category only when callwarden can name it (a reporter's own old text is dropped)."""
    label = "fraud" if top in FRAUD_CATEGORIES else "harassment"
    return label, top if top in REPORTABLE_CATEGORIES else ""


def _report_evidence(r: NumberReports | None) -> dict[str, object]:
    if r is None:
        return {"reporters": 0}
    return {
        "reporters": r.reporters,
        "weighted": round(r.weighted, 3),
        "recipients": r.recipients,
        "top_category": top_category(r.categories),
    }


def _label_one(
    number: str,
    fb: Feedback,
    cfg: LabelConfig,
    condemned: Mapping[str, dict[str, object]],
    busiest: Mapping[str, tuple[tuple[int, str], ...]],
) -> TrainingLabel | None:
    v = fb.verdicts.get(number)
    r = fb.reports.get(number)
    reporters = r.reporters if r is not None else 0
    # 1. people cleared it
    if v is not None and (v.protected or v.source == "appeal"):
        return TrainingLabel(number, "benign", Source.APPEAL, "", {"reporters": reporters})
    reg = fb.registry.exact.get(number)
    if reg is not None:
        return TrainingLabel(
            number, "benign", Source.REGISTERED, reg.category, {"reporters": reporters}
        )
    if fb.registry.lookup(number) is not None:
        return TrainingLabel(
            number, "unknown", Source.REGISTERED_PREFIX, "", {"reporters": reporters}
        )
    # 2. its own reports (or the community label they gave in the window)
    community = v if v is not None and v.source == "reports" and v.label != "benign" else None
    if community and fb.until is not None and community.updated_at >= fb.until:
        community = None  # set after the window: the window's reports judge alone
    bar = replace(cfg.reputation, min_distinct_reporters=cfg.min_reporters)
    own = r is not None and meets_community_bar(r.weighted, r.reporters, r.recipients, bar)
    if own or (community and fb.in_window(community.updated_at)):
        top = top_category(r.categories) if r is not None else ""
        label, category = _bad_label(top or (community.category if community else ""))
        evidence = _report_evidence(r)
        if community:
            evidence["community_label"] = 1
        return TrainingLabel(number, label, Source.REPORTS, category, evidence)
    # 3. screened as a bot by enough distinct callees, and by at least a share of those that
    # heard it judged (its people count against it; a human verdict clears nothing)
    s = fb.screenings.get(number)
    if s is not None and _screened_bot(s, cfg):
        top = top_category(s.bot_categories, FRAUD_KINDS)  # (screening's other_fraud too)
        label = "fraud" if top in FRAUD_KINDS else "harassment"
        evidence = {
            "screened_bot_callees": s.bot_callees,
            "screened_judged_callees": s.judged(),
            "screened_bot": s.bot,
            "screened_service": s.service,
            "screened_human": s.human,
            "screened_unsure": s.unsure,
            "top_category": top,
            "reporters": reporters,
        }
        category = top if top in REPORTABLE_CATEGORIES else ""
        return TrainingLabel(number, label, Source.SCREENING, category, evidence)
    # 4. a community label before the window
    if community:
        return TrainingLabel(
            number, "unknown", Source.REPORTS_BEFORE_WINDOW, "", _report_evidence(r)
        )
    # 5. its campaign's reports
    if v is not None and v.campaign in condemned:
        evidence = dict(condemned[v.campaign])
        label, category = str(evidence.pop("label")), str(evidence.pop("category"))
        if reporters:
            evidence["own_reporters"] = reporters
        if v.label == "benign" and 0.0 < v.score < cfg.own_score_floor:
            evidence["own_score"] = round(v.score, 6)
            return TrainingLabel(number, "unknown", Source.CAMPAIGN_REPORTS, "", evidence)
        called = fb.recipients.get(number, 0)
        other_max = next((n for n, m in busiest.get(v.campaign, ()) if m != number), 0)
        c = fb.campaigns[v.campaign]
        expected = _member_expected_reports(c, called, reporters, other_max)
        if expected is not None and _too_few(reporters, expected, cfg):
            evidence["member_recipients"] = called
            evidence["member_expected_reports"] = round(expected, 3)
            return TrainingLabel(number, "unknown", Source.CAMPAIGN_REPORTS, "", evidence)
        return TrainingLabel(number, label, Source.CAMPAIGN_REPORTS, category, evidence)
    # 6. reported, below the bar
    if reporters:
        return TrainingLabel(
            number, "unknown", Source.REPORTS_BELOW_THRESHOLD, "", _report_evidence(r)
        )
    # 7. the detectors alone
    # (a community label is no detector's word: after the window it says nothing here; nor
    # is the screener's live label, which rule 3 reads from its calls in the window)
    if (
        v is not None
        and v.label in ("harassment", "fraud")
        and v.source
        not in (
            "reports",
            SCREENING_SOURCE,
        )
    ):
        evidence = {"score": round(v.score, 6)}
        if cfg.with_detector_verdicts:
            return TrainingLabel(number, v.label, v.source, v.category, evidence)
        return TrainingLabel(number, "unknown", v.source, "", evidence)
    return None


def _screened_bot(s: ScreenedCalls, cfg: LabelConfig) -> bool:
    """Rule 3's bar: enough distinct bot callees, and enough of those judged."""
    return meets_screened_bar(
        s.bot_callees, s.judged(), cfg.min_screened_bots, cfg.min_screened_bot_share
    )


def _member_expected_reports(
    c: CampaignReports, called: int, own: int, other_max: int
) -> float | None:
    """The reports a member that called ``called`` subscribers would draw at the rate of the
    campaign's *other* members (report rows per distinct recipient, leaving its own reports
    out: pooled with them, a busy member dilutes the rate it is tested against); None when
    it called nobody or the others reached nobody counted. The others' distinct recipients
    are not stored; at least the pooled ones it did not call and at least the busiest other
    member's (``other_max``), and that lower bound is used: a higher rate sets a busy line
    aside sooner, the safe side for a training label."""
    others = max(c.recipients - called, other_max)
    if called <= 0 or others <= 0:
        return None
    return called * max(max(c.reports, c.reporters) - own, 0) / others


def _too_few(own: int, expected: float, cfg: LabelConfig) -> bool:
    """The member drew so few reports of its own that a member reported at the campaign's rate
    would draw that few less often than exp(-campaign_member_expected_reports) (5 % at the
    default 3.0: none when 3 are expected, at most one at 4.74, two at 6.3): Poisson's
    P(X <= own) at ``expected``. One report of its own (a parent's, a mistaken one) no longer
    skips the test."""
    term = total = math.exp(-expected)
    for i in range(1, own + 1):
        term *= expected / i
        total += term
    return total <= math.exp(-cfg.campaign_member_expected_reports)


def _condemned(fb: Feedback, cfg: LabelConfig) -> dict[str, dict[str, object]]:
    """Each campaign whose pooled reports reach the campaign bar: its label, category and
    evidence."""
    members = Counter(v.campaign for v in fb.verdicts.values() if v.campaign)
    # the community's weighted bar, the campaign's reporters and rate per recipient
    bar = replace(
        cfg.reputation,
        min_distinct_reporters=cfg.campaign_min_reporters,
        min_share_of_recipients=cfg.campaign_min_report_rate,
    )
    out: dict[str, dict[str, object]] = {}
    for cid, c in fb.campaigns.items():
        if c.reported_members < cfg.campaign_min_members or not meets_community_bar(
            c.weighted, c.reporters, c.recipients, bar
        ):
            continue
        top = top_category(c.categories)
        if c.categories.get(top, 0.0) < 0.5 * c.weighted:
            top = ""  # one categorised report among uncategorised ones (SIP 607) decides nothing
        label, category = _bad_label(top)
        out[cid] = {
            "label": label,
            "category": category,
            "campaign": cid,
            "members": members.get(cid, 0),
            "reported_members": c.reported_members,
            "reporters": c.reporters,
            "reports": max(c.reports, c.reporters),
            "weighted": round(c.weighted, 3),
            "recipients": c.recipients,
            "top_category": top,
        }
    return out


def training_labels(fb: Feedback, cfg: LabelConfig = LabelConfig()) -> list[TrainingLabel]:
    """One label per number the store knows something about, sorted by number (module
    docstring); numbers with nothing to say are left out."""
    condemned = _condemned(fb, cfg)
    members: dict[str, list[tuple[int, str]]] = {}
    for n, v in fb.verdicts.items():
        if v.campaign in condemned:
            members.setdefault(v.campaign, []).append((fb.recipients.get(n, 0), n))
    # each condemned campaign's two busiest members (recipients, number): the busiest other
    busiest = {cid: tuple(sorted(ms, reverse=True)[:2]) for cid, ms in members.items()}
    screened = (n for n, s in fb.screenings.items() if _screened_bot(s, cfg))
    numbers = sorted({*fb.reports, *fb.verdicts, *fb.registry.exact, *screened})
    return [t for n in numbers if (t := _label_one(n, fb, cfg, condemned, busiest)) is not None]


def label_counts(rows: list[TrainingLabel]) -> dict[tuple[str, str], int]:
    """Rows per (label, source), sorted: what the CLI prints."""
    return dict(sorted(Counter((t.label, t.source) for t in rows).items()))

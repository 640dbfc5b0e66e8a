"""Subscriber reports turned into a community verdict, resistant to mass reporting.

A report only reaches this module after the store has checked that the reporter really
received a call from the number recently, that it is the reporter's only vote on that number,
and that the reporter is within the rate limit. Here it is *weighed*:

* a reporter's weight grows with past reports that the detectors or operators confirmed and
  shrinks fast with reports that were refuted (the number was cleared on appeal or judged
  benign); a new reporter starts low;
* a number is labelled by the community only when the weighted reports are both large in
  absolute terms and a real share of the people it called: a courier that rang 2,000 people
  is not flipped by 60 accounts that each got one call;
* a community verdict only ever *labels* (``policy.decide`` never rejects on it), and never
  overrides a registered business or a number cleared on appeal.
"""

from __future__ import annotations

from dataclasses import dataclass

from callwarden.policy.model import Reason, Verdict
from callwarden.policy.render import REPORTABLE_CATEGORIES


@dataclass(frozen=True, slots=True)
class ReputationConfig:
    new_reporter_weight: float = 0.3
    refuted_penalty: float = 3.0  # one refuted report costs as much as three confirmed ones earn
    min_weighted_reports: float = 3.0
    min_distinct_reporters: int = 3
    min_share_of_recipients: float = 0.05  # weighted reports per distinct recipient
    recent_call_days: int = 7  # a report needs a call received within this many days
    max_reports_per_day: int = 20  # per reporter

    @property
    def tally_days(self) -> int:
        """The live tally's window: reports and recipients over four times the report
        window (28 days), so an old mass report cannot label a courier once its calls slow."""
        return 4 * self.recent_call_days


DEFAULT_REPUTATION = ReputationConfig()
_SLACK = 1e-9  # rounding of summed weights, far below any weight's step


@dataclass(frozen=True, slots=True)
class ReporterHistory:
    confirmed: int = 0  # earlier reports on numbers now judged harassment/fraud
    refuted: int = 0  # earlier reports on numbers now benign or cleared on appeal


@dataclass(frozen=True, slots=True)
class Tally:
    """The reports standing against one number."""

    number: str
    weighted: float
    reporters: int
    recipients: int  # distinct subscribers who received a call from the number recently
    top_category: str = ""


def reporter_weight(history: ReporterHistory, cfg: ReputationConfig = DEFAULT_REPUTATION) -> float:
    """Weight in (0, 1]: new reporters ``new_reporter_weight``; history moves it up or down."""
    w = (cfg.new_reporter_weight + history.confirmed) / (
        1.0 + history.confirmed + cfg.refuted_penalty * history.refuted
    )
    return max(0.01, min(1.0, w))


def meets_community_bar(
    weighted: float, reporters: int, recipients: int, cfg: ReputationConfig = DEFAULT_REPUTATION
) -> bool:
    """Whether reports are enough for a community label: weighted reports, distinct reporters
    and weighted reports per distinct recipient at least the config's bars. The one
    definition: the live label (``community_verdict``) and the training labels
    (``detect.feedback_labels``) both ask it."""
    share = weighted / max(recipients, 1)
    # (a sum of weights in floating point: ten reports of 0.3 add up to 2.9999999999999996)
    return (
        weighted >= cfg.min_weighted_reports - _SLACK
        and reporters >= cfg.min_distinct_reporters
        and share >= cfg.min_share_of_recipients - _SLACK
    )


def community_verdict(
    tally: Tally,
    current: Verdict | None,
    cfg: ReputationConfig = DEFAULT_REPUTATION,
) -> Verdict | None:
    """The verdict the reports justify, or None when they do not (or must not) change anything.

    Only numbers the detectors left unlabelled (no verdict, or benign) can be labelled by the
    community; protected numbers never are.
    """
    if current is not None and (current.protected or current.label != "benign"):
        return None
    if not meets_community_bar(tally.weighted, tally.reporters, tally.recipients, cfg):
        return None
    score = min(0.99, 0.5 + tally.weighted / max(tally.recipients, 1))
    # The category becomes the tag other subscribers see (疑似...): only one callwarden can
    # name, never a reporter's own text (reports stored before categories were checked).
    category = tally.top_category if tally.top_category in REPORTABLE_CATEGORIES else ""
    return Verdict(
        number=tally.number,
        label="harassment",
        score=round(score, 4),
        category=category,
        reasons=(
            Reason(
                "community_reports",
                {
                    "weighted_reports": round(tally.weighted, 2),
                    "reporters": tally.reporters,
                    "recipients": tally.recipients,
                },
            ),
        ),
        source="reports",
    )

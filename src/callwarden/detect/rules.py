"""Hard-signal rules and how they combine with the model.

Combination (documented in ``docs/detection.md``):

1. The model scores every number; it is flagged when its score reaches the model's
   threshold (chosen for the target precision).
2. A hard rule can only *add* a flag, never lift one: a number a rule fires on is flagged
   whatever the model says, its score is raised to at least the rule's floor, and the rule's
   reason is put first.
3. The label of a rule-flagged number is the model's likeliest non-benign class
   (harassment or fraud); the model still explains it with its own reasons after the rule's.

Rules:

- ``UNALLOCATED_CALLER``: the displayed number is not in the allocation registry. Such a
  number belongs to nobody, so no legitimate subscriber can be blocked by flagging it
  (callback validity, 回拨验证). Needs ``--registry``; a number that placed fewer than
  ``min_attempts`` calls is left to the model (one stray misdialled record is not a spoof).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callwarden.detect.reasons import Reason, RuleCode


@dataclass(frozen=True)
class RuleConfig:
    unallocated_min_attempts: int = 1
    score_floor: float = 0.999


@dataclass(frozen=True)
class RuleHits:
    """Per row: which rule fired (None where none did) and its reason."""

    fired: np.ndarray  # bool
    reasons: list[Reason | None]


def apply_rules(
    feature_names: tuple[str, ...], X: np.ndarray, config: RuleConfig = RuleConfig()
) -> RuleHits:
    """Evaluate the hard rules on a feature matrix (rows are numbers)."""
    n = len(X)
    fired = np.zeros(n, dtype=bool)
    reasons: list[Reason | None] = [None] * n
    names = list(feature_names)
    if "unallocated_by_caller_1d" in names and "attempts_by_caller_1d" in names:
        un = X[:, names.index("unallocated_by_caller_1d")]
        att = X[:, names.index("attempts_by_caller_1d")]
        hit = (un == 1) & (att >= config.unallocated_min_attempts)
        for i in np.flatnonzero(hit):
            reasons[i] = Reason(
                RuleCode.UNALLOCATED_CALLER.value,
                {"unallocated_by_caller_1d": 1, "attempts_by_caller_1d": int(att[i])},
                source="rule",
            )
        fired |= hit
    return RuleHits(fired, reasons)

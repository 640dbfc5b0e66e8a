"""Choosing the score above which a number is flagged.

A false block is the costliest error (design.md), so the default chooses the lowest score
threshold whose precision on held-out (out-of-fold) scores reaches a target, 99.9% unless
told otherwise; ``best_f1`` serves tables where the cost of both errors is alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Objective(StrEnum):
    """What the threshold is chosen for."""

    PRECISION = "precision"
    F1 = "f1"


@dataclass(frozen=True)
class Threshold:
    """A chosen threshold and what it achieved on the scores it was chosen from."""

    value: float
    objective: Objective
    target_precision: float | None
    precision: float
    recall: float
    reached_target: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "objective": self.objective.value,
            "target_precision": self.target_precision,
            "precision": self.precision,
            "recall": self.recall,
            "reached_target": self.reached_target,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Threshold:
        return cls(
            value=float(d["value"]),  # type: ignore[arg-type]
            objective=Objective(str(d["objective"])),
            target_precision=None
            if d.get("target_precision") is None
            else float(d["target_precision"]),  # type: ignore[arg-type]
            precision=float(d["precision"]),  # type: ignore[arg-type]
            recall=float(d["recall"]),  # type: ignore[arg-type]
            reached_target=bool(d["reached_target"]),
        )


def _counts(scores: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct thresholds (descending) with true and false positives of ``score >= t``."""
    order = np.argsort(-scores, kind="stable")
    s, p = scores[order], positive[order].astype(np.int64)
    tp, fp = np.cumsum(p), np.cumsum(1 - p)
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]  # last index of each score
    return s[last], tp[last], fp[last]


def _curve(scores: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct thresholds (descending) with precision and recall of ``score >= t``."""
    thr, tp, fp = _counts(scores, positive)
    return thr, tp / (tp + fp), tp / max(int(positive.sum()), 1)


def for_precision(scores: np.ndarray, positive: np.ndarray, target: float) -> Threshold:
    """The lowest threshold whose precision is at least ``target`` (most recall at it).

    When no threshold reaches the target, the one with the highest precision is returned
    and ``reached_target`` is False: the caller must say so rather than hide it.
    """
    if not len(scores) or not positive.any():
        return Threshold(1.0, Objective.PRECISION, target, 0.0, 0.0, False)
    thr, prec, rec = _curve(scores, positive)
    ok = np.flatnonzero(prec >= target)
    if len(ok):
        i = int(ok[-1])  # the lowest threshold (most recall) that keeps the target
        return Threshold(
            float(thr[i]), Objective.PRECISION, target, float(prec[i]), float(rec[i]), True
        )
    i = int(np.argmax(prec))
    return Threshold(
        float(thr[i]), Objective.PRECISION, target, float(prec[i]), float(rec[i]), False
    )


def for_f1(scores: np.ndarray, positive: np.ndarray) -> Threshold:
    """The threshold that maximises macro-F1 of flagged vs benign (mean of both classes' F1)."""
    if not len(scores) or not positive.any():
        return Threshold(0.5, Objective.F1, None, 0.0, 0.0, False)
    thr, tp, fp = _counts(scores, positive)
    pos, neg = int(positive.sum()), int((~positive).sum())
    fn, tn = pos - tp, neg - fp
    prec, rec = tp / (tp + fp), tp / pos
    f1_pos = 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12)
    f1_neg = 2 * tn / np.maximum(2 * tn + fp + fn, 1e-12)
    i = int(np.argmax(f1_pos + f1_neg))
    # Midpoint to the next lower score generalises better than the exact training score.
    t = float(thr[i]) if i + 1 >= len(thr) else float((thr[i] + thr[i + 1]) / 2)
    return Threshold(t, Objective.F1, None, float(prec[i]), float(rec[i]), True)

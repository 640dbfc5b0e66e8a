"""Detection metrics: per-class precision, recall and F1, confusion matrix, flagged-vs-benign.

Pure NumPy over class codes; the CLI joins verdicts with labels and calls these.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    """Precision, recall and F1; None where undefined (audit 25 L1: a day with nothing
    flagged has no precision, one with no bad number no recall; 0.0 read as a failure).
    F1 is 2tp / (2tp + fp + fn), defined whenever either of the two is (0 when nothing
    found was right or nothing right was found)."""
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    f = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return {"precision": p, "recall": r, "f1": f}


def fmt(x: float | None, spec: str = ".4f") -> str:
    """A figure as printed: ``n/a`` where it is undefined (None)."""
    return "n/a" if x is None else format(x, spec)


def confusion(truth: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts[t, p]: rows are true classes, columns predicted ones."""
    return np.bincount(truth * n_classes + pred, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes
    )


def classification_report(
    truth: np.ndarray, pred: np.ndarray, classes: tuple[str, ...] | list[str]
) -> dict[str, Any]:
    """Per-class P/R/F1 with support, macro-F1, the confusion matrix, and "flagged":
    every non-benign class (code > 0) pooled against benign (code 0)."""
    k = len(classes)
    cm = confusion(truth.astype(np.int64), pred.astype(np.int64), k)
    per_class: dict[str, dict[str, Any]] = {}
    for i, c in enumerate(classes):
        tp = int(cm[i, i])
        rep: dict[str, Any] = _prf(tp, int(cm[:, i].sum()) - tp, int(cm[i, :].sum()) - tp)
        rep["support"] = int(cm[i, :].sum())
        per_class[c] = rep
    # Classes in the truth or in the predictions (as scikit-learn's default): a class only
    # predicted, never true, is all false positives (F1 0) and must weigh in the mean.
    present = [
        c for i, c in enumerate(classes) if per_class[c]["support"] > 0 or cm[:, i].sum() > 0
    ]
    # (a present class has support or predictions, so its F1 is defined)
    macro = float(np.mean([per_class[c]["f1"] or 0.0 for c in present])) if present else 0.0
    t_bad, p_bad = truth > 0, pred > 0
    flagged: dict[str, Any] = _prf(
        int((t_bad & p_bad).sum()), int((~t_bad & p_bad).sum()), int((t_bad & ~p_bad).sum())
    )
    flagged["support"] = int(t_bad.sum())
    flagged["false_positive_rate"] = float((~t_bad & p_bad).sum() / max(int((~t_bad).sum()), 1))
    return {
        "per_class": per_class,
        "macro_f1": macro,
        "flagged_vs_benign": flagged,
        "confusion_matrix": {"labels": list(classes), "counts": cm.tolist()},
        "accuracy": float((truth == pred).mean()) if len(truth) else 0.0,
    }


def average_precision(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the precision-recall curve (step-wise, as scikit-learn computes it)."""
    if not positive.any():
        return 0.0
    order = np.argsort(-scores, kind="stable")
    s, p = scores[order], positive[order].astype(np.int64)
    tp, fp = np.cumsum(p), np.cumsum(1 - p)
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), len(s) - 1]
    prec, rec = tp[last] / (tp[last] + fp[last]), tp[last] / p.sum()
    return float(np.sum(np.diff(np.r_[0.0, rec]) * prec))


def flag_rate(flagged: np.ndarray) -> dict[str, float | int | None]:
    """How many of a population were flagged (e.g. legitimate heavy callers); the rate is
    None for an empty population (nothing was measured: not a 0 % rate)."""
    n = int(len(flagged))
    k = int(np.sum(flagged))
    return {"population": n, "flagged": k, "rate": (k / n) if n else None}


#: Names a label file may give a kind that screening's categories name otherwise (the
#: simulator's fraud kinds), so that agreement compares kinds, not spellings.
CATEGORY_ALIASES: dict[str, str] = {
    "refund_scam": "fake_customer_service",
    "loan_scam": "loan_fraud",
}


def category_agreement(
    predicted: list[str], truth: list[str], flagged_rightly: np.ndarray
) -> dict[str, Any]:
    """Of the rightly flagged numbers (bad and flagged), how many carry a category and how
    many carry the label file's (``CATEGORY_ALIASES`` applied to the truth); per true
    category, the same counts. A category is what a subscriber's tag and refused
    categories read, so a wrong one misleads as much as a missing one."""
    rows = [
        (CATEGORY_ALIASES.get(t, t), p)
        for p, t, f in zip(predicted, truth, flagged_rightly, strict=True)
        if f and t
    ]
    per: dict[str, dict[str, int]] = {}
    for t, p in rows:
        c = per.setdefault(t, {"numbers": 0, "with_category": 0, "agree": 0})
        c["numbers"] += 1
        c["with_category"] += bool(p)
        c["agree"] += p == t
    return {
        "flagged_with_true_category": len(rows),
        "with_category": sum(bool(p) for _, p in rows),
        "agree": sum(p == t for t, p in rows),
        "per_true_category": dict(sorted(per.items())),
        "aliases": CATEGORY_ALIASES,
    }

"""Per-class offsets added to a linear model's decision scores, learnt on out-of-fold scores.

Where several classes overlap in meaning (the bank / platform kinds of the teleantifraud
dialogues), an SVM's argmax under-predicts the most diffuse class (phishing) and macro-F1
pays for it. Shifting each class's score by a constant trades a little precision of the
classes it takes from for recall of the starved one. Two rules:

- ``count``: offsets that make each class predicted as often as it occurs;
- ``f1``: coordinate search on a grid for the offsets of the best macro-F1.

``choose_rule`` decides between none, ``count`` and ``f1`` by cross-fitting on the
out-of-fold scores of the training rows (fit the offsets on one half, score the other, and
the reverse): offsets are used only where they help rows they were not fitted on. Its score
is also what picks the SVM's C (textmodel), so C and offsets are chosen together. Nothing
here sees a text being scored. Pure functions: arrays in, arrays out.
"""

from __future__ import annotations

import numpy as np

RULES = ("none", "count", "f1")
GRID = np.round(np.arange(-0.4, 0.401, 0.02), 2)
COUNT_STEP = 0.01
COUNT_ROUNDS = 200
F1_ROUNDS = 3


def macro_f1(y: np.ndarray, pred: np.ndarray, n_classes: int) -> float:
    """Macro-F1 over classes ``0..n_classes-1`` present in ``y`` (integer labels)."""
    tp = np.bincount(y[y == pred], minlength=n_classes).astype(float)
    true = np.bincount(y, minlength=n_classes).astype(float)
    predicted = np.bincount(pred, minlength=n_classes).astype(float)
    denom = true + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros(n_classes), where=denom > 0)
    return float(f1[true > 0].mean())


def fit_offsets(scores: np.ndarray, y: np.ndarray, rule: str) -> np.ndarray:
    """Offsets (one per column of ``scores``) by ``rule``; ``y`` holds column indices."""
    k = scores.shape[1]
    b = np.zeros(k)
    if rule == "none":
        return b
    if rule == "count":
        target = np.bincount(y, minlength=k)
        for _ in range(COUNT_ROUNDS):
            got = np.bincount((scores + b).argmax(axis=1), minlength=k)
            if np.array_equal(got, target):
                break
            b += COUNT_STEP * np.sign(target - got)
        return b
    if rule != "f1":
        raise ValueError(f"offset rule must be one of {RULES}, not {rule!r}")
    best = macro_f1(y, scores.argmax(axis=1), k)
    for _ in range(F1_ROUNDS):
        improved = False
        for c in range(k):
            for g in GRID:
                trial = b.copy()
                trial[c] = g
                s = macro_f1(y, (scores + trial).argmax(axis=1), k)
                if s > best + 1e-9:  # a change must raise the score
                    best, b, improved = s, trial, True
        if not improved:
            break
    return b


def choose_rule(scores: np.ndarray, y: np.ndarray, seed: int = 0) -> tuple[str, float]:
    """The rule whose offsets, fitted on one half of the rows, score best on the other half
    (two-way cross-fit, stratified by class, mean macro-F1), and that score; ties go to the
    simpler rule (``none`` before ``count`` before ``f1``). The score is what the text model
    compares across SVM C values, so C and offsets are chosen together."""
    k = scores.shape[1]
    rng = np.random.default_rng(seed)
    half = np.zeros(len(y), dtype=bool)
    for c in range(k):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        half[idx[: len(idx) // 2]] = True
    best_rule, best = "none", -1.0
    for rule in RULES:
        s = 0.0
        for fit_rows in (half, ~half):
            b = fit_offsets(scores[fit_rows], y[fit_rows], rule)
            test = ~fit_rows
            s += macro_f1(y[test], (scores[test] + b).argmax(axis=1), k) / 2
        if s > best + 1e-9:
            best_rule, best = rule, s
    return best_rule, best

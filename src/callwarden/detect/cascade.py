"""Scan's activity cascade: numbers with too little activity are not scored by the model.

Most numbers that place calls on a day place one to four; the model never flags one of them
(the lowest-activity number it flags, out of fold on the training seed and on the
evaluation seed, placed five calls: see ``docs/detection.md``). Scoring the 2.6 million
callers of a 10-million-call day through 900 trees cost more than the features did, so:

1. The feature query (``build_query(min_attempts=...)``) computes features only for *scored*
   numbers: at least ``MIN_ATTEMPTS`` calls on the day, or an unallocated displayed number.
2. Hard-signal rules still run on every number (their inputs, attempts and the registry
   flag, are present on every row). A rule hit is always a scored number by construction,
   so it gets the model's label and reasons as without the cascade.
3. The other numbers are ``benign`` with score 0.0 and no reasons ("insufficient
   activity"); ``ScanResult.meta["not_scored"]`` counts them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.detect.model import TrainedModel
from callwarden.detect.reasons import Reason
from callwarden.detect.rules import RuleConfig, apply_rules
from callwarden.detect.verdicts import ScanResult, score_numbers

#: Fewest calls on the day for the model to score a number (see the module docstring).
MIN_ATTEMPTS = 5


def matrix(table: pa.Table, names: tuple[str, ...]) -> np.ndarray:
    """The float64 feature matrix of ``table`` in the order ``names`` (NULL -> NaN).

    Columns are written as contiguous rows of the transpose, then copied once into row
    order (writing strided columns straight into a row-major matrix cost ~1 s on 573 k rows).
    """
    T = np.empty((len(names), table.num_rows), dtype=np.float64)
    for j, n in enumerate(names):
        T[j] = pc.cast(table[n], pa.float64()).to_numpy(zero_copy_only=False)
    return np.ascontiguousarray(T.T)


def scan_table(
    model: TrainedModel, table: pa.Table, rules: RuleConfig | None = RuleConfig()
) -> ScanResult:
    """Verdicts for a feature table; with a ``scored`` column, the cascade applies.

    ``table`` has ``number`` and the model's features; rows whose ``scored`` is false get
    no model score (benign, 0.0) unless a hard rule fires on them.
    """
    numbers = table["number"].to_numpy(zero_copy_only=False)
    if "scored" not in table.column_names:
        return score_numbers(model, numbers, matrix(table, model.feature_names), rules=rules)
    scored = table["scored"].to_numpy(zero_copy_only=False).astype(bool)
    if rules is not None:
        # Rules run on every number; any hit is scored (the query makes unallocated
        # numbers scored, so this only guards other rule inputs).
        cols = tuple(n for n in ("unallocated_by_caller_1d", "attempts_by_caller_1d")
                     if n in table.column_names)  # fmt: skip
        hits = apply_rules(cols, matrix(table, cols), rules)
        scored = scored | hits.fired
    rows = np.flatnonzero(scored)
    # The feature query lists scored numbers first: then they are a zero-copy slice.
    first = len(rows) == 0 or rows[-1] == len(rows) - 1
    part = score_numbers(
        model,
        numbers[rows],
        matrix(table.slice(0, len(rows)) if first else table.take(pa.array(rows)),
               model.feature_names),
        rules=rules,
    )  # fmt: skip
    n = len(numbers)
    labels = np.full(n, "benign", dtype=object)
    scores = np.zeros(n)
    labels[rows], scores[rows] = part.labels, part.scores
    # One shared empty list for the numbers without reasons (read-only; millions of rows).
    none: list[Reason] = []
    reasons = [none] * n
    for i, rs in zip(rows, part.reasons, strict=True):
        reasons[i] = rs
    # Verdicts in number order (the numbers' digits as integers, as the feature query sorts).
    digits = pc.utf8_slice_codeunits(table["number"], 1)
    order = np.argsort(pc.cast(digits, pa.int64()).to_numpy(), kind="stable")
    return ScanResult(
        numbers=np.asarray(numbers, dtype=object)[order],
        labels=labels[order],
        scores=scores[order],
        categories=np.full(n, "", dtype=object),
        reasons=[reasons[i] for i in order],
        campaigns=np.full(n, "", dtype=object),
        threshold=part.threshold,
        meta={**part.meta, "not_scored": int(n - len(rows))},
    )

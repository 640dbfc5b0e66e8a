"""Scan's activity cascade: numbers with too little activity are not scored by the model.

Most numbers that place calls on a day place one to four; on one day of CDRs the model never
flags one of them (the lowest-activity number it flags, out of fold on the training seed and
on the evaluation seed, placed five calls: see ``docs/detection.md``). With history, though,
a number's 7-day features can flag it on a day it places one call (a robocaller busy
yesterday), so the count is taken over the window the features read. Scoring the 2.6
million callers of a 10-million-call day through 900 trees cost more than the features did,
so:

1. The feature query (``build_query(min_attempts=...)``) computes features only for *scored*
   numbers: at least ``MIN_ATTEMPTS`` calls in the as-of day's window (the day and the six
   before it that the CDRs hold; one day of CDRs: the day), or an unallocated displayed
   number.
2. Hard-signal rules still run on every number (their inputs, attempts and the registry
   flag, are present on every row). A rule hit is always a scored number by construction,
   so it gets the model's label and reasons as without the cascade.
3. The other numbers are ``benign`` with score 0.0 and no reasons ("insufficient
   activity"; ``scan --explain-benign`` gives them ``NOT_SCORED_LOW_ACTIVITY``);
   ``ScanResult.meta["not_scored"]`` counts them.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.detect.model import TrainedModel
from callwarden.detect.reasons import Reason, ScanCode
from callwarden.detect.rules import RuleConfig, apply_rules
from callwarden.detect.verdicts import (
    Decided,
    Label,
    ScanResult,
    Scored,
    benign_reasons,
    decide,
    explain,
    filled,
    score_numbers,
    score_rows,
)

#: Fewest calls in the as-of day's window for the model to score a number (see the module
#: docstring).
MIN_ATTEMPTS = 5


#: Rows scored per block. The block's feature matrix (about 20 MB at 80 features) is reused
#: from block to block: one matrix of all 573 k scored rows of the 10 M-CDR day (380 MB,
#: plus as much again for its column-major staging) cost 0.5-1 s of fresh-page faults alone.
BLOCK_ROWS = 32_768


def matrix(table: pa.Table, names: tuple[str, ...]) -> np.ndarray:
    """The float64 feature matrix of ``table`` in the order ``names`` (NULL -> NaN).

    Columns are written as contiguous rows of the transpose, then copied once into row
    order (writing strided columns straight into a row-major matrix cost ~1 s on 573 k rows).
    """
    T = np.empty((len(names), table.num_rows), dtype=np.float64)
    _fill(T, table, names)
    return np.ascontiguousarray(T.T)


def _fill(T: np.ndarray, table: pa.Table, names: tuple[str, ...]) -> None:
    for j, n in enumerate(names):
        T[j] = pc.cast(table[n], pa.float64()).to_numpy(zero_copy_only=False)


def score_blocks(
    model: TrainedModel,
    table: pa.Table,
    rules: RuleConfig | None,
    block: int = BLOCK_ROWS,
    explain_benign: bool = False,
) -> Scored:
    """``score_rows`` over ``table``'s feature columns, deciding ``block`` rows at a time;
    the flagged rows are then explained together (one ``pred_contrib`` call). With
    ``explain_benign`` each block's benign rows are explained in the block (their matrix
    is the reused buffer, and they are most rows).

    With ``model.predict_threads`` > 1 the blocks are shared out among that many threads,
    each with its own buffers, filling its matrix and walking the trees single-threaded
    (Arrow's casts, NumPy's copy and the compiled trees all run without the GIL).
    """
    names = model.feature_names
    b = max(1, min(block, table.num_rows))
    threads = max(1, model.predict_threads)
    single = dataclasses.replace(model, predict_threads=1)
    local = threading.local()

    def run(start: int) -> tuple[Decided, np.ndarray, list[list[Reason]]]:
        if not hasattr(local, "X"):
            local.T = np.empty((len(names), b), dtype=np.float64)  # staging, column-major
            local.X = np.empty((b, len(names)), dtype=np.float64)  # the trees read rows
        part = table.slice(start, b)
        k = part.num_rows
        _fill(local.T[:, :k], part, names)
        X = local.X[:k]
        np.copyto(X, local.T[:, :k].T)
        d = decide(single, X, rules)
        ok = ~d.flagged
        why = benign_reasons(single, X[ok], d.worst[ok], d.scores[ok]) if explain_benign else []
        return d, X[d.flagged], why  # the flagged rows are copied out of the reused buffer

    starts = range(0, table.num_rows, b)
    if threads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(min(threads, len(starts))) as pool:
            done = list(pool.map(run, starts))
    else:
        done = [run(s) for s in starts]
    if not done:
        return score_rows(model, np.empty((0, len(names))), rules=rules)
    parts = [d for d, _, _ in done]
    whole = Decided(
        scores=np.concatenate([p.scores for p in parts]),
        worst=np.concatenate([p.worst for p in parts]),
        flagged=np.concatenate([p.flagged for p in parts]),
        rule_reasons=[r for p in parts for r in p.rule_reasons],
        rule_hits=sum(p.rule_hits for p in parts),
    )
    benign = [rs for _, _, why in done for rs in why] if explain_benign else None
    return explain(model, whole, np.concatenate([x for _, x, _ in done]), benign=benign)


def number_order(table: pa.Table) -> np.ndarray:
    """Row order that sorts ``table`` by number: its ``number_key`` column when it has one
    (``compute_features(ordered=False)``), else the numbers' digits as integers."""
    if "number_key" in table.column_names:
        keys = table["number_key"].to_numpy()
    else:
        digits = pc.utf8_slice_codeunits(table["number"], 1)
        keys = pc.cast(digits, pa.int64()).to_numpy()
    # Numbers are unique, so an unstable sort (several times faster) gives the same order;
    # should keys repeat, the stable one keeps the tie order defined.
    order = np.argsort(keys)
    if len(keys) > 1 and not (np.diff(keys[order]) > 0).all():
        order = np.argsort(keys, kind="stable")
    return order


def scan_table(
    model: TrainedModel,
    table: pa.Table,
    rules: RuleConfig | None = RuleConfig(),
    explain_benign: bool = False,
    min_attempts: int = MIN_ATTEMPTS,
) -> ScanResult:
    """Verdicts for a feature table; with a ``scored`` column, the cascade applies and the
    verdicts come in number order (without it, in the table's order).

    ``table`` has ``number`` and the model's features; rows whose ``scored`` is false get
    no model score (benign, 0.0) unless a hard rule fires on them. With ``explain_benign``
    every verdict carries reasons: a scored benign number the features that kept it benign
    (``verdicts.benign_reasons``), an unscored one ``NOT_SCORED_LOW_ACTIVITY`` with its
    calls of the day and ``min_attempts`` (the cascade's bar) as evidence.
    """
    if "scored" not in table.column_names:
        numbers = table["number"].to_numpy(zero_copy_only=False)
        X = matrix(table, model.feature_names)
        return score_numbers(model, numbers, X, rules=rules, explain_benign=explain_benign)
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
    part = score_blocks(
        model,
        table.slice(0, len(rows)) if first else table.take(pa.array(rows)),
        rules,
        explain_benign=explain_benign,
    )
    # Everything below is written straight into number order: ``at`` is where each scored
    # row lands. Only flagged rows carry reasons (every scored row with explain_benign), so
    # only they are visited one by one.
    n = table.num_rows
    order = number_order(table)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    at = rank[rows]
    labels = filled(n, Label.BENIGN.value)
    labels[at] = part.labels
    scores = np.zeros(n)
    scores[at] = part.scores
    # One shared empty list for the numbers without reasons (read-only; millions of rows).
    none: list[Reason] = []
    reasons = [none] * n
    for i in np.flatnonzero(part.flagged) if not explain_benign else range(len(rows)):
        reasons[at[i]] = part.reasons[i]
    if explain_benign and len(rows) < n:
        reasons = _not_scored_reasons(table, scored, rank, reasons, min_attempts)
    return ScanResult(
        numbers=table["number"].take(pa.array(order)).to_numpy(zero_copy_only=False),
        labels=labels,
        scores=scores,
        categories=filled(n, ""),
        reasons=reasons,
        campaigns=filled(n, ""),
        threshold=model.threshold.value,
        meta={"rule_hits": part.rule_hits, "not_scored": int(n - len(rows))},
        scored=scored[order],
    )


def _not_scored_reasons(
    table: pa.Table,
    scored: np.ndarray,
    rank: np.ndarray,
    reasons: list[list[Reason]],
    min_attempts: int,
) -> list[list[Reason]]:
    """``reasons`` (in number order) with ``NOT_SCORED_LOW_ACTIVITY`` for every number the
    cascade left unscored: its calls of the day, and the bar its window fell short of."""
    calls = (
        pc.fill_null(table["attempts_by_caller_1d"], 0).to_numpy(zero_copy_only=False)
        if "attempts_by_caller_1d" in table.column_names
        else None
    )
    code = ScanCode.NOT_SCORED_LOW_ACTIVITY.value
    # Millions of unscored numbers share a handful of call counts: one reason list per
    # count (read-only, as the shared empty list above), not one object per number.
    shared: dict[int | None, list[Reason]] = {}
    for i in np.flatnonzero(~scored):
        n = int(calls[i]) if calls is not None else None
        if n not in shared:
            evidence: dict[str, int] = {"min_attempts": int(min_attempts)}
            if n is not None:
                evidence = {"attempts_by_caller_1d": n, **evidence}
            shared[n] = [Reason(code, evidence, 0.0, "cascade")]
        reasons[rank[i]] = shared[n]
    return reasons

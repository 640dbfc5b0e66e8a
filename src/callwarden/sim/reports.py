"""Subscriber complaints about a simulated day: who reports which caller, when, and how.

A model of what a carrier's reputation store receives, drawn from the simulator's truth (what
the callee perceived: the caller's label in ``labels.csv``), for measuring the loop "scan,
reports, labels from the store, retrain" (``bench/feedback_loop.py``). Per *answered* call:

* the callee reports the caller with probability ``report_probability`` when the caller is
  a harassment or fraud number, ``benign_report_probability`` otherwise (mistakes and
  malice); unanswered calls are never reported (nobody heard them);
* the report arrives a log-normal delay after the call's release (median
  ``delay_median_s``): the rates and delay are ``evaluate.replay.BaselineConfig``'s, the
  complaint blocklist ``callwarden replay`` compares with;
* a share ``sip607_share`` is relayed by the network as SIP 607 "unwanted" (source
  ``sip607``), which carries no category; the rest come from the subscriber's app (``app``)
  and name the caller's true category with probability ``category_given`` (mapped to a
  category a report may name, ``policy.REPORTABLE_CATEGORIES``; one it cannot name, such as
  a benign caller's ``personal``, is left blank), else blank;
* a subscriber reports a number once (the store keeps one vote per reporter and number):
  of several calls drawn as reported, the earliest report is kept.

Pure and vectorised (Arrow in, Arrow out); the same tables and seed give the same reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.evaluate.replay import UNWANTED, BaselineConfig
from callwarden.policy.render import REPORTABLE_CATEGORIES

_BASE = BaselineConfig()

#: simulator fraud categories (``sim.scenario.FRAUD_CATEGORIES``) a report names by the
#: nearest category callwarden can show; the others are named as they are
REPORT_CATEGORY = {"refund_scam": "impersonation_service", "loan_scam": "loan_fraud"}

SOURCES = ("app", "sip607")

REPORT_SCHEMA = pa.schema(
    [
        ("reporter", pa.string()),  # the callee
        ("number", pa.string()),  # the caller as displayed
        ("at", pa.float64()),  # epoch seconds the report is filed
        ("category", pa.string()),  # "" or one of REPORTABLE_CATEGORIES
        ("source", pa.string()),  # app or sip607
        ("call_id", pa.string()),  # the call reported (its CDR's id; "" without one)
        ("truth", pa.string()),  # the caller's true label (benign, harassment, fraud)
    ]
)


@dataclass(frozen=True)
class ReportConfig:
    report_probability: float = _BASE.report_probability
    benign_report_probability: float = _BASE.benign_report_probability
    delay_median_s: float = _BASE.delay_median_s
    delay_sigma: float = _BASE.delay_sigma
    category_given: float = 0.6  # an app report names the caller's category
    sip607_share: float = 0.3  # reports relayed as SIP 607 (no category)
    seed: int = 0


def simulate_reports(
    cdrs: pa.Table, labels: pa.Table, cfg: ReportConfig = ReportConfig()
) -> pa.Table:
    """The reports (:data:`REPORT_SCHEMA`, in time order) the day's ``cdrs`` draw.

    ``cdrs``: canonical CDR columns ``caller``, ``callee``, ``start_time`` (timestamp or
    epoch seconds), ``answered``, and ``ring_s``, ``duration_s`` (the release is start +
    ring + duration; either missing counts 0), ``call_id`` if there is one. ``labels``:
    ``number``, ``label``, ``category`` as the simulator writes them; a number not listed is
    benign. Calls without a caller or callee, and a callee calling itself, draw nothing."""
    n = cdrs.num_rows
    caller = pc.cast(cdrs["caller"], pa.string())
    callee = pc.cast(cdrs["callee"], pa.string())
    start = _epoch_seconds(cdrs["start_time"])
    release = start + _zeros_for_null(cdrs, "ring_s", n) + _zeros_for_null(cdrs, "duration_s", n)
    answered = pc.fill_null(pc.cast(cdrs["answered"], pa.bool_()), False).to_numpy(
        zero_copy_only=False
    )
    # the caller's truth, by a join on the number (unlisted: benign, no category)
    lab = labels.select(["number", "label", "category"]).cast(
        pa.schema([("number", pa.string()), ("label", pa.string()), ("category", pa.string())])
    )
    idx = pc.index_in(caller, value_set=lab["number"])
    label = pc.fill_null(pc.take(lab["label"], idx), "benign")
    category = pc.fill_null(pc.take(lab["category"], idx), "")
    bad = pc.is_in(label, value_set=pa.array(UNWANTED)).to_numpy(zero_copy_only=False)
    ok = (
        answered
        & pc.is_valid(caller).to_numpy(zero_copy_only=False)
        & pc.is_valid(callee).to_numpy(zero_copy_only=False)
        & pc.fill_null(pc.not_equal(caller, callee), False).to_numpy(zero_copy_only=False)
    )
    # one stream of draws, each over every row in input order (a row's draws do not depend
    # on which other rows are answered)
    rng = np.random.default_rng(cfg.seed)
    u_report = rng.random(n)
    delay = rng.lognormal(np.log(cfg.delay_median_s), cfg.delay_sigma, n)
    u_607 = rng.random(n)
    u_cat = rng.random(n)
    p = np.where(bad, cfg.report_probability, cfg.benign_report_probability)
    chosen = np.flatnonzero(ok & (u_report < p))
    via_607 = u_607[chosen] < cfg.sip607_share
    named = ~via_607 & (u_cat[chosen] < cfg.category_given)
    true_cat = _reportable(pc.take(category, pa.array(chosen)))
    cat = np.where(named, true_cat, "")
    out = pa.table(
        {
            "reporter": pc.take(callee, pa.array(chosen)),
            "number": pc.take(caller, pa.array(chosen)),
            "at": pa.array(release[chosen] + delay[chosen], pa.float64()),
            "category": pa.array(cat.astype(object), pa.string()),
            "source": pa.array(
                np.where(via_607, SOURCES[1], SOURCES[0]).astype(object), pa.string()
            ),
            "call_id": _call_ids(cdrs, chosen),
            "truth": pc.take(label, pa.array(chosen)),
        },
        schema=REPORT_SCHEMA,
    )
    return _first_per_pair(out)


def _epoch_seconds(col: pa.ChunkedArray) -> np.ndarray:
    if pa.types.is_timestamp(col.type):
        us = pc.cast(pc.cast(col, pa.timestamp("us", col.type.tz)), pa.int64())
        return us.to_numpy().astype(np.float64) / 1e6
    return pc.cast(col, pa.float64()).to_numpy()


def _zeros_for_null(t: pa.Table, name: str, n: int) -> np.ndarray:
    if name not in t.column_names:
        return np.zeros(n)
    return pc.fill_null(pc.cast(t[name], pa.float64()), 0.0).to_numpy()


def _call_ids(t: pa.Table, rows: np.ndarray) -> pa.Array:
    if "call_id" not in t.column_names:
        return pa.array([""] * len(rows), pa.string())
    ids = pc.take(pc.cast(t["call_id"], pa.string()), pa.array(rows))
    return pc.fill_null(ids, "").combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids


def _reportable(categories: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The category a report names for each true category ("" when it can name none)."""
    raw = np.asarray(pc.fill_null(categories, "").to_pylist(), dtype=object)
    mapped = np.array([REPORT_CATEGORY.get(c, c) for c in raw], dtype=object)
    return np.where(np.isin(mapped, REPORTABLE_CATEGORIES), mapped, "").astype(object)


def _first_per_pair(t: pa.Table) -> pa.Table:
    """The earliest report of each (reporter, number), all in time order (ties by reporter,
    number: the order does not depend on the CDRs' order)."""
    if t.num_rows == 0:
        return t
    order = pc.sort_indices(
        t, sort_keys=[("at", "ascending"), ("reporter", "ascending"), ("number", "ascending")]
    )
    t = t.take(order)
    pair = pc.binary_join_element_wise(t["reporter"], t["number"], "|")
    codes = pc.dictionary_encode(pair).combine_chunks().indices.to_numpy(zero_copy_only=False)
    _, first = np.unique(codes, return_index=True)  # (codes number pairs as first met)
    keep = np.zeros(t.num_rows, bool)
    keep[first] = True
    return t.filter(pa.array(keep))

"""Measure campaign intelligence against ground truth (simulator labels and call truth).

* ``clustering_scores``: adjusted Rand index between found and true campaigns over the
  harassment numbers that placed calls (an unlinked number is its own cluster).
* ``bridge_scores``: precision and recall of flagged bridged legs against the truth legs of
  harassment/fraud bridges; legitimate AXB platform legs flagged are counted apart.
* ``axb_scores``: privacy-number platforms (ride-hailing, delivery) must not be flagged: not
  as bridges, not as campaign members.
* ``replay_fresh_numbers``: time-ordered replay through :class:`CampaignIndex`, rebuilt from
  earlier calls only every ``rebuild_every_s``; how many calls a fresh rotated number places
  until it is flagged (the flagging call included), and how many benign numbers get flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.campaigns.build import CampaignConfig, CampaignResult, build_campaigns
from callwarden.campaigns.index import CampaignIndex, IndexConfig

AXB_CATEGORIES = ("ride_hailing", "food_delivery", "delivery", "axb")


def _col(t: pa.Table, name: str) -> list[Any]:
    return t.column(name).to_pylist() if name in t.column_names else [None] * t.num_rows


def clustering_scores(
    result: CampaignResult, labels: pa.Table, callers: Iterable[str]
) -> dict[str, float]:
    """ARI (and homogeneity/completeness) over harassment numbers seen as callers."""
    from sklearn.metrics import adjusted_rand_score, completeness_score, homogeneity_score

    present = set(callers)
    truth: list[str] = []
    found: list[str] = []
    for num, lab, camp in zip(
        _col(labels, "number"), _col(labels, "label"), _col(labels, "campaign"), strict=True
    ):
        if lab != "harassment" or num not in present:
            continue
        truth.append(camp or f"solo:{num}")
        found.append(result.number_campaign.get(num, f"solo:{num}"))
    if not truth:
        return {"numbers": 0, "ari": float("nan")}
    linked = sum(1 for f in found if not f.startswith("solo:"))
    benign_linked = sum(
        1
        for num, lab in zip(_col(labels, "number"), _col(labels, "label"), strict=True)
        if lab == "benign" and num in result.number_campaign
    )
    return {
        "numbers": len(truth),
        "true_campaigns": len(set(truth)),
        "found_campaigns": len({f for f in found if not f.startswith("solo:")}),
        "linked_share": round(linked / len(truth), 4),
        "ari": round(float(adjusted_rand_score(truth, found)), 4),
        "homogeneity": round(float(homogeneity_score(truth, found)), 4),
        "completeness": round(float(completeness_score(truth, found)), 4),
        "benign_numbers_in_campaigns": benign_linked,
    }


def _truth_legs(call_truth: pa.Table) -> tuple[set[str], set[str]]:
    """(bridged legs of harassment/fraud bridges, legs of legitimate AXB bridges)."""
    has = pc.is_valid(call_truth["bridge_id"])
    if pa.types.is_integer(call_truth.schema.field("bridge_id").type):
        has = pc.and_(has, pc.greater_equal(call_truth["bridge_id"], 0))
    elif pa.types.is_string(call_truth.schema.field("bridge_id").type):
        has = pc.and_(has, pc.not_equal(call_truth["bridge_id"], ""))
    t = call_truth.filter(has)
    bad: set[str] = set()
    legit: set[str] = set()
    for cid, lab in zip(_col(t, "call_id"), _col(t, "label"), strict=True):
        (legit if lab == "benign" else bad).add(cid)
    return bad, legit


def bridge_scores(result: CampaignResult, call_truth: pa.Table) -> dict[str, float]:
    flagged = set(result.bridged["call_id"].to_pylist())
    bad, legit = _truth_legs(call_truth)
    tp = len(flagged & bad)
    return {
        "truth_legs": len(bad),
        "flagged_legs": len(flagged),
        "precision": round(tp / len(flagged), 4) if flagged else float("nan"),
        "recall": round(tp / len(bad), 4) if bad else float("nan"),
        "axb_legs_flagged": len(flagged & legit),
    }


def axb_scores(
    result: CampaignResult, labels: pa.Table, call_truth: pa.Table | None = None
) -> dict[str, int]:
    """Legitimate privacy-number platforms: numbers and legs that were flagged (want zero)."""
    axb = {
        n
        for n, lab, cat in zip(
            _col(labels, "number"), _col(labels, "label"), _col(labels, "category"), strict=True
        )
        if lab == "benign" and (cat or "") in AXB_CATEGORIES
    }
    agents = {str(r["mid"]) for r in result.bridge_agents if r["bridged"]}
    out = {
        "axb_numbers": len(axb),
        "axb_numbers_in_campaigns": len(axb & set(result.number_campaign)),
        "axb_numbers_flagged_as_bridge_agents": len(axb & agents),
    }
    if call_truth is not None:
        out["axb_legs_flagged"] = len(
            set(result.bridged["call_id"].to_pylist()) & _truth_legs(call_truth)[1]
        )
    return out


def replay_fresh_numbers(
    cdrs: pa.Table,
    labels: pa.Table,
    *,
    prior: CampaignResult | None = None,
    allocated: Any = None,
    config: CampaignConfig | None = None,
    index_config: IndexConfig | None = None,
    rebuild_every_s: float = 900.0,
    window_s: float = 7200.0,
    details: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Replay ``cdrs`` in time order; campaigns come from ``prior`` and earlier calls only.

    Every ``rebuild_every_s`` of replayed time the batch builder runs over the last
    ``window_s`` of calls (a micro-batch, as a deployment would run it) and the index takes
    in what it found; between rebuilds only the index's per-call path runs.
    """
    cdrs = cdrs.sort_by([("start_time", "ascending")])
    ts = pc.divide(pc.cast(cdrs["start_time"], pa.int64()), 1_000_000).to_numpy(
        zero_copy_only=False
    )
    callers, callees = cdrs["caller"].to_pylist(), cdrs["callee"].to_pylist()
    ingress = _col(cdrs, "ingress")
    asserted = _col(cdrs, "asserted_caller")
    lab = {
        n: (lb, c)
        for n, lb, c in zip(
            _col(labels, "number"), _col(labels, "label"), _col(labels, "campaign"), strict=True
        )
    }

    index = CampaignIndex(index_config)
    if prior is not None:
        index.load(prior)
    calls: dict[str, int] = {}
    flagged_at: dict[str, int] = {}
    flags: dict[str, Any] = {}
    known_campaigns: set[str] = set()  # true campaigns with a member known to the index
    fresh: set[str] = set()  # harassment numbers first seen while their campaign was known
    cfg = config or CampaignConfig()
    next_rebuild = float(ts[0]) + rebuild_every_s if len(ts) else 0.0
    for i in range(len(callers)):
        if ts[i] >= next_rebuild:
            lo = int(np.searchsorted(ts, ts[i] - window_s))
            res = build_campaigns(
                cdrs.slice(lo, i - lo), allocated=allocated, config=cfg, link_only=True
            )
            index.load(res)
            for num in res.number_campaign:
                t = lab.get(num)
                if t and t[0] == "harassment" and t[1]:
                    known_campaigns.add(t[1])
            next_rebuild = float(ts[i]) + rebuild_every_s
        c = callers[i]
        k = calls.get(c, 0) + 1
        calls[c] = k
        if k == 1:
            t = lab.get(c)
            if t and t[0] == "harassment" and t[1] in known_campaigns:
                fresh.add(c)
        flag = index.observe(c, callees[i], ingress[i] or "", asserted[i], float(ts[i]))
        if flag is not None and c not in flagged_at:
            flagged_at[c] = k
            flags[c] = flag
            t = lab.get(c)
            if t and t[0] == "harassment" and t[1]:
                known_campaigns.add(t[1])
    if details is not None:
        details.update(flagged_at=flagged_at, fresh=fresh, calls=calls, flags=flags, index=index)
    counts = np.array([flagged_at.get(n, np.inf) for n in sorted(fresh)], dtype=float)
    benign_callers = {c for c in calls if lab.get(c, ("benign", ""))[0] == "benign"}
    benign_flagged = sum(1 for c in flagged_at if c in benign_callers)
    return {
        "fresh_numbers": len(fresh),
        "median_calls_to_flag": float(np.median(counts)) if len(counts) else float("nan"),
        "flagged_within_5": round(float(np.mean(counts <= 5)), 4) if len(counts) else float("nan"),
        "never_flagged": int(np.sum(~np.isfinite(counts))),
        "benign_numbers_flagged": benign_flagged,
        "benign_callers": len(benign_callers),
        "index_" + "campaigns": len(index),
    }


def with_thresholds(cfg: CampaignConfig, **link: Any) -> CampaignConfig:
    """A copy of ``cfg`` with some linking thresholds changed (for sweeps)."""
    return replace(cfg, link=replace(cfg.link, **link))


def evaluate_campaigns(
    train_cdrs: pa.Table,
    test_cdrs: pa.Table,
    test_labels: pa.Table,
    *,
    train_allocated: Any = None,
    test_allocated: Any = None,
    train_scripts: pa.Table | None = None,
    test_scripts: pa.Table | None = None,
    test_call_truth: pa.Table | None = None,
    config: CampaignConfig | None = None,
    index_config: IndexConfig | None = None,
    rebuild_every_s: float = 900.0,
) -> dict[str, dict[str, Any]]:
    """The campaign section of an evaluation: train on one run, measure on another.

    Campaigns learnt from the training run seed the index; the test run is then judged as a
    whole (clustering, bridging, AXB) and replayed in time order (fresh rotated numbers).
    """
    import time

    t0 = time.perf_counter()
    prior = build_campaigns(
        train_cdrs, allocated=train_allocated, scripts=train_scripts, config=config
    )
    t1 = time.perf_counter()
    test = build_campaigns(test_cdrs, allocated=test_allocated, scripts=test_scripts, config=config)
    t2 = time.perf_counter()
    out: dict[str, dict[str, Any]] = {
        "clustering": clustering_scores(
            test, test_labels, test_cdrs["caller"].unique().to_pylist()
        ),
        "axb": axb_scores(test, test_labels, test_call_truth),
    }
    if test_call_truth is not None:
        out["bridging"] = bridge_scores(test, test_call_truth)
    out["fresh_numbers"] = replay_fresh_numbers(
        test_cdrs,
        test_labels,
        prior=prior,
        allocated=test_allocated,
        config=config,
        index_config=index_config,
    )
    out["timing"] = {
        "train_build_s": round(t1 - t0, 2),
        "test_build_s": round(t2 - t1, 2),
        "replay_s": round(time.perf_counter() - t2, 2),
        "test_cdrs": test_cdrs.num_rows,
    }
    return out

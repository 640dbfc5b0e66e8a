"""A straightforward pandas implementation of the one-day features.

It exists for two reasons: tests check the SQL definitions against an independent
implementation on random tables, and ``bench/scan.py`` uses it as the baseline the DuckDB
backend is compared with. It handles one day of calls (no history: 7-day features equal the
1-day ones) and is written the way one would without thinking about speed: group-bys,
merges and a sort, all in pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from callwarden.features.definitions import FEATURE_NAMES


def _num(s: pd.Series) -> pd.Series:
    """The digits of E.164 numbers (``+`` and 1-15 digits, no leading zero), else NA."""
    e164 = s.str.fullmatch(r"\+[1-9][0-9]{0,14}").fillna(False).astype(bool)
    return pd.to_numeric(s.str.slice(1).where(e164), errors="coerce").astype("Int64")


def _busiest_60_minutes(key: pd.Series, ts: pd.Series) -> pd.Series:
    """Per key, the most calls in any 60 consecutive minutes (by start minute) of the day.

    For each call, the key's calls that started in its minute or the 59 before it (two
    binary searches in the (key, minute)-sorted calls); the busiest window ends with a
    minute that has a call, so the most of these is the key's value."""
    codes, keys = pd.factorize(key, sort=True)
    m = (ts.to_numpy() // 60).astype(np.int64)
    if not len(m):
        return pd.Series(dtype=float)
    rel = m - m.min() + 60  # >= 60, so a window's start stays within its key's block
    v = np.sort(codes.astype(np.int64) * (int(rel.max()) + 61) + rel)
    n = np.searchsorted(v, v, "right") - np.searchsorted(v, v - 59, "left")
    best = pd.Series(n).groupby(v // (int(rel.max()) + 61)).max()
    return pd.Series(best.to_numpy(), index=keys[best.index.to_numpy()], dtype=float)


def reference_features(
    cdrs: pd.DataFrame,
    day_end_ts: int,
    *,
    tz_hours: int = 8,
    unallocated: pd.Series | None = None,
    home_regions: pd.Series | None = None,
) -> pd.DataFrame:
    """One row per caller of ``cdrs`` (one local day), columns ``number`` + FEATURE_NAMES.

    ``unallocated``: 0/1 by number; ``home_regions``: province by 10-character prefix.
    """
    df = pd.DataFrame(
        {
            "caller_s": cdrs["caller"],
            "caller": _num(cdrs["caller"]),
            "callee": _num(cdrs["callee"]),
            "ts": cdrs["start_time"].astype("int64") // 1_000_000,
            "duration_s": cdrs["duration_s"].astype(float),
        }
    )
    df = df[df.caller.notna() & df.callee.notna()].copy()
    src = cdrs.loc[df.index]

    def col(name: str) -> pd.Series:
        return src[name] if name in src else pd.Series(pd.NA, index=src.index, dtype=object)

    answered = col("answered")
    ans = answered.where(answered.notna(), df.duration_s > 0).astype(bool)
    df["ans"] = ans.astype(int)
    df["talk_s"] = df.duration_s.where(ans)
    df["short"] = (df.duration_s < 10).astype(float).where(ans)
    ring = col("ring_s").astype(float).fillna(0.0)
    df["end_ts"] = df.ts + ring + df.duration_s
    cause = col("release_cause")
    df["dead"] = (cause == 1).astype(int)
    df["rejected"] = (cause == 21).astype(int)
    sec = (df.ts + tz_hours * 3600) % 86400
    df["night"] = ((sec >= 75600) | (sec < 28800)).astype(int)
    asserted = col("asserted_caller")
    df["mismatch"] = (asserted.notna() & (asserted != "") & (asserted != df.caller_s)).astype(int)
    att = col("attestation")
    df["attest_a"] = (att == "A").astype(int)
    df["attest_c"] = (att == "C").astype(int)
    region = col("caller_region")
    if home_regions is not None:
        home = df.caller_s.str.slice(0, 10).map(home_regions)
        starts = [
            r[: len(h)] != h if isinstance(r, str) and isinstance(h, str) else False
            for r, h in zip(region, home, strict=True)
        ]
        df["region_mismatch"] = np.asarray(starts, dtype=int)
    else:
        df["region_mismatch"] = 0
    df["ingress"] = col("ingress")
    df["imei"] = col("imei")
    df["unallocated"] = (
        df.caller_s.map(unallocated).astype(float) if unallocated is not None else np.nan
    )

    # Sequence: the caller's calls in time order.
    df = df.sort_values(["caller", "ts", "end_ts"], kind="stable")
    prev = df.groupby("caller")
    df["gap_s"] = df.ts - prev.ts.shift(1)
    df["overlap"] = (df.ts < prev.end_ts.shift(1)).astype(int)
    df["gap2"] = df.gap_s**2

    g = df.groupby("caller")
    out = pd.DataFrame(index=g.size().index)
    out["attempts_by_caller_1d"] = g.size()
    out["answer_rate_by_caller_1d"] = g.ans.mean()
    out["talk_p50_by_caller_1d"] = g.talk_s.quantile(0.5)
    out["talk_p90_by_caller_1d"] = g.talk_s.quantile(0.9)
    for name, c in (
        ("short_call_share", "short"), ("dead_callee_share", "dead"), ("rejected_share", "rejected"),
        ("concurrent_share", "overlap"), ("night_share", "night"),
        ("asserted_mismatch_share", "mismatch"), ("attest_a_share", "attest_a"),
        ("attest_c_share", "attest_c"), ("region_mismatch_share", "region_mismatch"),
    ):  # fmt: skip
        out[f"{name}_by_caller_1d"] = g[c].mean()
    mean_gap = g.gap_s.mean()
    out["interval_cv_by_caller_1d"] = np.sqrt(
        np.maximum(g.gap2.mean() - mean_gap**2, 0)
    ) / mean_gap.replace(0, np.nan)
    out["interval_p50_by_caller_1d"] = g.gap_s.quantile(0.5)
    hourly = df.groupby(["caller", df.ts // 3600]).size()
    out["attempts_by_caller_1h"] = _busiest_60_minutes(df.caller, df.ts)
    out["active_hours_by_caller_1d"] = hourly.groupby(level=0).size()

    # Ingress: per-ingress aggregates, carried to each caller's main ingress.
    routed = df[df.ingress.notna()]
    routes = routed.groupby(["caller", "ingress"]).agg(n=("ts", "size"), un=("unallocated", "max"))
    routes = routes.reset_index()
    out["ingresses_by_caller_1d"] = routes.groupby("caller").size()
    main = routes.sort_values(["caller", "n", "ingress"], ascending=[True, False, True])
    main = main.drop_duplicates("caller").set_index("caller").ingress
    gi = routed.groupby("ingress")
    ing = pd.DataFrame(index=gi.size().index)
    ing["attempts_by_ingress_1d"] = gi.size()
    ing["attempts_by_ingress_1h"] = _busiest_60_minutes(routed.ingress, routed.ts)
    ing["answer_rate_by_ingress_1d"] = gi.ans.mean()
    for name, c in (
        ("short_call_share", "short"), ("dead_callee_share", "dead"), ("rejected_share", "rejected"),
        ("asserted_mismatch_share", "mismatch"), ("attest_a_share", "attest_a"),
        ("attest_c_share", "attest_c"), ("region_mismatch_share", "region_mismatch"),
    ):  # fmt: skip
        ing[f"{name}_by_ingress_1d"] = gi[c].mean()
    ing["distinct_callers_by_ingress_1d"] = routes.groupby("ingress").size()
    routes["un_n"] = routes.n * routes.un
    rg = routes.groupby("ingress")
    ing["unallocated_caller_share_by_ingress_1d"] = rg.un_n.sum(min_count=1) / rg.n.sum()
    ing["calls_per_caller_by_ingress_1d"] = (
        ing.attempts_by_ingress_1d / ing.distinct_callers_by_ingress_1d
    )
    out = out.join(main.rename("main_ingress"))
    out = out.join(ing, on="main_ingress")

    # Handsets shared by several numbers.
    hs = df[df.imei.notna()][["caller", "imei"]].drop_duplicates()
    hs["numbers"] = hs.groupby("imei").caller.transform("size")
    out["device_numbers_by_caller_1d"] = hs.groupby("caller").numbers.max()

    # Pairs: call-backs, earlier contact, sequential dialling. A call to one's own number is
    # an attempt (above) but no contact: neither a pair nor a received call.
    other = df[df.caller != df.callee]
    pairs = other.groupby(["caller", "callee"]).ts.agg(["min", "max"]).reset_index()
    rev = pairs.rename(
        columns={"caller": "callee", "callee": "caller", "min": "r_min", "max": "r_max"}
    )
    pairs = pairs.merge(rev, on=["caller", "callee"], how="left")
    pairs["called_back"] = (pairs.r_max >= pairs["min"]).astype(int)
    pairs["prior"] = (pairs.r_min < pairs["min"]).astype(int)
    pairs = pairs.sort_values(["caller", "callee"], kind="stable")
    pairs["sequential"] = (
        ((pairs.callee - pairs.groupby("caller").callee.shift(1)) <= 10).fillna(False).astype(int)
    )
    pg = pairs.groupby("caller")
    out["distinct_callees_by_caller_1d"] = pg.size().reindex(out.index).fillna(0).astype(int)
    out["callback_rate_by_caller_1d"] = pg.called_back.mean()
    out["prior_contact_share_by_caller_1d"] = pg.prior.mean()
    out["sequential_dialing_share_by_caller_1d"] = pg.sequential.mean()

    inbound = other.groupby("callee").agg(
        n=("ts", "size"), callers=("caller", "nunique"), first=("ts", "min")
    )
    out["inbound_calls_by_caller_1d"] = inbound.n.reindex(out.index).fillna(0).astype(int)
    out["distinct_inbound_callers_by_caller_1d"] = (
        inbound.callers.reindex(out.index).fillna(0).astype(int)
    )
    # missing, not 0, for a number that received nothing (the SQL's and the stream's value)
    out["in_out_ratio_by_caller_1d"] = (
        out.inbound_calls_by_caller_1d / out.attempts_by_caller_1d
    ).where(out.inbound_calls_by_caller_1d > 0)
    out["calls_per_callee_by_caller_1d"] = (
        out.attempts_by_caller_1d / out.distinct_callees_by_caller_1d.replace(0, np.nan)
    )
    out["unallocated_by_caller_1d"] = g.unallocated.max()
    first = np.fmin(g.ts.min().astype(float), inbound["first"].reindex(out.index).astype(float))
    out["maturity_days_by_caller_7d"] = (day_end_ts - first) / 86400.0

    for name in FEATURE_NAMES:
        if name.endswith("_7d") and name not in out:
            out[name] = out[name.removesuffix("_7d") + "_1d"]
    number = "+" + out.index.astype(str)
    result = out[list(FEATURE_NAMES)].astype(float)
    result.insert(0, "number", number)
    return result.sort_values("number", kind="stable").reset_index(drop=True)

"""The batch feature catalogue (``callwarden.features.definitions``), computed from stream state.

Same names, same meaning: a number's features are those of its *anchor day* (the last local
day it placed a call, normally today), over what the state holds when asked: at the end of
the day they equal the batch query's for the counts and shares; the 1 d values during the
day are the day so far. What is approximated, and by how much, is in ``docs/streaming.md``
(measured by ``callwarden replay`` as ``feature_parity``).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from callwarden.features.definitions import FEATURE_NAMES
from callwarden.stream import state as S
from callwarden.stream.state import DAY_S, StreamState

#: Features whose streaming value is an approximation of the batch definition.
APPROXIMATED: dict[str, str] = {
    "talk_p50": "quantile interpolated in a 20-bin geometric histogram of talk time",
    "talk_p90": "quantile interpolated in a 20-bin geometric histogram of talk time",
    "interval_p50": "quantile interpolated in a 20-bin geometric histogram of gaps",
    "interval_cv": "gaps between calls in CDR arrival order (calls overlapping in time may swap)",
    "concurrent_share": "overlap with the previously written CDR of the number",
    "sequential_dialing_share": "7 d: the sum of each day's count (1 d is exact, "
    "stream/sequence.py)",
    "callback_rate": "call-back after the pair's first call in the state (batch: in the window)",
    "prior_contact_share": "contact in either direction before the first call of the day "
    "(7 d: before the pair entered the state)",
    "device_numbers": "numbers seen on the number's latest handset (batch: the most over all its "
    "handsets); 7 d: handset records not idle for 7 days",
    # (full names: the 1 d and 7 d attempts are exact)
    "attempts_by_caller_1h": "busiest 60 minutes; a CDR that started more than 60 minutes before "
    "the number's latest start held adds to no peak",
    "attempts_by_ingress_1h": "busiest 60 minutes; a CDR that started more than 180 minutes "
    "before the ingress's latest start held adds to no peak",
}


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b > 0, else NaN (no division by zero happens, so no error state to set)."""
    pos = b > 0
    return np.where(pos, a / np.where(pos, b, 1), np.nan)


def _quantiles(hist: np.ndarray, edges: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Per-row quantiles of histogram counts, linear within the bin (geometric in bins that
    start above 0); NaN for empty rows. The quantiles share one cumulative sum and are found
    together, as one (rows x quantiles) problem."""
    k, nb = hist.shape
    total = hist.sum(1)
    cum = np.cumsum(hist, 1)
    target = total[:, None] * np.asarray(qs)[None, :]  # (rows, q)
    b = np.minimum((cum[:, None, :] < target[:, :, None]).sum(2), nb - 1)
    row = np.arange(k)[:, None]
    below = np.where(b > 0, cum[row, np.maximum(b - 1, 0)], 0.0)
    inbin = hist[row, b]
    full = inbin > 0  # an empty bin (the quantile falls on its edge) takes its middle
    frac = np.where(full, np.clip((target - below) / np.where(full, inbin, 1.0), 0.0, 1.0), 0.5)
    lo, hi = edges[b], edges[b + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = lo * np.power(hi / np.where(lo > 0, lo, 1.0), frac)
    value = np.where(total[:, None] > 0, np.where(lo > 0, geo, lo + frac * (hi - lo)), np.nan)
    return [value[:, j] for j in range(len(qs))]


@cache
def stream_feature_names() -> frozenset[str]:
    """The names ``compute`` gives (asked of an empty state: built from the code itself)."""
    st = S.StreamState(S.StateConfig(initial_numbers=1))
    return frozenset(compute(st, np.zeros(0, np.int64)))


def check_stream_features(names: tuple[str, ...] | list[str], what: str = "the model") -> None:
    """A ``ModelError`` when ``names`` holds features the stream does not compute: a model
    trained on a carrier's feature table would be scored on rows of NaN."""
    from callwarden.errors import ModelError

    missing = [n for n in names if n not in stream_feature_names()]
    if missing:
        raise ModelError(
            f"{what} uses {len(missing):,} of its {len(names):,} features that the stream does "
            f"not compute (e.g. {missing[0]!r}); the stream needs a model trained on CDRs "
            "('callwarden train --cdrs')"
        )


def feature_matrix(
    state: StreamState, slots: np.ndarray, names: tuple[str, ...] = FEATURE_NAMES
) -> np.ndarray:
    """Rows of ``names`` features for ``slots`` (numbers that placed a call), float64."""
    f = compute(state, slots)
    out = np.full((len(slots), len(names)), np.nan)
    for j, name in enumerate(names):
        col = f.get(name)
        if col is not None:
            out[:, j] = col
    return out


#: (base, numerator column, denominator column) of the per-caller shares and ratios.
_RATIOS = (
    ("answer_rate", S.ANS, S.N),
    ("short_call_share", S.SHORT, S.ANS),
    ("dead_callee_share", S.DEAD, S.N),
    ("rejected_share", S.REJ, S.N),
    ("concurrent_share", S.OVL, S.N),
    ("night_share", S.NIGHT, S.N),
    ("asserted_mismatch_share", S.MISM, S.N),
    ("attest_a_share", S.ATTA, S.N),
    ("attest_c_share", S.ATTC, S.N),
    ("sequential_dialing_share", S.SEQ, S.DCALLEE),
    ("calls_per_callee", S.N, S.DCALLEE),
)
_COUNTS = (
    ("attempts", S.N),
    ("distinct_callees", S.DCALLEE),
    ("active_hours", S.HOURS),
    ("inbound_calls", S.INB),
    ("distinct_inbound_callers", S.DINB),
    ("ingresses", S.ROUTES),
)
_NUM = np.array([r[1] for r in _RATIOS])
_DEN = np.array([r[2] for r in _RATIOS])


def compute(state: StreamState, slots: np.ndarray) -> dict[str, np.ndarray]:
    """Every feature the state can give, by name."""
    anchor = state.out_day[slots].astype(np.int64)
    k = len(slots)
    both = state.ring.day_and_week(slots, anchor)  # 1 d rows, then 7 d rows: one pass for both
    w1, w7 = both[:k], both[k:]
    ratios = _div(both[:, _NUM], both[:, _DEN])
    talk = both[:, S.TALK0 : S.GAP0]
    p50, p90 = _quantiles(talk, S.TALK_EDGES, (0.5, 0.9))
    (gap_p50,) = _quantiles(both[:, S.GAP0 :], S.GAP_EDGES, (0.5,))
    gn = both[:, S.GAPN]
    mean = _div(both[:, S.GAPS], gn)
    cv = _div(np.sqrt(np.maximum(_div(both[:, S.GAPSS], gn) - mean * mean, 0.0)), mean)
    n, dc, inb = both[:, S.N], both[:, S.DCALLEE], both[:, S.INB]
    cb = np.concatenate([w1[:, S.CB1], w7[:, S.CB]])
    prior = np.concatenate([w1[:, S.PRIOR1], w7[:, S.PRIOR7]])
    shares = _div(np.stack([cb, prior], axis=1), dc[:, None])
    in_out = np.where(inb > 0, _div(inb, n), np.nan)
    region = _div(both[:, S.REGMIS], n)
    hs = state.handset[slots]
    on = np.maximum(hs, 0)
    dev7 = np.where(hs >= 0, state.imei_n7[on], np.nan)
    dev1 = np.where((hs >= 0) & (state.imei_day[on] == anchor), state.imei_n1[on], np.nan)
    f: dict[str, np.ndarray] = {}
    for half, w in ((slice(0, k), "1d"), (slice(k, 2 * k), "7d")):
        c = f"_by_caller_{w}"
        for name, col in _COUNTS:
            f[name + c] = both[half, col]
        for j, (name, _, _) in enumerate(_RATIOS):
            f[name + c] = ratios[half, j]
        f["talk_p50" + c] = p50[half]
        f["talk_p90" + c] = p90[half]
        f["interval_p50" + c] = gap_p50[half]
        f["interval_cv" + c] = cv[half]
        f["callback_rate" + c] = shares[half, 0]
        f["prior_contact_share" + c] = shares[half, 1]
        f["in_out_ratio" + c] = in_out[half]
        f["region_mismatch_share" + c] = region[half]
        f["device_numbers" + c] = dev1 if w == "1d" else dev7
    f["attempts_by_caller_1h"] = w1[:, S.HMAX]
    un = state.unalloc[slots]
    f["unallocated_by_caller_1d"] = np.where(un >= 0, un.astype(float), np.nan)
    day_end = (anchor + 1) * DAY_S - state.config.tz_hours * 3600
    first = np.maximum(state.first_seen[slots], day_end - 7 * DAY_S)
    f["maturity_days_by_caller_7d"] = (day_end - first) / DAY_S
    f.update(_ingress(state, slots, anchor))
    return f


def _ingress(state: StreamState, slots: np.ndarray, anchor: np.ndarray) -> dict[str, np.ndarray]:
    """Features of each number's main ingress of its anchor day (NaN without one)."""
    ing = state.main_ing[slots].astype(np.int64)
    has = (ing >= 0) & (state.main_day[slots] == anchor)
    rows = np.where(has, ing, 0)
    if state.ingress.cap == 0:
        return {}
    known = bool((state.unalloc[slots] >= 0).any()) if len(slots) else False
    k = len(slots)
    both = state.ingress.day_and_week(rows, anchor)
    w1 = both[:k]
    n = both[:, S.I_N]
    cols = [S.I_ANS, S.I_SHORT, S.I_DEAD, S.I_REJ, S.I_MISM, S.I_ATTA, S.I_ATTC, S.I_UNAL, S.I_N]
    num = both[:, cols + [S.I_REGMIS]]
    den = np.stack([n, both[:, S.I_ANS], n, n, n, n, n, n, both[:, S.I_DCALLERS], n], axis=1)
    r = _div(num, den)
    if not known:
        r[:, 7] = np.nan
    none = np.flatnonzero(~np.concatenate([has, has]))  # no main ingress that day: NaN, in one pass
    both[none] = np.nan
    r[none] = np.nan
    names = ("answer_rate", "short_call_share", "dead_callee_share", "rejected_share",
             "asserted_mismatch_share", "attest_a_share", "attest_c_share",
             "unallocated_caller_share", "calls_per_caller", "region_mismatch_share")  # fmt: skip
    f: dict[str, np.ndarray] = {}
    for half, w in ((slice(0, k), "1d"), (slice(k, 2 * k), "7d")):
        c = f"_by_ingress_{w}"
        f["attempts" + c] = n[half]
        f["distinct_callers" + c] = both[half, S.I_DCALLERS]
        for j, name in enumerate(names):
            f[name + c] = r[half, j]
    f["attempts_by_ingress_1h"] = w1[:, S.I_HMAX]
    return f

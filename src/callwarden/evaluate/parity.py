"""How far the streaming features are from the batch ones, and whether the model notices.

For an as-of day D (local, ``tz_hours`` east of UTC; the stream state keeps the same
offset): the stream state is fed every CDR of the input that started before the
end of D (in the order CDRs are written, in batches of ``batch`` CDRs), then the stream's
features of every number that called on D are set beside the batch query's
(``callwarden.features``) for D. Per feature: the share of numbers whose values agree (both
missing, or within a relative 1e-4), and the mean absolute difference; over the model: how
many numbers are flagged by one and not the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callwarden.detect.model import TrainedModel
from callwarden.features.definitions import FEATURE_NAMES
from callwarden.stream.calls import Interner, calls_from_arrow, number_keys
from callwarden.stream.features import APPROXIMATED, feature_matrix
from callwarden.stream.state import StateConfig, StreamState


def feature_parity(
    table: pa.Table,
    day: str,
    *,
    model: TrainedModel | None = None,
    allocated: Any = None,
    batch: int = 500,
    tz_hours: int = 8,
) -> dict[str, Any]:
    from callwarden.features.duckdb_backend import (
        compute_features,
        connection,
        register_caller_facts,
        register_home_regions,
    )
    from callwarden.features.sql import AsOf
    from callwarden.numbers import describe_array

    as_of = AsOf(day, tz_hours)
    end = pa.scalar(as_of.day_end, pa.timestamp("us", tz="UTC"))
    table = table.filter(pc.less(table["start_time"], end))
    ingresses = Interner()
    calls = calls_from_arrow(table, ingresses)
    state = StreamState(StateConfig(tz_hours=tz_hours))
    state.set_ingress_names(ingresses.names)
    unalloc = None
    if allocated is not None:
        unalloc = allocated.is_unallocated_array(table["caller"]).astype(np.int8)
    order = np.argsort(calls.end_ts, kind="stable")
    for i in range(0, len(order), batch):
        idx = order[i : i + batch]
        state.ingest(calls.take(idx), unalloc[idx] if unalloc is not None else None)
    with connection() as con:
        con.register("cw_parity_cdrs", table)
        facts = None
        if allocated is not None:
            facts = register_caller_facts(con, "cw_parity_cdrs", allocated.is_unallocated_array)
        regions = register_home_regions(
            con, "cw_parity_cdrs", lambda n: describe_array(n)["province"].combine_chunks()
        )
        batch_f = compute_features(
            con, "cw_parity_cdrs", as_of, caller_facts=facts, home_regions=regions
        )
    slots = state.slot_of(number_keys(batch_f["number"]))
    keep = slots >= 0
    X = feature_matrix(state, slots[keep])
    Y = np.column_stack(
        [batch_f[n].to_numpy(zero_copy_only=False).astype(float) for n in FEATURE_NAMES]
    )[keep]
    per: dict[str, Any] = {}
    for j, name in enumerate(FEATURE_NAMES):
        x, y = X[:, j], Y[:, j]
        same = (np.isnan(x) & np.isnan(y)) | np.isclose(x, y, rtol=1e-4, atol=1e-9)
        both = ~np.isnan(x) & ~np.isnan(y)
        base = name.split("_by_")[0]
        per[name] = {
            "agree_share": round(float(same.mean()), 4) if len(same) else 1.0,
            "mean_abs_diff": round(float(np.abs(x - y)[both].mean()), 6) if both.any() else 0.0,
            "approximated": APPROXIMATED.get(base, APPROXIMATED.get(name, "")),
        }
    out: dict[str, Any] = {
        "day": day,
        "numbers": int(keep.sum()),
        "exact_features": sum(1 for v in per.values() if v["agree_share"] >= 0.999),
        "features": per,
    }
    if model is not None:
        cols = [FEATURE_NAMES.index(n) for n in model.feature_names]
        thr = model.threshold.value
        fs = (1 - model.proba(X[:, cols])[:, 0]) >= thr
        fb = (1 - model.proba(Y[:, cols])[:, 0]) >= thr
        out["model"] = {
            "flagged_batch": int(fb.sum()),
            "flagged_stream": int(fs.sum()),
            "flagged_by_both": int((fs & fb).sum()),
            "disagreements": int((fs != fb).sum()),
        }
    return out

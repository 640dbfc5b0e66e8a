"""Small hand-built canonical CDR tables for feature tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from callwarden.features.duckdb_backend import compute_features, connection
from callwarden.features.sql import AsOf

# Local day 2026-11-28 (UTC+8) starts at 2026-11-27 16:00 UTC.
DAY = "2026-11-28"
DAY_START = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def cdrs(rows: list[dict[str, object]]) -> pa.Table:
    """Rows with ``t`` (seconds after the local day's start) and canonical fields."""
    cols: dict[str, list[object]] = {
        "start_time": [], "caller": [], "callee": [], "duration_s": [], "ring_s": [],
        "release_cause": [], "ingress": [], "asserted_caller": [], "attestation": [],
        "caller_region": [], "imei": [],
    }  # fmt: skip
    for r in rows:
        cols["start_time"].append(DAY_START + timedelta(seconds=float(r["t"])))  # type: ignore[arg-type]
        for k in cols:
            if k != "start_time":
                cols[k].append(r.get(k, {"duration_s": 0.0, "ring_s": 0.0}.get(k)))
    return pa.table(
        {
            "start_time": pa.array(cols["start_time"], pa.timestamp("us", tz="UTC")),
            "caller": pa.array(cols["caller"], pa.string()),
            "callee": pa.array(cols["callee"], pa.string()),
            "duration_s": pa.array(cols["duration_s"], pa.float64()),
            "ring_s": pa.array(cols["ring_s"], pa.float64()),
            "release_cause": pa.array(cols["release_cause"], pa.int16()),
            "ingress": pa.array(cols["ingress"], pa.string()),
            "asserted_caller": pa.array(cols["asserted_caller"], pa.string()),
            "attestation": pa.array(cols["attestation"], pa.string()),
            "caller_region": pa.array(cols["caller_region"], pa.string()),
            "imei": pa.array(cols["imei"], pa.string()),
        }
    )


def features_of(
    table: pa.Table,
    day: str = DAY,
    facts: pa.Table | None = None,
    regions: pa.Table | None = None,
) -> dict[str, dict[str, object]]:
    """{number: {feature: value}} for the as-of day."""
    with connection(threads=1) as con:
        con.register("cdr", table)
        if facts is not None:
            con.register("facts", facts)
        if regions is not None:
            con.register("regions", regions)
        out = compute_features(
            con,
            "cdr",
            AsOf(day),
            caller_facts="facts" if facts is not None else None,
            home_regions="regions" if regions is not None else None,
        )
    return {r.pop("number"): r for r in out.to_pylist()}


FeaturesOf = Callable[..., dict[str, dict[str, object]]]

"""Feature definitions: names from definitions, coverage of the issue's list, engines, docs."""

from __future__ import annotations

import re
from pathlib import Path

from callwarden.features.definitions import (
    AGGREGATES,
    CALL_COLUMNS,
    FEATURE_NAMES,
    FEATURES,
    Entity,
    Window,
)
from callwarden.features.dialect import DUCKDB, SPARK
from callwarden.features.docs import render_markdown
from callwarden.features.sql import AsOf, build_query

ROOT = Path(__file__).resolve().parents[2]
PRESENT = {
    "start_time",
    "caller",
    "callee",
    "duration_s",
    "answered",
    "ring_s",
    "release_cause",
    "ingress",
}


def test_names_are_derived_from_definitions() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    for f in FEATURES:
        assert f.name == f"{f.base}_by_{f.entity.value}_{f.window.value}"
        assert re.fullmatch(r"[a-z0-9_]+", f.name)


def test_the_issue_feature_list_is_covered() -> None:
    bases = {a.base for a in AGGREGATES}
    wanted = {
        "attempts", "distinct_callees", "answer_rate", "talk_p50", "talk_p90", "short_call_share",
        "callback_rate", "prior_contact_share", "in_out_ratio", "sequential_dialing_share",
        "interval_cv", "concurrent_share", "active_hours", "night_share", "maturity_days",
        "asserted_mismatch_share", "unallocated", "region_mismatch_share", "attest_c_share",
    }  # fmt: skip
    assert wanted <= bases
    windows = {(f.entity, f.window) for f in FEATURES}
    for entity in Entity:
        for window in Window:
            assert (entity, window) in windows, (entity, window)


def test_same_definitions_compile_for_duckdb_and_spark() -> None:
    as_of = AsOf("2026-11-28")
    duck = build_query("cdr", as_of, present_columns=PRESENT, dialect=DUCKDB)
    spark = build_query("cdr", as_of, present_columns=PRESENT, dialect=SPARK)
    for engine_only in ("quantile_cont", "epoch_us", "TRY_CAST", "MATERIALIZED"):
        assert engine_only not in spark
    assert "startswith(caller_region" in spark and "starts_with(caller_region" in duck
    for engine_only in ("percentile(", "unix_timestamp"):
        assert engine_only not in duck
    for macro in ("EPOCH_S(", "QUANTILE(", "E164_KEY(", "STARTS_WITH("):
        assert macro not in duck and macro not in spark
    for name in FEATURE_NAMES:
        assert f" AS {name}" in spark or f"\n  {name}" in spark


def test_docs_are_generated_from_the_definitions() -> None:
    doc = (ROOT / "docs" / "features.md").read_text(encoding="utf-8")
    assert doc == render_markdown(), (
        "regenerate: python -m callwarden.features.docs > docs/features.md"
    )


def test_region_mismatch_prefix_test_equals_the_substring_form() -> None:
    """``region_mismatch`` asks ``STARTS_WITH(caller_region, caller_home_region)``; it was
    ``SUBSTR(caller_region, 1, LENGTH(caller_home_region)) <> caller_home_region``: the same
    value on multi-byte text, a combining accent, an empty or longer home region and NULLs."""
    import duckdb

    (column,) = [c for c in CALL_COLUMNS if c.name == "region_mismatch"]
    old = (
        "CASE WHEN caller_region IS NOT NULL AND caller_home_region IS NOT NULL AND "
        "SUBSTR(caller_region, 1, LENGTH(caller_home_region)) <> caller_home_region "
        "THEN 1 ELSE 0 END"
    )
    regions = ["广东", "广东省深圳", "广西", "广", "", "Guangdong", "Guang", "é", "e\u0301x", "e"]
    rows = [(a, b) for a in [*regions, None] for b in [*regions, None]]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (caller_region VARCHAR, caller_home_region VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    new, was = DUCKDB.expand(column.sql), old
    got = con.sql(f"SELECT {new} AS a, {was} AS b FROM t").fetchall()
    assert len(got) == len(rows) and all(a == b for a, b in got)
    assert {a for a, _ in got} == {0, 1}

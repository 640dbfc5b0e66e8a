"""Feature definition digests (audit 24 M1): what a model directory records must change when
what a feature computes changes, wherever that lives (the feature's SQL, the per-call
columns it reads, its source's CTEs in ``features/sql.py``), and only then."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import subprocess
import sys

import pytest

import callwarden.features.definitions as D
from callwarden.features.definitions import (
    DEFINITION_DIGESTS,
    FEATURES,
    LEGACY_DEFINITIONS,
    Source,
    changed_definitions,
    definition_digest,
    normalise_sql,
)
from callwarden.features.dialect import DUCKDB, SPARK, Dialect
from callwarden.features.sql import INPUT_COLUMNS, AsOf, build_query

H1 = next(f for f in FEATURES if f.name == "attempts_by_caller_1h")
NIGHT = next(f for f in FEATURES if f.name == "night_share_by_caller_1d")


def test_layout_alone_does_not_change_a_digest() -> None:
    spaced = dataclasses.replace(H1, sql="MAX( n_60m )\n")
    assert definition_digest(spaced) == definition_digest(H1)
    assert normalise_sql("CASE WHEN  a = 'x  y'\n THEN 1 END") == "CASE WHEN a='x  y' THEN 1 END"
    assert definition_digest(dataclasses.replace(H1, sql="MIN(n_60m)")) != definition_digest(H1)


def test_the_source_definition_is_in_the_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """The minutes frame (59 PRECEDING) lives in sql.py; its text here is hashed."""
    before = definition_digest(H1)
    frame = D.SOURCE_DEFINITIONS[Source.MINUTES].replace("59 PRECEDING", "29 PRECEDING")
    monkeypatch.setitem(D.SOURCE_DEFINITIONS, Source.MINUTES, frame)
    assert definition_digest(H1) != before
    assert definition_digest(NIGHT) == DEFINITION_DIGESTS[NIGHT.name]  # other sources: same


def test_a_per_call_column_is_in_the_digest_of_the_features_reading_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    night = next(c for c in D.CALL_COLUMNS if c.name == "night")
    later = dataclasses.replace(night, sql=night.sql.replace("75600", "82800"))
    monkeypatch.setitem(D._COLUMNS_BY_NAME, "night", later)
    assert definition_digest(NIGHT) != DEFINITION_DIGESTS[NIGHT.name]
    assert definition_digest(H1) == DEFINITION_DIGESTS[H1.name]
    # a column read through another one: overlap reads end_ts
    end = D._COLUMNS_BY_NAME["end_ts"]
    monkeypatch.setitem(D._COLUMNS_BY_NAME, "end_ts", dataclasses.replace(end, sql="ts"))
    seq = next(f for f in FEATURES if f.name == "concurrent_share_by_caller_1d")
    assert definition_digest(seq) != DEFINITION_DIGESTS[seq.name]


def test_a_derived_feature_follows_its_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    ratio = next(f for f in FEATURES if f.name == "in_out_ratio_by_caller_1d")
    frame = D.SOURCE_DEFINITIONS[Source.INBOUND] + " (changed)"
    monkeypatch.setitem(D.SOURCE_DEFINITIONS, Source.INBOUND, frame)
    assert definition_digest(ratio) != DEFINITION_DIGESTS[ratio.name]


def test_digests_are_the_same_in_another_process() -> None:
    code = "from callwarden.features.definitions import DEFINITION_DIGESTS as d; print(sorted(d.items()))"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert outs == {str(sorted(DEFINITION_DIGESTS.items())) + "\n"}


def test_a_legacy_model_is_refused_exactly_when_it_reads_the_1h_window() -> None:
    assert set(LEGACY_DEFINITIONS) == {"attempts_by_caller_1h", "attempts_by_ingress_1h"}
    names = [f.name for f in FEATURES]
    assert changed_definitions(names, None) == ["attempts_by_caller_1h", "attempts_by_ingress_1h"]
    no_1h = [n for n in names if not n.endswith("_1h")]
    assert changed_definitions(no_1h, None) == []
    assert changed_definitions(names, dict(DEFINITION_DIGESTS)) == []


def test_a_scheme_1_record_is_compared_the_old_way() -> None:
    """Session 24's first records hashed (source, entity, window, raw SQL)."""
    old = {f.name: D._digest_scheme_1(f) for f in FEATURES}
    names = [f.name for f in FEATURES]
    assert changed_definitions(names, old, 1) == []
    assert changed_definitions(names, old) == names  # read as scheme 2, nothing matches
    assert changed_definitions(names, dict(DEFINITION_DIGESTS), 3) == names  # unknown scheme


#: The CTEs of ``build_query`` that make each source (and how ingress features reach a
#: caller), pinned by a hash of their compiled text (DuckDB, 2026-11-30, every column; Spark's
#: in ``PINNED_SPARK``).
PINNED: dict[str, tuple[tuple[str, ...], str]] = {
    "calls": (("src", "keyed", "base", "plain", "calls", "calls_day"), "0bc14bbe2ace"),
    "sequence": (("sequence_all", "sequence_day"), "fd0a1fa099f2"),
    "hourly": (("hourly_caller_day", "hourly_caller_all"), "2645f7a68f6b"),
    "minutes": (("minutes_caller_day", "minutes_ingress_day"), "1e2110bfa59e"),
    "routes": (("routes_day", "routes_all"), "6d5c88662819"),
    "devices": (("handsets_day", "devices_day", "handsets_all", "devices_all"), "199bc78c4349"),
    "pairs": (("pair_dir", "pair_x", "pairs_day", "pairs_all"), "8c0ae39b5be8"),
    "inbound": (("inbound_caller_1d", "inbound_caller_7d"), "2710abc94c35"),
    "number": (("facts",), "bf455e410ce8"),
    "ingress of caller": (("main_ingress",), "1bc344b76b6e"),
}  # fmt: skip


#: The same CTEs compiled for Spark (the dialect's macros differ, so the hashes do too where
#: a source uses one): features are defined once and "must later run on Spark", so a change
#: that reaches only Spark's compile is caught as well.
PINNED_SPARK: dict[str, str] = {
    "calls": "ca68e805d271",
    "sequence": "2e9b0d18d31b",
    "hourly": "c833c25e3bbe",
    "minutes": "42a9dbd93e58",
    "routes": "6d5c88662819",
    "devices": "199bc78c4349",
    "pairs": "26c3ccc5d869",
    "inbound": "2710abc94c35",
    "number": "acaf6a96497a",
    "ingress of caller": "b01920e097eb",
}


def _ctes(dialect: Dialect = DUCKDB) -> dict[str, str]:
    q = build_query("cdrs", AsOf("2026-11-30"), present_columns=set(INPUT_COLUMNS), dialect=dialect)
    parts = re.split(r"(?m)^(?:WITH )?(\w+) AS ", q)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def _pin(ctes: dict[str, str], names: tuple[str, ...], source: str) -> str:
    texts = [ctes[n] for n in names]
    if source == "inbound":  # the aggregates are the features' SQL: keep FROM .. WHERE
        texts = [t[t.index("FROM") :] for t in texts]
    return hashlib.sha256(normalise_sql("\n".join(texts)).encode()).hexdigest()[:12]


@pytest.mark.parametrize("dialect", [DUCKDB, SPARK], ids=["duckdb", "spark"])
@pytest.mark.parametrize("source", sorted(PINNED))
def test_the_compiled_source_is_pinned(source: str, dialect: Dialect) -> None:
    names, want = PINNED[source]
    if dialect is SPARK:
        want = PINNED_SPARK[source]
    got = _pin(_ctes(dialect), names, source)
    assert got == want, (
        f"the {dialect.name} SQL of source {source!r} ({', '.join(names)}) changed (pin {got}). If "
        "what it computes changed, update its text in features/definitions.py "
        "(SOURCE_DEFINITIONS, INGRESS_OF_CALLER or CALL_COLUMNS) so model digests change and "
        "models trained before are refused, then this pin; if it is a refactor with the same "
        "results, update only this pin."
    )

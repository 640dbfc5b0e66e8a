"""A call to one's own number (voicemail access) is an attempt the number placed, but no
contact between two numbers: not a distinct callee, call-back, earlier contact, sequential
neighbour or received call (issue 4; ``definitions.OTHER_PARTY``). It counted as all of
those in every engine: one self-call a day gave a number a call-back and an inbound call.

The same hand-computed values hold for every batch path (strings and integer keys, the full
query, the cascade's statements and its single query, which is Spark's text), the pandas
reference and the streaming engine (``tests/stream/test_self_calls.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pytest

from callwarden.cdr.canonical import with_number_keys
from callwarden.features.dialect import SPARK
from callwarden.features.duckdb_backend import (
    columns_of,
    compute_features,
    connection,
    has_history,
    register_number_facts,
)
from callwarden.features.reference import reference_features
from callwarden.features.sql import AsOf, build_query
from tests.features.conftest import DAY, DAY_START, cdrs

X = "+8613800000005"  # calls three numbers and its own voicemail
S1, S2, S3 = "+8613800000001", "+8613800000002", "+8613800000030"
Y = "+8613900000777"  # only ever calls itself
H10 = 10 * 3600  # 10:00 local
DAY_S = 86400


def self_call_day(history: bool = False) -> pa.Table:
    """X calls S1, S2, S3 and itself; S1 calls X back; Y calls itself. With ``history`` X
    also called itself at 09:00 the day before."""
    rows = [
        dict(t=H10, caller=X, callee=S1, duration_s=30.0),
        dict(t=H10 + 60, caller=X, callee=S2),
        dict(t=H10 + 120, caller=X, callee=S3),
        dict(t=H10 + 180, caller=X, callee=X, duration_s=20.0),  # voicemail
        dict(t=H10 + 3600, caller=Y, callee=Y, duration_s=10.0),
        dict(t=H10 + 7200, caller=S1, callee=X, duration_s=15.0),  # S1 calls back
    ]
    if history:
        rows.append(dict(t=H10 - DAY_S - 3600, caller=X, callee=X, duration_s=20.0))
    return cdrs(rows)


#: Hand-computed values of the one-day case (None: missing). The old code gave X 4 distinct
#: callees, a call-back rate of 2/4, sequential share 2/4 (its own ...005 sits within 10 of
#: ...002), 2 inbound calls and an in/out ratio of 0.5; Y a call-back rate of 1.
EXPECTED_1D: dict[str, dict[str, float | None]] = {
    X: {
        "attempts_by_caller_1d": 4,  # the self-call is still an attempt
        "attempts_by_caller_1h": 4,
        "answer_rate_by_caller_1d": 0.5,
        "distinct_callees_by_caller_1d": 3,
        "callback_rate_by_caller_1d": 1 / 3,  # S1 of S1, S2, S3
        "prior_contact_share_by_caller_1d": 0.0,
        "sequential_dialing_share_by_caller_1d": 1 / 3,  # ...001, ...002, ...030
        "inbound_calls_by_caller_1d": 1,
        "distinct_inbound_callers_by_caller_1d": 1,
        "in_out_ratio_by_caller_1d": 1 / 4,
        "calls_per_callee_by_caller_1d": 4 / 3,
    },
    Y: {
        "attempts_by_caller_1d": 1,
        "distinct_callees_by_caller_1d": 0,
        "callback_rate_by_caller_1d": None,
        "prior_contact_share_by_caller_1d": None,
        "sequential_dialing_share_by_caller_1d": None,
        "inbound_calls_by_caller_1d": 0,
        "distinct_inbound_callers_by_caller_1d": 0,
        "in_out_ratio_by_caller_1d": None,
        "calls_per_callee_by_caller_1d": None,
    },
    S1: {
        "attempts_by_caller_1d": 1,
        "distinct_callees_by_caller_1d": 1,
        "callback_rate_by_caller_1d": 0.0,
        "prior_contact_share_by_caller_1d": 1.0,  # X had called S1 first
        "inbound_calls_by_caller_1d": 1,
        "in_out_ratio_by_caller_1d": 1.0,
    },
}

#: With the self-call of the day before: the 7-day values of X, and its 1-day prior contact
#: (the old code counted yesterday's self-call as an earlier contact with a callee: 1/4).
EXPECTED_HISTORY: dict[str, dict[str, float | None]] = {
    X: {
        "attempts_by_caller_1d": 4,
        "attempts_by_caller_7d": 5,
        "distinct_callees_by_caller_1d": 3,
        "distinct_callees_by_caller_7d": 3,
        "prior_contact_share_by_caller_1d": 0.0,
        "prior_contact_share_by_caller_7d": 0.0,
        "callback_rate_by_caller_7d": 1 / 3,
        "inbound_calls_by_caller_7d": 1,
        "in_out_ratio_by_caller_7d": 1 / 5,
        # first seen (as a caller) at 09:00 the day before: 24 h + 15 h
        "maturity_days_by_caller_7d": 39 / 24,
    },
}


def check(
    got: Mapping[str, Mapping[str, object]], expected: Mapping[str, Mapping[str, object]]
) -> None:
    """Each expected value, missing (None or NaN) where None."""
    for number, features in expected.items():
        for name, want in features.items():
            value = got[number][name]
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            if want is None:
                assert missing, (number, name, value)
            else:
                assert not missing and value == pytest.approx(want), (number, name, value)


BATCH_PATHS = ("strings", "strings, cascade", "keys", "keys, cascade", "one cascade statement")


def batch_features(table: pa.Table, path: str) -> dict[str, dict[str, object]]:
    """{number: {feature: value}} from one of the batch paths."""
    keyed = path.startswith("keys")
    if keyed:
        table = with_number_keys(table)
    with connection(threads=1) as con:
        con.register("cdr", table)
        facts = regions = None
        if path.endswith("cascade") or path == "one cascade statement":
            # registry facts (no number unallocated); keyed, they count the day's calls too
            # (the cascade then reads the scored callers' calls through its flag)
            facts, regions = register_number_facts(
                con, "cdr", lambda n: np.ones(len(n), bool), lambda n: pa.nulls(len(n), pa.string()),
                AsOf(DAY) if keyed else None,
            )  # fmt: skip
        if path == "one cascade statement":
            sql = build_query(
                "cdr", AsOf(DAY), present_columns=columns_of(con, "cdr"), caller_facts=facts,
                home_regions=regions, min_attempts=1,
                with_history=has_history(con, "cdr", AsOf(DAY)),
            )  # fmt: skip
            out = con.sql(sql).to_arrow_table()
        else:
            out = compute_features(
                con, "cdr", AsOf(DAY), caller_facts=facts, home_regions=regions,
                min_attempts=1 if path.endswith("cascade") else 0,
            )  # fmt: skip
    rows = {r.pop("number"): r for r in out.to_pylist()}
    assert all(r.get("scored", True) for r in rows.values())  # every caller is scored
    return rows


@pytest.mark.parametrize("path", BATCH_PATHS)
def test_batch_one_day(path: str) -> None:
    got = batch_features(self_call_day(), path)
    assert sorted(got) == sorted([X, Y, S1])
    check(got, EXPECTED_1D)


@pytest.mark.parametrize("path", BATCH_PATHS)
def test_batch_with_history(path: str) -> None:
    check(batch_features(self_call_day(history=True), path), EXPECTED_HISTORY)


def test_pandas_reference() -> None:
    day_end = int(DAY_START.timestamp()) + DAY_S
    ref = reference_features(self_call_day().to_pandas(), day_end)
    got = {r.pop("number"): r for r in ref.to_dict("records")}
    check(got, EXPECTED_1D)
    # and every feature equals the DuckDB query's
    batch = batch_features(self_call_day(), "strings")
    for number, features in batch.items():
        check({number: got[number]}, {number: features})


def test_spark_query_filters_self_calls_out_of_pairs_and_inbound() -> None:
    """Spark runs the same text DuckDB runs above; the filter is in it, for both sources."""
    sql = build_query(
        "cdr", AsOf(DAY), present_columns={"start_time", "caller", "callee", "duration_s"},
        dialect=SPARK,
    )  # fmt: skip
    assert "FROM calls WHERE caller <> callee GROUP BY caller, callee" in sql  # pairs
    assert "FROM calls_day WHERE caller <> callee GROUP BY callee" in sql  # inbound, 1 d

"""The ``1h`` window is the busiest 60 consecutive minutes of the day, sliding by a minute
(issue 4), not the busiest clock hour: a burst from 10:40 to 11:19 counts whole.

Hand-computed values, the same for every batch path (strings and integer keys, the full
query, the cascade's statements and its single query, which is Spark's text), the pandas
reference and the streaming engine (``tests/stream/test_sliding_hour.py``). The clock hour
gave A 10 and its ingress 12.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from callwarden.features.dialect import SPARK
from callwarden.features.reference import reference_features
from callwarden.features.sql import AsOf, build_query
from tests.features.conftest import DAY, DAY_START, cdrs
from tests.features.test_self_calls import BATCH_PATHS, batch_features, check

A = "+8613800000101"  # a burst 10:40-11:18, one call every 2 minutes, and one call at 12:30
C = "+8613800000102"  # two calls on A's ingress just after the burst
D = "+8613800000103"  # 10:00:00 and 10:59:59: the same 60 minutes
E = "+8613800000104"  # 10:00:30 and 11:00:10: 3,580 s apart but 61 minutes (minute resolution)
B = "+8613800000105"  # calls just before and after midnight
M = 60
DAY_S = 86400


def _callee(i: int) -> str:
    return f"+86139000{i:05d}"


def burst_day() -> pa.Table:
    rows = [
        dict(t=(10 * 60 + 40 + 2 * i) * M, caller=A, callee=_callee(i), ingress="GW1")
        for i in range(20)
    ]
    rows.append(dict(t=(12 * 60 + 30) * M, caller=A, callee=_callee(50), ingress="GW2"))
    rows += [
        dict(t=(11 * 60 + 25) * M, caller=C, callee=_callee(60), ingress="GW1"),
        dict(t=(11 * 60 + 30) * M, caller=C, callee=_callee(61), ingress="GW1"),
        dict(t=10 * 3600, caller=D, callee=_callee(70)),
        dict(t=10 * 3600 + 3599, caller=D, callee=_callee(71)),
        dict(t=10 * 3600 + 30, caller=E, callee=_callee(80)),
        dict(t=11 * 3600 + 10, caller=E, callee=_callee(81)),
    ]
    return cdrs(rows)


#: Hand-computed. Ingress GW1: A's 20 calls and C's two fit in 10:31-11:30 (a clock hour
#: held 12 at most). A's main ingress is GW1 (20 of its 21 calls).
EXPECTED_BURST: dict[str, dict[str, float | None]] = {
    A: {"attempts_by_caller_1d": 21, "attempts_by_caller_1h": 20, "attempts_by_ingress_1h": 22},
    C: {"attempts_by_caller_1h": 2, "attempts_by_ingress_1h": 22},
    D: {"attempts_by_caller_1h": 2, "attempts_by_ingress_1h": None},
    E: {"attempts_by_caller_1h": 1},
}


def midnight_days() -> pa.Table:
    """B: ten calls 23:31-23:58 the day before, six 00:00-00:25 on the day, and a call at
    23:59 on the day: no window reaches across midnight."""
    rows = [
        dict(t=-DAY_S + (23 * 60 + 31 + 3 * i) * M, caller=B, callee=_callee(i)) for i in range(10)
    ]
    rows += [dict(t=5 * i * M, caller=B, callee=_callee(20 + i)) for i in range(6)]
    rows.append(dict(t=(23 * 60 + 59) * M, caller=B, callee=_callee(40)))
    return cdrs(rows)


EXPECTED_MIDNIGHT: dict[str, dict[str, float | None]] = {
    B: {"attempts_by_caller_1d": 7, "attempts_by_caller_7d": 17, "attempts_by_caller_1h": 6},
}


@pytest.mark.parametrize("path", BATCH_PATHS)
def test_batch_counts_a_burst_across_the_hour_whole(path: str) -> None:
    check(batch_features(burst_day(), path), EXPECTED_BURST)


@pytest.mark.parametrize("path", BATCH_PATHS)
def test_batch_windows_do_not_cross_midnight(path: str) -> None:
    check(batch_features(midnight_days(), path), EXPECTED_MIDNIGHT)


def test_pandas_reference() -> None:
    day_end = int(DAY_START.timestamp()) + DAY_S
    ref = reference_features(burst_day().to_pandas(), day_end)
    check({r.pop("number"): r for r in ref.to_dict("records")}, EXPECTED_BURST)


def test_spark_query_slides_over_the_minute() -> None:
    sql = build_query(
        "cdr", AsOf(DAY), present_columns={"start_time", "caller", "callee", "ingress"},
        dialect=SPARK,
    )  # fmt: skip
    flat = " ".join(sql.split())
    assert flat.count("RANGE BETWEEN 59 PRECEDING AND CURRENT ROW") == 2  # caller, ingress
    assert "(ts div 60)" in sql

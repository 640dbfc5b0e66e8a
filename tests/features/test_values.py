"""Feature values against hand-computed small cases."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from callwarden.features.definitions import AGGREGATES
from callwarden.features.duckdb_backend import compute_features, connection
from callwarden.features.sql import AsOf
from tests.features.conftest import DAY, cdrs, features_of

A, B1, B2, B3, B4 = (
    "+8613800000001",
    "+8613900000001",
    "+8613900000002",
    "+8613900000003",
    "+8613900000020",
)
H10 = 10 * 3600  # 10:00 local


def _case_a() -> pa.Table:
    return cdrs(
        [
            # A dials four callees from 10:00 local; B1 calls back at 23:00.
            dict(t=H10, caller=A, callee=B1, duration_s=30.0, release_cause=16, ingress="gw1",
                 attestation="A", asserted_caller="+8613800000999", caller_region="湖南省长沙市"),
            dict(t=H10 + 60, caller=A, callee=B2, duration_s=0.0, ring_s=100.0, release_cause=1,
                 ingress="gw1", attestation="C", caller_region="湖南省长沙市"),
            dict(t=H10 + 120, caller=A, callee=B3, duration_s=5.0, release_cause=16, ingress="gw1",
                 attestation="B", caller_region="湖南省长沙市"),
            dict(t=H10 + 130, caller=A, callee=B4, duration_s=0.0, release_cause=21, ingress="gw2",
                 caller_region="广东省深圳市"),
            dict(t=23 * 3600, caller=B1, callee=A, duration_s=20.0, release_cause=16, ingress="gw2"),
        ]
    )  # fmt: skip


FACTS = pa.table({"number": [A, B1], "unallocated": pa.array([0, 1], pa.int32())})
REGIONS = pa.table({"prefix": [A[:10], B1[:10]], "region": ["湖南省", "湖南省"]})


@pytest.fixture(scope="module")
def case_a() -> dict[str, dict[str, object]]:
    return features_of(_case_a(), facts=FACTS, regions=REGIONS)


def test_only_callers_of_the_day_get_rows(case_a: dict[str, dict[str, object]]) -> None:
    assert sorted(case_a) == [A, B1]


def test_volume_and_answer(case_a: dict[str, dict[str, object]]) -> None:
    a = case_a[A]
    assert a["attempts_by_caller_1d"] == 4
    assert a["attempts_by_caller_1h"] == 4
    assert a["distinct_callees_by_caller_1d"] == 4
    assert a["answer_rate_by_caller_1d"] == pytest.approx(0.5)
    assert a["talk_p50_by_caller_1d"] == pytest.approx(17.5)
    assert a["talk_p90_by_caller_1d"] == pytest.approx(27.5)
    assert a["short_call_share_by_caller_1d"] == pytest.approx(0.5)
    assert a["dead_callee_share_by_caller_1d"] == pytest.approx(0.25)
    assert a["rejected_share_by_caller_1d"] == pytest.approx(0.25)
    assert a["calls_per_callee_by_caller_1d"] == pytest.approx(1.0)


def test_timing(case_a: dict[str, dict[str, object]]) -> None:
    a = case_a[A]
    # gaps 60, 60, 10: mean 43.33, population std 23.57
    assert a["interval_p50_by_caller_1d"] == pytest.approx(60.0)
    assert a["interval_cv_by_caller_1d"] == pytest.approx(23.5702 / 43.3333, rel=1e-4)
    # the 10:02:00 call starts while the 10:01:00 one (100 s ringing) is still up
    assert a["concurrent_share_by_caller_1d"] == pytest.approx(0.25)
    assert a["active_hours_by_caller_1d"] == 1
    assert a["night_share_by_caller_1d"] == 0.0
    assert case_a[B1]["night_share_by_caller_1d"] == 1.0
    assert case_a[B1]["interval_cv_by_caller_1d"] is None  # one call: no gap
    # first seen 10:00 local, day ends 24:00: 14 h
    assert a["maturity_days_by_caller_7d"] == pytest.approx(14 / 24)


def test_relationship(case_a: dict[str, dict[str, object]]) -> None:
    a, b1 = case_a[A], case_a[B1]
    assert a["callback_rate_by_caller_1d"] == pytest.approx(0.25)  # B1 of four called back
    assert a["prior_contact_share_by_caller_1d"] == 0.0
    assert b1["prior_contact_share_by_caller_1d"] == 1.0  # A had called B1 first
    assert b1["callback_rate_by_caller_1d"] == 0.0
    # sorted callees ...001, 002, 003, 020: two within 10 of the previous one
    assert a["sequential_dialing_share_by_caller_1d"] == pytest.approx(0.5)
    assert a["inbound_calls_by_caller_1d"] == 1
    assert a["distinct_inbound_callers_by_caller_1d"] == 1
    assert a["in_out_ratio_by_caller_1d"] == pytest.approx(0.25)
    assert b1["in_out_ratio_by_caller_1d"] == pytest.approx(1.0)


def test_identity_and_network(case_a: dict[str, dict[str, object]]) -> None:
    a, b1 = case_a[A], case_a[B1]
    assert a["asserted_mismatch_share_by_caller_1d"] == pytest.approx(0.25)
    assert a["attest_a_share_by_caller_1d"] == pytest.approx(0.25)
    assert a["attest_c_share_by_caller_1d"] == pytest.approx(0.25)
    assert a["region_mismatch_share_by_caller_1d"] == pytest.approx(0.25)
    assert a["unallocated_by_caller_1d"] == 0
    assert b1["unallocated_by_caller_1d"] == 1
    assert a["ingresses_by_caller_1d"] == 2


def test_ingress_features_follow_the_main_ingress(case_a: dict[str, dict[str, object]]) -> None:
    a, b1 = case_a[A], case_a[B1]
    # A's main ingress is gw1 (3 of 4 calls): three calls, two answered, one caller
    assert a["attempts_by_ingress_1d"] == 3
    assert a["attempts_by_ingress_1h"] == 3
    assert a["answer_rate_by_ingress_1d"] == pytest.approx(2 / 3)
    assert a["distinct_callers_by_ingress_1d"] == 1
    assert a["calls_per_caller_by_ingress_1d"] == pytest.approx(3.0)
    assert a["unallocated_caller_share_by_ingress_1d"] == 0.0
    # B1 enters via gw2: A's call and B1's own; B1 is unallocated
    assert b1["attempts_by_ingress_1d"] == 2
    assert b1["distinct_callers_by_ingress_1d"] == 2
    assert b1["unallocated_caller_share_by_ingress_1d"] == pytest.approx(0.5)


def test_without_registry_unallocated_is_missing() -> None:
    f = features_of(_case_a())
    assert f[A]["unallocated_by_caller_1d"] is None
    assert f[A]["unallocated_caller_share_by_ingress_1d"] is None
    assert f[A]["region_mismatch_share_by_caller_1d"] == 0.0  # no home regions known


def test_row_order_does_not_change_values() -> None:
    t = _case_a()
    idx = list(range(t.num_rows))
    random.Random(3).shuffle(idx)
    assert features_of(t.take(pa.array(idx)), facts=FACTS) == features_of(t, facts=FACTS)


def test_seven_day_window_and_earlier_contact() -> None:
    day = 86400
    t = cdrs(
        [
            dict(t=H10 - day, caller=A, callee=B1, duration_s=60.0),  # the day before
            dict(t=H10, caller=A, callee=B1, duration_s=60.0),
            dict(t=H10 + 600, caller=A, callee=B2, duration_s=0.0),
            dict(t=H10 - 3 * day, caller=B3, callee=B4, duration_s=10.0),  # not a caller today
        ]
    )
    f = features_of(t)
    assert sorted(f) == [A]
    a = f[A]
    assert a["attempts_by_caller_1d"] == 2
    assert a["attempts_by_caller_7d"] == 3
    assert a["distinct_callees_by_caller_1d"] == 2
    assert a["distinct_callees_by_caller_7d"] == 2
    assert a["prior_contact_share_by_caller_1d"] == pytest.approx(0.5)  # B1 was called yesterday
    assert a["prior_contact_share_by_caller_7d"] == 0.0
    assert a["active_hours_by_caller_7d"] == 2
    assert a["maturity_days_by_caller_7d"] == pytest.approx(1 + 14 / 24)
    # the day's first call follows yesterday's (gap 86,400 s), the second 600 s later
    assert a["interval_p50_by_caller_1d"] == pytest.approx((86400 + 600) / 2)
    assert a["interval_cv_by_caller_7d"] is not None


def test_busiest_hour_and_local_time() -> None:
    rows = [dict(t=H10 + 60 * i, caller=A, callee=f"+861390000{i:04d}") for i in range(5)]
    rows += [dict(t=H10 + 3600 + 60 * i, caller=A, callee=f"+861391000{i:04d}") for i in range(2)]
    rows += [dict(t=7 * 3600 + 1800, caller=B1, callee=A)]  # 07:30 local = 23:30 UTC the day before
    f = features_of(cdrs(rows))
    assert f[A]["attempts_by_caller_1h"] == 5
    assert f[A]["active_hours_by_caller_1d"] == 2
    assert f[B1]["night_share_by_caller_1d"] == 1.0
    assert f[A]["night_share_by_caller_1d"] == 0.0


def test_numbers_sharing_a_handset() -> None:
    # a SIM box: three cards in one handset; A also uses its own phone
    rows = [
        dict(t=H10 + i, caller=n, callee=B4, imei="IMEI-BOX") for i, n in enumerate((A, B1, B2))
    ]
    rows += [
        dict(t=H10 + 100, caller=A, callee=B4, imei="IMEI-A"),
        dict(t=H10 + 200, caller=B3, callee=B4),
    ]
    f = features_of(cdrs(rows))
    assert f[A]["device_numbers_by_caller_1d"] == 3
    assert f[B2]["device_numbers_by_caller_1d"] == 3
    assert f[B3]["device_numbers_by_caller_1d"] is None  # no handset known


@pytest.mark.parametrize("min_attempts", [0, 1])
def test_numbers_that_are_not_e164_are_skipped(min_attempts: int) -> None:
    """The string path read any string's characters after the first as digits: national
    ``13800000001`` became +3800000001, ``+08613...`` merged into +8613... and ``+1_000``,
    ``+ 12`` or ``+12.0`` parsed. Such rows are skipped, as the number keys leave them out."""
    valid = [
        dict(t=H10, caller=A, callee=B1, duration_s=30.0),
        dict(t=H10 + 60, caller="+3800000001", callee=B2),
        dict(t=H10 + 120, caller=B1, callee=A),
    ]
    odd = ["13800000001", "+08613800000001", "+86 13800000001", "+1_000", "+ 12", "+12.0", "+-5"]
    rows = valid + [dict(t=H10 + 200 + i, caller=n, callee=B3) for i, n in enumerate(odd)]
    rows += [dict(t=H10 + 300 + i, caller=A, callee=n) for i, n in enumerate(odd)]
    rows += [dict(t=H10 + 400, caller=B2, callee="8613900000003")]
    facts = pa.table(
        {"number": [A, B1, "+3800000001", *odd], "unallocated": pa.array([0] * 10, pa.int32())}
    )

    def run(table: pa.Table) -> pa.Table:
        with connection(threads=1) as con:
            con.register("cdr", table)
            con.register("facts", facts)
            return compute_features(
                con, "cdr", AsOf(DAY), caller_facts="facts", min_attempts=min_attempts
            )

    got, want = run(cdrs(rows)), run(cdrs(valid))
    assert got.equals(want)
    assert got["number"].to_pylist() == [*sorted([A, B1, "+3800000001"])]
    assert got["attempts_by_caller_1d"].to_pylist() == [1, 1, 1]


def test_concurrent_share_compares_with_the_previous_call_only() -> None:
    """What the value is (the stream keeps the same: the previous CDR of the number), and
    what the catalogue says it is: it said "while another call ... was up", which would be
    2/3 here (calls 2 and 3 both start during call 1)."""
    rows = [
        dict(t=H10, caller=A, callee=B1, duration_s=1000.0),
        dict(t=H10 + 10, caller=A, callee=B2, duration_s=5.0),
        dict(t=H10 + 20, caller=A, callee=B3, duration_s=5.0),
    ]
    assert features_of(cdrs(rows))[A]["concurrent_share_by_caller_1d"] == pytest.approx(1 / 3)
    (agg,) = [a for a in AGGREGATES if a.base == "concurrent_share"]
    assert "previous call" in agg.description and "another call" not in agg.description

"""Feature days and hours in the carrier's local time (``--tz``): a zone name or an offset."""

from __future__ import annotations

import pytest

from callwarden.errors import InputError
from callwarden.features.duckdb_backend import connection, feature_days, local_days_in
from callwarden.features.local_time import offset_hours
from tests.features.conftest import cdrs


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("Asia/Shanghai", "2026-11-04", 8),
        ("UTC+8", "2026-11-04", 8),
        ("utc-5", "2026-11-04", -5),
        ("-05:00", "2026-11-04", -5),
        ("+3", "2026-11-04", 3),
        ("UTC", "2026-11-04", 0),
        ("America/New_York", "2026-11-04", -5),  # (daylight saving time ended 1 Nov)
        ("America/New_York", "2026-07-01", -4),
        ("Europe/London", "2026-07-01", 1),
    ],
)
def test_a_zone_or_offset_is_a_whole_hour_offset_for_the_day(tz: str, day: str, hours: int) -> None:
    assert offset_hours(tz, day) == hours


@pytest.mark.parametrize(
    "tz",
    # America, Etc: names of the tz database's folders (ZoneInfo opens a directory)
    ["Asia/Kolkata", "+05:30", "Mars/Olympus", "UTC+15", "8", "America", "Etc"],
)
def test_other_zones_and_offsets_are_refused(tz: str) -> None:
    with pytest.raises(InputError, match="--tz"):
        offset_hours(tz, "2026-11-04")


def test_a_new_york_carriers_evening_calls_are_its_own_days_night() -> None:
    """Three calls at 22:00 New York time on 27 Nov (03:00 UTC on the 28th): at the old fixed
    UTC+8 they land on 28 Nov at 11:00, night share 0; in New York's time on 27 Nov, 1."""
    robo = "+12125550100"
    evening = 11 * 3600  # seconds after 2026-11-27 16:00 UTC: 2026-11-28 03:00 UTC
    table = cdrs(
        [{"t": evening + 60 * i, "caller": robo, "callee": f"+1212555{i:04d}"} for i in range(3)]
    )
    with connection(threads=1) as con:
        con.register("cdr", table)
        assert local_days_in(con, "cdr", "America/New_York") == ["2026-11-27"]
        ny = feature_days(con, "cdr", tz="America/New_York")
        old = feature_days(con, "cdr")
        same = feature_days(con, "cdr", tz="UTC+8")
    row = ny["number"].to_pylist().index(robo)
    assert ny["day"][row].as_py() == "2026-11-27"
    assert ny["night_share_by_caller_1d"][row].as_py() == 1.0
    assert ny["attempts_by_caller_1d"][row].as_py() == 3
    row = old["number"].to_pylist().index(robo)
    assert old["day"][row].as_py() == "2026-11-28"
    assert old["night_share_by_caller_1d"][row].as_py() == 0.0
    assert same.equals(old)


def test_describe_names_an_offset_once() -> None:
    from callwarden.features.local_time import describe

    assert describe("UTC+8", [8]) == "UTC+8"  # a model without a tz record: not "UTC+8 (UTC+8)"
    assert describe("America/New_York", [-4, -5]) == "America/New_York (UTC-5, UTC-4)"


def test_naive_instant_is_public_and_reads_ingests_rule() -> None:
    """Read-through 27 item 10: the screenings route imported numbers.roaming._seconds; the
    one reader of a time without an offset is features.local_time.naive_instant."""
    from zoneinfo import ZoneInfo

    from callwarden.features.local_time import naive_instant

    ny = ZoneInfo("America/New_York")
    assert naive_instant("2026-12-02T07:20:11", ny) == naive_instant("2026-12-02T12:20:11Z", ny)
    # an ambiguous time (clocks set back) is the earlier instant; one in the gap the change
    assert naive_instant("2026-11-01T01:30", ny) == naive_instant("2026-11-01T05:30Z", ny)
    assert naive_instant("2026-03-08T02:30", ny) == naive_instant("2026-03-08T07:00Z", ny)

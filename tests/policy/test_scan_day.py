"""The end of a scan day in its zone, and the one test of whether an import of that scan
keeps a screener's live label (the verdict import's rule 4; compare's CLEARED_SCREENED)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callwarden.policy.scan_day import (
    LATEST_TZ,
    keeps_screened_label,
    scan_day_end,
    scan_day_of,
    zone_read,
)
from callwarden.store import verdict_import


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("day", "tz", "end"),
    [
        ("2026-11-02", "Asia/Shanghai", "2026-11-02T16:00:00"),
        ("2026-11-02", "UTC+8", "2026-11-02T16:00:00"),
        ("2026-11-02", "UTC", "2026-11-03T00:00:00"),
        ("2026-11-02", "-05:00", "2026-11-03T05:00:00"),
        # New York leaves daylight time on 1 Nov 2026: the next midnight is at UTC-5
        ("2026-10-31", "America/New_York", "2026-11-01T04:00:00"),
        ("2026-11-01", "America/New_York", "2026-11-02T05:00:00"),
        # no zone, or one that does not read: the date's end in UTC-12, the latest on Earth
        ("2026-11-02", "", "2026-11-03T12:00:00"),
        ("2026-11-02", "Mars/Olympus", "2026-11-03T12:00:00"),
        ("2026-11-02", "America", "2026-11-03T12:00:00"),  # folders of zones, not zones
        ("2026-11-02", "Etc", "2026-11-03T12:00:00"),
        ("2026-12-31", LATEST_TZ, "2027-01-01T12:00:00"),
    ],
)
def test_a_scan_day_ends_at_the_next_midnight_of_its_zone(day: str, tz: str, end: str) -> None:
    assert scan_day_end(day, tz) == _utc(end)


@pytest.mark.parametrize("day", ["", "2026-11-31", "2026-1-2", "20261102", "2026-11-02 "])
def test_no_usable_day_has_no_end(day: str) -> None:
    assert scan_day_end(day, "Asia/Shanghai") is None


def test_only_a_screener_label_given_since_the_end_is_kept() -> None:
    end = scan_day_end("2026-11-02", "Asia/Shanghai")
    assert end is not None
    assert keeps_screened_label("screening", end, end)  # the next day's first instant
    assert keeps_screened_label("screening", end + 3600, end)
    assert not keeps_screened_label("screening", end - 1, end)  # during the scan day
    for source in ("model", "reports", "appeal", "operator"):
        assert not keeps_screened_label(source, end + 3600, end)
    assert not keeps_screened_label("screening", end + 3600, None)  # no day: replaced


def test_one_day_check_for_the_import_and_the_days_end() -> None:
    """The import's rule 3 (``scan_day_of``) and rule 4 (``scan_day_end``) read a scan day
    by one check (it was written twice, in ``store.verdict_import`` too)."""
    assert verdict_import.scan_day_of is scan_day_of
    for day in ["2026-11-02", "", "2026-11-31", "2026-1-2", "20261102", "2026-11-02 "]:
        assert (scan_day_of(day) == "") == (scan_day_end(day, "UTC") is None), day


@pytest.mark.parametrize(
    ("tz", "read"),
    [
        ("Asia/Shanghai", True),
        ("UTC-5", True),
        ("UTC", True),
        ("", False),
        ("  ", False),
        ("Mars/Olympus", False),
        ("America", False),  # a folder of zones
        ("Etc", False),
    ],
)
def test_which_zones_read(tz: str, read: bool) -> None:
    """What serve and compare warn about: a zone the day's end is not taken in."""
    assert zone_read(tz) is read

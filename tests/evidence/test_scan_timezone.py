"""A case file reads the calls of the scan's own local day (``scan --tz``, recorded in
scan-summary.json), not the UTC+8 day (until 30 Nov it always took UTC+8, and wrote
"UTC+-5" for a negative offset)."""

from __future__ import annotations

import json
from pathlib import Path

from callwarden.evidence import campaign_case, number_case, verify
from callwarden.evidence.sources import gather
from tests.evidence import world
from tests.evidence.world import ROBO1


def _zone(scan: Path, **fields: object) -> None:
    path = scan / "scan-summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    for key in ("tz", "utc_offset_hours"):
        summary.pop(key, None)
    path.write_text(json.dumps({**summary, **fields}), encoding="utf-8")


def test_the_calls_are_of_the_scans_local_day(tmp_path: Path) -> None:
    # ROBO1 calls every 20 min from 2026-11-02 01:00 UTC to 07:20 UTC; at UTC-5 the local
    # 2026-11-02 starts at 05:00 UTC: 8 of them (local 00:00-02:20), not 20 (09:00-15:20).
    scan, cdrs = world.scan_dir(tmp_path), world.cdrs(tmp_path)
    _zone(scan, tz="America/New_York", utc_offset_hours=-5)
    case = number_case(ROBO1, gather([ROBO1], scan, cdrs, None), "t")
    calls = case["calls"]
    assert calls["day"] == "2026-11-02" and calls["timezone"] == "UTC-5"
    assert calls["calls"] == 8
    assert [h["hour"] for h in calls["by_hour"]] == [0, 1, 2]
    assert calls["sample"]["rows"][0]["start_time"].startswith("2026-11-02T05:00:00")
    assert [n for n in case["notes"] if "UTC offset" in n] == []
    assert verify(case)
    # a campaign's calls, the same day: ROBO2 called at 02:00-02:04 UTC (the day before)
    camp = campaign_case("C1", gather([], scan, cdrs, None, campaign="C1"), "t")
    assert camp["calls"]["calls"] == 8 and camp["calls"]["timezone"] == "UTC-5"


def test_a_fixed_offset_alone_is_read_too(tmp_path: Path) -> None:
    scan, cdrs = world.scan_dir(tmp_path), world.cdrs(tmp_path)
    _zone(scan, utc_offset_hours=-5)  # no zone name: the recorded offset
    calls = number_case(ROBO1, gather([ROBO1], scan, cdrs, None), "t")["calls"]
    assert calls["timezone"] == "UTC-5" and calls["calls"] == 8


def test_a_summary_before_tz_is_read_at_utc_plus_8_with_a_note(tmp_path: Path) -> None:
    scan, cdrs = world.scan_dir(tmp_path), world.cdrs(tmp_path)
    _zone(scan)
    case = number_case(ROBO1, gather([ROBO1], scan, cdrs, None), "t")
    assert case["calls"]["timezone"] == "UTC+8" and case["calls"]["calls"] == 20
    (note,) = [n for n in case["notes"] if "UTC offset" in n]
    assert "UTC+8" in note


def test_without_a_summary_the_cdrs_recorded_zone_is_taken(tmp_path: Path) -> None:
    """Audit 27z L9: without scan-summary.json the case took UTC+8 though the CDRs record
    New York (what a scan of them takes by default); said in the notes."""
    cdrs = world.cdrs(tmp_path)
    (cdrs.parent / "dataset.json").write_text('{"tz": "America/New_York"}', encoding="utf-8")
    case = number_case(ROBO1, gather([ROBO1], None, cdrs, None, day="2026-11-02"), "t")
    assert case["calls"]["timezone"] == "UTC-5" and case["calls"]["calls"] == 8
    assert any("the zone recorded with the CDRs" in n for n in case["notes"])

"""A hand-made scan folder and CDR file for case-file tests (no simulator, no model).

One campaign ``C1`` of two numbers (``ROBO1`` flagged with model and campaign reasons,
``ROBO2``), an innocent courier (``COURIER``, benign), and calls on 2026-11-02 (UTC+8).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from callwarden.cdr.schema import CANONICAL_SCHEMA

ROBO1 = "+8613800138000"
ROBO2 = "+8613800138001"
COURIER = "+8613912345678"
NOBODY = "+8618612345678"  # in no file at all
DAY = "2026-11-02"
#: 2026-11-02 00:00 local (UTC+8)
START = datetime(2026, 11, 1, 16, 0, tzinfo=UTC)

#: scan-summary.json as scan writes it (its day in its --tz, the default's offset)
SUMMARY = {"day": DAY, "model_version": "m0001", "threshold": 0.84, "kind": "cdr",
           "tz": "Asia/Shanghai", "utc_offset_hours": 8}  # fmt: skip

MODEL_REASON = {
    "code": "HIGH_INTERVAL_CV",
    "evidence": {"interval_cv_by_caller_1d": 3.8, "benign_median": 0.47},
    "weight": 7.5,
    "source": "model",
}
CAMPAIGN_REASONS = [
    {"code": "shared_list_ranges", "evidence": {"links": 2216}},
    {"code": "low_answer_rate", "evidence": {"answer_rate": 0.2}},
]


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(header)
        w.writerows(rows)


def scan_dir(root: Path) -> Path:
    scan = root / "scan"
    scan.mkdir(parents=True)
    _csv(
        scan / "verdicts.csv",
        ["number", "label", "score", "category", "reasons", "campaign"],
        [
            [ROBO1, "harassment", 0.9931, "insurance", json.dumps([MODEL_REASON]), "C1"],
            [ROBO2, "harassment", 0.95, "insurance", "[]", "C1"],
            [COURIER, "benign", 0.001, "", "[]", ""],
        ],
    )
    _csv(
        scan / "campaigns.csv",
        ["campaign_id", "status", "category", "members", "numbers", "ingresses", "first_seen",
         "last_seen", "daily_volume", "answer_rate", "list_size", "complaint_count",
         "callee_signature", "script_signature", "reasons"],
        [["C1", "active", "insurance", 2, f"{ROBO1};{ROBO2}", "SIPT-1", "2026-11-02T01:00:00+00:00",
          "2026-11-02T09:00:00+00:00", 4000, 0.2, 3900, 3, "abc", "s18",
          json.dumps(CAMPAIGN_REASONS)]],
    )  # fmt: skip
    _csv(
        scan / "campaign_members.csv",
        ["campaign_id", "number", "first_seen", "last_seen", "calls"],
        [
            ["C1", ROBO2, "2026-11-02T01:00:00+00:00", "2026-11-02T02:00:00+00:00", 5],
            ["C1", ROBO1, "2026-11-02T01:00:00+00:00", "2026-11-02T09:00:00+00:00", 20],
        ],
    )
    _csv(
        scan / "spoofed_calls.csv",
        ["call_id", "caller", "unallocated", "asserted_mismatch", "region_implausible"],
        [["c000001", ROBO1, "false", "true", "false"]],
    )
    _csv(scan / "bridged_calls.csv", ["call_id", "leg", "agent", "ingress", "pair_key"], [])
    (scan / "scan-summary.json").write_text(
        json.dumps(SUMMARY),
        encoding="utf-8",
    )
    return scan


def cdrs(root: Path) -> Path:
    """20 calls of ROBO1 (every 20 minutes from 09:00 local, every fourth answered, two
    ingresses), 5 of ROBO2, 2 of the courier, one ROBO1 call the day before."""
    rows: list[dict[str, object]] = []

    def call(t: datetime, caller: str, callee: str, dur: float, ingress: str) -> None:
        rows.append(
            {
                "call_id": f"c{len(rows):06d}",
                "start_time": t,
                "caller": caller,
                "callee": callee,
                "duration_s": dur,
                "answered": dur > 0,
                "ring_s": 5.0,
                "release_cause": 16 if dur > 0 else 19,
                "ingress": ingress,
                "asserted_caller": None,
                "attestation": "C",
                "caller_region": None,
                "callee_region": None,
                "imei": None,
            }
        )

    for i in range(20):
        t = START + timedelta(hours=9, minutes=20 * i)
        call(
            t,
            ROBO1,
            f"+86139{i:08d}",
            30.0 if i % 4 == 0 else 0.0,
            "SIPT-1" if i < 15 else "SIPT-2",
        )
    for i in range(5):
        call(START + timedelta(hours=10, minutes=i), ROBO2, f"+86137{i:08d}", 0.0, "SIPT-1")
    for i in range(2):
        call(START + timedelta(hours=14, minutes=i), COURIER, f"+86136{i:08d}", 40.0, "MSC-1")
    call(START - timedelta(hours=2), ROBO1, "+8613500000000", 0.0, "SIPT-1")  # the day before
    cols = {f.name: [r[f.name] for r in rows] for f in CANONICAL_SCHEMA}
    path = root / "cdrs.parquet"
    pq.write_table(pa.table(cols, schema=CANONICAL_SCHEMA), path)
    return path


def later_day(
    root: Path, day: str = "2026-11-03", row: str = f"{COURIER},benign,0.002,,[],"
) -> Path:
    """A later day's scan folder holding one verdict row: by default the scan of 2026-11-03,
    the courier only (ROBO1 placed no calls that day)."""
    scan = root / "scan"
    scan.mkdir(parents=True)
    (scan / "verdicts.csv").write_text(
        f"number,label,score,category,reasons,campaign\n{row}\n", encoding="utf-8"
    )
    (scan / "scan-summary.json").write_text(
        json.dumps({"day": day, "model_version": "m0001", "kind": "cdr", "tz": "UTC+8"}),
        encoding="utf-8",
    )
    return scan

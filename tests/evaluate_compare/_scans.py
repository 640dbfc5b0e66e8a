"""Hand-made scans for the compare tests: verdict tables and scan folders."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa

COLUMNS = ("number", "label", "score", "category", "reasons", "campaign")
A, B, C, D, E, F, G, H = (f"+861390000000{i}" for i in range(8))
Z = "+8613900000099"  # labelled fraud, in neither scan


def reasons(*codes: str) -> str:
    return json.dumps([{"code": c, "evidence": {}} for c in codes])


#: old: A harassment, B fraud, C harassment (cleared), D benign (newly flagged), E benign,
#: F harassment (only in old: cleared)
OLD = [
    (A, "harassment", "0.95", "insurance", reasons("HIGH_INTERVAL_CV"), "C1"),
    (B, "fraud", "0.99", "loan_fraud", reasons("UNALLOCATED_CALLER"), ""),
    (C, "harassment", "0.90", "insurance", reasons("LOW_ANSWER_RATE", "HIGH_ATTEMPTS"), "C1"),
    (D, "benign", "0.10", "", "[]", "C2"),
    (E, "benign", "0.20", "", "[]", ""),
    (F, "harassment", "0.80", "real_estate", reasons("HIGH_ATTEMPTS"), ""),
]
#: new: A fraud (label and category change), B fraud, C benign, D harassment, E benign,
#: G fraud and H benign (only in new)
NEW = [
    (A, "fraud", "0.96", "loan_fraud", reasons("LOW_IN_OUT_RATIO"), "C1"),
    (B, "fraud", "0.98", "loan_fraud", reasons("UNALLOCATED_CALLER"), ""),
    (C, "benign", "0.30", "", "[]", "C1"),
    (D, "harassment", "0.97", "real_estate", reasons("HIGH_SEQUENTIAL_DIALING_SHARE"), "C2"),
    (E, "benign", "0.10", "", "[]", ""),
    (G, "fraud", "0.93", "loan_fraud", reasons("HIGH_ATTEST_C_SHARE"), ""),
    (H, "benign", "0.05", "", "[]", ""),
]


def table(rows: list[tuple[str, ...]]) -> pa.Table:
    return pa.table({c: [r[i] for r in rows] for i, c in enumerate(COLUMNS)})


def write_scan(
    folder: Path,
    rows: list[tuple[str, ...]],
    *,
    day: str = "2026-11-02",
    cdrs: str | None = "/data/cdrs",
    features: str | None = None,
    tz: str = "Asia/Shanghai",
    summary: bool = True,
) -> Path:
    """A scan's output folder: verdicts.csv and a scan-summary.json that describes it."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "verdicts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)
    if summary:
        by: dict[str, int] = {}
        for r in rows:
            by[r[1]] = by.get(r[1], 0) + 1
        said = {
            "numbers": len(rows),
            "by_label": by,
            "day": day,
            "tz": tz,
            "kind": "cdr",
            "min_attempts": 5,
            "model_version": folder.name,
            "inputs": {"model": None, "cdrs": cdrs, "features": features},
        }
        (folder / "scan-summary.json").write_text(json.dumps(said), encoding="utf-8")
    return folder

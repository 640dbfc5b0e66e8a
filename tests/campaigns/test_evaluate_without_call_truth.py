"""``evaluate --cdrs`` on CDRs with no call_truth.parquet beside them (an ingest folder): the
bridging and AXB-leg figures are left out with a note and a ``skipped`` entry saying why.
Before 29 Nov they were left out without a word."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from callwarden.cli.campaigns import evaluate_section, print_section

from .conftest import Day, campaign, ordinary


def _folder(tmp_path: Path, file: str) -> tuple[Path, Path, Path]:
    """CDRs (``cdrs/FILE``), verdicts with a campaign column, labels."""
    day = Day()
    people = ordinary(day)
    pool = campaign(
        day, list_start=0, list_len=600, numbers=12, calls_per_number=10, ingress="trunk-ai"
    )
    cdrs = tmp_path / "cdrs"
    cdrs.mkdir()
    pq.write_table(day.table(), cdrs / file)
    numbers = pool + people
    verdicts, labels = tmp_path / "verdicts.csv", tmp_path / "labels.csv"
    pcsv.write_csv(
        pa.table({"number": numbers, "campaign": ["C1"] * len(pool) + [""] * len(people)}),
        verdicts,
    )
    pcsv.write_csv(
        pa.table(
            {
                "number": numbers,
                "label": ["harassment"] * len(pool) + ["benign"] * len(people),
                "category": [""] * len(numbers),
                "campaign": ["op1"] * len(pool) + [""] * len(people),
            }
        ),
        labels,
    )
    return cdrs, verdicts, labels


def test_the_left_out_figures_are_named_with_their_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cdrs, verdicts, labels = _folder(tmp_path, "part-0.parquet")  # as ingest writes them
    section = evaluate_section(verdicts, labels, cdrs, replay=False)
    assert section is not None and "bridging" not in section
    assert "axb_legs_flagged" not in section["axb"]
    skipped = section["skipped"]
    assert set(skipped) == {"bridging", "axb.axb_legs_flagged"}
    assert all("no call_truth.parquet beside the CDRs" in why for why in skipped.values())
    print_section(section)
    notes = [line for line in capsys.readouterr().out.splitlines() if "note:" in line]
    assert len(notes) == 1
    assert "bridging and axb.axb_legs_flagged left out: no call_truth.parquet" in notes[0]
    assert str(cdrs) in notes[0]


def test_with_call_truth_beside_nothing_is_skipped(tmp_path: Path) -> None:
    cdrs, verdicts, labels = _folder(tmp_path, "cdrs.parquet")  # as the simulator writes them
    ids = pq.read_table(cdrs / "cdrs.parquet")["call_id"]
    truth = pa.table(
        {
            "call_id": ids,
            "label": pa.array(["benign"] * len(ids), pa.string()),
            "bridge_id": pa.array([None] * len(ids), pa.int64()),
        }
    )
    pq.write_table(truth, cdrs / "call_truth.parquet")
    section = evaluate_section(verdicts, labels, cdrs, replay=False)
    assert section is not None and "skipped" not in section
    assert section["bridging"]["truth_legs"] == 0 and "axb_legs_flagged" in section["axb"]

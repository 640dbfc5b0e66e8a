"""Real numbers: one day of US FTC Do-Not-Call complaints (public domain, ../shared/data)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pytest

from callwarden.numbers import classify_array, normalize, normalize_array

FTC = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "ftc_dnc_complaints"
    / "complaints_2021-07-07.csv"
)


@pytest.mark.data
def test_ftc_complaint_numbers_normalise_as_us_numbers() -> None:
    if not FTC.exists():
        pytest.skip(f"shared data absent: {FTC}")
    table = pcsv.read_csv(
        FTC, convert_options=pcsv.ConvertOptions(column_types={"Company_Phone_Number": pa.string()})
    )
    raw = table["Company_Phone_Number"].combine_chunks()
    assert len(raw) > 10_000
    e164 = normalize_array(raw, region="US")
    valid = len(e164) - e164.null_count
    # Complaint forms hold typos and spoofed caller IDs; most are still valid NANP numbers.
    assert valid / len(raw) > 0.85
    assert pc.all(pc.starts_with(e164.drop_null(), "+1")).as_py()
    # The vectorised path agrees with the scalar one on real data.
    sample = raw.slice(0, 2000).to_pylist()
    assert normalize_array(sample, region="US").to_pylist() == [
        normalize(v, "US") if v else None for v in sample
    ]
    # Seen from China, a valid US number is foreign.
    classes = pc.value_counts(classify_array(e164.drop_null())).to_pylist()
    assert {c["values"] for c in classes} == {"foreign"}

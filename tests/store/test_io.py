"""Reading verdicts.csv and received calls; number and pattern normalisation at the edge."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.errors import InputError
from callwarden.policy import Reason
from callwarden.store.io import e164, pattern, read_received_calls, read_verdicts_csv

DATA = Path(__file__).resolve().parents[1] / "data" / "store"


def test_read_verdicts_golden() -> None:
    vs = read_verdicts_csv(DATA / "verdicts.csv")
    assert [v.number for v in vs] == ["+8617012345678", "+8617012345679", "+8695588"]
    assert vs[0].reasons == (Reason("low_answer_rate", {"answer_rate_by_caller_1d": 0.11}),)
    assert (vs[1].label, vs[1].score, vs[1].category, vs[1].campaign) == (
        "fraud",
        0.97,
        "impersonation_police",
        "camp-8",
    )
    assert vs[2].reasons == () and vs[2].campaign == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("number,score\n+8617012345678,0.5\n", "missing column(s) label"),
        ("number,label,score\n+8617012345678,spam,0.5\n", "line 2: label 'spam'"),
        ("number,label,score\n+8617012345678,fraud,high\n", "line 2: score 'high'"),
        ("number,label,score\nnot-a-number,fraud,0.5\n", "line 2: number"),
        ("number,label,score,reasons\n+8617012345678,fraud,0.5,{oops\n", "line 2: reasons"),
    ],
)
def test_bad_verdict_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "v.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_verdicts_csv(p)


def test_patterns_and_numbers() -> None:
    assert e164("13800138000") == "+8613800138000"
    assert pattern("400*") == "+86400*"
    assert pattern("010*") == "+8610*"
    assert pattern("+86 170*") == "+86170*"
    assert pattern("0086170*") == "+86170*"
    assert pattern("95588") == "+8695588"
    for bad in ("abc*", "*", "12x"):
        with pytest.raises(InputError):
            pattern(bad)


def test_received_calls_from_csv(tmp_path: Path) -> None:
    p = tmp_path / "cdrs.csv"
    p.write_text(
        "start_time,caller,callee,duration_s\n"
        "2026-11-01T10:00:00Z,+8617012345678,+8613800138000,0\n"
        "2026-11-01T11:00:00Z,+8617012345678,+8613800138000,30\n"
        "2026-11-01T11:00:00Z,+8617012345678,+8613900000000,0\n",
        encoding="utf-8",
    )
    rows = sorted(read_received_calls(p))
    assert [(a, b, n) for a, b, _, _, n in rows] == [
        ("+8613800138000", "+8617012345678", 2),
        ("+8613900000000", "+8617012345678", 1),
    ]
    assert rows[0][3] - rows[0][2] == 3600.0


def test_received_calls_from_paths_with_quotes(tmp_path: Path) -> None:
    """A quote in a file name neither breaks the query nor injects SQL (the path was
    pasted into the DuckDB statement unescaped)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    header = "start_time,caller,callee,duration_s\n"
    row = "2026-11-01T10:00:00Z,+8617012345678,+8613800138000,0\n"
    (tmp_path / "o'brien.csv").write_text(header + row, encoding="utf-8")
    assert [r[:2] for r in read_received_calls(tmp_path / "o'brien.csv")] == [
        ("+8613800138000", "+8617012345678")
    ]
    evil = (
        "real.csv') WHERE false GROUP BY ALL UNION ALL SELECT '+8613800138000' AS callee, "
        "'+8619999999999' AS caller, 1.8e9, 1.8e9, 7 --.csv"
    )
    (tmp_path / evil).write_text(header + row, encoding="utf-8")
    assert [r[:2] for r in read_received_calls(tmp_path / evil)] == [
        ("+8613800138000", "+8617012345678")
    ]  # only the file's own row: no invented caller
    t = pa.table({"start_time": pa.array([0], pa.timestamp("us", tz="UTC")),
                  "caller": ["+8617012345678"], "callee": ["+8613800138000"],
                  "duration_s": [0.0]})  # fmt: skip
    pq.write_table(t, tmp_path / "it's.parquet")
    assert len(read_received_calls(tmp_path / "it's.parquet")) == 1

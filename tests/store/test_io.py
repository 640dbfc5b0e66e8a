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


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("category", "loan\r\nX-Injected: 1", r"line 3: category .* printable .*U\+000D"),
        ("category", "loan\u202efraud", r"line 3: category .* printable .*U\+202E"),
        ("campaign", "c\u20281", r"line 3: campaign .* printable .*U\+2028"),
        ("campaign", "c\x1b[31m", r"line 3: campaign .* printable .*U\+001B"),
        ("campaign", "a/b", r"line 3: campaign 'a/b' must not contain '/'"),
        ("campaign", "..", r"line 3: campaign '\.\.' must not contain '/' nor be"),
        ("campaign", ".", r"line 3: campaign '\.' must not contain '/' nor be"),
    ],
)
def test_verdict_text_follows_the_api_rules(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    """serve --verdicts (and the demo) read verdicts.csv by the rules of the API's verdict
    model: a category or campaign that is not printable, or a campaign id that is no path
    segment, is refused with its line (only a NUL was before: it was imported)."""
    import csv

    p = tmp_path / "verdicts.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["number", "label", "score", "category", "reasons", "campaign"])
        w.writerow(["+8617012345678", "fraud", "0.9", "loan", "", "c1"])
        row = {"category": "loan", "campaign": "c1", column: value}
        w.writerow(["+8617012345679", "fraud", "0.9", row["category"], "", row["campaign"]])
    with pytest.raises(InputError, match=message):
        read_verdicts_csv(p)


def test_verdict_text_that_the_api_takes_is_read(tmp_path: Path) -> None:
    """What the API's model takes stays readable: spaces inside, dots, Chinese, '..' inside
    an id, and whitespace around (stripped)."""
    p = tmp_path / "verdicts.csv"
    p.write_text(
        "number,label,score,category,reasons,campaign\n"
        "+8617012345678,fraud,0.9,冒充 公检法,,camp.v2..x\n"
        '+8617012345679,fraud,0.9,"\tloan ",,"  c-1\t"\n',
        encoding="utf-8",
    )
    vs = read_verdicts_csv(p)
    assert [(v.category, v.campaign) for v in vs] == [
        ("冒充 公检法", "camp.v2..x"),
        ("loan", "c-1"),
    ]

"""Transcripts for campaign linking (``campaigns`` and ``scan`` through ``scan_hook``): read by
screen's rules with screen's messages, warned about when they are not the CDRs' calls, and
taken from beside the CDRs by ``campaigns`` as by ``scan``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

from .conftest import Day, campaign, ordinary

EDUCATION = "您好，我们是学而思教育，孩子的数学成绩需要提高吗，我们有免费试听课"
INSURANCE = "您好，这边是平安保险，给您推荐一款重疾险，保费很低"

runner = CliRunner()


def _day() -> tuple[Day, list[str], list[str]]:
    """A day of ordinary calls and one rotation pool; the pool's call ids."""
    day = Day()
    ordinary(day)
    first = len(day.rows)
    campaign(day, list_start=0, list_len=600, numbers=12, calls_per_number=10, ingress="trunk-ai")
    pool_calls = [str(r["call_id"]) for r in day.rows[first:]]
    pool = sorted({str(r["caller"]) for r in day.rows[first:]})
    return day, pool_calls, pool


def _jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def _said(call_ids: list[str], text: str) -> list[dict[str, object]]:
    return [{"call_id": c, "turns": [{"speaker": "caller", "text": text}]} for c in call_ids]


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, list[str], list[str]]:
    day, pool_calls, pool = _day()
    pq.write_table(day.table(), tmp_path / "cdrs.parquet")
    return tmp_path, pool_calls, pool


def _scan(folder: Path, pool: list[str], out: Path, transcripts: Path | None) -> object:
    from callwarden.cli.campaigns import scan_hook
    from callwarden.detect.verdicts import ScanResult, filled

    n = len(pool)
    scan = ScanResult(
        numbers=np.array(pool, dtype=object),
        labels=filled(n, "harassment"),
        scores=np.ones(n),
        categories=filled(n, ""),
        reasons=[[] for _ in range(n)],
        campaigns=filled(n, ""),
        threshold=0.5,
    )
    scan_hook(scan, folder, out, transcripts=transcripts)
    return scan


MALFORMED = {
    "turns not a list": '{"call_id": "zz", "turns": "notalist"}\n',
    "a turn not an object": '{"call_id": "zz", "turns": ["x"]}\n',
    "an unknown speaker": '{"call_id": "zz", "turns": [{"speaker": "bot", "text": "hi"}]}\n',
    "bad JSON": '{"call_id": "zz", "turns": []}\n{bad json\n',
    "a JSON array": "[1, 2]\n",
}


@pytest.mark.parametrize("damage", sorted(MALFORMED))
def test_malformed_transcripts_are_screens_one_line_error(
    folder: tuple[Path, list[str], list[str]], damage: str
) -> None:
    """Before 29 Nov 'turns' of another shape ended scan and campaigns in an AttributeError
    traceback (exit 1); screen answered one line. Now all three answer screen's line."""
    from callwarden.errors import InputError

    path, _, pool = folder
    bad = path / "bad.jsonl"
    bad.write_text(MALFORMED[damage], encoding="utf-8")
    screen = runner.invoke(app, ["screen", "--transcripts", str(bad), "--out", str(path / "v.csv")])
    assert screen.exit_code == 2, screen.output
    res = runner.invoke(
        app, ["campaigns", "--cdrs", str(path), "--out", str(path / "c"), "--transcripts", str(bad)]
    )
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.output.strip().splitlines() == screen.output.strip().splitlines()
    assert res.output.startswith("error: ")
    with pytest.raises(InputError) as err:  # scan's path
        _scan(path, pool, path / "s", bad)
    assert screen.output.strip() == f"error: {err.value}"


def test_a_transcript_without_its_call_id_is_refused(
    folder: tuple[Path, list[str], list[str]],
) -> None:
    path, pool_calls, _ = folder
    bad = _jsonl(path / "noid.jsonl", [*_said(pool_calls[:1], EDUCATION), {"turns": []}])
    res = runner.invoke(
        app, ["campaigns", "--cdrs", str(path), "--out", str(path / "c"), "--transcripts", str(bad)]
    )
    assert res.exit_code == 2, res.output
    assert res.output.strip() == (
        f"error: {bad}:2: a transcript needs its call_id (the call it records)"
    )


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("warning: ")]


def test_transcripts_of_other_calls_are_warned_about(
    folder: tuple[Path, list[str], list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another day's transcripts linked nothing without a word (exit 0, no category)."""
    path, pool_calls, pool = folder
    other = _jsonl(path / "other.jsonl", _said([f"x{c}" for c in pool_calls], EDUCATION))
    res = runner.invoke(
        app,
        ["campaigns", "--cdrs", str(path), "--out", str(path / "c"), "--transcripts", str(other)],
    )
    assert res.exit_code == 0, res.output
    (line,) = _warnings(res.output)
    assert f"none of their {len(pool_calls)} call_id values" in line and "'xc" in line
    assert "no numbers are linked by script" in line

    from callwarden.cli import _detect_io

    said: list[str] = []
    monkeypatch.setattr(_detect_io, "warn", said.append)
    _scan(path, pool, path / "s", other)
    assert len(said) == 1 and "none of their" in said[0]


def test_transcripts_mostly_of_other_calls_state_the_counts(
    folder: tuple[Path, list[str], list[str]],
) -> None:
    path, pool_calls, _ = folder
    mixed = _jsonl(
        path / "mixed.jsonl",
        _said(pool_calls[:10], EDUCATION) + _said([f"x{c}" for c in pool_calls[:30]], EDUCATION),
    )
    res = runner.invoke(
        app,
        ["campaigns", "--cdrs", str(path), "--out", str(path / "c"), "--transcripts", str(mixed)],
    )
    assert res.exit_code == 0, res.output
    (line,) = _warnings(res.output)
    assert "only 10 of their 40 call_id values" in line and "the other 30" in line
    # half or more of the calls known: no warning
    half = _jsonl(
        path / "half.jsonl",
        _said(pool_calls[:20], EDUCATION) + _said([f"x{c}" for c in pool_calls[:20]], EDUCATION),
    )
    res = runner.invoke(
        app,
        ["campaigns", "--cdrs", str(path), "--out", str(path / "c"), "--transcripts", str(half)],
    )
    assert res.exit_code == 0 and not _warnings(res.output), res.output


def test_an_empty_transcripts_file_is_warned_about(
    folder: tuple[Path, list[str], list[str]],
) -> None:
    path, _, _ = folder
    empty = path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    res = runner.invoke(
        app,
        ["campaigns", "--cdrs", str(path), "--out", str(path / "c"), "--transcripts", str(empty)],
    )
    assert res.exit_code == 0, res.output
    (line,) = _warnings(res.output)
    assert "hold no transcripts" in line


def _categories(out: Path) -> list[str]:
    table = pcsv.read_csv(
        out / "campaigns.csv",
        convert_options=pcsv.ConvertOptions(strings_can_be_null=False),
    )
    return [str(c) for c in table["category"].to_pylist()]


def test_campaigns_reads_the_transcripts_beside_the_cdrs_as_scan_does(
    folder: tuple[Path, list[str], list[str]],
) -> None:
    """Before 29 Nov `campaigns --cdrs SIM_DIR` ignored SIM_DIR/transcripts.jsonl, which
    `scan --cdrs SIM_DIR` read: the two wrote different campaigns.csv from one folder."""
    path, pool_calls, pool = folder
    _jsonl(path / "transcripts.jsonl", _said(pool_calls, EDUCATION))
    res = runner.invoke(app, ["campaigns", "--cdrs", str(path), "--out", str(path / "c")])
    assert res.exit_code == 0, res.output
    assert _categories(path / "c") == ["education"]
    _scan(path, pool, path / "s", None)
    assert (path / "c" / "campaigns.csv").read_bytes() == (
        path / "s" / "campaigns.csv"
    ).read_bytes()
    # --transcripts still overrides the file beside the CDRs (and a parquet path finds it)
    other = _jsonl(path / "other.jsonl", _said(pool_calls, INSURANCE))
    res = runner.invoke(
        app,
        ["campaigns", "--cdrs", str(path / "cdrs.parquet"), "--out", str(path / "o"),
         "--transcripts", str(other)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert _categories(path / "o") == ["insurance"]
    import typer.main

    command = typer.main.get_command(app).commands["campaigns"]  # type: ignore[attr-defined]
    option = next(p for p in command.params if p.name == "transcripts")
    assert "transcripts.jsonl beside --cdrs" in str(option.help)


def test_scan_reads_the_transcripts_before_it_scores(tmp_path: Path) -> None:
    """A malformed file fails before the day is scanned (the model is not even read)."""
    cdrs = tmp_path / "cdrs"
    cdrs.mkdir()
    bad = _jsonl(tmp_path / "bad.jsonl", [{"call_id": "x", "turns": "notalist"}])
    res = CliRunner().invoke(app, ["scan", "--cdrs", str(cdrs), "--model", str(tmp_path / "none"),
                                   "--out", str(tmp_path / "out"), "--transcripts", str(bad)])  # fmt: skip
    assert res.exit_code == 2 and "'turns' must be a list of turns" in res.output, res.output


def test_a_json_array_of_calls_reads_as_its_json_lines(tmp_path: Path) -> None:
    """screen reads one JSON array of calls since session 18; campaign linking (scan,
    campaigns) reads the same file alike (it refused it as 'each line must be a JSON
    object', so the two commands answered one file differently)."""
    from callwarden.campaigns.io import read_transcripts

    calls = [
        {"call_id": f"c{i}", "turns": [{"speaker": "caller", "text": f"您好，第{i}个电话"}]}
        for i in range(3)
    ]
    lines = tmp_path / "t.jsonl"
    lines.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in calls), "utf-8")
    array = tmp_path / "t.json"
    array.write_text(json.dumps(calls, ensure_ascii=False, indent=1), "utf-8")
    assert list(read_transcripts(array)) == list(read_transcripts(lines))

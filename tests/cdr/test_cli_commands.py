"""``callwarden ingest`` and ``callwarden number`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callwarden.cli.main import main

from ._golden import DATA


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = 0
    try:
        main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ingest_prints_summary_and_writes_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, _ = _run(
        ["ingest", str(DATA / "small.csv"), str(DATA / "voc.csv"), "--out", str(out)], capsys
    )
    # voc.csv has the Sichuan layout: without its mapping it lacks the canonical columns.
    assert code == 2
    code, stdout, _ = _run(["ingest", str(DATA / "small.csv"), "--out", str(out)], capsys)
    assert code == 0 and "kept (new)" in stdout and "6" in stdout
    summary = json.loads((out / "ingest-summary.json").read_text())
    assert summary["rows_kept"] == 6
    code, stdout, _ = _run(
        ["ingest", str(DATA / "voc.csv"), "--mapping", "sichuan_voc", "--out", str(out), "--json"],
        capsys,
    )
    assert code == 0 and json.loads(stdout)["quarantined_by_reason"] == {"bad_direction": 1}


def test_ingest_missing_column_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["ingest", str(DATA / "voc.csv"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert err.startswith("error: ") and "'start_time'" in err and "--mapping" in err


def test_number_prints_one_json_object_per_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = tmp_path / "registry.csv"
    registry.write_text("number\n+8613800138000\n")
    code, stdout, _ = _run(
        [
            "number",
            "138 0013 8000",
            "(0755)8888-8888",
            "95588",
            "nonsense",
            "--registry",
            str(registry),
        ],
        capsys,
    )
    assert code == 0
    docs = [json.loads(line) for line in stdout.splitlines()]
    assert [d["e164"] for d in docs] == ["+8613800138000", "+8675588888888", "+8695588", None]
    assert [d["class"] for d in docs] == ["mobile", "fixed", "service", "invalid"]
    assert [d["allocated"] for d in docs] == [True, False, False, False]
    assert docs[0]["carrier"] == "中国移动" and docs[1]["city"] == "深圳市"


def test_number_reads_stdin_in_bulk(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    lines = [f"1380013{i:04d}" for i in range(1500)] + ["95588", "junk"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code, stdout, _ = _run(["number", "-"], capsys)
    docs = [json.loads(line) for line in stdout.splitlines()]
    assert code == 0 and len(docs) == len(lines)
    assert docs[0]["e164"] == "+8613800130000" and docs[0]["province"] == "北京市"
    assert docs[0]["carrier"] == "中国移动" and docs[0]["location"] == "北京市"
    assert (docs[-2]["class"], docs[-1]["class"], docs[-1]["e164"]) == ("service", "invalid", None)

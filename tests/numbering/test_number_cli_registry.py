"""``callwarden number --registry``: rows of the registry that do not parse are warned about,
as ``scan`` warns (before, their numbers read ``"allocated": false`` without a word)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callwarden.cli.main import main


def test_number_warns_about_registry_rows_that_do_not_parse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = tmp_path / "registry.csv"
    reg.write_text("number\n13800138000\n13800138001\n1380013800x\n", encoding="utf-8")
    code = 0
    try:
        main(["number", "13800138000", "1380013800x", "--registry", str(reg)])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert code == 0
    docs = [json.loads(line) for line in out.out.splitlines()]
    assert [d["allocated"] for d in docs] == [True, False]
    assert "warning: registry" in out.err
    assert "1 of 3 numbers do not parse" in out.err and "'1380013800x' on line 4" in out.err

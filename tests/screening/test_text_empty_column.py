"""classify-text and cluster-scripts refuse a text column empty in every row, as train-text
does (docs/screening.md; CLI audit of 29 Nov: classify-text labelled every row of
``id,text / 1, / 2,`` as the model scores an empty text and cluster-scripts put each row in a
cluster of its own, both with exit 0). A header-only input still gives just the header."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from callwarden.cli.main import app


def _run(args: list[object]) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("text_empty")
    train = root / "train.csv"
    rows = [
        f"{i},{'请立即转账到安全账户' if i % 2 else '明天下午一起开会'} {i},{i % 2}"
        for i in range(8)
    ]
    train.write_text("id,text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    res = _run(["train-text", "--input", train, "--text-column", "text", "--label-column",
                "label", "--out", root / "m"])  # fmt: skip
    assert res.exit_code == 0, res.output
    return root / "m"


def _inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    """Empty CSV cells, empty JSON strings, empty lists of turns: (file, text column)."""
    csv = tmp / "empty.csv"
    csv.write_text("id,text\n1,\n2,\n", encoding="utf-8")
    js = tmp / "empty.jsonl"
    js.write_text("".join(json.dumps({"id": i, "text": ""}) + "\n" for i in (1, 2)))
    turns = tmp / "turns.jsonl"
    turns.write_text("".join(json.dumps({"id": i, "turns": []}) + "\n" for i in (1, 2)))
    return {"csv": (csv, "text"), "json": (js, "text"), "turns": (turns, "turns")}


def _refused(res: Result, column: str, purpose: str) -> None:
    assert res.exit_code == 2, res.output
    assert f"error: column {column!r} is empty in every row: no text to {purpose}" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("case", ["csv", "json", "turns"])
def test_classify_text_refuses_an_empty_text_column(model: Path, tmp_path: Path, case: str) -> None:
    path, column = _inputs(tmp_path)[case]
    out = tmp_path / "p.csv"
    res = _run(["classify-text", "--input", path, "--text-column", column, "--model", model,
                "--out", out])  # fmt: skip
    _refused(res, column, "classify")
    assert not out.exists()


@pytest.mark.parametrize("case", ["csv", "json", "turns"])
def test_cluster_scripts_refuses_an_empty_text_column(tmp_path: Path, case: str) -> None:
    path, column = _inputs(tmp_path)[case]
    out = tmp_path / "cl.csv"
    res = _run(["cluster-scripts", "--input", path, "--text-column", column, "--id-column",
                "id", "--out", out])  # fmt: skip
    _refused(res, column, "cluster")
    assert not out.exists()


def test_train_text_gives_the_same_message(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("id,text,label\n1,,a\n2,,b\n", encoding="utf-8")
    res = _run(["train-text", "--input", path, "--text-column", "text", "--label-column",
                "label", "--out", tmp_path / "m"])  # fmt: skip
    _refused(res, "text", "learn")


def test_one_text_is_enough_and_a_header_only_input_gives_the_header(
    model: Path, tmp_path: Path
) -> None:
    some = tmp_path / "some.csv"
    some.write_text("id,text\n1,\n2,请立即转账\n", encoding="utf-8")
    res = _run(["classify-text", "--input", some, "--text-column", "text", "--model", model,
                "--out", tmp_path / "p.csv"])  # fmt: skip
    assert res.exit_code == 0, res.output
    res = _run(["cluster-scripts", "--input", some, "--text-column", "text", "--id-column",
                "id", "--out", tmp_path / "cl.csv"])  # fmt: skip
    assert res.exit_code == 0, res.output
    header = tmp_path / "header.csv"
    header.write_text("id,text\n", encoding="utf-8")
    res = _run(["classify-text", "--input", header, "--text-column", "text", "--model", model,
                "--out", tmp_path / "h.csv"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (tmp_path / "h.csv").read_text(encoding="utf-8").strip() == "id,text,predicted,score"
    res = _run(["cluster-scripts", "--input", header, "--text-column", "text", "--id-column",
                "id", "--out", tmp_path / "hc.csv"])  # fmt: skip
    assert res.exit_code == 0, res.output

"""train-text trims label cells (" normal" and "normal" were two classes) and classify-text
refuses an input that already has its ``predicted`` or ``score`` column (it overwrote
them silently)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

TEXTS = ["请立即转账到安全账户", "您的快递已到", "涉嫌洗钱请配合调查", "明天下午开会"] * 3


def _train(tmp_path: Path, labels: list[str], *extra: str) -> tuple[int, str, Path]:
    data = tmp_path / "texts.csv"
    rows = "".join(f"{t},{lab}\n" for t, lab in zip(TEXTS, labels, strict=True))
    data.write_text("text,label\n" + rows, encoding="utf-8")
    out = tmp_path / "model"
    res = CliRunner().invoke(app, ["train-text", "--input", str(data), "--text-column", "text",
                                   "--label-column", "label", "--out", str(out), *extra])  # fmt: skip
    return res.exit_code, res.output, out


def test_labels_differing_in_surrounding_spaces_are_one_label(tmp_path: Path) -> None:
    labels = ["fraud", "normal", " fraud", "normal ", "fraud ", " normal"] * 2
    code, output, out = _train(tmp_path, labels)
    assert code == 0, output
    assert json.loads((out / "meta.json").read_text(encoding="utf-8"))["labels"] == [
        "fraud", "normal",
    ]  # fmt: skip


def test_missing_label_and_exclude_from_macro_still_apply(tmp_path: Path) -> None:
    labels = ["fraud", "", " fraud", "  ", "fraud ", ""] * 2
    report = tmp_path / "cv.json"
    code, output, out = _train(tmp_path, labels, "--missing-label", " normal ", "--cv", "2",
                               "--exclude-from-macro", "normal ", "--report", str(report))  # fmt: skip
    assert code == 0, output
    assert json.loads((out / "meta.json").read_text(encoding="utf-8"))["labels"] == [
        "fraud", "normal",
    ]  # fmt: skip
    rep = json.loads(report.read_text(encoding="utf-8"))["wordchar"]
    assert rep["labels"] == ["fraud", "normal"] and rep["macro_labels"] == ["fraud"]


def test_a_blank_label_without_missing_label_names_its_row(tmp_path: Path) -> None:
    code, output, _ = _train(tmp_path, ["fraud", "normal", "  "] + ["fraud", "normal"] * 4 + ["x"])
    assert code != 0 and "row 3 has no label" in output


@pytest.mark.parametrize("column", ["predicted", "score"])
def test_classify_text_refuses_to_overwrite_a_column(tmp_path: Path, column: str) -> None:
    code, output, model = _train(tmp_path, ["fraud", "normal"] * 6)
    assert code == 0, output
    data = tmp_path / "new.csv"
    data.write_text(f"text,{column}\n请立即转账到安全账户,analyst note\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["classify-text", "--input", str(data), "--text-column",
                                   "text", "--model", str(model), "--out", str(out)])  # fmt: skip
    assert res.exit_code != 0 and f"already has a '{column}' column" in res.output
    assert not out.exists()

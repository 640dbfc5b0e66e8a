"""train-text and classify-text on inputs shaped otherwise than the dev sets."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from callwarden.cli.main import app

TEXTS = ["请立即转账到安全账户", "您的快递已到", "涉嫌洗钱请配合调查", "明天下午开会"] * 3


def _invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


def test_integer_labels_with_a_blank_stay_integers(tmp_path: Path) -> None:
    """JSON integers with a null among them read as floats: the labels were "1.0", "0.0"."""
    data = tmp_path / "texts.jsonl"
    labels = [1, 0, 1, None] * 3
    data.write_text(
        "".join(
            json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n"
            for t, lab in zip(TEXTS, labels, strict=True)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "model"
    code, output = _invoke(
        "train-text", "--input", str(data), "--text-column", "text", "--label-column", "label",
        "--missing-label", "2", "--kind", "baseline", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    assert json.loads((out / "meta.json").read_text(encoding="utf-8"))["labels"] == ["0", "1", "2"]


def test_a_text_column_empty_in_every_row_is_one_clear_error(tmp_path: Path) -> None:
    """baseline stopped with sklearn's "empty vocabulary" traceback; wordchar wrote a model."""
    data = tmp_path / "texts.csv"
    data.write_text("text,label\n" + "".join(f" ,{i % 2}\n" for i in range(12)), encoding="utf-8")
    for kind in ("baseline", "wordchar"):
        code, output = _invoke(
            "train-text", "--input", str(data), "--text-column", "text", "--label-column",
            "label", "--kind", kind, "--out", str(tmp_path / kind),
        )  # fmt: skip
        assert code == 2 and "'text' is empty in every row" in output, output
        assert not (tmp_path / kind / "model.pkl").exists()

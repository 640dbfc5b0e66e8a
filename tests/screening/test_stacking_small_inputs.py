"""The stacked text model on texts that share no n-gram (a few texts of one or two
characters) trains and classifies: it raised sklearn's "0 feature(s)" ValueError from its
SVMs, as a traceback in ``train-text --kind stacked`` (audit B)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.screening.textmodel import TextClassifier


@pytest.mark.parametrize("texts", [["a", "b"], ["ab", "cd"], ["好", "坏"], ["", "好"]])
def test_stacked_fits_texts_that_share_no_ngram(texts: list[str]) -> None:
    model = TextClassifier(kind="stacked").fit(texts, ["x", "y"])
    assert not model.model_.stacked_  # two rows: the fallback SVM
    pred, score = model.predict_with_score([*texts, "ok", "请立即转账到安全账户"])
    assert set(pred.tolist()) <= {"x", "y"} and ((score > 0) & (score <= 1)).all()


def test_train_text_stacked_on_two_short_texts(tmp_path: Path) -> None:
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("text,label\na,x\nbc,y\n", encoding="utf-8")
    out = tmp_path / "m"
    res = CliRunner().invoke(app, ["train-text", "--input", str(tiny), "--text-column", "text",
                                   "--label-column", "label", "--kind", "stacked",
                                   "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "trained stacked on 2 rows, 2 labels" in res.output

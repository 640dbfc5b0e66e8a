"""train-text refuses the cross-validation's options without --cv (CLI audit of 29 Nov:
``--baseline`` without ``--cv`` trained a model and said nothing of the baseline; so did
``--report``, which wrote no report, and ``--exclude-from-macro``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--baseline"], "--baseline applies"),
        (["--report", "r.json"], "--report applies"),
        (["--exclude-from-macro", "normal"], "--exclude-from-macro applies"),
        (["--baseline", "--report", "r.json"], "--baseline and --report apply"),
    ],
)
def test_cv_options_without_cv_are_refused(tmp_path: Path, extra: list[str], named: str) -> None:
    data = tmp_path / "t.csv"
    data.write_text("text,label\n请立即转账,fraud\n明天开会,normal\n" * 3, encoding="utf-8")
    extra = [str(tmp_path / e) if e.endswith(".json") else e for e in extra]
    res = CliRunner().invoke(
        app,
        ["train-text", "--input", str(data), "--text-column", "text", "--label-column",
         "label", "--out", str(tmp_path / "m"), *extra],
    )  # fmt: skip
    assert res.exit_code == 2, res.output
    assert f"error: {named} to the cross-validation: give --cv" in res.output
    assert not (tmp_path / "m").exists() and not (tmp_path / "r.json").exists()
    res = CliRunner().invoke(
        app,
        ["train-text", "--input", str(data), "--text-column", "text", "--label-column",
         "label", "--cv", "2", *extra],
    )  # fmt: skip
    assert res.exit_code == 0, res.output

"""train --features without --label-column says what is missing (audit B: it said "label
column None not in the table")."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from callwarden.cli.main import app


def test_train_on_a_table_without_label_column_names_the_option(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("uid,x,label\n" + "".join(f"u{i},{i},{i % 2}\n" for i in range(20)), "utf-8")
    runner = CliRunner()
    args = ["train", "--features", str(table), "--id-column", "uid", "--out", str(tmp_path / "m")]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "needs its label column (--label-column)" in res.output
    res = runner.invoke(app, [*args, "--label-column", "y"])
    assert (
        res.exit_code == 2
        and "label column 'y' not in the table (columns: uid, x, label)" in res.output
    )

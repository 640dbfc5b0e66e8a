"""The label word ``unknown`` (``callwarden labels`` writes it for a number with one reporter,
or one only the detectors flag): ``train`` leaves the number's rows out and says how many,
``evaluate`` leaves its verdict out of the figures and counts it. Any other word that is no
label stays an error. Before session 21 ``unknown`` was refused as an unknown label."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from callwarden.cli.evaluate import build_report
from callwarden.cli.main import app
from callwarden.detect.dataset import (
    CDR_CLASSES,
    TableSpec,
    cdr_dataset,
    table_dataset,
    with_partial_days,
)
from callwarden.errors import InputError

N = ["+8615173156001", "+8615173156002", "+8615173156003", "+8615173156004"]


def _features() -> pa.Table:
    return pa.table(
        {
            "number": [*N, N[1]],
            "day": ["2026-11-01"] * 4 + ["2026-11-02"],
            "f1": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )


def _labels(labels: list[str]) -> pa.Table:
    return pa.table({"number": N[: len(labels)], "label": labels})


def test_train_leaves_out_the_rows_of_numbers_labelled_unknown() -> None:
    notes: list[str] = []
    data = cdr_dataset(_features(), _labels(["fraud", " Unknown ", "benign"]), report=notes.append)
    assert data.ids.tolist() == [f"{N[0]}@2026-11-01", f"{N[2]}@2026-11-01", f"{N[3]}@2026-11-01"]
    assert [CDR_CLASSES[i] for i in data.y] == ["fraud", "benign", "benign"]
    assert data.X[:, 0].tolist() == [1.0, 3.0, 4.0]
    assert "1 number(s) labelled unknown: their 2 row(s)" in "\n".join(notes)


def test_every_number_unknown_is_nothing_to_train_on() -> None:
    feats = _features().filter(pa.array([False, True, False, False, True]))
    with pytest.raises(InputError, match="every row's number is labelled unknown"):
        cdr_dataset(feats, _labels(["fraud", "unknown"]))


def test_another_word_is_still_an_error() -> None:
    with pytest.raises(InputError, match=r"unknown label\(s\) \['spam'\]"):
        cdr_dataset(_features(), _labels(["fraud", "spam"]))


def test_partial_day_rows_of_unknown_numbers_are_left_out_too() -> None:
    labels = _labels(["fraud", "unknown"])
    data = cdr_dataset(_features(), labels)
    more = with_partial_days(
        data, np.array([N[0], N[1]], dtype=object), np.array([10, 20]), np.ones((2, 1)), labels
    )
    assert more.ids.tolist()[-1] == f"{N[0]}@t10"
    assert len(more.ids) == len(data.ids) + 1


def _table(labels: list[str]) -> pa.Table:
    n = len(labels)
    return pa.table(
        {"uid": [f"u{i}" for i in range(n)], "x": np.arange(n, dtype=float), "y": labels}
    )


def test_a_feature_table_drops_its_unknown_rows() -> None:
    notes: list[str] = []
    data, _ = table_dataset(
        _table(["fraud", "unknown", "0", "UNKNOWN", "1"]),
        TableSpec("uid", "y"),
        report=notes.append,
    )
    assert data.ids.tolist() == ["u0", "u2", "u4"]
    assert data.classes == ("benign", "fraud")
    assert data.y.tolist() == [1, 0, 1]
    assert data.X[:, 0].tolist() == [0.0, 2.0, 4.0]
    assert "2 row(s) labelled unknown are left out of training" in "\n".join(notes)
    with pytest.raises(InputError, match="says unknown on every row"):
        table_dataset(_table(["unknown", "unknown"]), TableSpec("uid", "y"))
    with pytest.raises(InputError, match=r"holds \['maybe'\]"):
        table_dataset(_table(["unknown", "maybe", "fraud"]), TableSpec("uid", "y"))


def test_train_features_end_to_end_says_how_many_rows_it_left_out(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 60
    y = ["fraud" if i % 3 == 0 else "benign" for i in range(n)]
    y[1] = y[4] = y[7] = "unknown"
    x = [rng.normal(3.0 if lab == "fraud" else 0.0) for lab in y]
    table = tmp_path / "t.csv"
    rows = "\n".join(f"u{i},{x[i]:.4f},{y[i]}" for i in range(n))
    table.write_text("uid,x,label\n" + rows + "\n", encoding="utf-8")
    res = CliRunner().invoke(
        app,
        ["train", "--features", str(table), "--id-column", "uid", "--label-column", "label",
         "--rounds", "5", "--folds", "2", "--out", str(tmp_path / "m")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "3 row(s) labelled unknown are left out of training" in res.output
    assert "training on 57 rows" in res.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_evaluate_leaves_unknown_numbers_out_of_the_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdicts = _write(
        tmp_path / "verdicts.csv",
        "number,label,score\n"
        f"{N[0]},fraud,0.9\n{N[1]},fraud,0.9\n{N[2]},benign,0.1\n{N[3]},benign,0.1\n",
    )
    labels = _write(
        tmp_path / "labels.csv",
        f"number,label\n{N[0]},fraud\n{N[1]},unknown\n{N[2]},unknown\n+8613900000000,unknown\n",
    )
    report = build_report(verdicts, labels)
    assert report["unknown_label_numbers"] == 2
    f = report["scanned"]["flagged_vs_benign"]
    assert (f["precision"], f["recall"], f["support"]) == (1.0, 1.0, 1)
    assert report["scanned"]["confusion_matrix"]["counts"][0][0] == 1  # N[3] only
    # an unknown number missing from the verdicts is no missed bad number
    assert report["all_labelled"]["bad_numbers_not_in_verdicts"] == 0
    assert json.dumps(report)  # (the JSON report holds the count)


def test_evaluate_cli_says_how_many_were_left_out(tmp_path: Path) -> None:
    verdicts = _write(
        tmp_path / "verdicts.csv", f"number,label,score\n{N[0]},fraud,0.9\n{N[1]},fraud,0.9\n"
    )
    labels = _write(tmp_path / "labels.csv", f"number,label\n{N[0]},fraud\n{N[1]},unknown\n")
    res = CliRunner().invoke(
        app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(labels)]
    )
    assert res.exit_code == 0, res.output
    assert "1 labelled unknown, left out of the figures" in res.output
    only = _write(tmp_path / "only.csv", f"number,label\n{N[0]},unknown\n{N[1]},unknown\n")
    res = CliRunner().invoke(app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(only)])
    assert res.exit_code == 2 and "labelled unknown: nothing to measure" in res.output
    bad = _write(tmp_path / "bad.csv", f"number,label\n{N[0]},fraud\n{N[1]},perhaps\n")
    res = CliRunner().invoke(app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(bad)])
    assert res.exit_code == 2 and "perhaps" in res.output


def test_evaluate_refuses_a_verdicts_file_saying_unknown(tmp_path: Path) -> None:
    """unknown is a truth label only: a predicted unknown was a KeyError traceback (audit 21)."""
    verdicts = _write(
        tmp_path / "verdicts.csv", f"number,label,score\n{N[0]},unknown,0.9\n{N[1]},fraud,0.9\n"
    )
    labels = _write(tmp_path / "labels.csv", f"number,label\n{N[0]},fraud\n{N[1]},fraud\n")
    res = CliRunner().invoke(
        app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(labels)]
    )
    assert res.exit_code == 2, res.output
    assert "unknown label(s) ['unknown']" in res.output and "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)

"""Labels are matched to numbers after normalisation, and what does not match is reported
(audit 3, item 2: half the flagged numbers written ``15173156006`` trained on half the
positives, in silence)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from callwarden.cli.evaluate import build_report
from callwarden.detect.dataset import CDR_CLASSES, cdr_dataset
from callwarden.errors import InputError

NUMBERS = ["+8615173156001", "+8615173156002", "+8615173156003", "+8615173156004"]


def _features() -> pa.Table:
    return pa.table({"number": NUMBERS, "day": ["2026-11-01"] * 4, "f1": [1.0, 2.0, 3.0, 4.0]})


def _labels(numbers: list[str], labels: list[str]) -> pa.Table:
    return pa.table({"number": numbers, "label": labels})


def test_national_spellings_match_and_misses_are_reported() -> None:
    notes: list[str] = []
    labels = _labels(
        ["+8615173156001", "15173156002", "+8613900000000", "abc"],
        ["fraud", "harassment", "fraud", "fraud"],
    )
    data = cdr_dataset(_features(), labels, report=notes.append)
    assert [CDR_CLASSES[i] for i in data.y] == ["fraud", "harassment", "benign", "benign"]
    text = "\n".join(notes)
    assert "1 of 4 label rows have a number that is not a phone number (e.g. 'abc')" in text
    assert "2 of 4 label rows match no number in the data (e.g. '+8613900000000')" in text


def test_e164_labels_give_the_same_rows_as_exact_matching() -> None:
    labels = _labels(NUMBERS[:3], ["fraud", "benign", "harassment"])
    notes: list[str] = []
    data = cdr_dataset(_features(), labels, report=notes.append)
    exact = dict(zip(NUMBERS[:3], ["fraud", "benign", "harassment"], strict=True))
    expected = [CDR_CLASSES.index(exact.get(n, "benign")) for n in NUMBERS]
    assert data.y.tolist() == expected and notes == []


def test_no_matching_label_is_an_error() -> None:
    with pytest.raises(InputError, match="none of the 2 label rows matches"):
        cdr_dataset(_features(), _labels(["+8613900000000", "13900000001"], ["fraud"] * 2))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_evaluate_matches_national_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdicts = _write(
        tmp_path / "verdicts.csv",
        "number,label,score\n+8615173156001,fraud,0.9\n+8615173156002,benign,0.1\n",
    )
    labels = _write(
        tmp_path / "labels.csv", "number,label\n15173156001,fraud\n+8613900000000,fraud\n"
    )
    report = build_report(verdicts, labels)
    assert report["scanned"]["per_class"]["fraud"]["recall"] == 1.0
    assert report["unlabelled_scanned_numbers"] == 1
    err = capsys.readouterr().err
    assert "1 of 2 label rows match no number in the data (e.g. '+8613900000000')" in err


def test_evaluate_with_no_matching_label_is_an_error(tmp_path: Path) -> None:
    verdicts = _write(tmp_path / "verdicts.csv", "number,label,score\n+8615173156001,fraud,0.9\n")
    labels = _write(tmp_path / "labels.csv", "number,label\n+8613900000000,fraud\n")
    with pytest.raises(
        InputError, match="none of the 1 label rows matches a number in the verdicts"
    ):
        build_report(verdicts, labels)


def test_evaluate_keeps_table_ids_as_written(tmp_path: Path) -> None:
    verdicts = _write(
        tmp_path / "verdicts.csv", "number,label,score\n12345,fraud,0.9\nu7,benign,0\n"
    )
    labels = _write(tmp_path / "labels.csv", "number,label\n12345,1\nu7,0\n")
    report = build_report(verdicts, labels)
    assert np.isclose(report["scanned"]["per_class"]["fraud"]["recall"], 1.0)

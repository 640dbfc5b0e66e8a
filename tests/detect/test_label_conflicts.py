"""One label per number: labels that give a number two labels are an error, not a choice
made by the file's row order (audit B: labels.csv with 100 flagged numbers listed again as
benign trained recall 0.04 with the benign rows last and 0.93 with them first, exit 0 both
times), and train and evaluate read a label cell the same way."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from callwarden.cli.evaluate import build_report
from callwarden.detect.dataset import CDR_CLASSES, cdr_dataset
from callwarden.errors import InputError

NUMBERS = ["+8615173156001", "+8615173156002", "+8615173156003", "+8615173156004"]


def _features() -> pa.Table:
    return pa.table({"number": NUMBERS, "day": ["2026-11-01"] * 4, "f1": [1.0, 2.0, 3.0, 4.0]})


def _labels(numbers: list[str], labels: list[str | None]) -> pa.Table:
    return pa.table({"number": numbers, "label": pa.array(labels, pa.string())})


@pytest.mark.parametrize("first", ["fraud", "benign"])
def test_a_number_labelled_twice_differently_is_an_error_in_either_order(first: str) -> None:
    other = "benign" if first == "fraud" else "fraud"
    labels = _labels([NUMBERS[0], NUMBERS[1], "15173156001"], [first, "harassment", other])
    with pytest.raises(InputError, match=r"1 number\(s\) two different labels, e\.g\. "
                       r"\+8615173156001: '\w+' on label row 1 and '\w+' on row 3"):  # fmt: skip
        cdr_dataset(_features(), labels)


def test_repeated_rows_with_one_label_are_one_row() -> None:
    labels = _labels(
        [NUMBERS[0], "15173156001", NUMBERS[1], NUMBERS[1]],
        ["fraud", "Fraud ", "harassment", "HARASSMENT"],
    )
    data = cdr_dataset(_features(), labels)
    assert [CDR_CLASSES[i] for i in data.y] == ["fraud", "harassment", "benign", "benign"]


def test_label_cells_are_trimmed_lower_cased_and_blank_is_benign() -> None:
    labels = _labels(NUMBERS, [" Fraud", "harassment\t", "", None])
    data = cdr_dataset(_features(), labels)
    assert [CDR_CLASSES[i] for i in data.y] == ["fraud", "harassment", "benign", "benign"]
    from callwarden.detect.labels import labels_by_number

    assert labels_by_number([None, "x"], ["fraud", "benign"]) == {"x": "benign"}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_evaluate_refuses_a_number_labelled_twice(tmp_path: Path) -> None:
    verdicts = _write(
        tmp_path / "verdicts.csv",
        "number,label,score\n+8615173156001,fraud,0.9\n+8615173156002,benign,0.1\n",
    )
    for rows in ("+8615173156001,fraud\n15173156001,benign\n",
                 "15173156001,benign\n+8615173156001,fraud\n"):  # fmt: skip
        labels = _write(tmp_path / "labels.csv", "number,label\n" + rows)
        with pytest.raises(InputError, match="two different labels"):
            build_report(verdicts, labels)


def test_evaluate_reads_labels_as_train_does(tmp_path: Path) -> None:
    """A blank label is benign (train: benign; evaluate said "unknown label ['']"), a
    spaced one is trimmed, and a 0/1 table saved as 0.0/1.0 is benign/fraud (train
    --features reads it; evaluate said "unknown label(s) ['0.0', '1.0']")."""
    verdicts = _write(
        tmp_path / "verdicts.csv",
        "number,label,score\nu1,fraud,0.9\nu2,benign,0.1\nu3,benign,0.2\nu4,fraud,0.8\n",
    )
    labels = _write(tmp_path / "t.csv", "id,y\nu1,1.0\nu2,0.0\nu3,\nu4, Fraud \n")
    report = build_report(verdicts, labels, id_column="id", label_column="y")
    assert report["scanned"]["confusion_matrix"]["counts"] == [[2, 0, 0], [0, 0, 0], [0, 0, 2]]


def test_a_feature_tables_text_labels_are_read_the_same_way() -> None:
    from callwarden.detect.dataset import TableSpec, table_dataset

    t = pa.table({"id": ["a", "b", "c", "d"], "x": [1.0, 2.0, 3.0, 4.0],
                  "y": ["Fraud ", " benign", "", "harassment"]})  # fmt: skip
    data, _ = table_dataset(t, TableSpec("id", "y"))
    assert data.classes == CDR_CLASSES and data.y.tolist() == [2, 0, 0, 1]

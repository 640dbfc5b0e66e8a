"""``callwarden replay --labels`` reads labels as ``train`` and ``evaluate`` do
(``detect.labels.labels_by_number``): trimmed, any case, a blank cell benign, and one
number given two different labels refused rather than decided by the file's row order."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from callwarden.cli.replay import _match_labels, _read_labels, _truth
from callwarden.errors import InputError

CALLS = pa.table({"caller": ["+8613800000001", "+8613800000002", "+8613800000003"]})


def _labels(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    label, _, _ = _truth(CALLS, _match_labels(CALLS, _read_labels(path)), None)
    return list(label)


def test_label_cells_are_trimmed_in_any_case_and_blank_is_benign(tmp_path: Path) -> None:
    text = "number,label\n+8613800000001, Fraud \n13800000002,HARASSMENT\n+8613800000003,\n"
    assert _labels(tmp_path, text) == ["fraud", "harassment", "benign"]


@pytest.mark.parametrize("order", [("fraud", "benign"), ("benign", "fraud")])
def test_conflicting_labels_are_refused_whatever_the_row_order(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    text = f"number,label\n+8613800000001,{order[0]}\n13800000001,{order[1]}\n"
    with pytest.raises(InputError, match=r"\+8613800000001.*row 1.*row 2"):
        _labels(tmp_path, text)


def test_the_same_label_twice_is_one_label(tmp_path: Path) -> None:
    text = "number,label,category\n+8613800000001,fraud,\n+8613800000001, FRAUD,loan\n"
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    label, category, _ = _truth(CALLS, _match_labels(CALLS, _read_labels(path)), None)
    assert list(label) == ["fraud", "benign", "benign"]
    assert list(category) == ["loan", "", ""]


def test_an_unknown_label_is_refused_before_the_replay(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("number,label\n+8613800000001,spam\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown label"):
        _read_labels(path)

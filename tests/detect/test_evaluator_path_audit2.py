"""The second evaluator-path audit (session 17, /tmp/audit2 D5-D7): ``non-fraud`` beside
harassment labels, label-file headers differing by case or spaces, and a scan-summary.json
that belongs to another scan. Before: ``non-fraud`` was read as benign beside harassment (a
harassing number's flag scored as a false alarm), evaluate refused PHONE_NO_M where scan took
it (its hint naming 'phone_no_m', which the file lacks), and a CDR scan's verdicts copied
beside a table scan's summary took that scan's model and columns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from callwarden.cli.evaluate import label_columns
from callwarden.cli.main import app
from callwarden.detect.dataset import TableSpec, table_dataset
from callwarden.detect.labels import label_class
from callwarden.errors import InputError
from tests.detect.test_evaluator_path import _rows, _write

runner = CliRunner()


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on uid,x,y,label and its scan of 30 held rows (verdicts.csv beside
    its scan-summary.json)."""
    tmp = tmp_path_factory.mktemp("evalpath2")
    train = _write(tmp / "train.csv", "uid,x,y,label", list(_rows()))
    args = ["train", "--features", str(train), "--id-column", "uid", "--label-column", "label"]
    res = runner.invoke(app, [*args, "--rounds", "5", "--out", str(tmp / "m")])
    assert res.exit_code == 0, res.output
    held = _write(tmp / "held.csv", "uid,x,y,label", _rows(30, 100))
    res = runner.invoke(app, ["scan", "--features", str(held), "--model", str(tmp / "m"),
                              "--out", str(tmp / "o")])  # fmt: skip
    assert res.exit_code == 0, res.output
    return tmp / "o"


def _evaluate(verdicts: Path, labels: Path, out: Path, *extra: str) -> Any:
    args = ["evaluate", "--verdicts", str(verdicts), "--labels", str(labels), "--out", str(out)]
    return runner.invoke(app, [*args, *extra])


# --- 5: non-fraud beside harassment ------------------------------------------------------


@pytest.mark.parametrize(("nonfraud", "harass"), [("non-fraud", "harassment"), ("非诈骗", "骚扰")])
def test_evaluate_refuses_non_fraud_beside_harassment(
    scanned: Path, tmp_path: Path, nonfraud: str, harass: str
) -> None:
    words = (nonfraud, "fraud")
    rows = [
        (u, harass if i == 0 else words[lab]) for i, (u, _, _, lab) in enumerate(_rows(30, 100))
    ]
    lab = _write(tmp_path / "lab.csv", "uid,label", rows)
    res = _evaluate(scanned / "verdicts.csv", lab, tmp_path / "e.json")
    assert res.exit_code == 2, res.output
    assert f"mixes {nonfraud!r} with harassment labels" in res.output
    assert not (tmp_path / "e.json").exists()


def test_non_fraud_without_harassment_is_still_benign(scanned: Path, tmp_path: Path) -> None:
    assert label_class("非诈骗") == "benign"
    figures = []
    for words in (("non-fraud", "fraud"), ("benign", "fraud"), ("非诈骗", "诈骗")):
        lab = _write(tmp_path / "lab.csv", "uid,label",
                     [(u, words[lab]) for u, _, _, lab in _rows(30, 100)])  # fmt: skip
        res = _evaluate(scanned / "verdicts.csv", lab, tmp_path / "e.json")
        assert res.exit_code == 0, res.output
        figures.append(json.loads((tmp_path / "e.json").read_text("utf-8"))["scanned"])
    assert figures[0] == figures[1] == figures[2]


def test_train_and_replay_labels_refuse_the_mix_too(tmp_path: Path) -> None:
    table = pa.table({"uid": ["a", "b", "c"], "x": [1, 2, 3],
                      "label": ["non-fraud", "harassment", "fraud"]})  # fmt: skip
    with pytest.raises(InputError, match="mixes 'non-fraud' with harassment"):
        table_dataset(table, TableSpec("uid", "label"))
    from callwarden.detect.labels import labels_by_number

    with pytest.raises(InputError, match="mixes '非诈骗' with harassment"):
        labels_by_number(["+1", "+2"], ["非诈骗", "骚扰"])


# --- 6: label-file headers matched as scan matches them ----------------------------------


def test_evaluate_matches_headers_differing_by_case_or_spaces(
    scanned: Path, tmp_path: Path
) -> None:
    held = _write(tmp_path / "held.csv", " UID ,x,y,LABEL", _rows(30, 100))
    base = _write(tmp_path / "base.csv", "uid,x,y,label", _rows(30, 100))
    assert _evaluate(scanned / "verdicts.csv", base, tmp_path / "base.json").exit_code == 0
    for extra in ((), ("--id-column", "uid")):
        res = _evaluate(scanned / "verdicts.csv", held, tmp_path / "e.json", *extra)
        assert res.exit_code == 0, res.output
        assert "column ' UID ' read as 'uid'" in res.output
        assert "column 'LABEL' read as 'label'" in res.output
        report = json.loads((tmp_path / "e.json").read_text("utf-8"))
        assert report["label_columns"]["id"] == " UID " and len(report["warnings"]) == 2
        base_report = json.loads((tmp_path / "base.json").read_text("utf-8"))
        assert report["scanned"] == base_report["scanned"]


def test_a_hint_names_only_a_header_the_file_has(tmp_path: Path) -> None:
    labels = tmp_path / "l.csv"
    model = {"id_column": "phone_no_m", "label_column": "label"}
    # the model's column in another case: taken, with a warning
    got = label_columns(labels, ["PHONE_NO_M", "label"], None, None, model)
    assert got[0] == "PHONE_NO_M" and "read as 'phone_no_m'" in got[3][0]
    # a given column the file lacks: the hint names the file's header for the model's
    with pytest.raises(InputError, match="use --id-column PHONE_NO_M \\(the model's\\)"):
        label_columns(labels, ["PHONE_NO_M", "label"], "number", None, model)
    # the model's column not there in any case: no hint that names it as if it were
    with pytest.raises(InputError) as err:
        label_columns(labels, ["msisdn", "label"], None, None, model)
    assert "give --id-column with one of its columns (the model's 'phone_no_m' is not one)" in str(
        err.value
    )
    # two headers that both read as the name: refused, naming both
    with pytest.raises(InputError, match="'Uid', 'UID'"):
        label_columns(labels, ["Uid", "UID", "label"], "uid", None, None)


# --- 7: a scan-summary.json that is not the verdicts' own --------------------------------


def test_a_summary_of_another_scan_is_ignored_with_a_warning(scanned: Path, tmp_path: Path) -> None:
    lab = _write(tmp_path / "lab.csv", "uid,label", [(u, lab) for u, _, _, lab in _rows(30, 100)])
    # its own summary: the model's columns and the model are taken
    res = _evaluate(scanned / "verdicts.csv", lab, tmp_path / "own.json")
    assert res.exit_code == 0, res.output
    own = json.loads((tmp_path / "own.json").read_text("utf-8"))
    assert own["model"]["dir"] and own["warnings"] == []
    # the verdicts of another scan (here a part of them) beside this summary
    other = tmp_path / "other"
    other.mkdir()
    (other / "scan-summary.json").write_bytes((scanned / "scan-summary.json").read_bytes())
    lines = (scanned / "verdicts.csv").read_text("utf-8").splitlines(keepends=True)
    (other / "verdicts.csv").write_text("".join(lines[:21]), "utf-8")
    res = _evaluate(other / "verdicts.csv", lab, tmp_path / "e.json")
    assert res.exit_code == 2 and "no 'number' column" in res.output  # the model's uid not taken
    res = _evaluate(other / "verdicts.csv", lab, tmp_path / "e.json", "--id-column", "uid")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "e.json").read_text("utf-8"))
    assert "model" not in report
    assert (
        "is not the summary of" in report["warnings"][0]
        and "(30 numbers, the verdicts 20)" in (report["warnings"][0])
    )
    # same count, other labels: ignored as well
    summary = json.loads((scanned / "scan-summary.json").read_text("utf-8"))
    summary["numbers"], summary["by_label"] = 20, {"benign": 10, "fraud": 10}
    (other / "scan-summary.json").write_text(json.dumps(summary), "utf-8")
    res = _evaluate(other / "verdicts.csv", lab, tmp_path / "e.json", "--id-column", "uid")
    report = json.loads((tmp_path / "e.json").read_text("utf-8"))
    assert res.exit_code == 0 and "model" not in report, res.output
    assert "labels {'benign': 10, 'fraud': 10}" in report["warnings"][0]

"""evaluate, fourth audit (30 Nov): --unlabelled skip with no scanned number labelled is the
error of labels matching no number (it printed figures over zero numbers, exit 0); labels in
GBK with --cdrs are read by the campaign section as by the main report (it crashed:
ArrowInvalid, invalid UTF8). Audit items 4 and 5."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callwarden.campaigns.io import read_labels
from callwarden.cli.main import app

VERDICTS = "number,label,score\n+8613800138000,fraud,0.9\n+8613800138001,benign,0.1\n"


def _evaluate(tmp_path: Path, labels: str, *extra: str) -> tuple[int, str, Path]:
    v = tmp_path / "verdicts.csv"
    v.write_text(VERDICTS, encoding="utf-8")
    lab = tmp_path / "labels.csv"
    lab.write_text(labels, encoding="utf-8")
    out = tmp_path / "e.json"
    res = CliRunner().invoke(
        app, ["evaluate", "--verdicts", str(v), "--labels", str(lab), "--out", str(out), *extra]
    )
    return res.exit_code, res.output, out


@pytest.mark.parametrize(
    "labels",
    ["number,label,category,campaign\n", "number,label\n+8613999999999,fraud\n"],
    ids=["no rows", "another number"],
)
def test_skip_with_no_scanned_number_labelled_is_one_error(tmp_path: Path, labels: str) -> None:
    code, output, out = _evaluate(tmp_path, labels, "--unlabelled", "skip")
    assert code == 2 and not out.exists()
    (line,) = [ln for ln in output.splitlines() if ln.strip()]
    assert "none of the" in line and "matches a number in the verdicts" in line
    assert "macro-F1" not in output


def test_an_empty_label_file_still_means_all_benign_by_default(tmp_path: Path) -> None:
    """A CDR label file lists the bad numbers: none listed is every number benign."""
    code, _, out = _evaluate(tmp_path, "number,label,category,campaign\n")
    assert code == 0
    assert json.loads(out.read_text("utf-8"))["unlabelled_scanned_numbers"] == 2


def test_skip_with_one_number_labelled_still_measures_it(tmp_path: Path) -> None:
    code, _, out = _evaluate(
        tmp_path, "number,label\n+8613800138000,fraud\n", "--unlabelled", "skip"
    )
    assert code == 0
    counts = json.loads(out.read_text("utf-8"))["scanned"]["confusion_matrix"]["counts"]
    assert sum(map(sum, counts)) == 1


LABELS_ZH = (
    "number,label,category,campaign\n"
    "+8613800138000,诈骗,冒充客服,c1\n"
    "+8613800138001,正常,,\n"
    "+8613800138002,骚扰,推销,c2\n"
)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_campaign_labels_read_gbk_as_the_report_does(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "labels.csv"
    p.write_bytes(LABELS_ZH.encode(encoding))
    t = read_labels(p)
    assert t.column_names == ["number", "label", "category", "campaign"]
    assert t["label"].to_pylist() == ["诈骗", "正常", "骚扰"]
    assert t["category"].to_pylist() == ["冒充客服", None, "推销"]
    assert t["campaign"].to_pylist() == ["c1", None, "c2"]


def test_campaign_labels_that_are_not_csv_are_one_error(tmp_path: Path) -> None:
    from callwarden.errors import InputError

    p = tmp_path / "labels.csv"
    p.write_text('number,label\n"+8613800138000,fraud\n', encoding="utf-8")
    with pytest.raises(InputError, match="cannot be read as CSV"):
        read_labels(p)

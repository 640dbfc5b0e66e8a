"""The path an independent evaluator takes with a held-back table (issue 4, session 17 audit):
train on one table, scan the held rows, evaluate. Before: label words such as ``normal`` and
``诈骗`` were refused, scan and evaluate did not take the model's id column, labels for part of
a full 0/1 table counted the rest as benign without a word, an absent column was refused even
with --allow-missing-features, ids with spaces around them matched nothing, and a binary
model's evaluation listed harassment with F1 0 under per_class."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.detect.dataset import TableSpec, match_headers, table_dataset
from callwarden.detect.labels import label_class
from callwarden.errors import InputError

runner = CliRunner()


def _rows(n: int = 60, start: int = 0) -> list[tuple[str, int, int, int]]:
    """(id, x, y, label): label 1 on every third row, which x tells apart."""
    return [
        (f"u{i}", (i % 3 == 0) * 50 + i % 5, i % 7, int(i % 3 == 0))
        for i in range(start, start + n)
    ]


def _write(path: Path, header: str, rows: list[tuple[object, ...]]) -> Path:
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("evalpath")
    train = _write(tmp / "train.csv", "uid,x,y,label", list(_rows()))
    args = ["train", "--features", str(train), "--id-column", "uid", "--label-column", "label"]
    res = runner.invoke(app, [*args, "--rounds", "5", "--out", str(tmp / "m")])
    assert res.exit_code == 0, res.output
    return tmp / "m"


def _scan(model: Path, table: Path, out: Path, *extra: str, own_id: bool = True) -> Any:
    """scan; ``own_id``: say --id-column (the tests of other fixes than the default's)."""
    ids = ["--id-column", "uid"] if own_id else []
    args = ["scan", "--features", str(table), "--model", str(model), "--out", str(out)]
    return runner.invoke(app, [*args, *ids, *extra])


def _evaluate(verdicts: Path, labels: Path, *extra: str) -> Any:
    return runner.invoke(
        app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(labels), *extra]
    )


# --- 2: label words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "cls"),
    [("normal", "benign"), ("正常", "benign"), (" Legit ", "benign"), ("legitimate", "benign"),
     ("non-fraud", "benign"), ("诈骗", "fraud"), ("骚扰", "harassment"), ("1.0", "fraud"),
     ("False", "benign"), ("", "benign"), (None, "benign"), ("spam", "spam")],
)  # fmt: skip
def test_label_words_read_as_their_class(cell: object, cls: str) -> None:
    assert label_class(cell) == cls


def test_train_reads_label_words_and_names_the_accepted_ones(tmp_path: Path) -> None:
    words = [
        (i, x, y, "诈骗" if lab else ("normal" if x % 2 else "正常")) for i, x, y, lab in _rows()
    ]
    table = pa.table({k: [r[j] for r in words] for j, k in enumerate(("uid", "x", "y", "label"))})
    data, _ = table_dataset(table, TableSpec("uid", "label"))
    assert data.classes == ("benign", "fraud")
    assert data.y.tolist() == [lab for *_, lab in _rows()]
    bad = table.set_column(3, "label", pa.array(["spam"] * table.num_rows))
    with pytest.raises(InputError, match="holds \\['spam'\\].*normal, 正常.*诈骗"):
        table_dataset(bad, TableSpec("uid", "label"))


def test_evaluate_reads_label_words_as_0_1(model: Path, tmp_path: Path) -> None:
    held = _write(tmp_path / "held.csv", "uid,x,y,label", _rows(30, 100))
    assert _scan(model, held, tmp_path / "o").exit_code == 0
    verdicts = tmp_path / "o" / "verdicts.csv"
    figures = []
    for name, words in (
        ("01", ("0", "1")),
        ("normal", ("normal", "fraud")),
        ("zh", ("正常", "诈骗")),
    ):
        lab = _write(tmp_path / f"lab_{name}.csv", "uid,label",
                     [(u, words[lab]) for u, _, _, lab in _rows(30, 100)])  # fmt: skip
        out = tmp_path / f"e_{name}.json"
        res = runner.invoke(app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(lab),
                                  "--id-column", "uid", "--out", str(out)])  # fmt: skip
        assert res.exit_code == 0, res.output
        figures.append(json.loads(out.read_text("utf-8"))["scanned"])
    assert figures[0] == figures[1] == figures[2]
    lab = _write(tmp_path / "lab_spam.csv", "uid,label", [("u100", "spam")])
    res = runner.invoke(app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(lab),
                              "--id-column", "uid", "--out", str(tmp_path / "x.json")])  # fmt: skip
    assert res.exit_code == 2 and "unknown label(s) ['spam']" in res.output
    assert "normal, 正常" in res.output and "诈骗 (= fraud)" in res.output


# --- 3: the model's id and label columns ----------------------------------------------------


def test_scan_and_evaluate_take_the_models_columns(model: Path, tmp_path: Path) -> None:
    held = _write(tmp_path / "held.csv", "uid,x,y,label", _rows(30, 100))
    res = _scan(model, held, tmp_path / "o", own_id=False)
    assert res.exit_code == 0, res.output
    assert "id column: uid (the model's" in res.output
    verdicts = tmp_path / "o" / "verdicts.csv"
    res = runner.invoke(app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(held)])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "o" / "evaluation.json").read_text("utf-8"))
    assert report["label_columns"]["id"] == "uid" and report["label_columns"]["label"] == "label"
    assert report["scanned"]["per_class"]["fraud"]["support"] == 10
    # an explicit column wins, and one the file lacks names the model's
    res = runner.invoke(app, ["evaluate", "--verdicts", str(verdicts), "--labels", str(held),
                              "--id-column", "number"])  # fmt: skip
    assert res.exit_code == 2 and "no 'number' column" in res.output
    assert "use --id-column uid (the model's)" in res.output
    # without the scan summary (verdicts copied elsewhere) the error says which option
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "verdicts.csv").write_bytes(verdicts.read_bytes())
    res = runner.invoke(app, ["evaluate", "--verdicts", str(alone / "verdicts.csv"),
                              "--labels", str(held)])  # fmt: skip
    assert res.exit_code == 2 and "no 'number' column" in res.output
    assert "uid, x, y, label); give --id-column" in res.output


# --- 4: a full 0/1 table with labels for part of the scan ----------------------------------


def test_evaluate_warns_when_a_full_table_leaves_numbers_unlabelled(
    model: Path, tmp_path: Path
) -> None:
    held = _write(tmp_path / "held.csv", "uid,x,y,label", _rows(30, 100))
    assert _scan(model, held, tmp_path / "o").exit_code == 0
    verdicts = tmp_path / "o" / "verdicts.csv"
    part = _write(tmp_path / "part.csv", "uid,label", [(u, lab) for u, _, _, lab in _rows(12, 100)])
    res = _evaluate(verdicts, part, "--id-column", "uid", "--out", str(tmp_path / "e.json"))
    assert res.exit_code == 0, res.output
    assert "warning: 18 of 30 scanned numbers are not in the labels" in res.stderr
    report = json.loads((tmp_path / "e.json").read_text("utf-8"))
    assert report["unlabelled_scanned_numbers"] == 18 and len(report["warnings"]) == 1
    # a label file of the bad numbers only (the CDR convention) is read as it was: no warning
    bad = _write(
        tmp_path / "bad.csv", "uid,label", [(u, "fraud") for u, *_, lab in _rows(30, 100) if lab]
    )
    res = _evaluate(verdicts, bad, "--id-column", "uid", "--out", str(tmp_path / "e2.json"))
    assert res.exit_code == 0 and "warning" not in res.stderr, res.output
    assert json.loads((tmp_path / "e2.json").read_text("utf-8"))["warnings"] == []


def test_evaluate_can_leave_unlabelled_numbers_out(model: Path, tmp_path: Path) -> None:
    """--unlabelled skip: the figures of the labelled numbers alone, as if the verdicts held
    only those (a full table's truth is unknown elsewhere); no warning; a wrong word is one
    error line."""
    held = _write(tmp_path / "held.csv", "uid,x,y,label", _rows(30, 100))
    assert _scan(model, held, tmp_path / "o").exit_code == 0
    verdicts = tmp_path / "o" / "verdicts.csv"
    part = _write(tmp_path / "part.csv", "uid,label", [(u, lab) for u, _, _, lab in _rows(12, 100)])
    res = _evaluate(verdicts, part, "--id-column", "uid", "--unlabelled", "skip",
                    "--out", str(tmp_path / "e.json"))  # fmt: skip
    assert res.exit_code == 0 and "warning" not in res.stderr, res.output
    assert "30 numbers scanned (18 not in labels, left out of the figures)" in res.output
    got = json.loads((tmp_path / "e.json").read_text("utf-8"))
    # the same verdicts cut to the labelled numbers, evaluated the default way
    kept = {u for u, *_ in _rows(12, 100)}
    with verdicts.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    cut = tmp_path / "cut" / "verdicts.csv"
    cut.parent.mkdir()
    with cut.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([rows[0], *(r for r in rows[1:] if r[0] in kept)])
    res = _evaluate(cut, part, "--id-column", "uid", "--out", str(tmp_path / "e2.json"))
    assert res.exit_code == 0, res.output
    want = json.loads((tmp_path / "e2.json").read_text("utf-8"))
    assert got["scanned"] == want["scanned"]
    assert sum(r["support"] for r in got["scanned"]["per_class"].values()) == 12
    assert got["scanned_numbers"] == 30 and got["unlabelled_taken_as"] == "skip"
    res = _evaluate(verdicts, part, "--id-column", "uid", "--unlabelled", "drop")
    assert res.exit_code == 2 and "--unlabelled must be 'benign' or 'skip'" in res.output


# --- 9: absent columns and headers written otherwise ---------------------------------------


def test_absent_column_is_scored_as_missing_with_the_flag(model: Path, tmp_path: Path) -> None:
    held = _write(
        tmp_path / "held.csv", "uid,x,label", [(u, x, lab) for u, x, _, lab in _rows(30, 100)]
    )
    res = _scan(model, held, tmp_path / "o")
    assert res.exit_code == 2 and "lacks 1 column(s) the model needs: ['y']" in res.output
    assert "--allow-missing-features scores such a column as missing" in res.output
    res = _scan(model, held, tmp_path / "o", "--allow-missing-features")
    assert res.exit_code == 0, res.output
    assert "lacks 1 column(s) the model uses: ['y']; scored as missing" in res.stderr
    # as the same column present and empty is scored
    empty = _write(tmp_path / "empty.csv", "uid,x,y,label",
                   [(u, x, "", lab) for u, x, _, lab in _rows(30, 100)])  # fmt: skip
    assert _scan(model, empty, tmp_path / "e", "--allow-missing-features").exit_code == 0
    assert (tmp_path / "o" / "verdicts.csv").read_bytes() == (
        tmp_path / "e" / "verdicts.csv"
    ).read_bytes()


def test_headers_with_spaces_or_another_case_match(model: Path, tmp_path: Path) -> None:
    rows = _rows(30, 100)
    plain = _write(tmp_path / "plain.csv", "uid,x,y,label", rows)
    odd = _write(tmp_path / "odd.csv", " UID , x ,Y,label", rows)
    assert _scan(model, plain, tmp_path / "p").exit_code == 0
    res = _scan(model, odd, tmp_path / "q")
    assert res.exit_code == 0, res.output
    assert "3 header(s) read as the model's columns" in res.stderr
    assert (tmp_path / "p" / "verdicts.csv").read_bytes() == (
        tmp_path / "q" / "verdicts.csv"
    ).read_bytes()
    renames, ambiguous = match_headers(["X", "x ", "Y", "y"], ["x", "y"])
    assert renames == {"x ": "x"} and ambiguous == {}  # "y" is there as written
    assert match_headers(["X", "x"], ["x"]) == ({}, {})
    assert match_headers([" X", "X "], ["x"]) == ({}, {"x": [" X", "X "]})


# --- 10: ids with spaces around them ------------------------------------------------------


def test_ids_are_trimmed_on_both_sides(model: Path, tmp_path: Path) -> None:
    rows = _rows(30, 100)
    padded = _write(tmp_path / "padded.csv", "uid,x,y,label", [(f" {u} ", *r) for u, *r in rows])
    res = _scan(model, padded, tmp_path / "o")
    assert res.exit_code == 0, res.output
    verdicts = tmp_path / "o" / "verdicts.csv"
    with verdicts.open(encoding="utf-8") as f:
        assert sorted(r["number"] for r in csv.DictReader(f)) == sorted(u for u, *_ in rows)
    labels = _write(tmp_path / "lab.csv", "uid,label", [(f"{u}  ", lab) for u, *_, lab in rows])
    res = _evaluate(verdicts, labels, "--id-column", "uid")
    assert res.exit_code == 0 and "0 not in labels" in res.output, res.output
    dup = _write(tmp_path / "dup.csv", "uid,x,y,label", [*rows, (" u100", 1, 2, 0)])
    res = _scan(model, dup, tmp_path / "d")
    assert res.exit_code == 2 and "'u100' on data rows 1 and 31" in res.output, res.output


# --- 12: a binary model's evaluation ------------------------------------------------------


def test_binary_evaluation_leaves_out_harassment_and_names_its_model(
    model: Path, tmp_path: Path
) -> None:
    held = _write(tmp_path / "held.csv", "uid,x,y,label", _rows(30, 100))
    assert _scan(model, held, tmp_path / "o").exit_code == 0
    res = _evaluate(tmp_path / "o" / "verdicts.csv", held, "--id-column", "uid")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "o" / "evaluation.json").read_text("utf-8"))
    s = report["scanned"]
    assert set(s["per_class"]) == {"benign", "fraud"} and s["classes_left_out"] == ["harassment"]
    mean = sum(v["f1"] for v in s["per_class"].values()) / len(s["per_class"])
    assert mean == pytest.approx(s["macro_f1"])
    assert report["model"]["threshold_objective"] == "precision"  # train's default
    assert report["model"]["target_precision"] == pytest.approx(0.999)
    assert report["model"]["dir"] == str(model.resolve())


def test_a_padded_id_header_keeps_the_ids_leading_zeros(model: Path, tmp_path: Path) -> None:
    rows = [(f"{i:05d}", x, y, lab) for i, (_, x, y, lab) in enumerate(_rows(30, 100))]
    table = _write(tmp_path / "t.csv", " UID ,x,y,label", rows)
    assert _scan(model, table, tmp_path / "o").exit_code == 0
    with (tmp_path / "o" / "verdicts.csv").open(encoding="utf-8") as f:
        assert sorted(r["number"] for r in csv.DictReader(f)) == [u for u, *_ in rows]

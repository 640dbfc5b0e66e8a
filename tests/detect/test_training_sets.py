"""``train`` on several labelled sets at once (repeated ``--cdrs`` with their ``--labels``
and ``--registry``): each set's features come from its own CDRs and each row keeps its own
set's label; the order the sets are given in changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from callwarden.cli._training_sets import training_sets
from callwarden.cli.main import app
from callwarden.detect.dataset import CDR_CLASSES, cdr_dataset, combined
from callwarden.detect.model import Dataset
from callwarden.errors import InputError

N = ["+8615173156001", "+8615173156002", "+8615173156003"]


def _set(values: list[float], labels: list[str], day: str = "2026-11-01") -> Dataset:
    feats = pa.table({"number": N, "day": [day] * 3, "f1": values})
    return cdr_dataset(feats, pa.table({"number": N, "label": labels}))


def test_each_row_keeps_its_own_sets_label() -> None:
    old = _set([1.0, 2.0, 3.0], ["benign", "benign", "fraud"])
    new = _set([4.0, 5.0, 6.0], ["harassment", "benign", "benign"])
    data = combined([old, new])
    got = sorted(
        zip(data.ids.tolist(), data.X[:, 0].tolist(), [CDR_CLASSES[i] for i in data.y], strict=True)
    )
    # the same number on the same day in both sets: two rows, each with its set's label
    assert got == sorted(
        [
            (f"{N[0]}@2026-11-01", 1.0, "benign"),
            (f"{N[1]}@2026-11-01", 2.0, "benign"),
            (f"{N[2]}@2026-11-01", 3.0, "fraud"),
            (f"{N[0]}@2026-11-01", 4.0, "harassment"),
            (f"{N[1]}@2026-11-01", 5.0, "benign"),
            (f"{N[2]}@2026-11-01", 6.0, "benign"),
        ]
    )
    assert data.groups.tolist().count(N[0]) == 2  # one group: one fold


def test_the_order_of_the_sets_changes_nothing() -> None:
    a = _set([1.0, 2.0, 3.0], ["benign", "benign", "fraud"])
    b = _set([4.0, 5.0, 6.0], ["harassment", "benign", "benign"])
    ab, ba = combined([a, b]).sorted(), combined([b, a]).sorted()
    assert ab.ids.tolist() == ba.ids.tolist()
    assert np.array_equal(ab.X, ba.X) and np.array_equal(ab.y, ba.y)
    assert ab.fingerprint() == ba.fingerprint()


def test_one_set_is_itself() -> None:
    a = _set([1.0, 2.0, 3.0], ["benign", "benign", "fraud"])
    assert combined([a]) is a


def test_the_same_set_twice_and_mismatched_columns_are_errors() -> None:
    a = _set([1.0, 2.0, 3.0], ["benign", "benign", "fraud"])
    with pytest.raises(InputError, match="training sets 1 and 2 are the same rows"):
        combined([a, a])
    other = cdr_dataset(
        pa.table({"number": N, "day": ["2026-11-01"] * 3, "f2": [1.0, 2.0, 3.0]}),
        pa.table({"number": N, "label": ["fraud", "benign", "benign"]}),
    )
    with pytest.raises(InputError, match="training set 2 has other feature columns"):
        combined([a, other])


def test_labels_and_registries_pair_with_the_cdrs() -> None:
    c = [Path("a"), Path("b"), Path("c")]
    one = training_sets(c, [Path("l")], None)
    assert [(s.cdrs.name, s.labels.name, s.registry) for s in one] == [
        ("a", "l", None), ("b", "l", None), ("c", "l", None)
    ]  # fmt: skip
    paired = training_sets(c, [Path("la"), Path("lb"), Path("lc")], [Path("r")])
    assert [(s.labels.name, s.registry.name if s.registry else None) for s in paired] == [
        ("la", "r"), ("lb", "r"), ("lc", "r")
    ]  # fmt: skip
    with pytest.raises(InputError, match="2 --labels for 3 --cdrs"):
        training_sets(c, [Path("la"), Path("lb")], None)
    with pytest.raises(InputError, match="2 --registry for 3 --cdrs"):
        training_sets(c, [Path("l")], [Path("ra"), Path("rb")])
    with pytest.raises(InputError, match="--cdrs needs --labels"):
        training_sets(c, None, None)
    with pytest.raises(InputError, match="given twice"):
        training_sets([Path("a"), Path("b"), Path("./a")], [Path("l")], None)


# --- through the CLI ------------------------------------------------------------------


def _run(args: list[str], code: int = 0) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two simulated worlds: two days of one (seed 1), one day of another (seed 3)."""
    from callwarden.sim import simulate, write_sim

    root = tmp_path_factory.mktemp("worlds")
    return {
        "a": write_sim(simulate("article", seed=1, days=2, subscribers=2000), root / "a"),
        "b": write_sim(simulate("article", seed=3, subscribers=2000), root / "b"),
    }


def _train(worlds: dict[str, Path], out: Path, order: str, *extra: str) -> list[str]:
    args = ["train"]
    for k in order:
        args += ["--cdrs", str(worlds[k])]
    for k in order:
        args += ["--labels", str(worlds[k] / "labels.csv")]
    for k in order:
        args += ["--registry", str(worlds[k] / "registry.csv")]
    return [*args, "--out", str(out), "--rounds", "30", "--folds", "3", *extra]


@pytest.mark.slow
def test_two_sets_train_one_model_whatever_their_order(
    worlds: dict[str, Path], tmp_path: Path
) -> None:
    _run(_train(worlds, tmp_path / "ab", "ab"))
    _run(_train(worlds, tmp_path / "ba", "ba"))
    assert (tmp_path / "ab" / "model.txt").read_bytes() == (
        tmp_path / "ba" / "model.txt"
    ).read_bytes()
    _run(["train", "--cdrs", str(worlds["a"]), "--labels", str(worlds["a"] / "labels.csv"),
          "--registry", str(worlds["a"] / "registry.csv"), "--out", str(tmp_path / "a"),
          "--rounds", "30", "--folds", "3"])  # fmt: skip
    _run(["train", "--cdrs", str(worlds["b"]), "--labels", str(worlds["b"] / "labels.csv"),
          "--registry", str(worlds["b"] / "registry.csv"), "--out", str(tmp_path / "b"),
          "--rounds", "30", "--folds", "3"])  # fmt: skip
    rows = {k: json.loads((tmp_path / k / "metrics.json").read_text())["rows"] for k in "ab"}
    both = json.loads((tmp_path / "ab" / "manifest.json").read_text())
    sets = both["training_sets"]
    # each set's rows as trained alone, with that set's labels; the days are the union
    assert [s["rows"] for s in sets] == [rows["a"], rows["b"]]
    assert json.loads((tmp_path / "ab" / "metrics.json").read_text())["rows"] == sum(rows.values())
    assert len(sets[0]["days"]) == 2 and len(sets[1]["days"]) == 1
    assert both["days"] == sorted(set(sets[0]["days"]) | set(sets[1]["days"]))
    for k, s in zip("ab", sets, strict=True):
        alone = json.loads((tmp_path / k / "metrics.json").read_text())
        assert s["class_counts"] == alone["class_counts"], (k, s, alone)
    assert "training_sets" not in json.loads((tmp_path / "a" / "manifest.json").read_text())


@pytest.mark.slow
def test_days_must_be_in_some_set_and_every_set_needs_one(
    worlds: dict[str, Path], tmp_path: Path
) -> None:
    a, b = (json.loads((worlds[k] / "manifest.json").read_text()) for k in "ab")
    assert (a["start"], a["days"], b["start"], b["days"]) == ("2026-11-02", 2, "2026-11-02", 1)
    out = _run(_train(worlds, tmp_path / "x", "ab", "--day", "2031-01-01"), code=2)
    assert "no calls that day" in out and "in any of the 2 --cdrs" in out
    # world a's second day is no day of world b's
    out = _run(_train(worlds, tmp_path / "y", "ab", "--day", "2026-11-03"), code=2)
    assert f"set 2 (--cdrs {worlds['b']}) has calls on none of the --day days" in out
    # the same day twice is that day once (it was counted twice, and set 2 trained on all)
    out = _run(
        _train(worlds, tmp_path / "y2", "ab", "--day", "2026-11-03", "--day", "2026-11-03"), code=2
    )
    assert "set 2" in out and "has calls on none of the --day days" in out
    # the first day is in both: each set trains on it alone
    _run(_train(worlds, tmp_path / "z", "ab", "--day", "2026-11-02"))
    sets = json.loads((tmp_path / "z" / "manifest.json").read_text())["training_sets"]
    assert [s["days"] for s in sets] == [["2026-11-02"], ["2026-11-02"]]


def _train_args(worlds: dict[str, Path], out: Path, *pairs: tuple[str, ...]) -> list[str]:
    args = ["train"]
    for opt, *values in pairs:
        for v in values:
            args += [opt, v]
    return [*args, "--out", str(out), "--rounds", "30", "--folds", "3"]


def _warned(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output + (result.stderr if result.stderr_bytes is not None else "")


@pytest.mark.slow
def test_a_registry_or_labels_that_are_not_a_sets_own_are_said(
    worlds: dict[str, Path], tmp_path: Path
) -> None:
    a, b = str(worlds["a"]), str(worlds["b"])
    # one registry for two worlds: world b's callers are nearly all unallocated in a's
    out = _warned(
        _train_args(
            worlds,
            tmp_path / "r",
            ("--cdrs", a, b),
            ("--labels", f"{a}/labels.csv", f"{b}/labels.csv"),
            ("--registry", f"{a}/registry.csv"),
        )  # fmt: skip
    )
    assert f"set 2 ({b}):" in out and "unallocated numbers in the registry" in out
    assert f"set 1 ({a}): " not in out.split("unallocated numbers")[0].splitlines()[-1]
    # one labels file for two worlds: world b gets no harassment or fraud row
    out = _warned(
        _train_args(
            worlds,
            tmp_path / "l",
            ("--cdrs", a, b),
            ("--labels", f"{a}/labels.csv"),
            ("--registry", f"{a}/registry.csv", f"{b}/registry.csv"),
        )  # fmt: skip
    )
    assert f"set 2 ({b}): its labels" in out and "no harassment or fraud row" in out


@pytest.mark.slow
def test_the_same_calls_in_two_sets_are_said(worlds: dict[str, Path], tmp_path: Path) -> None:
    a = worlds["a"]
    # the same calls as a folder and as its Parquet file, labels differing in one row
    rows = (a / "labels.csv").read_text().splitlines()
    flip = next(i for i, r in enumerate(rows) if ",harassment," in r)
    rows[flip] = rows[flip].replace(",harassment,", ",benign,")
    (tmp_path / "labels2.csv").write_text("\n".join(rows) + "\n")
    out = _warned(
        _train_args(
            worlds,
            tmp_path / "o",
            ("--cdrs", str(a), str(a / "cdrs.parquet")),
            ("--labels", str(a / "labels.csv"), str(tmp_path / "labels2.csv")),
            ("--registry", str(a / "registry.csv")),
        )  # fmt: skip
    )
    assert "share" in out and "(number, day) rows: the same calls in two sets train twice" in out


@pytest.mark.slow
def test_partial_days_keep_to_the_days_asked(worlds: dict[str, Path], tmp_path: Path) -> None:
    a = str(worlds["a"])
    base = ("--labels", f"{a}/labels.csv"), ("--registry", f"{a}/registry.csv")

    def stream_rows(*extra: str) -> int:
        args = [*_train_args(worlds, tmp_path / f"p{len(extra)}", ("--cdrs", a), *base), *extra]
        out = _warned([*args, "--partial-days-s", "21600"])
        line = next(x for x in out.splitlines() if x.startswith("partial days:"))
        return int(line.split()[2].replace(",", ""))

    every = stream_rows()
    second = stream_rows("--day", "2026-11-03")
    # before, --day left the replay's rows of the other day in (second == every)
    assert 0 < second < every


# --- --unlabelled skip: labels from reports, where unlisted is not benign ---------------


def test_skip_leaves_out_the_numbers_the_labels_do_not_list() -> None:
    feats = pa.table({"number": [*N, N[0]], "day": ["2026-11-01"] * 3 + ["2026-11-02"],
                      "f1": [1.0, 2.0, 3.0, 4.0]})  # fmt: skip
    labels = pa.table({"number": [N[0], N[2]], "label": ["fraud", "unknown"]})
    notes: list[str] = []
    data = cdr_dataset(feats, labels, report=notes.append, unlabelled="skip")
    assert data.ids.tolist() == [f"{N[0]}@2026-11-01", f"{N[0]}@2026-11-02"]
    assert [CDR_CLASSES[i] for i in data.y] == ["fraud", "fraud"]
    assert "1 number(s) the labels do not list: their 1 row(s) are left out" in "\n".join(notes)
    benign = cdr_dataset(feats, labels, unlabelled="benign")  # as before: N[1] benign
    assert sorted(benign.ids.tolist())[-1] == f"{N[1]}@2026-11-01"
    with pytest.raises(InputError, match="no row's number is listed"):
        cdr_dataset(feats, pa.table({"number": [N[2]], "label": ["unknown"]}), unlabelled="skip")
    with pytest.raises(InputError, match="--unlabelled must be benign or skip"):
        cdr_dataset(feats, labels, unlabelled="drop")


def test_skip_applies_to_the_partial_day_rows_too() -> None:
    from callwarden.detect.dataset import with_partial_days

    base = _set([1.0, 2.0, 3.0], ["fraud", "benign", "benign"])
    labels = pa.table({"number": [N[0]], "label": ["fraud"]})
    nums = np.asarray(N, dtype=object)
    out = with_partial_days(base, nums, np.array([10, 20, 30]), np.ones((3, 1)), labels, "skip")
    assert [i for i in out.ids.tolist() if "@t" in i] == [f"{N[0]}@t10"]
    with pytest.raises(InputError, match="--unlabelled must be benign or skip"):
        with_partial_days(base, nums, np.array([10, 20, 30]), np.ones((3, 1)), labels, "Skip")


def test_unlabelled_pairs_like_labels() -> None:
    c = [Path("a"), Path("b")]
    sets = training_sets(c, [Path("l")], None, ["benign", "skip"])
    assert [s.unlabelled for s in sets] == ["benign", "skip"]
    assert [s.unlabelled for s in training_sets(c, [Path("l")], None)] == ["benign", "benign"]
    with pytest.raises(InputError, match="3 --unlabelled for 2 --cdrs"):
        training_sets(c, [Path("l")], None, ["skip"] * 3)
    with pytest.raises(InputError, match="--unlabelled must be benign or skip"):
        training_sets(c, [Path("l")], None, ["unknown"])


@pytest.mark.slow
def test_a_report_set_trains_only_its_listed_numbers(
    worlds: dict[str, Path], tmp_path: Path
) -> None:
    a, b = worlds["a"], worlds["b"]
    # world b's "report labels": its harassment numbers only, the rest unlisted
    rows = (b / "labels.csv").read_text().splitlines()
    listed = [r for r in rows[1:] if ",harassment," in r]
    (tmp_path / "reports.csv").write_text("\n".join([rows[0], *listed]) + "\n")
    args = _train_args(
        worlds, tmp_path / "m", ("--cdrs", str(a), str(b)),
        ("--labels", str(a / "labels.csv"), str(tmp_path / "reports.csv")),
        ("--registry", str(a / "registry.csv"), str(b / "registry.csv")),
        ("--unlabelled", "benign", "skip"),
    )  # fmt: skip
    out = _warned(args)
    assert "the labels do not list" in out
    sets = json.loads((tmp_path / "m" / "manifest.json").read_text())["training_sets"]
    assert [s["unlabelled"] for s in sets] == ["benign", "skip"]
    assert sets[1]["class_counts"] == {"benign": 0, "harassment": sets[1]["rows"], "fraud": 0}
    # the stream's rows of unlisted numbers are left out too, and said
    m2 = [str(tmp_path / "m2") if a == str(tmp_path / "m") else a for a in args]
    out = _warned([*m2, "--partial-days-s", "21600"])
    said = [x for x in out.splitlines() if "partial days:" in x]
    assert len(said) == 2 and "more left out" in said[1] and "more left out" not in said[0]
    # the same labels as one set on their own: nothing benign to learn from
    one = _train_args(
        worlds, tmp_path / "one", ("--cdrs", str(b)), ("--labels", str(tmp_path / "reports.csv")),
        ("--registry", str(b / "registry.csv")), ("--unlabelled", "skip"),
    )  # fmt: skip
    assert "no benign row to train on" in _run(one, code=2)

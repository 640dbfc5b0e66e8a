"""Bad command-line input is one ``error:`` line and exit status 2, before the work starts.

Tiny hand-built inputs (a day of calls, a 5-round model, a few texts): each case runs in
a second or two. Every case asserts on the exit status and the message, and that no Python
traceback reaches the user.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from callwarden.cli.main import app

from .campaigns.conftest import Day, campaign, ordinary


def _run(args: Sequence[object]) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def _refused(res: Result, *needles: str) -> str:
    """The command stopped with exit 2 and one ``error:`` line holding ``needles``."""
    out = res.output
    assert res.exit_code == 2, out
    assert "Traceback" not in out, out
    assert res.exception is None or isinstance(res.exception, SystemExit), out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, out
    for n in needles:
        assert n in errors[0], out
    return errors[0]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cdrs.parquet (local days 2026-11-28 and -29), labels.csv, model/, texts.csv, a file."""
    root = tmp_path_factory.mktemp("cli_inputs")
    day = Day()
    ordinary(day)
    campaign(
        day, list_start=0, list_len=600, numbers=12, calls_per_number=10, ingress="trunk-ai",
        prefix="1390",
    )  # fmt: skip
    table = day.table()
    pq.write_table(table, root / "cdrs.parquet")
    counts = collections.Counter(table["caller"].to_pylist())
    bad = sorted(n for n, c in counts.items() if c >= 10)
    (root / "labels.csv").write_text(
        "number,label,category\n" + "".join(f"{n},fraud,impersonation\n" for n in bad),
        encoding="utf-8",
    )
    res = _run(
        ["train", "--cdrs", root / "cdrs.parquet", "--labels", root / "labels.csv",
         "--out", root / "model", "--rounds", "5", "--folds", "2"]
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = ["id,text,label"] + [
        f"{i},{'您好 这里是银行 请提供验证码' if i % 2 else '明天一起吃饭吧 好的'} {i},"
        f"{'fraud' if i % 2 else 'normal'}"
        for i in range(8)
    ]
    (root / "texts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert _run(["simulate-screening", "--out", root / "tr.jsonl", "--calls", "20"]).exit_code == 0
    (root / "afile").write_text("", encoding="utf-8")
    return root


# --- 1. output paths -------------------------------------------------------------------


def _out_cases(w: Path) -> dict[str, list[object]]:
    cdrs, labels, model, texts = w / "cdrs.parquet", w / "labels.csv", w / "model", w / "texts.csv"
    return {
        "scan": ["scan", "--model", model, "--cdrs", cdrs],
        "train": ["train", "--cdrs", cdrs, "--labels", labels, "--rounds", "5", "--folds", "2"],
        "campaigns": ["campaigns", "--cdrs", cdrs],
        "simulate": ["simulate", "--seed", "1", "--subscribers", "200"],
        "ingest": ["ingest", cdrs],
        "train-text": ["train-text", "--input", texts, "--text-column", "text",
                       "--label-column", "label"],
    }  # fmt: skip


def _file_cases(w: Path) -> dict[str, list[object]]:
    cdrs, labels, model, texts = w / "cdrs.parquet", w / "labels.csv", w / "model", w / "texts.csv"
    return {
        "replay": ["replay", "--cdrs", cdrs, "--model", model, "--labels", labels, "--out"],
        "screen": ["screen", "--transcripts", w / "tr.jsonl", "--out"],
        "classify-text": ["classify-text", "--input", texts, "--text-column", "text",
                          "--model", w / "tmodel", "--out"],
        "cluster-scripts": ["cluster-scripts", "--input", texts, "--text-column", "text",
                            "--id-column", "id", "--out"],
        "simulate-screening": ["simulate-screening", "--calls", "5", "--out"],
        "train-text --report": ["train-text", "--input", texts, "--text-column", "text",
                                "--label-column", "label", "--cv", "2", "--report"],
        "campaigns-eval --json": ["campaigns-eval", "--train", w, "--test", w, "--json"],
    }  # fmt: skip


FOLDER_COMMANDS = ["scan", "train", "campaigns", "simulate", "ingest", "train-text"]
FILE_COMMANDS = [
    "replay", "screen", "classify-text", "cluster-scripts", "simulate-screening",
    "train-text --report", "campaigns-eval --json",
]  # fmt: skip


@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_an_output_folder_that_is_a_file_is_refused(world: Path, command: str) -> None:
    args = _out_cases(world)[command]
    _refused(_run([*args, "--out", world / "afile"]), "--out", "afile", "is a file")
    _refused(_run([*args, "--out", world / "afile" / "sub"]), "afile", "is a file")


@pytest.mark.parametrize("command", FILE_COMMANDS)
def test_an_output_file_under_a_file_or_that_is_a_folder_is_refused(
    world: Path, command: str
) -> None:
    if command == "classify-text" and not (world / "tmodel").exists():
        res = _run(_out_cases(world)["train-text"] + ["--out", world / "tmodel"])
        assert res.exit_code == 0, res.output
    args = _file_cases(world)[command]
    option = args[-1]
    _refused(_run([*args, world / "afile" / "x.out"]), str(option), "afile", "is a file")
    folder = world / "a-folder"
    folder.mkdir(exist_ok=True)
    _refused(_run([*args, folder]), str(option), "is a folder")


def test_evaluate_checks_its_report_path_before_reading(world: Path, tmp_path: Path) -> None:
    scan = tmp_path / "scan"
    res = _run(["scan", "--model", world / "model", "--cdrs", world / "cdrs.parquet",
                "--out", scan, "--day", "2026-11-28"])  # fmt: skip
    assert res.exit_code == 0, res.output
    base = ["evaluate", "--verdicts", scan / "verdicts.csv", "--labels", world / "labels.csv"]
    res = _run([*base, "--out", world / "afile" / "x.json"])
    assert "numbers scanned" not in res.output  # refused before the report is built
    _refused(res, "--out", "is a file")
    _refused(_run([*base, "--out", tmp_path]), "--out", "is a folder")
    nested = tmp_path / "new" / "deeper" / "evaluation.json"
    res = _run([*base, "--out", nested])
    assert res.exit_code == 0, res.output
    assert json.loads(nested.read_text(encoding="utf-8"))["scanned_numbers"] > 0


def test_new_nested_output_paths_are_created(world: Path, tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "scan"
    res = _run(["scan", "--model", world / "model", "--cdrs", world / "cdrs.parquet",
                "--out", out])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (out / "verdicts.csv").is_file() and (out / "campaigns.csv").is_file()
    rep = tmp_path / "x" / "y" / "cv.json"
    res = _run(_file_cases(world)["train-text --report"] + [rep])
    assert res.exit_code == 0, res.output
    assert rep.is_file()


# --- 2. days ----------------------------------------------------------------------------


def _day_cases(w: Path, tmp: Path) -> dict[str, list[object]]:
    cdrs, labels, model = w / "cdrs.parquet", w / "labels.csv", w / "model"
    return {
        "--day": ["scan", "--model", model, "--cdrs", cdrs, "--out", tmp / "s", "--day"],
        "train --day": ["train", "--cdrs", cdrs, "--labels", labels, "--out", tmp / "m",
                        "--rounds", "5", "--folds", "2", "--day"],
        "--parity-day": ["replay", "--cdrs", cdrs, "--model", model, "--parity-day"],
    }  # fmt: skip


@pytest.mark.parametrize("case", ["--day", "train --day", "--parity-day"])
@pytest.mark.parametrize("value", ["foo", "2026-13-01", "2026-02-30", "2026-1-5"])
def test_a_malformed_day_is_refused(world: Path, tmp_path: Path, case: str, value: str) -> None:
    _refused(_run([*_day_cases(world, tmp_path)[case], value]), case.split()[-1], value)


@pytest.mark.parametrize("case", ["--day", "train --day", "--parity-day"])
def test_a_day_without_calls_names_the_days_covered(world: Path, tmp_path: Path, case: str) -> None:
    res = _run([*_day_cases(world, tmp_path)[case], "2030-01-01"])
    _refused(res, "2030-01-01", "no calls", "2026-11-28, 2026-11-29")
    assert not (tmp_path / "s" / "verdicts.csv").exists()


def test_a_day_with_calls_is_scanned(world: Path, tmp_path: Path) -> None:
    res = _run([*_day_cases(world, tmp_path)["--day"], "2026-11-28"])
    assert res.exit_code == 0, res.output
    assert "day 2026-11-28" in res.output


# --- 3. replay's options and files -------------------------------------------------------


def _replay(w: Path) -> list[object]:
    return ["replay", "--cdrs", w / "cdrs.parquet", "--model", w / "model"]


@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_replay_refuses_a_batch_interval_that_is_not_positive(world: Path, value: str) -> None:
    res = _run([*_replay(world), "--batch-s", value])
    _refused(res, "--batch-s", "positive")
    assert "replayed" not in res.output


def test_replay_refuses_an_unreadable_labels_file(world: Path, tmp_path: Path) -> None:
    empty = tmp_path / "labels.csv"
    empty.write_text("", encoding="utf-8")
    res = _run([*_replay(world), "--labels", empty])
    _refused(res, "labels file", "cannot be read")
    assert "replayed" not in res.output  # refused before the replay


def test_replay_refuses_a_truth_file_that_is_not_call_truth(world: Path) -> None:
    res = _run([*_replay(world), "--truth", world / "labels.csv"])
    _refused(res, "call truth file", "labels.csv", "is not a readable Parquet file")
    assert "replayed" not in res.output
    res = _run([*_replay(world), "--truth", world / "cdrs.parquet"])
    _refused(res, "call truth file", "lacks column(s) label, population")
    assert "replayed" not in res.output


# --- 4. counts and choices ---------------------------------------------------------------


def test_train_refuses_zero_rounds_and_a_single_fold(world: Path, tmp_path: Path) -> None:
    base = ["train", "--cdrs", world / "cdrs.parquet", "--labels", world / "labels.csv",
            "--out", tmp_path / "m"]  # fmt: skip
    _refused(_run([*base, "--rounds", "0"]), "--rounds", "at least 1")
    _refused(_run([*base, "--folds", "1"]), "--folds", "at least 2")
    _refused(_run([*base, "--threads", "0"]), "--threads", "at least 1")  # audit B
    assert not (tmp_path / "m").exists()


def test_evaluate_refuses_a_negative_heavy_caller_threshold(world: Path, tmp_path: Path) -> None:
    verdicts = tmp_path / "verdicts.csv"
    verdicts.write_text("number,label\n+8613800138000,benign\n", encoding="utf-8")
    res = _run(["evaluate", "--verdicts", verdicts, "--labels", world / "labels.csv",
                "--cdrs", world / "cdrs.parquet", "--heavy-attempts", "-5"])  # fmt: skip
    _refused(res, "--heavy-attempts", "at least 1")
    assert not (tmp_path / "evaluation.json").exists()


def test_lang_is_zh_or_en(world: Path, tmp_path: Path) -> None:
    res = _run(["scan", "--model", world / "model", "--cdrs", world / "cdrs.parquet",
                "--out", tmp_path / "s", "--lang", "fr"])  # fmt: skip
    _refused(res, "--lang", "zh or en", "'fr'")
    assert not (tmp_path / "s" / "verdicts.csv").exists()
    res = _run(["scan", "--model", world / "model", "--cdrs", world / "cdrs.parquet",
                "--out", tmp_path / "s", "--top", "-1"])  # fmt: skip
    _refused(res, "--top", "0 or more")  # audit B: printed all flagged numbers but the last
    assert not (tmp_path / "s" / "verdicts.csv").exists()
    _refused(_run(["number", "13800138000", "--lang", "fr"]), "--lang", "zh or en")
    assert _run(["number", "13800138000", "--lang", "en"]).exit_code == 0


def test_train_text_refuses_more_folds_than_rows_per_label(tmp_path: Path) -> None:
    texts = tmp_path / "four.csv"
    texts.write_text("id,text,label\n1,a b,x\n2,c d,y\n3,a c,x\n4,d e,y\n", encoding="utf-8")
    args = ["train-text", "--input", texts, "--text-column", "text", "--label-column", "label"]
    _refused(_run([*args, "--cv", "5"]), "--cv 5", "too few rows per label")
    _refused(_run([*args, "--cv", "3"]), "--cv 3", "the most common label has 2")


def test_evaluate_refuses_verdicts_listing_a_number_twice(world: Path, tmp_path: Path) -> None:
    """A concatenated or re-run verdicts.csv counted its numbers twice (the false-positive
    rate on heavy callers read 0.67 for one flagged number of two)."""
    verdicts = tmp_path / "verdicts.csv"
    verdicts.write_text(
        "number,label\n+8613800138000,fraud\n+8613800138001,benign\n+8613800138000,fraud\n",
        encoding="utf-8",
    )
    res = _run(["evaluate", "--verdicts", verdicts, "--labels", world / "labels.csv"])
    _refused(res, "more than once", "+8613800138000")


def test_scan_says_not_scored_numbers_are_allocated_only_with_a_registry(
    world: Path, tmp_path: Path
) -> None:
    """Audit: the not-scored line said "and an allocated number" with no --registry, where
    no number is known to be allocated or not."""
    from callwarden.cli.scan import not_scored_line

    res = _run(["scan", "--model", world / "model", "--cdrs", world / "cdrs.parquet",
                "--out", tmp_path / "s", "--day", "2026-11-28"])  # fmt: skip
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if "not scored by the model" in x)
    assert "allocated number" not in line and "without --registry" in line
    summary = {"not_scored": 1200, "min_attempts": 5}
    assert not_scored_line(summary, registry=True) == (
        "1,200 numbers with fewer than 5 calls in the features' window and an allocated "
        "number: not scored by the model, benign unless their campaign is flagged "
        "(--min-attempts)"
    )
    assert not_scored_line({"not_scored": 0, "min_attempts": 5}, registry=False) is None

"""scan refuses options it would take otherwise or ignore without a word (CLI audit of
29 Nov): ``--threads 0`` ran on one thread (train refuses it), ``--min-attempts -3`` scored
as 0, and ``--registry``, ``--day`` or ``--min-attempts`` beside ``--features`` were
dropped (the summary even printed the ignored day)."""

from __future__ import annotations

import collections
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from callwarden.cli.main import app
from tests.campaigns.conftest import Day, campaign, ordinary


def _run(args: Sequence[object]) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def _refused(res: Result, message: str) -> None:
    assert res.exit_code == 2, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {message}"], res.output


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cdrs.parquet and a 5-round CDR model; feat.csv and a 3-round table model."""
    root = tmp_path_factory.mktemp("scan_options")
    day = Day()
    ordinary(day)
    campaign(day, list_start=0, list_len=600, numbers=12, calls_per_number=10,
             ingress="trunk-ai", prefix="1390")  # fmt: skip
    table = day.table()
    pq.write_table(table, root / "cdrs.parquet")
    counts = collections.Counter(table["caller"].to_pylist())
    bad = sorted(n for n, c in counts.items() if c >= 10)
    (root / "labels.csv").write_text(
        "number,label\n" + "".join(f"{n},fraud\n" for n in bad), encoding="utf-8"
    )
    res = _run(["train", "--cdrs", root / "cdrs.parquet", "--labels", root / "labels.csv",
                "--out", root / "model", "--rounds", "5", "--folds", "2"])  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = "\n".join(f"{i},{i % 7},{int(i % 3 == 0)}" for i in range(1, 60))
    (root / "feat.csv").write_text("uid,x,label\n" + rows + "\n", encoding="utf-8")
    res = _run(["train", "--features", root / "feat.csv", "--id-column", "uid",
                "--label-column", "label", "--rounds", "3", "--out", root / "tmodel"])  # fmt: skip
    assert res.exit_code == 0, res.output
    return root


def _cdr_scan(world: Path, tmp: Path, *extra: object) -> Result:
    return _run(["scan", "--model", world / "model", "--cdrs", world / "cdrs.parquet",
                 "--out", tmp / "s", "--top", "0", *extra])  # fmt: skip


def _table_scan(world: Path, tmp: Path, *extra: object) -> Result:
    return _run(["scan", "--model", world / "tmodel", "--features", world / "feat.csv",
                 "--id-column", "uid", "--out", tmp / "s", "--top", "0", *extra])  # fmt: skip


def test_scan_refuses_zero_threads_as_train_does(world: Path, tmp_path: Path) -> None:
    _refused(_cdr_scan(world, tmp_path, "--threads", "0"), "--threads must be at least 1, not 0")
    res = _run(["train", "--cdrs", world / "cdrs.parquet", "--labels", world / "labels.csv",
                "--out", tmp_path / "m", "--threads", "0"])  # fmt: skip
    _refused(res, "--threads must be at least 1, not 0")
    assert not (tmp_path / "s" / "verdicts.csv").exists()


def test_scan_refuses_a_negative_min_attempts(world: Path, tmp_path: Path) -> None:
    _refused(
        _cdr_scan(world, tmp_path, "--min-attempts", "-3"),
        "--min-attempts must be 0 (score every number) or more, not -3",
    )
    assert not (tmp_path / "s" / "verdicts.csv").exists()
    res = _cdr_scan(world, tmp_path, "--min-attempts", "0", "--threads", "2")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(
    ("option", "value"),
    [("--registry", "registry.csv"), ("--day", "2026-11-28"), ("--min-attempts", "0")],
)
def test_scan_refuses_cdr_options_beside_features(
    world: Path, tmp_path: Path, option: str, value: str
) -> None:
    if option == "--registry":
        value = str(tmp_path / value)
        Path(value).write_text("number\n+8613807310000\n", encoding="utf-8")
    res = _table_scan(world, tmp_path, option, value)
    _refused(res, f"{option} applies to --cdrs (a --features table is scored as it is)")
    assert not (tmp_path / "s" / "verdicts.csv").exists()
    assert _table_scan(world, tmp_path).exit_code == 0

"""A carrier table whose export lost a column group is refused at scan, not scored: the model
reads a missing value as it learnt it, and on the Sichuan table missing ARPU was fraud in all
89 training rows, so an export with every ARPU cell blank flagged 30 % of ordinary numbers as
fraud (held-out audit, 30 Nov). Also: Hive's ``\\N`` and a spreadsheet's ``-`` are missing
values, not text that drops the column; a Sichuan table lacking one identifying column keeps
the rates that do not need it; cross-validation under the precision target also reports the
F1 threshold's figure (what ``--objective f1`` ships)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.detect.dataset import (
    SICHUAN_COLUMNS,
    TableSpec,
    missing_shift,
    table_dataset,
)

N = 400


def _table(seed: int, arpu_blank: float = 0.0) -> pa.Table:
    """Fraud rows make more calls to fewer peers; a few fraud rows lack ARPU (as on the real
    table, where only fraud lacked it)."""
    rng = np.random.default_rng(seed)
    fraud = rng.random(N) < 0.3
    calls = rng.poisson(np.where(fraud, 60, 20)).astype(float)
    peers = np.maximum(1, calls * np.where(fraud, 0.9, 0.4)).round()
    arpu = rng.normal(np.where(fraud, 30, 60), 10)
    arpu[fraud & (rng.random(N) < 0.15)] = np.nan
    arpu[rng.random(N) < arpu_blank] = np.nan
    return pa.table(
        {
            "uid": [f"u{seed}-{i}" for i in range(N)],
            "calls": calls,
            "peers": peers,
            "arpu": pa.array(arpu, from_pandas=True),
            "label": fraud.astype(int),
        }
    )


def _run(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("shift")
    pcsv.write_csv(_table(1), d / "train.csv")
    out = d / "m"
    r = _run("train", "--features", str(d / "train.csv"), "--id-column", "uid",
             "--label-column", "label", "--rounds", "60", "--folds", "3", "--cv", "3",
             "--out", str(out))  # fmt: skip
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    return out


def test_training_records_each_column_missing_share(model: Path) -> None:
    shares = json.loads((model / "manifest.json").read_text())["missing_share"]
    assert set(shares) == {"calls", "peers", "arpu"}
    assert shares["calls"] == 0.0 and 0.01 < shares["arpu"] < 0.2


def test_cross_validation_reports_the_f1_threshold_too(model: Path) -> None:
    cv = json.loads((model / "cv.json").read_text())
    assert 0.0 < cv["at_f1_threshold"]["macro_f1"] <= 1.0
    assert set(cv["at_f1_threshold"]["per_class"]) == {"benign", "fraud"}


def test_a_lost_column_is_refused_and_can_be_forced(model: Path, tmp_path: Path) -> None:
    held = _table(2)
    ok = tmp_path / "ok.csv"
    pcsv.write_csv(held.drop_columns(["label"]), ok)
    assert _run("scan", "--features", str(ok), "--id-column", "uid", "--model", str(model),
                "--out", str(tmp_path / "s0")).exit_code == 0  # type: ignore[attr-defined]  # fmt: skip
    lost = tmp_path / "lost.csv"
    blank = held.set_column(3, "arpu", pa.nulls(N, pa.float64()))
    pcsv.write_csv(blank.drop_columns(["label"]), lost)
    r = _run("scan", "--features", str(lost), "--id-column", "uid", "--model", str(model),
             "--out", str(tmp_path / "s1"))  # fmt: skip
    assert r.exit_code == 2, r.output  # type: ignore[attr-defined]
    assert "'arpu' 100%" in r.output and "--allow-missing-features" in r.output  # type: ignore[attr-defined]
    assert not (tmp_path / "s1" / "verdicts.csv").exists()
    r = _run("scan", "--features", str(lost), "--id-column", "uid", "--model", str(model),
             "--out", str(tmp_path / "s2"), "--allow-missing-features")  # fmt: skip
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    assert "scored anyway" in r.output  # type: ignore[attr-defined]
    # a few more blanks than in training are no shift
    some = tmp_path / "some.csv"
    pcsv.write_csv(_table(3, arpu_blank=0.2).drop_columns(["label"]), some)
    assert _run("scan", "--features", str(some), "--id-column", "uid", "--model", str(model),
                "--out", str(tmp_path / "s3")).exit_code == 0  # type: ignore[attr-defined]  # fmt: skip


def test_the_rule() -> None:
    assert missing_shift(None, {"a": 1.0}) == []  # a model that did not record its shares
    assert missing_shift({"a": 0.0, "b": 0.4}, {"a": 0.5, "b": 0.6}) == [("a", 0.0, 0.5)]
    assert missing_shift({"a": 0.3}, {"a": 0.49}) == []


@pytest.mark.parametrize("token", ["\\N", "-", "NULL", "n/a", " -- "])
def test_null_tokens_are_missing_values(token: str) -> None:
    cells = ["1", "2", token, "4"] * 5  # a quarter of the cells: text, were the column not read
    t = pa.table({"uid": [f"u{i}" for i in range(20)], "x": pa.array(cells)})
    lines: list[str] = []
    data, _ = table_dataset(t, TableSpec("uid"), need_labels=False, report=lines.append)
    assert data.feature_names == ("x",)
    assert np.isnan(data.X[2::4, 0]).all() and not np.isnan(data.X[0::4, 0]).any()
    assert lines == []  # no "not numbers read as missing" line: they are missing values


def test_a_sichuan_table_without_one_column_keeps_the_other_rates() -> None:
    cols = {c: np.arange(1.0, 11.0) for c in SICHUAN_COLUMNS | {"sms_nunique", "imeis"}}
    cols.pop("sms_count")
    t = pa.table({"uid": [f"u{i}" for i in range(10)], **cols})
    lines: list[str] = []
    data, layout = table_dataset(t, TableSpec("uid"), need_labels=False, report=lines.append)
    assert layout == "sichuan"
    assert "x_calls_per_peer" in data.feature_names and "x_arpu_missing" in data.feature_names
    assert "x_sms_per_call" not in data.feature_names
    assert any("without 'sms_count'" in x and "x_sms_per_call" in x for x in lines)

"""``train --features`` says what the default precision target costs (audit 25 M3): on a
Sichuan-style table it gave a held-out macro-F1 of 0.80 where ``--objective f1`` gave 0.89,
and nothing on the command line said so. One stderr line gives the out-of-fold macro-F1 and
recall at the chosen threshold and at the best-F1 one, naming ``--objective f1``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
from typer.testing import CliRunner

from callwarden.cli.main import app


def _table(n: int = 400, seed: int = 1) -> pa.Table:
    """Fraud rows make more calls to more peers, with overlap (so the two thresholds differ)."""
    rng = np.random.default_rng(seed)
    fraud = rng.random(n) < 0.3
    calls = rng.poisson(np.where(fraud, 40, 25)).astype(float)
    peers = np.maximum(1, calls * rng.uniform(0.3, 0.9, n)).round()
    return pa.table(
        {
            "uid": [f"u{i}" for i in range(n)],
            "calls": calls,
            "peers": peers,
            "label": fraud.astype(int),
        }
    )


def _train(tmp_path: Path, *extra: str) -> tuple[Path, str, str]:
    pcsv.write_csv(_table(), tmp_path / "t.csv")
    out = tmp_path / "m"
    res = CliRunner().invoke(
        app,
        ["train", "--features", str(tmp_path / "t.csv"), "--id-column", "uid",
         "--label-column", "label", "--rounds", "40", "--folds", "3", "--out", str(out),
         *extra],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return out, res.stdout, res.stderr


def test_the_default_objective_names_the_f1_threshold_figures(tmp_path: Path) -> None:
    out, stdout, stderr = _train(tmp_path)
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    chosen, alt = m["out_of_fold"], m["out_of_fold_at_f1_threshold"]
    line = (
        f"out-of-fold at the chosen threshold {m['threshold']['value']:.4f} (precision): "
        f"macro-F1 {chosen['macro_f1']:.4f}, recall "
        f"{chosen['flagged_vs_benign']['recall']:.4f}; at the best-F1 threshold "
        f"{m['f1_threshold']:.4f}: macro-F1 {alt['macro_f1']:.4f}, recall "
        f"{alt['flagged_vs_benign']['recall']:.4f} (train with --objective f1 for it)"
    )
    assert line in stderr.splitlines(), stderr
    assert "out-of-fold at the chosen" not in stdout


def test_the_f1_objective_prints_no_hint(tmp_path: Path) -> None:
    out, stdout, stderr = _train(tmp_path, "--objective", "f1")
    assert "out-of-fold at the chosen" not in stdout + stderr
    assert "out_of_fold_at_f1_threshold" not in json.loads((out / "metrics.json").read_text())

"""Training rows of days in progress, as the stream computes them (``stream.snapshots``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from callwarden.numbers import AllocationRegistry
from callwarden.stream.snapshots import snapshot_rows


def test_rows_of_days_in_progress_do_not_depend_on_row_order(world: Path) -> None:
    table = pq.read_table(world / "s1" / "cdrs.parquet").slice(0, 20000)
    reg = AllocationRegistry.from_csv(world / "s1" / "registry.csv")
    a = snapshot_rows(table, allocated=reg, interval_s=3600)
    perm = np.random.default_rng(3).permutation(table.num_rows)
    b = snapshot_rows(table.take(perm), allocated=reg, interval_s=3600)
    assert len(a.numbers) > 1000
    assert a.X.shape == (len(a.numbers), 80)
    assert (a.numbers == b.numbers).all() and (a.times == b.times).all()
    np.testing.assert_array_equal(a.X, b.X)


def test_a_busy_numbers_rows_grow_through_its_day(world: Path) -> None:
    """Hourly rows of one number: its attempts so far never fall within a day, and the
    rows are taken only when its state moved (no two rows at one time)."""
    from callwarden.features.definitions import FEATURE_NAMES

    table = pq.read_table(world / "s1" / "cdrs.parquet")
    snaps = snapshot_rows(table, interval_s=3600)
    att = snaps.X[:, FEATURE_NAMES.index("attempts_by_caller_1d")]
    busiest = max(set(snaps.numbers.tolist()), key=lambda n: att[snaps.numbers == n].max())
    mine = snaps.numbers == busiest
    t, a = snaps.times[mine], att[mine]
    assert len(t) >= 3 and len(np.unique(t)) == len(t)
    order = np.argsort(t)
    assert (np.diff(a[order]) >= 0).all()  # one simulated day: the count only grows
    assert a.max() >= 50


def test_train_with_days_in_progress_through_the_cli(world: Path, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from callwarden.cli.main import app

    s1 = world / "s1"
    base = ["train", "--cdrs", str(s1), "--labels", str(s1 / "labels.csv"),
            "--registry", str(s1 / "registry.csv"), "--rounds", "30", "--folds", "3"]  # fmt: skip
    res = CliRunner().invoke(app, [*base, "--partial-days-s", "3600", "--out", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "partial days:" in res.output
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["partial_days_s"] == 3600
    # the fixture's model was trained on the same CDRs, whole days only (60 rounds)
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["rows"] > 2 * json.loads((world / "model" / "metrics.json").read_text())["rows"]
    bad = CliRunner().invoke(app, [*base, "--partial-days-s", "-5", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "--partial-days-s" in bad.output

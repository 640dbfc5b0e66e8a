"""``callwarden replay --truth``: a call truth that is not these CDRs' is refused, one that
misses some calls is warned about. Before, the truth was joined on call_id silently: another
day's ``call_truth.parquet`` matched no call, every call became benign of population
'unknown', and the report said 0 unwanted calls and ~49% of benign calls labelled (exit 0)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from typer.testing import CliRunner, Result

from callwarden.cli.main import app


def _replay(world: Path, truth: Path, tmp_path: Path) -> Result:
    return CliRunner().invoke(
        app,
        [
            "replay", "--cdrs", str(world / "s2" / "cdrs.parquet"), "--model",
            str(world / "model"), "--truth", str(truth), "--batch-s", "600",
            "--campaign-every-s", "0", "--out", str(tmp_path / "replay.json"),
        ],
    )  # fmt: skip


def test_replay_refuses_a_truth_that_matches_no_call(world: Path, tmp_path: Path) -> None:
    res = _replay(world, world / "s1" / "call_truth.parquet", tmp_path)
    assert res.exit_code == 2, res.output
    out = res.output
    assert "error:" in out and "call_id" in out and "s1-" in out and "s2-" in out
    assert "replayed" not in out  # refused before the replay


def test_replay_warns_about_calls_the_truth_lacks(world: Path, tmp_path: Path) -> None:
    t = pq.read_table(world / "s2" / "call_truth.parquet")
    half = t.filter(pa.array([i % 2 == 0 for i in range(t.num_rows)]))
    pq.write_table(half, tmp_path / "half.parquet")
    res = _replay(world, tmp_path / "half.parquet", tmp_path)
    assert res.exit_code == 0, res.output
    missing = t.num_rows - half.num_rows
    assert f"{missing:,} of {t.num_rows:,} calls have no row in --truth" in res.output


def test_replay_matches_a_truth_with_integer_call_ids(world: Path, tmp_path: Path) -> None:
    """Call ids written as numbers in one file and text in the other are one id."""
    cdrs = pq.read_table(world / "s2" / "cdrs.parquet").slice(0, 3000)
    ids = pa.array(range(cdrs.num_rows), pa.int64())
    cdrs = cdrs.set_column(cdrs.column_names.index("call_id"), "call_id", pc.cast(ids, pa.string()))
    truth = pq.read_table(world / "s2" / "call_truth.parquet").slice(0, 3000)
    truth = truth.set_column(truth.column_names.index("call_id"), "call_id", ids)
    pq.write_table(cdrs, tmp_path / "cdrs.parquet")
    pq.write_table(truth, tmp_path / "truth.parquet")
    res = CliRunner().invoke(
        app,
        [
            "replay", "--cdrs", str(tmp_path / "cdrs.parquet"), "--model", str(world / "model"),
            "--truth", str(tmp_path / "truth.parquet"), "--batch-s", "600",
            "--campaign-every-s", "0",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "unknown" not in res.output and "have no row" not in res.output

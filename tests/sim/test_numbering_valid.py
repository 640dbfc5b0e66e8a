"""Every simulated number is one the normaliser accepts (audit 3, item 9): sparse_fixed drew
Beijing and Shanghai local numbers 800xxxxx, which libphonenumber does not assign, so
simulate -> ingest quarantined a labelled harassment number's calls as invalid_caller."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.numbers import normalize_array
from callwarden.sim.numbering import NumberTable, e164_strings


def _invalid(nsn: np.ndarray) -> np.ndarray:
    return pc.is_null(normalize_array(e164_strings(nsn))).to_numpy(zero_copy_only=False)


@pytest.mark.parametrize("area", ["10", "21"])
def test_sparse_fixed_numbers_are_valid_and_otherwise_as_drawn(area: str) -> None:
    n = 20_000
    got = NumberTable().sparse_fixed(np.random.default_rng(5), area, 8, n)
    assert not _invalid(got).any()
    # the same draws as before the fix: only the unassigned ones moved (800xxxxx -> 810xxxxx)
    raw = int(area) * 10**8 + np.random.default_rng(5).integers(2 * 10**7, 9 * 10**7, 2 * n + 8)
    _, first = np.unique(raw, return_index=True)
    raw = raw[np.sort(first)][:n]
    moved = _invalid(raw)
    assert moved.sum() > 0  # (a test that can fail: seed 5 draws some)
    assert (got[~moved] == raw[~moved]).all()
    assert (got[moved] == raw[moved] + 10**6).all()


def test_valid_fixed_wraps_within_the_area() -> None:
    from callwarden.sim.numbering import valid_fixed

    scale = 10**8
    out = valid_fixed(np.array([10 * scale + 80012345, 21 * scale + 80099999]), 8)
    assert out.tolist() == [10 * scale + 81012345, 21 * scale + 81099999]
    assert not _invalid(out).any()


@pytest.mark.slow
def test_the_audit_world_has_no_number_ingest_refuses(tmp_path: Path) -> None:
    """The audit's run: 38 rows of +861080042864 (cmp-71e3f21a) quarantined."""
    out = tmp_path / "sim3"
    res = CliRunner().invoke(app, ["simulate", "--seed", "3", "--scenario", "adaptive",
                                   "--subscribers", "10000", "--days", "2", "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    t = pq.read_table(out / "cdrs.parquet", columns=["caller", "callee"])
    numbers = pc.unique(pa.concat_arrays([t[c].combine_chunks() for c in ("caller", "callee")]))
    assert pc.sum(pc.is_null(normalize_array(numbers))).as_py() == 0
    assert "+861081042864" in numbers.to_pylist()  # the audit's number, moved

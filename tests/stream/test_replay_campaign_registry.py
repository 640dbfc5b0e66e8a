"""``callwarden replay --registry``: the campaign builds judge 空号 (unallocated callers)
against the registry as ``scan`` and ``campaigns`` read it (``cli.campaigns.allocated_numbers``).

Before, replay read the file's ``number`` column with Arrow's type inference: E.164 numbers
(``+8613627316000``) became doubles, written back as ``8.613627316e+12``, so no caller's
block was ever covered and the 空号 check found nothing (0 unallocated calls on the seed-2
day, where scan's reading finds thousands); a range-only registry gave no list at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import callwarden.campaigns.build as build_mod
from callwarden.cli.main import app


def _replay_allocated(
    world: Path, registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[Any]:
    """The ``allocated`` argument of every campaign build of a replay, and their results."""
    seen: list[Any] = []
    real = build_mod.build_campaigns

    def spy(cdrs: Any, *args: Any, **kwargs: Any) -> Any:
        result = real(cdrs, *args, **kwargs)
        seen.append((kwargs.get("allocated"), result))
        return result

    monkeypatch.setattr(build_mod, "build_campaigns", spy)
    res = CliRunner().invoke(
        app,
        [
            "replay", "--cdrs", str(world / "s2"), "--model", str(world / "model"),
            "--registry", str(registry), "--batch-s", "600", "--campaign-every-s", "21600",
            "--out", str(tmp_path / "replay.json"),
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert seen, "the replay built no campaigns"
    return seen


def _unallocated_calls(result: Any) -> int:
    return int(pc.sum(result.spoofed["unallocated"].cast(pa.int64())).as_py() or 0)


def test_replay_campaign_builds_read_an_e164_registry_as_scan_does(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = world / "s2" / "registry.csv"
    listed = pcsv.read_csv(
        registry, convert_options=pcsv.ConvertOptions(column_types={"number": pa.string()})
    )["number"]
    seen = _replay_allocated(world, registry, tmp_path, monkeypatch)
    for allocated, _ in seen:
        assert allocated is not None
        got = pa.array(allocated, pa.string()) if not isinstance(allocated, pa.Array) else allocated
        # every listed number reaches the check as written (E.164), none as a float
        assert pc.all(pc.is_in(listed, value_set=got)).as_py()
        assert not pc.any(pc.match_substring(got, "e+")).as_py()
    # the check now judges: the day's spoofing operations show unallocated callers
    assert sum(_unallocated_calls(r) for _, r in seen) > 0


def test_replay_campaign_builds_read_a_range_only_registry(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = pcsv.read_csv(
        world / "s2" / "registry.csv",
        convert_options=pcsv.ConvertOptions(column_types={"number": pa.string()}),
    )["number"]
    ranges = tmp_path / "ranges.csv"
    pcsv.write_csv(pa.table({"range_start": listed, "range_end": listed}), ranges)
    seen = _replay_allocated(world, ranges, tmp_path, monkeypatch)
    callers = pc.unique(pq.read_table(world / "s2" / "cdrs.parquet", columns=["caller"])["caller"])
    held = pc.filter(callers, pc.is_in(callers, value_set=listed.combine_chunks()))
    for allocated, _ in seen:
        # before: None (no 'number' column), and the check was skipped; now the callers the
        # ranges hold, as scan judges a range-only registry (docs/campaigns.md)
        assert allocated is not None
        assert pc.all(pc.is_in(held, value_set=pa.array(allocated, pa.string()))).as_py()

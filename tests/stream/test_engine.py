"""The engine decides from what was known before each call, stays bounded and is deterministic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from callwarden.evaluate.replay import ReplayConfig, run_stream
from callwarden.numbers import AllocationRegistry
from callwarden.policy import Action
from callwarden.stream import (
    Calls,
    EngineConfig,
    Scorer,
    Source,
    StateConfig,
    StreamEngine,
)


def _engine(model: Any, world: Path, **cfg: Any) -> StreamEngine:
    reg = AllocationRegistry.from_csv(world / "s2" / "registry.csv")
    return StreamEngine(Scorer(model), allocated=reg, config=EngineConfig(**cfg))


def _cdrs(world: Path) -> pa.Table:
    return pq.read_table(world / "s2" / "cdrs.parquet")


class Recording(StreamEngine):
    """Fails the moment the driver hands the engine a CDR not yet written at decision time."""

    written_until = -np.inf

    def ingest(self, cdrs: Calls, unallocated: np.ndarray | None = None) -> None:
        self.written_until = max(self.written_until, float(cdrs.end_ts.max()))
        super().ingest(cdrs, unallocated)

    def decide_batch(self, calls: Calls, now: float, unallocated: np.ndarray | None = None) -> Any:
        assert self.written_until < now <= float(calls.start.min())
        # the state holds no call that starts at or after the batch
        assert self.state.now < now
        return super().decide_batch(calls, now, unallocated)


def test_driver_feeds_only_cdrs_written_before_each_batch(model: Any, world: Path) -> None:
    eng = Recording(Scorer(model), config=EngineConfig(batch_s=30.0))
    run_stream(
        _cdrs(world).slice(0, 20000), eng, ReplayConfig(engine=eng.config, campaign_every_s=0)
    )


def test_decisions_ignore_the_call_itself_and_later_calls(model: Any, world: Path) -> None:
    """Rewrite the outcome of every call from time T on (all unanswered and rejected, plus a
    flood of extra calls): no decision for a call that starts before T may change, while
    later decisions do (so the rewrite is strong enough to be seen)."""
    table = _cdrs(world).sort_by("start_time")
    cfg = ReplayConfig(engine=EngineConfig(batch_s=30.0), campaign_every_s=0)
    base = run_stream(table, _engine(model, world, batch_s=30.0), cfg)
    t = table["start_time"]
    cut = t[table.num_rows // 2]
    later = pc.greater_equal(t, cut)
    busy = table.column("caller").take(pa.array(np.argsort(base.source)[-1:]))
    changed = table.set_column(
        table.column_names.index("duration_s"), "duration_s",
        pc.if_else(later, 0.0, table["duration_s"]),
    ).set_column(
        table.column_names.index("answered"), "answered", pc.if_else(later, False, table["answered"])
    ).set_column(
        table.column_names.index("release_cause"), "release_cause",
        pc.if_else(later, pa.scalar(21, pa.int16()), table["release_cause"]),
    )  # fmt: skip
    flood = changed.filter(later).slice(0, 2000)
    flood = flood.set_column(flood.column_names.index("caller"), "caller",
                             pa.array([busy[0].as_py()] * flood.num_rows))  # fmt: skip
    flood = flood.set_column(flood.column_names.index("call_id"), "call_id",
                             pc.binary_join_element_wise(flood["call_id"], "x", ""))  # fmt: skip
    other = run_stream(pa.concat_tables([changed, flood]), _engine(model, world, batch_s=30.0), cfg)
    n_before = int(pc.sum(pc.less(t, cut)).as_py())
    # the replay sorts by start time with ties kept in input order: the first rows line up
    assert (base.order[:n_before] == other.order[:n_before]).all()
    assert (base.action[:n_before] == other.action[:n_before]).all()
    assert (base.source[:n_before] == other.source[:n_before]).all()
    n = table.num_rows
    assert (
        not (base.action[n_before:n] == other.action[n_before:n]).all()
        or not (base.source[n_before:n] == other.source[n_before:n]).all()
    )


def test_replay_is_deterministic(model: Any, world: Path) -> None:
    table = _cdrs(world).slice(0, 30000)
    cfg = ReplayConfig(engine=EngineConfig(batch_s=30.0), campaign_every_s=0)
    a = run_stream(table, _engine(model, world, batch_s=30.0), cfg)
    b = run_stream(table, _engine(model, world, batch_s=30.0), cfg)
    assert (a.action == b.action).all() and (a.source == b.source).all()
    assert a.stats["rows_scored"] == b.stats["rows_scored"]


def test_state_is_bounded_by_eviction(model: Any, world: Path) -> None:
    cfg = EngineConfig(
        batch_s=30.0,
        state=StateConfig(max_numbers=800, idle_evict_s=2 * 3600.0, sweep_every_s=600.0),
    )
    eng = StreamEngine(Scorer(model), config=cfg)
    run = run_stream(_cdrs(world), eng, ReplayConfig(engine=cfg, campaign_every_s=0))
    mem = run.stats["state"]
    assert eng.state.evicted > 0
    # between sweeps at most one sweep interval of new numbers can arrive
    assert mem["peak"]["numbers"] < 800 + 2500
    assert len(eng.state) <= 800 + 2500
    live = eng.state.key[: eng.state.slots.size] >= 0
    assert int(live.sum()) == len(eng.state)
    # every pair left refers to live numbers
    n = eng.state.pairs.size
    used = eng.state.p_day[:n] >= 0
    keys = eng.state.p_key[:n][used]
    assert (eng.state.key[keys >> 32] >= 0).all() and (eng.state.key[keys & 0xFFFFFFFF] >= 0).all()
    assert mem["bytes_per_tracked_number"] > 0


def _one_call(caller: str, asserted: str | None = None) -> pa.Table:
    return pa.table(
        {
            "call_id": ["x1"],
            "start_time": pa.array([1_790_000_000_000_000], pa.timestamp("us", tz="UTC")),
            "caller": [caller],
            "callee": ["+8613800000001"],
            "duration_s": [30.0],
            "answered": [True],
            "ingress": ["IC-TEST"],
            "asserted_caller": pa.array([asserted], pa.string()),
        }
    )


def test_hard_signals_apply_on_the_first_call(model: Any) -> None:
    reg = AllocationRegistry.from_numbers(["+8613900000001", "+8613900000002"])
    eng = StreamEngine(Scorer(model), allocated=reg)
    cfg = ReplayConfig(engine=eng.config, campaign_every_s=0)
    spoofed = run_stream(_one_call("+8613999999999"), eng, cfg)
    assert spoofed.source[0] == Source.UNALLOCATED and spoofed.action[0] == 3  # reject
    fine = run_stream(_one_call("+8613900000001"), StreamEngine(Scorer(model), allocated=reg), cfg)
    assert fine.source[0] == Source.NONE and fine.action[0] == 0  # allow
    mism = run_stream(
        _one_call("+8613900000001", "+8613900000002"),
        StreamEngine(Scorer(model), allocated=reg),
        cfg,
    )
    assert mism.source[0] == Source.ASSERTED_MISMATCH and mism.action[0] == 1  # label
    # the online path agrees
    assert eng.decide("+8613999999999", "+8613800000001").action is Action.REJECT
    assert eng.decide("+8613900000001", "+8613800000001").action is Action.ALLOW
    d = eng.decide("+8613900000001", "+8613800000001", asserted="+8613900000002")
    assert d.action is Action.LABEL


def test_decide_answers_odd_spellings_without_raising(model: Any) -> None:
    """'²'.isdigit() is True but int('²') raises: the online path must still answer."""
    eng = StreamEngine(Scorer(model))
    for caller in ("+²", "+8613800138000", "+" + "9" * 25, "+86١٣٨٠٠١٣٨٠٠٠", "+"):
        assert eng.decide(caller, "+8613900139000").action is Action.ALLOW

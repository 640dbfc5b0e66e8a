"""Refresh scheduling: every decision uses only CDRs written before the refresh it was made
from, the refresh is at most ``batch_s`` older than the call, and the batched policy gives
the same answers as deciding each call on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from callwarden.evaluate.replay import ReplayConfig, run_stream
from callwarden.numbers import AllocationRegistry
from callwarden.policy import Registration, Registry
from callwarden.stream import Calls, EngineConfig, Scorer, Source, StreamEngine


class Audit(StreamEngine):
    """Records, per decided batch, the newest CDR the state held and the calls' times."""

    def __init__(self, *a: Any, **k: Any) -> None:
        super().__init__(*a, **k)
        self.newest = -np.inf
        self.log: list[tuple[float, float, float, float]] = []

    def ingest(self, cdrs: Calls, unallocated: np.ndarray | None = None) -> None:
        self.newest = max(self.newest, float(cdrs.end_ts.max()))
        super().ingest(cdrs, unallocated)

    def decide_batch(self, calls: Calls, now: float, unallocated: np.ndarray | None = None) -> Any:
        self.log.append((self.newest, now, float(calls.start.min()), float(calls.start.max())))
        return super().decide_batch(calls, now, unallocated)


@pytest.mark.parametrize("refresh_s", [1.0, 600.0])
def test_a_cdr_written_after_a_refresh_never_reaches_its_decisions(
    model: Any, world: Path, refresh_s: float
) -> None:
    table = pq.read_table(world / "s2" / "cdrs.parquet").slice(0, 15000)
    eng = Audit(Scorer(model), config=EngineConfig(batch_s=refresh_s))
    run = run_stream(table, eng, ReplayConfig(engine=eng.config, campaign_every_s=0))
    log = np.array(eng.log)
    newest, now, first, last = log.T
    assert (newest < now).all()  # the state holds only CDRs written before the refresh ...
    assert (now <= first).all()  # ... which is at or before every call it decides
    assert (last - now < refresh_s).all()  # staleness bound: within one refresh interval
    assert len(log) == run.stats["batches"]
    if refresh_s > 1.0:
        assert (last - now).max() > 60.0  # long intervals really do hold stale calls


def test_batched_policy_matches_deciding_each_call(model: Any, world: Path) -> None:
    """The policy runs once per (source, class, score band) in a batch; a registry entry
    (for a number that never calls) forces the per-call path, which must agree."""
    table = pq.read_table(world / "s2" / "cdrs.parquet").slice(0, 20000)
    reg = AllocationRegistry.from_csv(world / "s2" / "registry.csv")
    cfg = ReplayConfig(engine=EngineConfig(batch_s=120.0), campaign_every_s=0)
    fast = run_stream(table, StreamEngine(Scorer(model), allocated=reg, config=cfg.engine), cfg)
    other = Registry.of([Registration("+99900000000", "nobody", "courier")])
    slow_eng = StreamEngine(Scorer(model), allocated=reg, config=cfg.engine, registry=other)
    slow = run_stream(table, slow_eng, cfg)
    assert (fast.source == slow.source).all()
    assert (fast.action == slow.action).all()
    # the batch holds several bands, so the shortcut is really exercised
    assert len(np.unique(fast.action[fast.source > 0])) >= 2
    assert {Source.UNALLOCATED, Source.MODEL} <= set(np.unique(fast.source).tolist())


def test_compiled_trees_decide_as_lightgbm(world: Path, tmp_path: Path) -> None:
    """With native trees (lleaves) every row gets every tree, without LightGBM's early stop
    and its confirmation pass; the replay's decisions and labels are the same."""
    pytest.importorskip("lleaves")
    from callwarden.detect.compiled import compile_model
    from callwarden.detect.io import load_model

    table = pq.read_table(world / "s2" / "cdrs.parquet").slice(0, 20000)
    reg = AllocationRegistry.from_csv(world / "s2" / "registry.csv")
    cfg = ReplayConfig(engine=EngineConfig(batch_s=300.0), campaign_every_s=0)
    plain_model, _ = load_model(world / "model")
    fast_model, _ = load_model(world / "model")
    assert compile_model(fast_model, cache=tmp_path)
    scorers = Scorer(plain_model), Scorer(fast_model)
    assert not scorers[0].compiled and scorers[1].compiled
    runs = [
        run_stream(table, StreamEngine(s, allocated=reg, config=cfg.engine), cfg) for s in scorers
    ]
    assert (runs[0].action == runs[1].action).all()
    assert (runs[0].source == runs[1].source).all()
    assert (runs[1].source == Source.MODEL).any()  # the model's verdicts are really compared
    assert scorers[1].rows_confirmed == 0 and scorers[0].rows_scored == scorers[1].rows_scored
    model_calls = runs[0].source == Source.MODEL
    np.testing.assert_allclose(runs[1].score[model_calls], runs[0].score[model_calls], atol=1e-9)

"""A small simulated world (seed 1 to train, seed 2 to replay) and a quickly trained model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app

SUBSCRIBERS = 3000


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from callwarden.sim import simulate, write_sim

    root = tmp_path_factory.mktemp("stream_world")
    for seed in (1, 2):
        write_sim(
            simulate("article", seed=seed, days=1, subscribers=SUBSCRIBERS), root / f"s{seed}"
        )
    s1 = root / "s1"
    result = CliRunner().invoke(
        app,
        [
            "train", "--cdrs", str(s1), "--labels", str(s1 / "labels.csv"),
            "--registry", str(s1 / "registry.csv"), "--rounds", "60", "--seed", "1",
            "--out", str(root / "model"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="session")
def model(world: Path):  # type: ignore[no-untyped-def]
    from callwarden.detect.io import load_model

    return load_model(world / "model")[0]


def policy_paths(model: Any, world: Path, protect: Callable[[Any], set[str]]) -> tuple[Any, ...]:
    """The first 20,000 calls of the replay day run three ways: ``plain`` (default policy,
    nothing protected), ``fast`` (half the called subscribers on strict protection, the
    numbers ``protect(plain)`` names cleared on appeal: default-policy callees batched) and
    ``slow`` (the same, with a registered business, so every call goes through the policy
    one by one). The batched and the per-call path must agree."""
    import numpy as np
    import pyarrow.parquet as pq

    from callwarden.evaluate.replay import ReplayConfig, run_stream
    from callwarden.numbers import AllocationRegistry
    from callwarden.policy import Protection, Registration, Registry, SubscriberPolicy
    from callwarden.stream import EngineConfig, Scorer, StreamEngine

    t = pq.read_table(world / "s2" / "cdrs.parquet").slice(0, 20000)
    reg = AllocationRegistry.from_csv(world / "s2" / "registry.csv")
    cfg = ReplayConfig(engine=EngineConfig(batch_s=120.0), campaign_every_s=0)
    plain = run_stream(t, StreamEngine(Scorer(model), allocated=reg, config=cfg.engine), cfg)
    called = plain.calls.callee[plain.source > 0]
    strict = {c: SubscriberPolicy(c, Protection.STRICT) for c in np.unique(called)[::2].tolist()}
    kw: dict[str, Any] = dict(
        allocated=reg, config=cfg.engine, policies=strict, protected=protect(plain)
    )
    fast = run_stream(t, StreamEngine(Scorer(model), **kw), cfg)
    nobody = Registry.of([Registration("+99900000000", "nobody", "courier")])
    slow = run_stream(t, StreamEngine(Scorer(model), registry=nobody, **kw), cfg)
    assert (fast.action == slow.action).all() and (fast.source == slow.source).all()
    return plain, fast, slow

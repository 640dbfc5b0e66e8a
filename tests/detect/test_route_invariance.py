"""A legitimate heavy caller on a trunk that robocallers share is not flagged for the trunk.

Seen on the simulator (7 days, 20,000 subscribers, train seed 1, scan seed 2): two
ride-hailing numbers on a harassment operation's vendor trunk were flagged with only ingress
reasons, and a whole insurance operation came out as fraud because the trees had told the
classes apart by their trunks. ``route_invariance`` shows the trees each heavy benign row once
more on a flagged row's ingress."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from callwarden.detect.model import (
    HEAVY_ATTEMPTS,
    Dataset,
    TrainConfig,
    bad_score,
    class_proba,
    row_weights,
    train,
    with_route_swaps,
)

NAMES = (
    "attempts_by_caller_1d",
    "answer_rate_by_caller_1d",
    "answer_rate_by_ingress_1d",
    "dead_callee_share_by_ingress_1d",
)
CONFIG = TrainConfig(num_boost_round=60, folds=3, target_precision=0.99)


def world(seed: int, heavy_on_dirty_trunk: bool) -> Dataset:
    """Ordinary numbers and heavy businesses (many calls, mostly answered) and robocallers
    (many calls, few answered) that enter through a trunk with a low answer rate and many
    calls to dead numbers. In training the businesses keep to clean trunks, so the trunk
    alone separates the classes; the robocallers' own answer rates overlap the
    businesses' a little, so the trunk is the trees' easiest split."""
    rng = np.random.default_rng(seed)
    n_ord, n_bad, n_heavy = 600, 150, 60
    attempts = np.r_[rng.poisson(4, n_ord), rng.poisson(300, n_bad), rng.poisson(300, n_heavy)]
    answer = np.r_[
        rng.uniform(0.4, 1.0, n_ord),
        np.clip(rng.normal(0.30, 0.10, n_bad), 0, 1),
        np.clip(rng.normal(0.75, 0.08, n_heavy), 0, 1),
    ]
    n = n_ord + n_bad + n_heavy
    ing_answer, ing_dead = rng.uniform(0.70, 0.85, n), rng.uniform(0, 0.01, n)
    dirty = (rng.uniform(0.20, 0.35, n_bad), rng.uniform(0.10, 0.25, n_bad))
    bad = slice(n_ord, n_ord + n_bad)
    ing_answer[bad], ing_dead[bad] = dirty
    if heavy_on_dirty_trunk:
        heavy = slice(n_ord + n_bad, None)
        ing_answer[heavy] = rng.uniform(0.20, 0.35, n_heavy)
        ing_dead[heavy] = rng.uniform(0.10, 0.25, n_heavy)
    y = np.r_[np.zeros(n_ord), np.ones(n_bad), np.zeros(n_heavy)].astype(int)
    X = np.column_stack([attempts.astype(float), answer, ing_answer, ing_dead])
    ids = np.array([f"+86139{seed}{i:07d}" for i in range(len(y))], dtype=object)
    return Dataset(ids, X, y, ("benign", "harassment"), NAMES, ids)


def test_swaps_copy_heavy_benign_rows_onto_flagged_rows_ingress() -> None:
    data = world(1, heavy_on_dirty_trunk=False)
    w = row_weights(data, CONFIG)
    X, y, w2 = with_route_swaps(data, w, CONFIG)
    heavy = np.flatnonzero((data.y == 0) & (data.X[:, 0] >= HEAVY_ATTEMPTS))
    n = len(data.y)
    assert len(heavy) == 60 and X.shape == (n + len(heavy), len(NAMES))
    extra = X[n:]
    assert (y[n:] == 0).all()
    assert w is not None and w2 is not None and (w2[n:] == w[heavy]).all()
    # the caller's own columns are the heavy rows', the ingress columns a flagged row's
    assert np.array_equal(extra[:, :2], data.X[heavy][:, :2])
    flagged_routes = {tuple(r) for r in data.X[data.y != 0][:, 2:].tolist()}
    assert all(tuple(r) in flagged_routes for r in extra[:, 2:].tolist())
    assert np.array_equal(X[:n], data.X) and np.array_equal(y[:n], data.y)
    # the same seed draws the same donors
    assert np.array_equal(with_route_swaps(data, w, CONFIG)[0], X)


def test_swaps_are_off_where_they_cannot_apply() -> None:
    data = world(1, heavy_on_dirty_trunk=False)
    w = row_weights(data, CONFIG)
    off = with_route_swaps(data, w, replace(CONFIG, route_invariance=False))
    assert off[0] is data.X
    table = Dataset(data.ids, data.X, data.y, data.classes, ("a", "b", "c", "d"), data.groups)
    assert with_route_swaps(table, None, CONFIG)[0] is table.X  # a carrier table: no ingress


def test_a_business_on_a_robocallers_trunk_is_not_flagged_for_the_trunk() -> None:
    train_data = world(3, heavy_on_dirty_trunk=False)
    test_data = world(13, heavy_on_dirty_trunk=True)
    business = (test_data.y == 0) & (test_data.X[:, 0] >= HEAVY_ATTEMPTS)
    bad = test_data.y == 1
    flagged = {}
    for on in (False, True):
        model = train(train_data, replace(CONFIG, route_invariance=on))
        s = bad_score(class_proba(model.booster, test_data.X, 2))
        flag = s >= model.threshold.value
        flagged[on] = (flag[business].mean(), flag[bad].mean())
    assert flagged[False][0] > 0.5  # the failure exists without the swaps
    assert flagged[True][0] <= 0.05
    assert flagged[True][1] >= 0.9  # robocallers are still found on their own behaviour


def test_models_saved_before_route_invariance_load_without_it() -> None:
    d = CONFIG.to_dict()
    del d["route_invariance"]
    assert TrainConfig.from_dict(d).route_invariance is False
    assert TrainConfig.from_dict(CONFIG.to_dict()).route_invariance is True


def test_train_command_turns_it_off_and_on() -> None:
    from typer.testing import CliRunner

    from callwarden.cli.main import app
    from callwarden.cli.train import _config

    assert _config("cdr").route_invariance is True
    assert _config("cdr", route_invariance=None).route_invariance is True
    assert _config("cdr", route_invariance=False).route_invariance is False
    help_text = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "200"}).output
    assert "--no-route-invariance" in help_text

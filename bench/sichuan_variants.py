"""Sichuan table: variants of the carrier-table recipe under the CLI's nested CV protocol.

    python bench/sichuan_variants.py                       # every variant but tuned, seed 0
    python bench/sichuan_variants.py --variants preset knn_stack --seeds 0 1 2
    python bench/sichuan_variants.py --curve               # preset by training size
    python bench/sichuan_variants.py --variants tuned --seeds 3 4   # nested search
    python bench/sichuan_variants.py --variants preset cl_joint --seeds 0 1 2  # label cleaning

Protocol (the same as ``callwarden train --features ... --objective f1 --cv 5``): outer
folds from CRC32 of the id with seed + 7919; inside each outer training part, 5 inner folds
(seed) give out-of-fold scores, the macro-F1 threshold is chosen on them, and a model on
the whole training part scores the held-out fold. The ``preset`` variant reproduces the
CLI figure exactly (0.9107 at seed 0). Nothing is chosen on the held-out folds: k values
and model settings are fixed below; only ``tuned`` searches, inside the training part.

Neighbourhood features (what a feature-similarity graph gives a GNN): every column is
rank-transformed on the training rows (missing = -0.5, so missing rows neighbour each
other); for each row, the label rates of its 5, 10, 25 and 50 nearest training rows
(Euclidean in rank space), a distance-weighted rate over 50, and distances to the nearest
fraud and normal row among them. Training rows get them leave-one-out (a row is never its
own neighbour); query rows get them from the training rows only.

Transductive variants use the held-out rows' FEATURES (a carrier scores all its numbers at
once), never their labels: ``spread_stack`` adds label-spreading scores on kNN graphs over
all rows (ranks fitted on all rows; a training row's score from a run with its own tenth of
the training labels hidden) and distances to the nearest rows; ``self_train`` refits the
preset with the held-out rows it scores <= 0.1 or >= 0.9 pseudo-labelled. ``dart`` is the
preset with DART boosting (400 rounds at 0.05, drop rate 0.1). ``tuned`` searches 20
random LightGBM settings and the preset (x 3 round counts) inside each outer training part
by inner out-of-fold average precision; the winner's out-of-fold scores give the threshold,
and the held-out fold is never seen.

Confident learning (``cl_*``, Northcutt et al.): inside each outer training part, the
preset's inner out-of-fold scores flag training rows as mislabelled, which are dropped
(``cl_pbnr``, ``cl_joint``, ``cl_selfconf``) or down-weighted (``cl_weight``); the threshold
comes from a second inner pass on the cleaned rows and the preset refitted on them scores
the held-out fold, whose rows are never cleaned (``cl_weights``, ``nested_cl``).

Exploration used fold seeds 3 and 4 only; picked variants were then run once on 0, 1, 2.

``oracle`` in the output is macro-F1 at the best threshold chosen on the pooled held-out
scores themselves: an upper bound on what any threshold rule could reach, not a result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

KS = (5, 10, 25, 50)  # fixed multi-scale rule; no k is chosen on data
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/sichuan_fraud_users/dev.csv"


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def rank_fit(X: np.ndarray) -> list[np.ndarray]:
    """Sorted non-missing values per column (the empirical CDF of the training rows)."""
    return [np.sort(c[~np.isnan(c)]) for c in X.T]


def rank_apply(grids: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Mid-rank in [0, 1] of each value among the training values; missing = -0.5."""
    out = np.empty_like(X)
    for j, g in enumerate(grids):
        c = X[:, j]
        r = (np.searchsorted(g, c, "left") + np.searchsorted(g, c, "right")) / (2 * max(len(g), 1))
        out[:, j] = np.where(np.isnan(c), -0.5, r)
    return out


def _summaries(dist: np.ndarray, idx: np.ndarray, y_ref: np.ndarray) -> np.ndarray:
    lab = y_ref[idx].astype(np.float64)
    k = idx.shape[1]
    cols = [lab[:, : min(q, k)].mean(1) for q in KS]
    w = 1.0 / (dist + 1e-3)
    cols.append((lab * w).sum(1) / w.sum(1))
    far = dist[:, -1]
    d_pos = np.where(lab == 1, dist, np.inf).min(1)
    d_neg = np.where(lab == 0, dist, np.inf).min(1)
    d_pos = np.where(np.isinf(d_pos), far, d_pos)
    d_neg = np.where(np.isinf(d_neg), far, d_neg)
    cols += [d_pos, d_neg, d_pos - d_neg, dist[:, 0], dist[:, :10].mean(1)]
    return np.column_stack(cols)


def neighbour_features(
    X_ref: np.ndarray, y_ref: np.ndarray, X_query: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(features of the reference rows, leave-one-out; features of the query rows)."""
    from sklearn.neighbors import NearestNeighbors

    grids = rank_fit(X_ref)
    r_ref, r_q = rank_apply(grids, X_ref), rank_apply(grids, X_query)
    k = min(KS[-1], len(X_ref) - 1)
    nn = NearestNeighbors(n_neighbors=k).fit(r_ref)
    d_ref, i_ref = nn.kneighbors(None, k)  # X=None: each row's neighbours exclude itself
    d_q, i_q = nn.kneighbors(r_q, k)
    return _summaries(d_ref, i_ref, y_ref), _summaries(d_q, i_q, y_ref)


def month_features(c: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Billing months (arpu_sum / arpu_mean, an exact integer in this table) and its gap to
    the flow months (``month_ids``): fraud numbers often have fewer billed than flow months."""
    with np.errstate(all="ignore"):
        arpu_months = np.round(c["arpu_sum"] / c["arpu_mean"])
    return [arpu_months, arpu_months - c["month_ids"]]


def day_features(c: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Counts normalised by active call days (voc_day_nunique) or SMS days (day_nunique)."""
    with np.errstate(all="ignore"):
        return [
            c["sms_count"] / c["day_nunique"],
            c["sms_nunique"] / c["day_nunique"],
            c["call_dur_mean"] * c["opposite_count"] / c["voc_day_nunique"],
            c["imeis"] / c["voc_day_nunique"],
            c["voc_hour_mode_count"] / c["voc_day_nunique"],
            c["voc_day_mode_count"] / c["opposite_count"],
            c["hour_mode_count"] / c["sms_count"],
            c["voc_day_nunique"] / 31,
            c["busi_count"] / c["day_nunique"],
        ]


def extra_columns(X: np.ndarray, names: tuple[str, ...], which: str) -> np.ndarray:
    """X with the month and/or day columns appended (``which``: none, months, days, both)."""
    c = {n: X[:, i] for i, n in enumerate(names)}
    extra = (month_features(c) if which in ("months", "both") else []) + (
        day_features(c) if which in ("days", "both") else []
    )
    if not extra:
        return X
    return np.column_stack([X] + [np.where(np.isfinite(e), e, np.nan) for e in extra])


def _lgb(X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray, seed: int) -> np.ndarray:
    import lightgbm as lgb

    from callwarden.detect.model import TABLE_PRESET, TrainConfig

    params = TrainConfig(**{**TABLE_PRESET, "seed": seed}).lgb_params(2)
    ds = lgb.Dataset(X_tr, y_tr, params={"verbosity": -1, "feature_pre_filter": False})
    booster = lgb.train(params, ds, TABLE_PRESET["num_boost_round"])
    return np.asarray(booster.predict(X_q))


def _logit(X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    g = rank_fit(X_tr)
    m = LogisticRegression(C=1.0, max_iter=2000).fit(rank_apply(g, X_tr), y_tr)
    return np.asarray(m.predict_proba(rank_apply(g, X_q))[:, 1])


def _knn_model(X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray) -> np.ndarray:
    _, nb_q = neighbour_features(X_tr, y_tr, X_q)
    return nb_q[:, KS.index(25)]


def _knn_stack(X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray, seed: int) -> np.ndarray:
    nb_tr, nb_q = neighbour_features(X_tr, y_tr, X_q)
    return _lgb(np.column_stack([X_tr, nb_tr]), y_tr, np.column_stack([X_q, nb_q]), seed)


def _extra_trees(X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.ensemble import ExtraTreesClassifier

    m = ExtraTreesClassifier(
        500, min_samples_leaf=2, max_features=0.5, n_jobs=1, random_state=seed
    ).fit(X_tr, y_tr)
    return np.asarray(m.predict_proba(X_q)[:, 1])


# --- Transductive variants: the held-out rows' FEATURES are used (a carrier scores all its
# numbers at once), never their labels. ``fit`` receives them as X_q, exactly as before.

SPREAD_KS = (10, 30)  # fixed graph sizes, not chosen on data
SPREAD_ALPHA = 0.9  # Zhou et al.'s usual value; fixed


def spread_graph(R: np.ndarray, k: int) -> tuple[object, np.ndarray]:
    """Symmetric normalised kNN graph S = D^-1/2 W D^-1/2 (W: 0/1 kNN, symmetrised) over
    the rows of R, and each row's sorted distances to its k nearest other rows."""
    import scipy.sparse as sp
    from sklearn.neighbors import NearestNeighbors

    n = len(R)
    k = min(k, n - 1)
    dist, idx = NearestNeighbors(n_neighbors=k).fit(R).kneighbors(None, k)
    W = sp.csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), idx.ravel())), shape=(n, n))
    W = W.maximum(W.T)
    d = np.asarray(W.sum(1)).ravel()
    dinv = sp.diags(1.0 / np.sqrt(np.maximum(d, 1e-12)))
    return dinv @ W @ dinv, dist


def label_spread(S: object, labelled: np.ndarray, y: np.ndarray, iters: int = 50) -> np.ndarray:
    """Label spreading (Zhou et al. 2004): F <- alpha S F + (1 - alpha) Y, Y one-hot on the
    labelled rows only (``labelled`` boolean mask; ``y`` is read only where it is True).
    Returns F_fraud / (F_fraud + F_normal); 0.5 where nothing reached a row."""
    Y = np.zeros((len(labelled), 2))
    Y[labelled, y[labelled].astype(np.int64)] = 1.0
    F = Y.copy()
    for _ in range(iters):
        F = SPREAD_ALPHA * (S @ F) + (1 - SPREAD_ALPHA) * Y  # type: ignore[operator]
    tot = F.sum(1)
    return np.where(tot > 0, F[:, 1] / np.where(tot > 0, tot, 1.0), 0.5)


def spread_features(
    X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray, seed: int, folds: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Transductive graph features over ALL rows (training and query; ranks fitted on all of
    them, missing = -0.5): the label-spread fraud score on kNN graphs of SPREAD_KS sizes and
    the distances to the 1st, mean of 10 and 30th nearest row. Query rows' labels are never
    read (they are unlabelled nodes). A training row's spread score comes from a run in which
    its own tenth of the training rows is unlabelled too (10 folds), so it never sees its label."""
    n_tr = len(X_tr)
    X_all = np.vstack([X_tr, X_q])
    R = rank_apply(rank_fit(X_all), X_all)
    y_all = np.r_[y_tr, np.zeros(len(X_q), dtype=np.int64)]  # query labels: unknown, unread
    part = np.random.default_rng(seed).permutation(n_tr) % folds
    cols: list[np.ndarray] = []
    dist: np.ndarray | None = None
    for k in SPREAD_KS:
        S, dist = spread_graph(R, k)
        score = np.empty(len(X_all))
        for f in range(folds):
            lab = np.r_[part != f, np.zeros(len(X_q), dtype=bool)]
            score[:n_tr][part == f] = label_spread(S, lab, y_all)[:n_tr][part == f]
        lab = np.r_[np.ones(n_tr, dtype=bool), np.zeros(len(X_q), dtype=bool)]
        score[n_tr:] = label_spread(S, lab, y_all)[n_tr:]
        cols.append(score)
    assert dist is not None
    cols += [dist[:, 0], dist[:, :10].mean(1), dist[:, -1]]
    F = np.column_stack(cols)
    return F[:n_tr], F[n_tr:]


def _spread_stack(X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray, seed: int) -> np.ndarray:
    f_tr, f_q = spread_features(X_tr, y_tr, X_q, seed)
    return _lgb(np.column_stack([X_tr, f_tr]), y_tr, np.column_stack([X_q, f_q]), seed)


SELF_TRAIN_CUTS = (0.1, 0.9)  # pseudo-label query rows scoring <= 0.1 normal, >= 0.9 fraud


def _self_train(X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray, seed: int) -> np.ndarray:
    """Self-training, one round: the preset scores the query rows; those it is confident
    about get its own verdict as a pseudo-label and join the training rows; refit, rescore."""
    p = _lgb(X_tr, y_tr, X_q, seed)
    lo, hi = SELF_TRAIN_CUTS
    conf = (p <= lo) | (p >= hi)
    X2 = np.vstack([X_tr, X_q[conf]])
    y2 = np.r_[y_tr, (p[conf] >= hi).astype(np.int64)]
    return _lgb(X2, y2, X_q, seed)


def _dart(X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray, seed: int) -> np.ndarray:
    """The preset's trees boosted with DART (dropout of trees), 400 rounds at 0.05."""
    import lightgbm as lgb

    from callwarden.detect.model import TABLE_PRESET, TrainConfig

    params = TrainConfig(**{**TABLE_PRESET, "seed": seed, "learning_rate": 0.05}).lgb_params(2)
    params.update(boosting="dart", drop_rate=0.1, skip_drop=0.5, drop_seed=seed)
    ds = lgb.Dataset(X_tr, y_tr, params={"verbosity": -1, "feature_pre_filter": False})
    return np.asarray(lgb.train(params, ds, 400).predict(X_q))


# --- Nested hyper-parameter search: inside each outer training part, every candidate's
# inner 5-fold out-of-fold scores (the same inner folds as the threshold) rank it by average
# precision; the best candidate's out-of-fold scores choose the threshold and it is refitted
# on the whole training part. The held-out fold is never seen by the search.

TUNE_CANDIDATES = 20  # random settings, plus the preset; drawn once from a fixed seed
TUNE_BUDGET = 24.0  # max rounds = this / learning rate (800 at 0.03); checkpoints at 1/3, 2/3, 1


def tune_candidates(n: int = TUNE_CANDIDATES, seed: int = 20261129) -> list[dict[str, object]]:
    """The preset, then ``n`` random LightGBM settings (the same list for every fold)."""
    from callwarden.detect.model import TABLE_PRESET

    rng = np.random.default_rng(seed)
    out: list[dict[str, object]] = [
        {k: v for k, v in TABLE_PRESET.items() if k != "num_boost_round"}
        | {"num_leaves": 31, "lambda_l2": 1.0, "bagging_fraction": 1.0}
    ]
    for _ in range(n):
        out.append(
            {
                "learning_rate": float(rng.choice([0.02, 0.03, 0.05, 0.08])),
                "num_leaves": int(rng.choice([4, 7, 15, 31, 63])),
                "min_data_in_leaf": int(rng.choice([5, 10, 20, 40, 80])),
                "feature_fraction": float(rng.choice([0.2, 0.3, 0.5, 0.7, 0.9])),
                "extra_trees": bool(rng.choice([True, False])),
                "lambda_l2": float(rng.choice([0.0, 1.0, 5.0, 20.0])),
                "bagging_fraction": float(rng.choice([0.6, 0.8, 1.0])),
            }
        )
    return out


def _tune_params(cand: dict[str, object], seed: int) -> tuple[dict[str, object], list[int]]:
    from callwarden.detect.model import TrainConfig

    keys = ("learning_rate", "num_leaves", "min_data_in_leaf", "feature_fraction", "extra_trees")
    cfg = TrainConfig(
        seed=seed,
        lambda_l2=float(cand["lambda_l2"]),  # type: ignore[arg-type]
        **{k: cand[k] for k in keys},  # type: ignore[arg-type]
    )
    params = cfg.lgb_params(2)
    if float(cand["bagging_fraction"]) < 1.0:  # type: ignore[arg-type]
        params.update(bagging_fraction=cand["bagging_fraction"], bagging_freq=1)
    top = int(round(TUNE_BUDGET / float(cand["learning_rate"])))  # type: ignore[arg-type]
    checkpoints = sorted({top // 3, 2 * top // 3, top})
    return params, checkpoints


def nested_tuned(
    X: np.ndarray, y: np.ndarray, ids: np.ndarray, seed: int, folds: int = 5
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """As ``nested_cv``, with the model chosen per outer fold among ``tune_candidates`` x
    round checkpoints by the inner out-of-fold average precision. Also returns the choices."""
    import lightgbm as lgb

    from callwarden.detect.model import fold_of
    from callwarden.detect.thresholds import for_f1
    from callwarden.evaluate.metrics import average_precision

    cands = tune_candidates()
    outer = fold_of(ids, folds, seed + 7919)
    scores, pred = np.zeros(len(y)), np.zeros(len(y), dtype=np.int64)
    chosen: list[str] = []
    for f in range(folds):
        tr, te = np.flatnonzero(outer != f), np.flatnonzero(outer == f)
        Xt, yt = X[tr], y[tr]
        inner = fold_of(ids[tr], 5, seed)
        best: tuple[float, int, int, np.ndarray] | None = None
        for ci, cand in enumerate(cands):
            params, cps = _tune_params(cand, seed)
            oof = np.zeros((len(cps), len(tr)))
            for g in range(5):
                m = inner == g
                ds = lgb.Dataset(
                    Xt[~m], yt[~m], params={"verbosity": -1, "feature_pre_filter": False}
                )
                booster = lgb.train(params, ds, cps[-1])
                for j, r in enumerate(cps):
                    oof[j, m] = booster.predict(Xt[m], num_iteration=r)
            for j, r in enumerate(cps):
                ap = average_precision(oof[j], yt == 1)
                if best is None or ap > best[0]:
                    best = (ap, ci, r, oof[j])
        assert best is not None
        ap, ci, rounds, oof_best = best
        params, _ = _tune_params(cands[ci], seed)
        ds = lgb.Dataset(Xt, yt, params={"verbosity": -1, "feature_pre_filter": False})
        scores[te] = lgb.train(params, ds, rounds).predict(X[te])
        pred[te] = (scores[te] >= for_f1(oof_best, yt == 1).value).astype(np.int64)
        chosen.append(f"fold {f}: candidate {ci}, {rounds} rounds, inner AP {ap:.4f}")
    return scores, pred, outer, chosen


# --- Confident learning (Northcutt et al. 2021): inside each outer training part, the
# preset's inner 5-fold out-of-fold scores (the threshold's inner folds) give every training
# row a self-confidence s (its fraud probability if labelled fraud, else 1 - it); t_c is the
# mean s of class c (cleanlab's per-class thresholds). Rows judged mislabelled are dropped
# (or down-weighted); the inner 5-fold is run again on the cleaned rows (every inner held-out
# row is scored, cleaned or not, as held-out numbers are) for the threshold, and the preset
# refitted on the cleaned training part scores the held-out fold. Held-out rows are never
# cleaned and their labels are never read.

CL_RULES = ("cl_pbnr", "cl_joint", "cl_selfconf", "cl_weight")


def _lgb_w(
    X_tr: np.ndarray, y_tr: np.ndarray, X_q: np.ndarray, seed: int, w: np.ndarray | None
) -> np.ndarray:
    import lightgbm as lgb

    from callwarden.detect.model import TABLE_PRESET, TrainConfig

    params = TrainConfig(**{**TABLE_PRESET, "seed": seed}).lgb_params(2)
    ds = lgb.Dataset(X_tr, y_tr, weight=w, params={"verbosity": -1, "feature_pre_filter": False})
    return np.asarray(lgb.train(params, ds, TABLE_PRESET["num_boost_round"]).predict(X_q))


def cl_weights(p: np.ndarray, y: np.ndarray, rule: str) -> np.ndarray:
    """Weight per training row (0: dropped) from its out-of-fold fraud probability ``p``.

    ``cl_pbnr``: prune by noise rate: the confident joint (row labelled i counted under the
    class j whose p_j >= t_j, the larger p_j if both), calibrated to the class counts; for
    each off-diagonal cell (i, j) that many rows labelled i with the largest margin
    p_j - p_i are dropped. ``cl_joint``: drop the off-diagonal rows of the confident joint.
    ``cl_selfconf``: drop rows with s below their class's mean t_c. ``cl_weight``: keep all,
    weight min(1, s / t_c)."""
    probs = np.column_stack([1 - p, p])
    yi = y.astype(np.int64)
    s = probs[np.arange(len(yi)), yi]
    t = np.array([s[yi == c].mean() for c in (0, 1)])
    w = np.ones(len(yi))
    if rule == "cl_weight":
        return np.minimum(1.0, s / t[yi])
    if rule == "cl_selfconf":
        return (s >= t[yi]).astype(np.float64)
    above = probs >= t  # (n, 2)
    j = np.where(above.all(1), probs.argmax(1), np.where(above[:, 1], 1, 0))
    counted = above.any(1)
    off = counted & (j != yi)
    if rule == "cl_joint":
        return (~off).astype(np.float64)
    # cl_pbnr: calibrated confident joint C[i, j], then drop by largest margin per cell
    C = np.zeros((2, 2))
    for i in (0, 1):
        for k in (0, 1):
            C[i, k] = (counted & (yi == i) & (j == k)).sum()
    n_class = np.bincount(yi, minlength=2)
    C = C / np.maximum(C.sum(1, keepdims=True), 1) * n_class[:, None]
    for i in (0, 1):
        k = 1 - i
        n = int(round(C[i, k]))
        rows = np.flatnonzero(yi == i)
        margin = probs[rows, k] - probs[rows, i]
        w[rows[np.argsort(-margin)[:n]]] = 0.0
    return w


def nested_cl(
    X: np.ndarray, y: np.ndarray, ids: np.ndarray, seed: int, rule: str, folds: int = 5
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """As ``nested_cv`` with the preset, training rows cleaned by ``rule`` (``cl_weights``)
    inside each outer training part. Also returns, per fold, how many rows were dropped."""
    from callwarden.detect.model import fold_of
    from callwarden.detect.thresholds import for_f1

    outer = fold_of(ids, folds, seed + 7919)
    scores, pred = np.zeros(len(y)), np.zeros(len(y), dtype=np.int64)
    notes: list[str] = []
    for f in range(folds):
        tr, te = np.flatnonzero(outer != f), np.flatnonzero(outer == f)
        Xt, yt = X[tr], y[tr]
        inner = fold_of(ids[tr], 5, seed)
        oof = np.zeros(len(tr))
        for g in range(5):
            m = inner == g
            oof[m] = _lgb(Xt[~m], yt[~m], Xt[m], seed)
        w = cl_weights(oof, yt, rule)
        keep = w > 0
        oof2 = np.zeros(len(tr))
        for g in range(5):
            m = inner == g
            k = ~m & keep
            oof2[m] = _lgb_w(Xt[k], yt[k], Xt[m], seed, w[k])
        threshold = for_f1(oof2, yt == 1).value
        scores[te] = _lgb_w(Xt[keep], yt[keep], X[te], seed, w[keep])
        pred[te] = (scores[te] >= threshold).astype(np.int64)
        notes.append(
            f"fold {f}: dropped {int((~keep & (yt == 1)).sum())} fraud, "
            f"{int((~keep & (yt == 0)).sum())} normal of {len(tr)}; mean weight {w.mean():.3f}"
        )
    return scores, pred, outer, notes


Fit = Callable[[np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]
# name -> (extra columns, fit-and-score function); ensembles average probabilities
VARIANTS: dict[str, tuple[str, Fit]] = {
    "preset": ("none", _lgb),
    "knn_model": ("none", lambda a, b, c, s: _knn_model(a, b, c)),
    "knn_stack": ("none", _knn_stack),
    "months": ("months", _lgb),
    "days": ("days", _lgb),
    "lgb_logit": ("none", lambda a, b, c, s: (_lgb(a, b, c, s) + _logit(a, b, c)) / 2),
    "lgb_logit_et": (
        "none",
        lambda a, b, c, s: (_lgb(a, b, c, s) + _logit(a, b, c) + _extra_trees(a, b, c, s)) / 3,
    ),
    "all": ("both", lambda a, b, c, s: (_knn_stack(a, b, c, s) + _logit(a, b, c)) / 2),
    "spread_stack": ("none", _spread_stack),
    "self_train": ("none", _self_train),
    "dart": ("none", _dart),
}
# variants with their own nested loop (the model is chosen inside each outer training part)
NESTED: dict[str, Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]]] = {
    "tuned": nested_tuned
} | {r: (lambda X, y, ids, seed, r=r: nested_cl(X, y, ids, seed, r)) for r in CL_RULES}


def nested_cv(
    X: np.ndarray, y: np.ndarray, ids: np.ndarray, fit: Fit, seed: int, folds: int = 5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Held-out scores, predictions and outer fold per row (threshold chosen inside)."""
    from callwarden.detect.model import fold_of
    from callwarden.detect.thresholds import for_f1

    outer = fold_of(ids, folds, seed + 7919)
    scores, pred = np.zeros(len(y)), np.zeros(len(y), dtype=np.int64)
    for f in range(folds):
        tr, te = np.flatnonzero(outer != f), np.flatnonzero(outer == f)
        inner = fold_of(ids[tr], 5, seed)
        oof = np.zeros(len(tr))
        for g in range(5):
            m = inner == g
            oof[m] = fit(X[tr][~m], y[tr][~m], X[tr][m], seed)
        threshold = for_f1(oof, y[tr] == 1).value
        scores[te] = fit(X[tr], y[tr], X[te], seed)
        pred[te] = (scores[te] >= threshold).astype(np.int64)
    return scores, pred, outer


def learning_curve(X: np.ndarray, y: np.ndarray, ids: np.ndarray, classes: tuple[str, ...]) -> None:
    """Preset LightGBM on 1/4 .. 4/4 of each outer training part (hash-chosen rows),
    scored on the same held-out folds: average precision and the oracle-threshold
    macro-F1 (an upper bound) by training size."""
    from callwarden.detect.model import fold_of
    from callwarden.detect.thresholds import for_f1
    from callwarden.evaluate.metrics import average_precision, classification_report

    outer, bucket = fold_of(ids, 5, 7919), fold_of(ids, 8, 123)
    for keep in (2, 4, 6, 8):  # of 8 hash buckets
        scores = np.zeros(len(y))
        for f in range(5):
            tr, te = (outer != f) & (bucket < keep), outer == f
            scores[te] = _lgb(X[tr], y[tr], X[te], 0)
        best = for_f1(scores, y == 1).value
        oracle = classification_report(y, (scores >= best).astype(np.int64), classes)["macro_f1"]
        print(
            json.dumps(
                {
                    "training_rows_per_fold": int(
                        np.mean([((outer != f) & (bucket < keep)).sum() for f in range(5)])
                    ),
                    "average_precision": round(average_precision(scores, y == 1), 4),
                    "oracle_threshold_macro_f1": round(oracle, 4),
                }
            ),
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument(
        "--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS) + list(NESTED)
    )
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--curve", action="store_true", help="learning curve of the preset instead")
    args = ap.parse_args()

    import pyarrow.csv as pcsv

    from callwarden.detect.dataset import TableSpec, table_dataset
    from callwarden.detect.thresholds import for_f1
    from callwarden.evaluate.metrics import average_precision, classification_report

    data, _ = table_dataset(pcsv.read_csv(args.data), TableSpec("phone_no_m", "label"))
    data = data.sorted()
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    if args.curve:
        learning_curve(data.X, data.y, data.ids, data.classes)
        return
    for name in args.variants:
        which, fit = VARIANTS.get(name, ("none", _lgb))
        X = extra_columns(data.X, data.feature_names, which)
        for seed in args.seeds:
            t0 = time.process_time()
            chosen: list[str] = []
            if name in NESTED:
                scores, pred, outer, chosen = NESTED[name](X, data.y, data.ids, seed)
            else:
                scores, pred, outer = nested_cv(X, data.y, data.ids, fit, seed)
            rep = classification_report(data.y, pred, data.classes)
            per = [
                classification_report(data.y[outer == f], pred[outer == f], data.classes)[
                    "macro_f1"
                ]
                for f in range(5)
            ]
            best = for_f1(scores, data.y == 1).value
            oracle = classification_report(data.y, (scores >= best).astype(np.int64), data.classes)[
                "macro_f1"
            ]
            fraud = rep["per_class"]["fraud"]
            print(
                json.dumps(
                    {
                        "variant": name,
                        "seed": seed,
                        "macro_f1_pooled": round(rep["macro_f1"], 4),
                        "fold_mean": round(float(np.mean(per)), 4),
                        "fold_sd": round(float(np.std(per)), 4),
                        # (None where undefined: nothing flagged, no fraud in the folds)
                        "fraud_precision": _round(fraud["precision"], 3),
                        "fraud_recall": _round(fraud["recall"], 3),
                        "average_precision": round(average_precision(scores, data.y == 1), 4),
                        "oracle_threshold_macro_f1": round(oracle, 4),
                        "cpu_s": round(time.process_time() - t0),
                    }
                    | ({"chosen": chosen} if chosen else {})
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()

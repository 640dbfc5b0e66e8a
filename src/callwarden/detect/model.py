"""LightGBM on labelled numbers: deterministic training, thresholds, cross-validation.

Determinism: rows are sorted by id before anything sees them, folds are assigned by a hash
of the group id (never by row position), and LightGBM runs with ``deterministic=True``,
a fixed ``num_threads``, pinned seeds and ``force_col_wise``. The same data and seed give the
same booster, byte for byte, whatever order the engine returned the rows in.
"""

from __future__ import annotations

import hashlib
import warnings
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np

from callwarden.detect.thresholds import Objective, Threshold, for_f1, for_precision
from callwarden.errors import InputError
from callwarden.evaluate.metrics import average_precision, classification_report

BENIGN = "benign"


@dataclass(frozen=True)
class TrainConfig:
    """Training parameters; stored in the model directory."""

    seed: int = 0
    num_threads: int = 1
    num_boost_round: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.9
    extra_trees: bool = False
    # Rare classes give tiny softmax hessians; without a floor and an L2 penalty, leaf values
    # run to the thousands and ordinary numbers score 1.0 (seen at 100k subscribers).
    min_sum_hessian_in_leaf: float = 1.0
    lambda_l2: float = 1.0
    folds: int = 5
    objective: Objective = Objective.PRECISION
    target_precision: float = 0.999
    # Cost of a false flag on a legitimate heavy caller (a benign row with at least
    # HEAVY_ATTEMPTS calls on its day: couriers, schools, delivery platforms) relative to an
    # ordinary row. Training sees only a handful of each such business, so without the weight
    # the trees learn "many calls = bad" and a new school is blocked. 10 = one wrongly blocked
    # business costs as much as ten missed robocall numbers; see docs/detection.md.
    benign_heavy_weight: float = 10.0
    # Route invariance: each legitimate heavy caller is also shown to the trees once more on
    # a flagged row's ingress (its ``*_by_ingress_*`` columns swapped in, label benign), so
    # that a courier on a wholesale trunk that robocallers share is not flagged for the
    # trunk. Without it the trees learn "dirty ingress = bad number" wherever the training
    # operations kept to their own trunks; see docs/detection.md ("Route invariance").
    route_invariance: bool = True
    # Confident learning (Northcutt et al. 2021): training rows whose label the out-of-fold
    # scores confidently contradict are left out of the fit (``confident_rows``). Opt-in: on
    # the Sichuan table +0.0022 macro-F1 over eight CV split seeds, but -0.0043 on ten
    # held-out 20 % splits (worse on nine); docs/detection.md, "Confident learning".
    prune_label_noise: bool = False

    def lgb_params(self, n_classes: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "extra_trees": self.extra_trees,
            "min_sum_hessian_in_leaf": self.min_sum_hessian_in_leaf,
            "lambda_l2": self.lambda_l2,
            "seed": self.seed,
            "deterministic": True,
            "force_col_wise": True,
            "num_threads": self.num_threads,
            "verbosity": -1,
        }
        if n_classes > 2:
            params.update(objective="multiclass", num_class=n_classes)
        else:
            params.update(objective="binary")
        return params

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["objective"] = self.objective.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        d = dict(d)
        d["objective"] = Objective(d["objective"])
        d.setdefault("route_invariance", False)  # models saved before it existed had none
        d.setdefault("prune_label_noise", False)  # (nor this)
        return cls(**d)


#: Small carrier tables (thousands of rows, tens of aggregate columns) overfit the default
#: trees; randomised splits and more, slower rounds generalise better there.
TABLE_PRESET: dict[str, Any] = {
    "learning_rate": 0.03,
    "num_boost_round": 800,
    "min_data_in_leaf": 10,
    "feature_fraction": 0.5,
    "extra_trees": True,
}


@dataclass(frozen=True)
class Dataset:
    """A feature matrix with labels. ``groups`` keeps rows of one number in one fold."""

    ids: np.ndarray  # str, one per row
    X: np.ndarray  # float64 (rows, features); NaN = missing
    y: np.ndarray  # int class codes into ``classes``
    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    groups: np.ndarray  # str; the number a row belongs to

    def __post_init__(self) -> None:
        if self.classes[0] != BENIGN:
            raise InputError(f"the first class must be {BENIGN!r}, got {self.classes}")
        if self.X.shape != (len(self.ids), len(self.feature_names)):
            raise InputError("feature matrix shape does not match ids and feature names")

    def sorted(self) -> Dataset:
        """Rows in id order, so engine row order cannot change anything downstream."""
        order = np.lexsort((self.ids, self.groups))
        return Dataset(
            self.ids[order], self.X[order], self.y[order], self.classes, self.feature_names,
            self.groups[order],
        )  # fmt: skip

    def take(self, rows: np.ndarray) -> Dataset:
        return Dataset(
            self.ids[rows], self.X[rows], self.y[rows], self.classes, self.feature_names,
            self.groups[rows],
        )  # fmt: skip

    def fingerprint(self) -> str:
        """SHA-256 over ids, labels and features (NaN-normalised) in sorted order."""
        d = self.sorted()
        h = hashlib.sha256()
        h.update("\x1f".join(d.feature_names).encode())
        h.update("\x1f".join(d.classes).encode())
        h.update("\x1f".join(map(str, d.ids)).encode())
        h.update(np.ascontiguousarray(d.y, dtype=np.int64).tobytes())
        h.update(
            np.nan_to_num(np.ascontiguousarray(d.X, dtype=np.float64), nan=-1.2345e308).tobytes()
        )
        return h.hexdigest()


@dataclass
class TrainedModel:
    """A booster with what it needs to score and explain: threshold, reference values."""

    booster: lgb.Booster
    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    threshold: Threshold
    reference: dict[str, float | None]  # median of each feature over benign training rows
    config: TrainConfig
    fingerprint: str
    metrics: dict[str, Any] = field(default_factory=dict)
    # Scores are computed row by row, so any thread count gives the same scores.
    predict_threads: int = 1
    # The same trees compiled to native code (``detect.compiled``); None: LightGBM predicts.
    compiled: Any = None

    def proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (rows, classes)."""
        if self.compiled is not None:
            return self.compiled(X, self.predict_threads)  # type: ignore[no-any-return]
        return class_proba(self.booster, X, len(self.classes), self.predict_threads)

    def contributions(self, X: np.ndarray, label: np.ndarray) -> np.ndarray:
        """Per-feature contributions (rows, features) to log(P(label) / P(benign)).

        ``pred_contrib`` is additive per class in raw (log-odds) space, so the difference of
        the label's and benign's contributions sums exactly to that log ratio.
        """
        raw = np.asarray(
            self.booster.predict(X, pred_contrib=True, num_threads=self.predict_threads)
        )
        k, n = len(self.classes), len(self.feature_names)
        if k <= 2:
            return raw[:, :n]
        per_class = raw.reshape(len(X), k, n + 1)[:, :, :n]
        rows = np.arange(len(X))
        target = np.where(label > 0, label, 1)
        return per_class[rows, target, :] - per_class[:, 0, :]


def class_proba(
    booster: lgb.Booster, X: np.ndarray, n_classes: int, threads: int = 1
) -> np.ndarray:
    p = np.asarray(booster.predict(X, num_threads=threads))
    if n_classes <= 2:
        p = p.reshape(-1)
        return np.stack([1 - p, p], axis=1)
    return p.reshape(len(X), n_classes)


def bad_score(proba: np.ndarray) -> np.ndarray:
    """Probability that a number is not benign (harassment or fraud)."""
    return 1.0 - proba[:, 0]


def fold_of(groups: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold index per row from a hash of its group id: independent of row order."""
    uniq, inv = np.unique(groups.astype(str), return_inverse=True)
    h = np.fromiter(
        (zlib.crc32(f"{seed}:{g}".encode()) for g in uniq.tolist()), dtype=np.int64, count=len(uniq)
    )
    return (h % k)[inv]


#: Calls on a day that make a benign number a "legitimate heavy caller" (as in evaluate).
HEAVY_ATTEMPTS = 50
HEAVY_FEATURE = "attempts_by_caller_1d"


def heavy_benign(data: Dataset) -> np.ndarray:
    """Rows of legitimate heavy callers: benign, ``HEAVY_ATTEMPTS`` or more calls that day
    (all False for a table without the attempts column, a carrier's own table)."""
    if HEAVY_FEATURE not in data.feature_names:
        return np.zeros(len(data.y), bool)
    attempts = np.nan_to_num(data.X[:, data.feature_names.index(HEAVY_FEATURE)])
    return (data.y == 0) & (attempts >= HEAVY_ATTEMPTS)


def row_weights(data: Dataset, config: TrainConfig) -> np.ndarray | None:
    """Training weights: legitimate heavy callers count ``benign_heavy_weight`` times.

    Only CDR feature rows carry the attempts column; carrier tables train unweighted.
    """
    if config.benign_heavy_weight == 1.0 or HEAVY_FEATURE not in data.feature_names:
        return None
    heavy = heavy_benign(data)
    partial = np.array(["@t" in i for i in data.ids.tolist()], bool)
    if partial.any():
        # A day in progress (``with_partial_days``) weighs as the business it belongs to: a
        # school has 20 calls at 10:00 and 300 by evening, and its morning row is the one the
        # real-time engine must not flag.
        heavy |= partial & (data.y == 0) & np.isin(data.groups, data.groups[heavy & ~partial])
    return np.where(heavy, config.benign_heavy_weight, 1.0)


#: The columns that describe a number's route, not the number (swapped by route invariance).
INGRESS_MARK = "_by_ingress_"


def with_route_swaps(
    data: Dataset, weights: np.ndarray | None, config: TrainConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Training rows plus one copy of each legitimate heavy caller's row whose ingress
    columns are those of a flagged row (drawn with the config's seed), labelled benign.

    Only the rows a model is fitted on are extended (each fold's training part, the final
    fit), never rows that are scored, so out-of-fold scores and thresholds are honest. The
    copy weighs what its original does. Carrier tables (no ingress columns), data without a
    flagged or a heavy benign row, and ``route_invariance=False`` are returned unchanged."""
    cols = np.array([INGRESS_MARK in n for n in data.feature_names], bool)
    if not config.route_invariance or not cols.any():
        return data.X, data.y, weights
    heavy = np.flatnonzero(heavy_benign(data))
    flagged = np.flatnonzero(data.y != 0)
    if not len(heavy) or not len(flagged):
        return data.X, data.y, weights
    rng = np.random.default_rng(config.seed)
    donors = flagged[rng.integers(0, len(flagged), size=len(heavy))]
    extra = data.X[heavy].copy()
    extra[:, cols] = data.X[donors][:, cols]
    w = None if weights is None else np.r_[weights, weights[heavy]]
    return np.r_[data.X, extra], np.r_[data.y, data.y[heavy]], w


def _fit(data: Dataset, config: TrainConfig) -> lgb.Booster:
    if len(np.unique(data.y)) < 2:
        raise InputError("training data holds a single class; need benign and flagged numbers")
    X, y, weight = with_route_swaps(data, row_weights(data, config), config)
    ds = lgb.Dataset(
        X,
        label=y,
        weight=weight,
        feature_name=list(data.feature_names),
        params={"verbosity": -1, "feature_pre_filter": False},
        free_raw_data=True,
    )
    return lgb.train(
        config.lgb_params(len(data.classes)), ds, num_boost_round=config.num_boost_round
    )


def out_of_fold(
    data: Dataset, config: TrainConfig, fit_rows: np.ndarray | None = None
) -> np.ndarray:
    """Class probabilities for each row from a model that never saw its group (fitted on
    the other folds' rows where ``fit_rows`` holds, when given)."""
    folds = fold_of(data.groups, config.folds, config.seed)
    out = np.zeros((len(data.ids), len(data.classes)))
    if len(np.unique(data.y)) >= 2:
        for f in range(config.folds):
            if len(np.unique(data.y[folds != f])) < 2:
                kind = "benign" if (data.y[folds != f] != 0).all() else "flagged"
                rows = int(((data.y == 0) if kind == "benign" else (data.y != 0)).sum())
                raise InputError(
                    f"the out-of-fold scores need {kind} numbers in at least two of the "
                    f"{config.folds} folds, and all {rows:,} {kind} row(s) fall in fold "
                    f"{f + 1} (a number's rows stay in one fold); label more numbers"
                )
    for f in range(config.folds):
        test = folds == f
        if not test.any():
            continue
        fit = ~test if fit_rows is None else ~test & fit_rows
        model = _fit(data.take(np.flatnonzero(fit)), config)
        out[test] = class_proba(model, data.X[test], len(data.classes))
    return out


def _every_fold_keeps_every_class(data: Dataset, config: TrainConfig, keep: np.ndarray) -> bool:
    """Pruning leaves every class in every inner fold's training part (else it is skipped:
    a tiny table could lose a class's last rows there)."""
    folds = fold_of(data.groups, config.folds, config.seed)
    k = len(data.classes)
    return len(np.unique(data.y[keep])) == k and all(
        len(np.unique(data.y[(folds != f) & keep])) == k
        for f in range(config.folds)
        if (folds == f).any()
    )


def confident_rows(y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Rows to keep: all but the off-diagonal of confident learning's confident joint.

    A row's self-confidence is its out-of-fold probability of its own label; a class's
    threshold t_c is the mean self-confidence of the rows labelled c. A row counts under the
    class c whose probability reaches t_c (the likeliest such class); it is dropped when
    that class is not its label. Rows that reach no threshold are kept."""
    n, k = proba.shape
    own = proba[np.arange(n), y]
    t = np.array([own[y == c].mean() if (y == c).any() else np.inf for c in range(k)])
    above = proba >= t
    counted = above.any(axis=1)
    under = np.where(above, proba, -np.inf).argmax(axis=1)
    return ~(counted & (under != y))


def choose_threshold(scores: np.ndarray, positive: np.ndarray, config: TrainConfig) -> Threshold:
    if config.objective is Objective.F1:
        return for_f1(scores, positive)
    return for_precision(scores, positive, config.target_precision)


def train(data: Dataset, config: TrainConfig) -> TrainedModel:
    """Fit on all rows; choose the threshold from out-of-fold scores."""
    data = data.sorted()
    oof = out_of_fold(data, config)
    fit_data, pruned = data, None
    if config.prune_label_noise:
        keep = confident_rows(data.y, oof)
        if not keep.all() and _every_fold_keeps_every_class(data, config, keep):
            # the threshold from scores of models fitted on the kept rows, for every row
            # (a dropped row keeps its label there), then the model on the kept rows
            oof = out_of_fold(data, config, fit_rows=keep)
            fit_data = data.take(np.flatnonzero(keep))
            pruned = {c: int(((data.y == i) & ~keep).sum()) for i, c in enumerate(data.classes)}
    positive = data.y != 0
    threshold = choose_threshold(bad_score(oof), positive, config)
    booster = _fit(fit_data, config)
    benign = data.X[~positive]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # (a feature missing on every benign row has no median: None, without the
        # "All-NaN slice" RuntimeWarning on the command's stderr)
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(benign, axis=0) if len(benign) else np.full(data.X.shape[1], np.nan)
    reference = {
        n: (None if np.isnan(v) else float(v)) for n, v in zip(data.feature_names, med, strict=True)
    }
    pred = predict_labels(oof, threshold.value)
    metrics = {
        "rows": int(len(data.ids)),
        "class_counts": {c: int((data.y == i).sum()) for i, c in enumerate(data.classes)},
        "out_of_fold": classification_report(data.y, pred, data.classes),
        "threshold": threshold.to_dict(),
    }
    if pruned is not None:  # rows confident learning left out of the fit, by label
        metrics["label_noise_pruned"] = pruned
    if config.objective is not Objective.F1:
        # What --objective f1 would have chosen from the same out-of-fold scores: the
        # cross-validation reports both (the precision target trades recall for precision).
        metrics["f1_threshold"] = at = for_f1(bad_score(oof), positive).value
        # and its out-of-fold figures, which train --features prints beside the chosen ones
        rep = classification_report(data.y, predict_labels(oof, at), data.classes)
        metrics["out_of_fold_at_f1_threshold"] = {
            "macro_f1": rep["macro_f1"],
            "flagged_vs_benign": rep["flagged_vs_benign"],
        }
    return TrainedModel(
        booster, data.classes, data.feature_names, threshold, reference,  # type: ignore[arg-type]
        config, data.fingerprint(), metrics,
    )  # fmt: skip


def predict_labels(proba: np.ndarray, threshold: float) -> np.ndarray:
    """Class codes: benign below the threshold, else the likeliest non-benign class."""
    flagged = bad_score(proba) >= threshold
    worst = 1 + np.argmax(proba[:, 1:], axis=1)
    return np.where(flagged, worst, 0)


def cross_validate(data: Dataset, config: TrainConfig, folds: int) -> dict[str, Any]:
    """K-fold CV of the whole recipe (threshold chosen inside each training part)."""
    data = data.sorted()
    outer = fold_of(data.groups, folds, config.seed + 7919)
    pred = np.zeros(len(data.ids), dtype=np.int64)
    pred_f1 = np.zeros(len(data.ids), dtype=np.int64)
    scores = np.zeros(len(data.ids))
    per_fold = []
    for f in range(folds):
        test = outer == f
        try:
            model = train(data.take(np.flatnonzero(~test)), config)
        except InputError as exc:  # its counts are of this training part, not of the table
            raise InputError(
                f"{folds}-fold cross-validation, training part of fold {f + 1} "
                f"({int((~test).sum()):,} of {len(test):,} rows): {exc}"
            ) from exc
        proba = model.proba(data.X[test])
        pred[test] = predict_labels(proba, model.threshold.value)
        pred_f1[test] = predict_labels(proba, model.metrics.get("f1_threshold", np.inf))
        scores[test] = bad_score(proba)
        rep = classification_report(data.y[test], pred[test], data.classes)
        per_fold.append({"fold": f, "rows": int(test.sum()), "macro_f1": rep["macro_f1"]})
    report = classification_report(data.y, pred, data.classes)
    report["average_precision_flagged"] = average_precision(scores, data.y != 0)
    report["folds"] = per_fold
    report["fold_macro_f1_mean"] = float(np.mean([p["macro_f1"] for p in per_fold]))
    report["fold_macro_f1_std"] = float(np.std([p["macro_f1"] for p in per_fold]))
    if config.objective is not Objective.F1:
        # The same folds and models, each held-out part at its training part's F1 threshold
        # (chosen from that part's own out-of-fold scores, as --objective f1 chooses it).
        at_f1 = classification_report(data.y, pred_f1, data.classes)
        report["at_f1_threshold"] = {"macro_f1": at_f1["macro_f1"], "per_class": at_f1["per_class"]}
    return report

"""The ``stacked`` text model: LightGBM on linear-SVM scores and chi2-chosen n-grams.

The recipe is "bag3 lgb svm" of the second exploration round (``bench/text_transfer.py``,
docs/screening.md, "Toward 0.985 on the cn texts"), fixed before it was measured through
the CLI; every choice in it is made on the training rows only:

1. Six TF-IDF blocks, fitted once on the training rows and reused by every base model
   below (as in the exploration, not refitted per inner fold): characters 1-4 and words
   1-2 of the whole text, characters 1-3 and words of the opening (the ``wordchar``
   blocks), and characters 1-3 and words of the closing (the last 40 characters).
2. Five linear SVMs (C 1) on block groups: ``all`` (the four ``wordchar`` blocks),
   ``char``, ``word``, ``head`` (the opening) and ``tail`` (the closing).
3. For each inner seed of ``seed, seed + 1, seed + 2``: every SVM's decision scores for the
   training rows, out-of-fold over a stratified 5-fold of those rows (an SVM never scores a
   row it was fitted on); LightGBM (fixed parameters, :data:`BOOSTER_PARAMS`, seeded by the
   inner seed) learns on those scores plus the :data:`N_CHI2` n-gram columns with the best
   chi2 among the training rows whose label is not in ``background_labels`` (``normal``:
   the columns are to tell the fraud kinds apart).
4. To classify: the SVMs refitted on all the training rows score the text, and the three
   boosters' class probabilities are averaged.

Where a class has fewer than :data:`MIN_CLASS_ROWS` training rows (too few for the inner
folds and for the booster's leaves), there is no stack: the model is the ``all`` SVM
alone (the ``wordchar`` features and SVM at C 1, no offsets), and ``stacked_`` is False.

Deterministic for the same rows in the same order and the same seed (seeded SVMs, folds
and boosters; LightGBM on one thread, ``deterministic=True``, column-wise histograms). Rows
given in another order change the SVMs' coordinate order and the inner folds, so the
predictions may differ slightly; that is not promised. Pure: texts in, arrays out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

INNER_FOLDS = 5
INNER_SEEDS = 3  # bagged: inner seeds seed, seed + 1, seed + 2
N_CHI2 = 1000
TAIL_CHARS = 40
# The booster of bench/text_stacking.py's ``meta_booster`` (not tuned on any fold), made
# deterministic: one thread, deterministic=True, and column-wise histograms chosen up front
# (LightGBM otherwise picks row- or column-wise by timing them; on the cn texts both gave
# the same probabilities, column-wise a little faster).
BOOSTER_PARAMS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 10,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.5,
    "verbose": -1,
    "n_jobs": 1,
    "deterministic": True,
    "force_col_wise": True,
}
# A class needs rows in every inner fold, and the booster's leaves hold at least
# min_child_samples rows: below two leaves' worth of some class, no stack.
MIN_CLASS_ROWS = 2 * int(BOOSTER_PARAMS["min_child_samples"])
BLOCK_NAMES = ("char", "word", "hchar", "hword", "tchar", "tword")
BASES: dict[str, tuple[str, ...]] = {
    "all": ("char", "word", "hchar", "hword"),
    "char": ("char",),
    "word": ("word",),
    "head": ("hchar", "hword"),
    "tail": ("tchar", "tword"),
}
GRAMS = BASES["all"]  # the blocks the chi2 columns are chosen from


def _make_blocks() -> list[Any]:
    """The ``wordchar`` blocks, then characters 1-3 and words of the closing."""
    from callwarden.screening.textmodel import WordCharFeatures, word_tokens
    from callwarden.screening.vectorize import HashedCharTfidf, WordTfidf

    return [
        *WordCharFeatures.make_blocks(),
        HashedCharTfidf(max_n=3, bits=19),
        WordTfidf(word_tokens, max_n=1),
    ]


def _inputs(texts: Sequence[str]) -> list[Sequence[str]]:
    from callwarden.screening.textmodel import WordCharFeatures

    tails = [t[-TAIL_CHARS:] for t in texts]
    return [*WordCharFeatures.block_inputs(texts), tails, tails]


def _svm(x: Any, y: np.ndarray, c: float, seed: int) -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=c, random_state=seed).fit(x, y)


def _scores(model: Any, x: Any) -> np.ndarray:
    d = np.asarray(model.decision_function(x), dtype=np.float64)
    return np.stack([-d, d], axis=1) if d.ndim == 1 else d


def out_of_fold_scores(
    x: Any, y: np.ndarray, n_classes: int, inner_seed: int, c: float, svm_seed: int
) -> np.ndarray:
    """Decision scores of an SVM for every row of ``x``, each from an SVM fitted on the other
    inner folds (stratified ``INNER_FOLDS``-fold, shuffled with ``inner_seed``)."""
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros((x.shape[0], n_classes))
    folds = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=inner_seed)
    for fit_rows, held_out in folds.split(np.zeros(len(y)), y):
        out[held_out] = _scores(_svm(x[fit_rows], y[fit_rows], c, svm_seed), x[held_out])
    return out


def chi2_columns(x: Any, y: np.ndarray, skip: Sequence[str], n: int) -> np.ndarray:
    """The ``n`` columns of ``x`` with the best chi2 against ``y``, over the rows whose label
    is not in ``skip`` (all rows where fewer than two labels would remain)."""
    from sklearn.feature_selection import chi2

    use = ~np.isin(y, list(skip))
    if len(np.unique(y[use])) < 2:
        use = np.ones(len(y), dtype=bool)
    s = np.nan_to_num(chi2(x[use], y[use])[0])
    return np.argsort(-s)[:n]


@dataclass
class StackedText:
    """Boosted stack over linear SVMs (module docstring); fitted state ends in ``_``."""

    seed: int = 0
    c: float = 1.0
    background_labels: tuple[str, ...] = ("normal",)
    classes_: np.ndarray = field(default_factory=lambda: np.array([]))
    stacked_: bool = False
    blocks_: list[Any] = field(default_factory=list)
    columns_: list[np.ndarray] = field(default_factory=list)  # per block, those kept
    svms_: dict[str, Any] = field(default_factory=dict)
    chi2_columns_: np.ndarray | None = None
    boosters_: list[Any] = field(default_factory=list)

    def _blocks(self, texts: Sequence[str], fit: bool) -> dict[str, Any]:
        """Each block's TF-IDF, kept to the columns that occur in the training rows: the
        hashed blocks have 2**19-2**21 columns, mostly empty, and liblinear's time grows
        with the width (three times faster on the cn texts; the same scores, as an empty
        column adds nothing to any product). A block in which no column occurs (a few
        texts of one or two characters share no n-gram) keeps its first, empty, column: the
        SVMs need a matrix at least one column wide, and an empty column scores as the
        block's full empty width would (as ``wordchar`` fits such texts)."""
        if fit:
            self.blocks_, self.columns_ = _make_blocks(), []
        out = {}
        for i, (name, block, x) in enumerate(
            zip(BLOCK_NAMES, self.blocks_, _inputs(texts), strict=True)
        ):
            if fit:
                m = block.fit_transform(x)
                self.columns_.append(np.unique(m.indices) if m.nnz else np.zeros(1, np.int64))
            else:
                m = block.transform(x)
            out[name] = m[:, self.columns_[i]]
        return out

    @staticmethod
    def _groups(blocks: dict[str, Any]) -> dict[str, Any]:
        return {
            name: blocks[parts[0]]
            if len(parts) == 1
            else sp.hstack([blocks[p] for p in parts], format="csr")
            for name, parts in BASES.items()
        }

    def fit(self, texts: Sequence[str], labels: Sequence[str] | np.ndarray) -> StackedText:
        y = np.asarray(labels, dtype=object).astype(str)
        self.classes_, yi, counts = np.unique(y, return_inverse=True, return_counts=True)
        if len(self.classes_) < 2:
            raise ValueError("need at least two distinct labels to train")
        groups = self._groups(self._blocks(list(texts), fit=True))
        self.stacked_ = bool(counts.min() >= MIN_CLASS_ROWS)
        bases = BASES if self.stacked_ else {"all": BASES["all"]}
        self.svms_ = {name: _svm(groups[name], y, self.c, self.seed) for name in bases}
        self.chi2_columns_, self.boosters_ = None, []
        if not self.stacked_:
            return self
        top = chi2_columns(groups["all"], y, self.background_labels, N_CHI2)
        self.chi2_columns_ = top
        grams = groups["all"][:, top].toarray()
        k = len(self.classes_)
        for s in range(self.seed, self.seed + INNER_SEEDS):
            oof = [out_of_fold_scores(groups[n], y, k, s, self.c, self.seed) for n in BASES]
            self.boosters_.append(_booster(s).fit(np.hstack([grams, *oof]), yi))
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (columns in ``classes_`` order): the boosters' mean; for the
        fallback, the softmax of the ``all`` SVM's decision scores."""
        if not self.svms_:
            raise ValueError("the classifier is not fitted")
        groups = self._groups(self._blocks(list(texts), fit=False))
        if not self.stacked_:
            d = _scores(self.svms_["all"], groups["all"])
            z = np.exp(d - d.max(axis=1, keepdims=True))
            return np.asarray(z / z.sum(axis=1, keepdims=True))
        assert self.chi2_columns_ is not None
        parts = [groups["all"][:, self.chi2_columns_].toarray()]
        parts += [_scores(self.svms_[n], groups[n]) for n in BASES]
        x = np.hstack(parts)
        p = np.zeros((len(texts), len(self.classes_)))
        for b in self.boosters_:
            p += b.predict_proba(x)
        return np.asarray(p / len(self.boosters_))

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Log-probabilities: their softmax is :meth:`probabilities` again."""
        return np.asarray(np.log(np.maximum(self.probabilities(texts), 1e-12)))


def _booster(seed: int) -> Any:
    import lightgbm as lgb

    return lgb.LGBMClassifier(**BOOSTER_PARAMS, random_state=seed)

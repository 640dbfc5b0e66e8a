"""Scoring feature rows with the trained model, in one vectorised LightGBM call per refresh.

LightGBM's prediction early stopping (``pred_early_stop``) ends the tree walk for a row once
one class leads by ``margin`` in raw score: most numbers are confidently benign after a few
dozen of the hundreds of trees. Rows whose early score is not clearly benign (bad score at
least ``confirm_above``) are scored again with every tree, so every flag comes from the full
model; ``bench/replay.py`` measures how often the two disagree.

With the trees compiled to native code (``detect.compiled``, the ``fast`` extra) every row
gets every tree, in one call, faster than LightGBM's early-stopped walk; the early stop and
its confirmation pass are then not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callwarden.detect.model import TrainedModel, class_proba
from callwarden.stream.features import check_stream_features


@dataclass(frozen=True)
class ScorerConfig:
    early_stop: bool = True
    margin: float = 8.0  # 4 missed 32 flagged calls on the bench day (see docs/streaming.md)
    freq: int = 10
    confirm_above: float = 0.01


class Scorer:
    """Class codes (0 = benign) and bad scores for feature rows in the model's column order."""

    def __init__(self, model: TrainedModel, config: ScorerConfig | None = None) -> None:
        self.model = model
        self.config = config or ScorerConfig()
        self.threshold = float(model.threshold.value)
        self.classes = tuple(model.classes)
        self.feature_names = tuple(model.feature_names)
        check_stream_features(self.feature_names)  # a feature-table model would score NaN rows
        self.rows_scored = 0
        self.rows_confirmed = 0
        self._threads = int(model.config.num_threads)

    @property
    def compiled(self) -> bool:
        return self.model.compiled is not None

    def proba(self, X: np.ndarray, full: bool = False) -> np.ndarray:
        booster, k = self.model.booster, len(self.classes)
        if self.model.compiled is not None:
            return self.model.compiled(X, self._threads)  # type: ignore[no-any-return]
        if full or not self.config.early_stop:
            return class_proba(booster, X, k)
        cfg = self.config
        p = np.asarray(
            booster.predict(
                X,
                num_threads=self._threads,
                pred_early_stop=True,
                pred_early_stop_freq=cfg.freq,
                pred_early_stop_margin=cfg.margin,
            )
        )
        return np.stack([1 - p, p], axis=1) if k <= 2 else p.reshape(len(X), k)

    def score(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(class code per row, P(not benign) per row)."""
        if not len(X):
            return np.zeros(0, np.int8), np.zeros(0)
        proba = self.proba(X)
        bad = 1.0 - proba[:, 0]
        self.rows_scored += len(X)
        if self.config.early_stop and self.model.compiled is None:
            again = np.flatnonzero(bad >= self.config.confirm_above)
            if len(again):
                proba[again] = self.proba(X[again], full=True)
                bad[again] = 1.0 - proba[again, 0]
                self.rows_confirmed += len(again)
        worst = 1 + np.argmax(proba[:, 1:], axis=1)
        label = np.where(bad >= self.threshold, worst, 0).astype(np.int8)
        return label, bad

"""Scoring with the model's trees compiled to native code (``lleaves``, optional).

LightGBM walks 900 trees (300 rounds x 3 classes) per number through its generic
predictor; ``lleaves`` compiles the same ``model.txt`` with LLVM into a function with the
thresholds inlined, about ten times faster on the scan benchmark. The probabilities agree
with LightGBM's to within a few units in the 15th decimal (summation order), so flags can
only differ for a score within ~1e-14 of the threshold; the same inputs always give the same
verdicts. Per-feature contributions (reasons) still come from LightGBM: ``lleaves`` has no
``pred_contrib``, and only flagged numbers need them.

The compiled object is cached per model text and machine under
``$XDG_CACHE_HOME/callwarden/lleaves`` (``~/.cache`` by default), so it is built once, in a
few seconds. Without ``lleaves`` installed (``pip install callwarden[fast]``) scoring falls
back to LightGBM, with a log line.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import tempfile
from pathlib import Path

import numpy as np

from callwarden.cache import cache_dir as shared_cache_dir
from callwarden.detect.model import TrainedModel

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    return shared_cache_dir("lleaves")


#: Below this many rows LightGBM scores faster than compiling (a few seconds per new model).
COMPILE_MIN_ROWS = 200_000


def _key(text: str) -> str:
    return hashlib.sha256(f"{text}\x1f{platform.machine()}".encode()).hexdigest()[:24]


def worth_compiling(model: TrainedModel, rows: int, cache: Path | None = None) -> bool:
    """Compile for big tables, or when this model's object file is already cached."""
    if rows >= COMPILE_MIN_ROWS:
        return True
    return ((cache or cache_dir()) / f"{_key(model.booster.model_to_string())}.o").is_file()


def compile_model(model: TrainedModel, cache: Path | None = None) -> bool:
    """Attach a compiled predictor to ``model`` (``model.compiled``); False if unavailable."""
    try:
        import lleaves
    except ImportError:
        log.info("lleaves is not installed; scoring with LightGBM")
        return False
    text = model.booster.model_to_string()
    key = _key(text)
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        model_file = Path(tmp) / "model.txt"
        model_file.write_text(text)
        compiled = lleaves.Model(model_file=str(model_file))
        final = cache / f"{key}.o"
        if final.is_file():
            compiled.compile(cache=str(final))  # loads the object file
        else:
            # Written under a private name and renamed: a concurrent scan never loads half a file.
            part = cache / f"{key}.{os.getpid()}.part"
            compiled.compile(cache=str(part))
            os.replace(part, final)
    n_classes = len(model.classes)

    def predict(X: np.ndarray, threads: int) -> np.ndarray:
        p = np.asarray(compiled.predict(np.ascontiguousarray(X, dtype=np.float64), n_jobs=threads))
        if n_classes <= 2:
            p = p.reshape(-1)
            return np.stack([1 - p, p], axis=1)
        return p.reshape(len(X), n_classes)

    model.compiled = predict
    return True

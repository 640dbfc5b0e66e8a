"""Held-out splits of the text data: ``wordchar`` against ``joint``, each trained on four
fifths and scored on the held fifth, as an evaluator holding rows back would score them.

    nice -n 5 python bench/text_holdout.py --data cn [--salts s18a s18b ...] [--check]
    nice -n 5 python bench/text_holdout.py --data dialogues [--salts s18a s18b ...]

Each salt holds out the rows with CRC32((salt + key).encode()) % 5 == 0; the key is the
dialogue's ``id`` (teleantifraud ``dev.jsonl``) or the row's index as text (cn_fraud_texts
``dev.csv``, 0-based over the data rows). Texts and labels are read with the CLI's own
readers (``train-text --text-column turns --label-column fraud_type --missing-label normal``;
``--text-column text --label-column class_name``). Macro-F1 as ``train-text --cv``
computes it: sklearn's, over the labels of the held rows, ``normal`` left out for the cn
texts (``--exclude-from-macro normal``), all nine kept for the dialogues.

The two models share ``wordchar``'s features, C, offset rule and final SVM, so each split
fits them once (``TextClassifier.fit``'s steps: ``_pick_c``'s inner CV, then the SVM) and
builds both classifiers from the parts: ``wordchar`` adds its class offsets, ``joint`` reads
the scores with its logistic regression (``_fit_joint`` on the same inner out-of-fold
scores). ``--check`` also fits ``TextClassifier(kind=...)`` for both kinds on the first split
and stops unless the predictions are identical. Nothing is tuned here; the adoption rule
and the figures are in docs/screening.md, "Seventh round: held-out splits".
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DATA = {
    # data: (file, text column, label column, missing label, id column or None, excluded)
    "cn": (SHARED / "cn_fraud_texts" / "dev.csv", "text", "class_name", None, None, ("normal",)),
    "dialogues": (
        SHARED / "teleantifraud_dialogues" / "dev.jsonl",
        "turns",
        "fraud_type",
        "normal",
        "id",
        (),
    ),
}
SALTS = [f"s18{c}" for c in "abcdefgh"]


def load(name: str) -> tuple[list[str], np.ndarray, list[str], tuple[str, ...]]:
    """Texts, labels, split keys and the labels left out of the macro, read as the CLI does."""
    from callwarden.cli._text_io import _labels, _read_table, _text_column

    path, text_col, label_col, missing, id_col, excluded = DATA[name]
    df = _read_table(path)
    texts = _text_column(df, text_col).texts
    labels = np.asarray(_labels(df, label_col, missing), dtype=object).astype(str)
    keys = [str(v) for v in df[id_col].tolist()] if id_col else [str(i) for i in range(len(df))]
    return texts, labels, keys, excluded


def held_mask(keys: list[str], salt: str) -> np.ndarray:
    return np.array([zlib.crc32((salt + k).encode()) % 5 == 0 for k in keys])


def fit_both(texts: list[str], labels: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """``wordchar`` and ``joint`` from one run of ``TextClassifier.fit``'s steps."""
    from sklearn.svm import LinearSVC

    from callwarden.screening.normalise import to_simplified_all
    from callwarden.screening.offsets import fit_offsets
    from callwarden.screening.textmodel import TextClassifier, WordCharFeatures, _fit_joint, _pick_c

    texts = to_simplified_all(list(texts))
    y = np.asarray(labels, dtype=object).astype(str)
    classes = np.unique(y)
    vec = WordCharFeatures()
    x = vec.fit_transform(texts)
    c, rule, oof = _pick_c(x, y, seed)
    svm = LinearSVC(C=c, random_state=seed).fit(x, y)
    models = {}
    for kind in ("wordchar", "joint"):
        m = TextClassifier(kind=kind, seed=seed)
        m.classes_, m.c_, m.vectorizer_, m.model_ = classes, c, vec, svm
        if oof is not None:
            yi = np.searchsorted(classes, y)
            if kind == "joint":
                m.joint_ = _fit_joint(oof, yi)
            else:
                m.offset_rule_, m.offsets_ = rule, fit_offsets(oof, yi, rule)
        models[kind] = m
    return models


def macro(y: np.ndarray, pred: np.ndarray, excluded: tuple[str, ...]) -> float:
    from sklearn.metrics import f1_score

    labs = [lab for lab in sorted(set(y.tolist())) if lab not in excluded]
    return float(f1_score(y, pred.astype(str), labels=labs, average="macro"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", choices=sorted(DATA), default="cn")
    ap.add_argument("--salts", nargs="+", default=SALTS)
    ap.add_argument("--check", action="store_true", help="first split: compare with fit()")
    args = ap.parse_args()
    path = DATA[args.data][0]
    if not path.is_file():
        print(f"data not found at {path} (../shared/data is not part of the repo)")
        return
    from callwarden.screening.textmodel import TextClassifier

    texts, y, keys, excluded = load(args.data)
    x = np.asarray(texts, dtype=object)
    print(f"{args.data}: {len(y)} rows, {len(set(y.tolist()))} labels, macro without {excluded}")
    print(f"{'salt':<6} {'held':>5} {'C':>7} {'rule':<14} {'wordchar':>8} {'joint':>8} "
          f"{'diff':>8} {'wall s':>7} {'load':>5}", flush=True)  # fmt: skip
    diffs, scores = [], []
    for i, salt in enumerate(args.salts):
        t0 = time.time()
        held = held_mask(keys, salt)
        models = fit_both(list(x[~held]), y[~held])
        pred = {k: m.predict(list(x[held])) for k, m in models.items()}
        if args.check and i == 0:
            for k in models:
                ref = TextClassifier(kind=k).fit(list(x[~held]), y[~held]).predict(list(x[held]))
                assert np.array_equal(ref, pred[k]), f"{k}: shortcut differs from fit()"
            print(f"check: {salt} shortcut == TextClassifier(kind=...).fit for both", flush=True)
        f1 = {k: macro(y[held], p, excluded) for k, p in pred.items()}
        diffs.append(f1["joint"] - f1["wordchar"])
        scores.append((f1["wordchar"], f1["joint"]))
        wc = models["wordchar"]
        print(f"{salt:<6} {held.sum():>5} {wc.c_:>7g} {wc.offset_rule_:<14} "
              f"{f1['wordchar']:>8.4f} {f1['joint']:>8.4f} {diffs[-1]:>+8.4f} "
              f"{time.time() - t0:>7.0f} {os.getloadavg()[0]:>5.2f}", flush=True)  # fmt: skip
    mean, wins = sum(diffs) / len(diffs), sum(d > 0 for d in diffs)
    means = np.mean(scores, axis=0)
    print(f"mean wordchar {means[0]:.4f}, joint {means[1]:.4f}; difference {mean:+.4f}; "
          f"joint better on {wins} of {len(diffs)}")  # fmt: skip
    if len(diffs) == 8:
        adopted = mean >= 0.002 and wins >= 6
        print(f"rule (mean >= +0.002 and better on >= 6 of 8): {'ADOPT' if adopted else 'no'}")


if __name__ == "__main__":
    main()

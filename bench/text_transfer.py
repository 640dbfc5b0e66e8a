"""Exploration (not a shipped model): transfer, cue lexicons and bagged boosters on
cn_fraud_texts, 5-fold CV (issue 5, second round).

    python bench/text_transfer.py [--cv-seed 3] [--inner-seeds 0 1 2] [--no-joint]
                                  [--single-only] [--data DIR]

Adds to ``bench/text_stacking.py``'s stack (linear SVMs on the ``all``, ``char``, ``word``,
``head`` and ``tail`` blocks, inner out-of-fold scores for the training rows, LightGBM with
fixed parameters on them plus the 1,000 chi2-best n-gram columns):

- ``dial``: the decision scores, on every cn text, of a linear SVM trained once on *all*
  the teleantifraud dialogues (what the caller says, eight fraud kinds and normal; its own
  TF-IDF fitted on the dialogues). A different corpus, so no cn text takes part in it.
- ``joint``: one SVM per outer fold over the training fold's cn texts *and* all the
  dialogues (their labels kept apart), on a vocabulary fitted on both; its cn-class scores
  (inner out-of-fold for the training rows) as a further base.
- ``cues``: per fraud kind, the 100 word n-grams with the best chi2 for that kind against the
  other three (training fold's fraud rows only, and more frequent in that kind); each text's
  count of them in the whole text, the caller's self-introduction clause, the rest, the
  opening and the closing, and the relative position of its first cue word.
- ``chi2 only``: the booster on the chi2 columns (and cues) without any SVM scores.
- ``bag``: the boosted stack fitted once per inner-CV seed (``--inner-seeds``: the base
  models' inner out-of-fold scores, and the booster's seed, change with it) and the class
  probabilities averaged.

Printed: macro-F1 over the four fraud kinds and errors among the 2,822 fraud texts.
Outer folds shuffled with ``--cv-seed`` (3: the exploration seed; the CLI uses 0). About
20-30 minutes on the two shared cores (``--single-only``: two minutes). Figures in
docs/screening.md ("Second round").
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from callwarden.screening.textmodel import word_tokens  # noqa: E402
from callwarden.screening.vectorize import HashedCharTfidf, WordTfidf  # noqa: E402
from text_stacking import BLOCKS, fraud_args, fraud_inputs, meta_booster, svm_scores  # noqa: E402

INNER = 5
N_CHI2 = 1000
N_CUES = 100
BASES = {
    "all": ["char", "word", "hchar", "hword"],
    "char": ["char"],
    "word": ["word"],
    "head": ["hchar", "hword"],
    "tail": ["tchar", "tword"],
}
GRAMS = ("char", "word", "hchar", "hword")


def caller_text(turns: list[dict[str, Any]]) -> str:
    """What the caller says in a dialogue, as one text (the cn texts are the caller's)."""
    return "".join(t.get("text", "") for t in turns if t.get("speaker") == "caller")


def load_dialogues(data: Path) -> tuple[list[str], np.ndarray]:
    path = data / "teleantifraud_dialogues" / "dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [caller_text(r["turns"]) for r in rows], np.array(
        ["d:" + (r.get("fraud_type") or "normal") for r in rows], dtype=str
    )


def grams() -> list[Any]:
    return [HashedCharTfidf(max_n=4), WordTfidf(word_tokens, max_n=2)]


def dialogue_scores(dtexts: list[str], dy: np.ndarray, texts: list[str]) -> np.ndarray:
    """Scores on ``texts`` of an SVM fitted on the dialogues alone (fit-once, no cn text)."""
    blocks = grams()
    xa = sp.hstack([b.fit_transform(dtexts) for b in blocks], format="csr")
    xb = sp.hstack([b.transform(texts) for b in blocks], format="csr")
    return svm_scores(xa, dy, xb)


def joint_scores(
    texts: np.ndarray,
    y: np.ndarray,
    dtexts: list[str],
    dy: np.ndarray,
    tr: np.ndarray,
    te: np.ndarray,
    inner: list[tuple[np.ndarray, np.ndarray]],
    n_classes: int,
) -> tuple[np.ndarray, np.ndarray]:
    """cn-class scores of an SVM over training cn texts plus all dialogues, shared vocabulary."""
    blocks = grams()
    both = list(texts[tr]) + dtexts
    xall = sp.hstack([b.fit_transform(both) for b in blocks], format="csr")
    xte = sp.hstack([b.transform(list(texts[te])) for b in blocks], format="csr")
    xcn, xd = xall[: len(tr)], xall[len(tr) :]
    ytr = y[tr]
    # the cn classes' columns among all the labels, sorted as the SVM sorts them
    cn = np.searchsorted(np.unique(np.r_[ytr, dy]), np.unique(ytr))
    oof = np.zeros((len(tr), n_classes))
    for itr, iho in inner:
        a = sp.vstack([xcn[itr], xd], format="csr")
        oof[iho] = svm_scores(a, np.r_[ytr[itr], dy], xcn[iho])[:, cn]
    test = svm_scores(xall, np.r_[ytr, dy], xte)[:, cn]
    return oof, test


def cue_features(
    word_block: Any, inputs: dict[str, np.ndarray], y: np.ndarray, tr: np.ndarray
) -> np.ndarray:
    """Per fraud kind: counts of its chi2 cue words in the text, the introduction clause, the
    rest, the opening and the closing; the relative position of the first cue word. The cue
    lists are learnt on the training rows ``tr`` only."""
    from sklearn.feature_selection import chi2

    x = {
        k: (word_block.transform(list(v)) > 0).astype(np.float32).tocsr() for k, v in inputs.items()
    }
    xt = x["text"][tr]
    fraud = np.flatnonzero(y[tr] != "normal")
    kinds = sorted(set(y[tr][fraud]))
    unigrams = WordTfidf(word_tokens, max_n=1, bits=word_block.bits)
    r, c = unigrams._pairs(list(inputs["text"]))  # (text, word column) in reading order
    n_tok = np.bincount(r, minlength=len(y))
    start = np.r_[0, np.cumsum(n_tok)[:-1]]
    pos = np.arange(len(r)) - start[r]
    cols = []
    for k in kinds:
        yk = (y[tr][fraud] == k).astype(int)
        s = np.nan_to_num(chi2(xt[fraud], yk)[0])
        more = (
            np.asarray(xt[fraud][yk == 1].mean(axis=0)).ravel()
            > np.asarray(xt[fraud][yk == 0].mean(axis=0)).ravel()
        )
        s[~more] = 0
        lex = np.argsort(-s)[:N_CUES]
        for part in ("text", "ident", "story", "head", "tail"):
            cols.append(np.asarray(x[part][:, lex].sum(axis=1)).ravel())
        hit = np.isin(c, lex)
        first = np.full(len(y), 1.5)  # no cue word: past the end
        np.minimum.at(first, r[hit], pos[hit] / np.maximum(n_tok[r[hit]], 1))
        cols.append(first)
    cols.append(n_tok.astype(float))
    return np.column_stack(cols)


def booster(a: np.ndarray, ya: np.ndarray, b: np.ndarray, seed: int) -> np.ndarray:
    """Class probabilities of LightGBM (the fixed parameters of text_stacking.py)."""
    m = meta_booster(seed)
    return np.asarray(m.fit(a, ya).predict_proba(b))


def matrices(
    ca: np.ndarray, cb: np.ndarray, pieces: dict[str, Any], feat: str
) -> tuple[np.ndarray, np.ndarray]:
    """Training and test columns of a recipe: the chi2 columns, then the named pieces
    (``svm``, ``joint``, ``dial``, ``cues``) that ``feat`` holds, in that order."""
    parts_a, parts_b = [ca], [cb]
    for name in ("svm", "joint", "dial", "cues"):
        if name in feat:
            parts_a.append(pieces[name][0])
            parts_b.append(pieces[name][1])
    return np.hstack(parts_a), np.hstack(parts_b)


def single_only(
    inputs: dict[str, np.ndarray],
    y: np.ndarray,
    classes: np.ndarray,
    fraud: list[str],
    dtexts: list[str],
    dy: np.ndarray,
    cv_seed: int,
) -> None:
    """The `all` SVM on the cn training fold against the joint SVM (cn fold + dialogues)."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    preds = {n: np.empty(len(y), dtype=object) for n in ("single all", "single joint")}
    for k, (tr, te) in enumerate(
        StratifiedKFold(5, shuffle=True, random_state=cv_seed).split(y, y)
    ):
        t0 = time.perf_counter()
        blocks = [BLOCKS[b] for b in BASES["all"]]
        fitted = [(make(), src) for make, src in blocks]
        a = sp.hstack([b.fit_transform(list(inputs[s][tr])) for b, s in fitted], format="csr")
        b_ = sp.hstack([b.transform(list(inputs[s][te])) for b, s in fitted], format="csr")
        preds["single all"][te] = classes[svm_scores(a, y[tr], b_).argmax(axis=1)]
        _, test = joint_scores(inputs["text"], y, dtexts, dy, tr, te, [], len(classes))
        preds["single joint"][te] = classes[test.argmax(axis=1)]
        print(f"outer fold {k}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    is_fraud = y != "normal"
    print(f"cv seed {cv_seed}; {is_fraud.sum()} fraud texts")
    for name, p in preds.items():
        p = p.astype(str)
        f1 = f1_score(y, p, labels=fraud, average="macro")
        print(f"{name:<40} {f1:>9.4f} {int(((p != y) & is_fraud).sum()):>7}")


def main() -> None:
    from sklearn.feature_selection import chi2
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    warnings.filterwarnings("ignore")
    ap = fraud_args(__doc__)
    ap.add_argument("--inner-seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--no-joint", action="store_true", help="skip the joint-corpus SVM")
    ap.add_argument(
        "--single-only",
        action="store_true",
        help="only the single SVMs: cn texts alone (`all`) against the joint-corpus one",
    )
    args = ap.parse_args()
    got = fraud_inputs(args.data, args.rows)
    if got is None:
        return
    texts, y, classes, fraud, inputs = got
    t0 = time.perf_counter()
    dtexts, dy = load_dialogues(args.data)
    if args.single_only:
        single_only(inputs, y, classes, fraud, dtexts, dy, args.cv_seed)
        return
    dial = dialogue_scores(dtexts, dy, texts)
    print(f"dialogue SVM: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    seeds = args.inner_seeds
    feats = ["svm", "svm+dial", "svm+cues", "svm+dial+cues", "chi2", "chi2+cues"]
    if not args.no_joint:
        feats += ["svm+joint", "svm+joint+dial+cues"]
    recipes = [f"lgb {f} (inner seed {seeds[0]})" for f in feats]
    recipes += [f"bag{len(seeds)} lgb {f}" for f in ("svm", "svm+dial+cues")]
    recipes.append("single all")
    if not args.no_joint:
        recipes.append("single joint")
    preds = {r: np.empty(len(y), dtype=object) for r in recipes}
    skf = StratifiedKFold(5, shuffle=True, random_state=args.cv_seed)
    for k, (tr, te) in enumerate(skf.split(texts, y)):
        t0 = time.perf_counter()
        fitted = {}
        for name, (make, src) in BLOCKS.items():
            if src in ("ident", "story"):
                continue
            block = make()
            fitted[name] = (
                block.fit_transform(list(inputs[src][tr])),
                block.transform(list(inputs[src][te])),
            )
        ytr = y[tr]
        yi = np.searchsorted(classes, ytr)
        test = {}
        stacks = {}
        for name, blocks in BASES.items():
            a = sp.hstack([fitted[b][0] for b in blocks], format="csr")
            test[name] = svm_scores(a, ytr, sp.hstack([fitted[b][1] for b in blocks], format="csr"))
        for s in seeds:
            inner = list(StratifiedKFold(INNER, shuffle=True, random_state=s).split(tr, ytr))
            oof = {}
            for name, blocks in BASES.items():
                a = sp.hstack([fitted[b][0] for b in blocks], format="csr")
                o = np.zeros((len(tr), len(classes)))
                for itr, iho in inner:
                    o[iho] = svm_scores(a[itr], ytr[itr], a[iho])
                oof[name] = o
            if s == seeds[0] and not args.no_joint:
                oof["joint"], test["joint"] = joint_scores(
                    inputs["text"], y, dtexts, dy, tr, te, inner, len(classes)
                )
            stacks[s] = oof
            print(
                f"  inner seed {s}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True
            )
        xa = sp.hstack([fitted[b][0] for b in GRAMS], format="csr")
        xb = sp.hstack([fitted[b][1] for b in GRAMS], format="csr")
        is_f = ytr != "normal"
        top = np.argsort(-np.nan_to_num(chi2(xa[is_f], ytr[is_f])[0]))[:N_CHI2]
        ca, cb = xa[:, top].toarray(), xb[:, top].toarray()
        word_block = BLOCKS["word"][0]()
        word_block.fit_transform(list(inputs["text"][tr]))
        cues = cue_features(word_block, inputs, y, tr)
        print(f"  fold {k} bases: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)

        pieces = {
            s: {
                "svm": (
                    np.hstack([stacks[s][n] for n in BASES]),
                    np.hstack([test[n] for n in BASES]),
                ),
                "joint": (stacks[s].get("joint"), test.get("joint")),
                "dial": (dial[tr], dial[te]),
                "cues": (cues[tr], cues[te]),
            }
            for s in seeds
        }

        for feat in feats:
            a, b = matrices(ca, cb, pieces[seeds[0]], feat)
            p = booster(a, yi, b, seeds[0])
            preds[f"lgb {feat} (inner seed {seeds[0]})"][te] = classes[p.argmax(axis=1)]
        for feat in ("svm", "svm+dial+cues"):
            p = np.zeros((len(te), len(classes)))
            for s in seeds:
                a, b = matrices(ca, cb, pieces[s], feat)
                p += booster(a, yi, b, s)
            preds[f"bag{len(seeds)} lgb {feat}"][te] = classes[np.argmax(p, axis=1)]
        preds["single all"][te] = classes[test["all"].argmax(axis=1)]
        if not args.no_joint:
            preds["single joint"][te] = classes[test["joint"].argmax(axis=1)]
        print(f"outer fold {k}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    is_fraud = y != "normal"
    print(f"cv seed {args.cv_seed}; inner seeds {seeds}; {is_fraud.sum()} fraud texts")
    print(f"{'recipe':<40} {'macro-F1':>9} {'errors':>7}")
    for name, p in preds.items():
        p = p.astype(str)
        f1 = f1_score(y, p, labels=fraud, average="macro")
        print(f"{name:<40} {f1:>9.4f} {int(((p != y) & is_fraud).sum()):>7}")


if __name__ == "__main__":
    main()

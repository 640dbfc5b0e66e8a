"""cn fraud texts: confident learning / noise-aware training under the CLI's CV folds.

Outer folds: StratifiedKFold(5, shuffle, seed) as `train-text --cv 5 --seed S`. Inside each
outer training fold only: wordchar features fitted on the training texts, LinearSVC C 1
(what the inner CV picks on these texts) out-of-fold over a stratified 5-fold of the training
rows -> softmax of the decision scores P (the model's own score). A rule turns P into
dropped rows or weights; then the wordchar model (C and offsets chosen inside, as
TextClassifier.fit) is refitted on the cleaned / weighted training rows and scores the
untouched outer test fold. Test rows are never cleaned.

    python bench/text_noise.py --fast --seeds 3 4 --rules none misclass cl_joint cl_pbnr \
        selfconf cl_weight boot0.5 smooth0.1 cl_joint_T cl_pbnr_T      # exploration
    python bench/text_noise.py --seeds 0 1 2 --rules cl_joint        # confirmation

``--fast`` refits at C 1 without offsets; without it the refit is ``TextClassifier.fit``
(wordchar: C and offsets chosen inside). Out-of-fold scores are cached under ``--save``'s
folder per fold seed and fold. Results: docs/screening.md "Confident learning".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

DATA = str(Path(__file__).resolve().parents[2] / "shared/data/cn_fraud_texts/dev.csv")


def softmax(d: np.ndarray) -> np.ndarray:
    z = np.exp(d - d.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def oof_scores(texts: list[str], y: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from callwarden.screening.textmodel import WordCharFeatures

    x = WordCharFeatures().fit_transform(texts)
    classes = np.unique(y)
    d = np.zeros((len(y), len(classes)))
    for tr, ho in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
        d[ho] = LinearSVC(C=1.0, random_state=seed).fit(x[tr], y[tr]).decision_function(x[ho])
    return d


def fit_temperature(D: np.ndarray, yi: np.ndarray) -> float:
    best_t, best = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.02), np.log(5.0), 120)):
        P = softmax(D / t)
        nll = -np.log(P[np.arange(len(yi)), yi] + 1e-12).mean()
        if nll < best:
            best_t, best = t, nll
    return float(best_t)


def confident_joint(P: np.ndarray, yi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    K = P.shape[1]
    t = np.array([P[yi == j, j].mean() for j in range(K)])
    above = t <= P
    masked = np.where(above, P, -np.inf)
    jstar = masked.argmax(1)
    counted = above.any(1)
    return t, np.asarray(jstar), np.asarray(counted)


def rule_plan(
    D: np.ndarray, yi: np.ndarray, rule: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weight per row (0 = dropped), duplicate label per row (-1 none), duplicate weight)."""
    if rule.endswith("_T"):  # temperature-scaled softmax (NLL on the OOF rows' given labels)
        D = D / fit_temperature(D, yi)
        rule = rule[:-2]
    P = softmax(D)
    n, K = P.shape
    w = np.ones(n)
    dup_lab = -np.ones(n, dtype=np.int64)
    dup_w = np.zeros(n)
    s = P[np.arange(n), yi]
    t, jstar, counted = confident_joint(P, yi)
    am = D.argmax(1)
    Doth = D.copy()
    Doth[np.arange(n), yi] = -np.inf
    other = Doth.argmax(1)
    if rule in ("none", "unitw"):
        pass
    elif rule == "misclass":
        w[am != yi] = 0
    elif rule == "cl_joint":
        w[counted & (jstar != yi)] = 0
    elif rule == "cl_pbnr":
        C = np.zeros((K, K))
        for i in range(K):
            for j in range(K):
                C[i, j] = (counted & (yi == i) & (jstar == j)).sum()
        nc = np.bincount(yi, minlength=K)
        C = C / np.maximum(C.sum(1, keepdims=True), 1) * nc[:, None]
        for i in range(K):
            rows = np.flatnonzero(yi == i)
            for j in range(K):
                if i == j:
                    continue
                m = int(round(C[i, j]))
                if m:
                    margin = P[rows, j] - P[rows, i]
                    w[rows[np.argsort(-margin)[:m]]] = 0
    elif rule == "selfconf":
        w[s < t[yi]] = 0
    elif rule == "margin0":  # drop rows whose own score trails the best other by any margin
        w[D[np.arange(n), yi] < Doth.max(1)] = 0  # same as misclass up to ties
    elif rule == "cl_weight":
        w = np.minimum(1.0, s / t[yi])
    elif rule.startswith("boot"):  # boot<beta>: OOF-misclassified rows split beta to the prediction
        beta = float(rule[4:])
        bad = am != yi
        w[bad] = 1 - beta
        dup_lab[bad] = am[bad]
        dup_w[bad] = beta
    elif rule.startswith("smooth"):  # smooth<eps>: every row gives eps to its top other class
        eps = float(rule[6:])
        w[:] = 1 - eps
        dup_lab[:] = other
        dup_w[:] = eps
    else:
        raise ValueError(rule)
    return w, dup_lab, dup_w


def fit_predict_w(
    tr_texts: list[str],
    y: np.ndarray,
    w: np.ndarray,
    dup_lab: np.ndarray,
    dup_w: np.ndarray,
    seed: int,
    te_texts: list[str],
    fast: bool = False,
) -> tuple[np.ndarray, float, str]:
    """TextClassifier.fit (wordchar) with sample weights and weighted duplicate rows carrying
    another label; the inner 3-fold splits the original rows (a duplicate follows its row)."""
    import scipy.sparse as sp
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from callwarden.screening.offsets import choose_rule, fit_offsets
    from callwarden.screening.textmodel import C_GRID, INNER_FOLDS, WordCharFeatures

    feats = WordCharFeatures()
    x = feats.fit_transform(tr_texts)
    classes, yi = np.unique(y, return_inverse=True)
    d_idx = np.flatnonzero(dup_w > 0)
    Xe = sp.vstack([x, x[d_idx]], format="csr") if len(d_idx) else x
    ye = np.r_[yi, dup_lab[d_idx]]
    we = np.r_[w, dup_w[d_idx]]
    g = np.r_[np.arange(len(yi)), d_idx]
    inner = list(StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=seed).split(x, y))
    best, best_c, best_rule, best_oof = -1.0, 1.0, "none", None
    if fast:  # C 1, no offsets (what the inner CV picks in most cn folds)
        model = LinearSVC(C=1.0, random_state=seed).fit(Xe, ye, sample_weight=we)
        d = model.decision_function(feats.transform(te_texts))
        return classes[d.argmax(1)], 1.0, "none"
    for c in sorted(C_GRID, reverse=True):
        oof = np.zeros((len(y), len(classes)))
        for tr, ho in inner:
            m = np.isin(g, tr)
            oof[ho] = (
                LinearSVC(C=c, random_state=seed)
                .fit(Xe[m], ye[m], sample_weight=we[m])
                .decision_function(x[ho])
            )
        rule, score = choose_rule(oof, yi, seed)
        if score > best + 1e-9:
            best, best_c, best_rule, best_oof = score, c, rule, oof
    assert best_oof is not None
    off = fit_offsets(best_oof, yi, best_rule)
    model = LinearSVC(C=best_c, random_state=seed).fit(Xe, ye, sample_weight=we)
    d = model.decision_function(feats.transform(te_texts)) + off
    return classes[d.argmax(1)], best_c, best_rule


WEIGHTED = ("unitw", "cl_weight")


def main() -> None:
    import pandas as pd
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from callwarden.screening.normalise import to_simplified_all
    from callwarden.screening.textmodel import TextClassifier

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", nargs="+", type=int, required=True)
    ap.add_argument("--rules", nargs="+", required=True)
    ap.add_argument(
        "--save", default="/tmp/text_noise/pred", help="prefix of the saved predictions"
    )
    ap.add_argument("--fast", action="store_true", help="refit at C 1 without offsets")
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.save), exist_ok=True)
    df = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    texts = np.asarray(to_simplified_all(df["text"].tolist()), dtype=object)
    y = np.asarray(df["class_name"].str.strip().tolist(), dtype=object).astype(str)
    labels = sorted(set(y.tolist()))
    macro = [lab for lab in labels if lab != "normal"]
    fraud = y != "normal"
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for seed in args.seeds:
        splits = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, y))
        preds = {r: np.empty(len(y), dtype=object) for r in args.rules}
        info: dict[str, list[str]] = {r: [] for r in args.rules}
        cpu = dict.fromkeys(args.rules, 0.0)
        t_oof = 0.0
        for k, (tr, te) in enumerate(splits):
            t0 = time.process_time()
            cache = f"{os.path.dirname(args.save)}/oof_s{seed}_f{k}.npy"
            if os.path.exists(cache):
                D = np.load(cache)
            else:
                D = oof_scores(list(texts[tr]), y[tr], seed)
                np.save(cache, D)
            t_oof += time.process_time() - t0
            classes, yi = np.unique(y[tr], return_inverse=True)
            for r in args.rules:
                t0 = time.process_time()
                w, dup_lab, dup_w = rule_plan(D, yi, r)
                dup = np.where(dup_lab >= 0, dup_lab, 0)
                keep = w > 0
                if args.fast:
                    p, c, orule = fit_predict_w(
                        list(texts[tr][keep]),
                        y[tr][keep],
                        w[keep],
                        dup[keep],
                        dup_w[keep],
                        seed,
                        list(texts[te]),
                        fast=True,
                    )
                elif r in WEIGHTED or (dup_w > 0).any():
                    p, c, orule = fit_predict_w(
                        list(texts[tr]), y[tr], w, dup, dup_w, seed, list(texts[te])
                    )
                else:
                    m = TextClassifier(kind="wordchar", seed=seed).fit(texts[tr][keep], y[tr][keep])
                    p, c, orule = m.predict(texts[te]), m.c_, m.offset_rule_
                preds[r][te] = p
                cpu[r] += time.process_time() - t0
                dropped_f = int((~keep & (y[tr] != "normal")).sum())
                info[r].append(
                    (f"T {fit_temperature(D, yi):.3f} " if r.endswith("_T") else "")
                    + f"f{k}: drop {int((~keep).sum())} ({dropped_f} fraud) dup {int((dup_w > 0).sum())}"
                    f" w {w.mean():.3f} C {c} {orule}"
                )
        for r in args.rules:
            pr = preds[r].astype(str)
            mf = f1_score(y, pr, labels=macro, average="macro")
            err = int((pr[fraud] != y[fraud]).sum())
            print(
                json.dumps(
                    {
                        "seed": seed,
                        "rule": r,
                        "macro_f1": round(float(mf), 4),
                        "fraud_errors": err,
                        "cpu_s": round(cpu[r] + t_oof / 1, 0),
                        "folds": info[r],
                        "load": round(os.getloadavg()[0], 2),
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
            np.save(f"{args.save}_s{seed}_{r}.npy", pr)


if __name__ == "__main__":
    main()

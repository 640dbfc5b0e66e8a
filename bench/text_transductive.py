"""cn fraud texts: transductive and self-training variants under the CLI's CV folds.

A carrier classifies batches of transcripts, so the words of the batch (never its labels)
are there at classification time. Outer folds: StratifiedKFold(5, shuffle, seed) as
`train-text --cv 5 --seed S`; each outer test fold plays the batch. Test labels are read
only to score. Variants (the SVM is always fitted on labelled training rows, plus the
pseudo-labelled test rows where said):

- ``plain``: wordchar features fitted on the training texts, linear SVM (the baseline here);
- ``tidf``: the wordchar TF-IDF blocks fitted on training + test texts (document frequencies
  and min_df over both), the SVM on the training rows only;
- ``self1_<p>`` / ``self2_<p>``: self-training, one or two rounds. The threshold is fixed by
  the training rows alone: their out-of-fold margins (best minus second decision score,
  stratified 5-fold of the training rows, after the offsets in the full fit) sorted from
  the top, the margin of the last row at which the out-of-fold accuracy of the rows above it
  is still >= p (p 0.995, 0.999 or 1). Test texts at or above it are added with their
  predicted labels, the SVM refitted, the rest predicted (the added ones keep their label);
  round two repeats that from the refitted model;
- ``self<r>w<w>_<p>``: the same with the added texts at sample weight w;
- ``selfall<r>``: every test text added with its current label, the SVM refitted, every
  test text predicted again (its label may change), r times;
- ``tidf_self1_<p>`` / ``tidf_self2_<p>``: the same on the ``tidf`` features;
- ``cotrain``: two views (character blocks vs word blocks), each an SVM with its own
  threshold (same rule, p 0.995, on its own out-of-fold margins); each view's confident
  test texts are added to the other view's training rows, two rounds; then the full SVM is
  fitted on the training rows plus the union of the confident test texts (those the two
  views label differently dropped) and predicts every test text;
- ``lp<alpha>``: label propagation over the test texts' graph: each test text's 10
  nearest texts (cosine on the wordchar features; training texts carry their one-hot
  labels, test texts their current scores), F = alpha * P_svm + (1 - alpha) * W F, 20
  iterations; P_svm the softmax of the decision scores at a temperature fitted (log-loss) on
  the training rows' out-of-fold scores.

``--fast``: C 1, no offsets, everywhere (exploration). Without it (confirmation), C and the
offset rule are chosen as ``TextClassifier.fit`` does, on the labelled training rows only
(``_pick_c``: inner 3-fold), and the offsets kept in every refit; the threshold's
out-of-fold margins are then the chosen C's inner out-of-fold scores plus the offsets.

    python bench/text_transductive.py --fast --seeds 3 4                 # exploration
    python bench/text_transductive.py --fast --seeds 3 4 --variants plain selfall1 selfall2 \
        self1_0.99 self3_0.995 self1w0.5_0.995                          # exploration, 2nd pass
    python bench/text_transductive.py --seeds 3 4 --variants plain self1_0.995 self2_0.995 \
        tidf_self1_0.995                                                # exploration, full fit
    python bench/text_transductive.py --seeds 0 1 2 --variants plain <chosen>  # confirmation
    python bench/text_transductive.py --throughput <variant>             # per-batch cost

Results: docs/screening.md "Fifth round: the texts being classified".
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

DATA = str(Path(__file__).resolve().parents[2] / "shared/data/cn_fraud_texts/dev.csv")
FAST_VARIANTS = (
    "plain",
    "tidf",
    "self1_0.995",
    "self2_0.995",
    "self1_0.999",
    "self2_0.999",
    "self1_1.0",
    "self2_1.0",
    "tidf_self1_0.995",
    "tidf_self2_0.995",
    "cotrain",
    "lp0.5",
    "lp0.8",
)
CHAR_BLOCKS, WORD_BLOCKS = (0, 2), (1, 3)  # WordCharFeatures.make_blocks' order


def _cache_tokens() -> None:
    """jieba segmentation memoised (the same texts are segmented for several fits)."""
    from callwarden.screening import textmodel as tm

    if not hasattr(tm.word_tokens, "cache_info"):
        tm.word_tokens = functools.lru_cache(maxsize=None)(tm.word_tokens)  # type: ignore[assignment]


def blocks(fit_texts: list[str], texts_a: list[str], texts_b: list[str]) -> tuple[list, list]:
    """The four wordchar blocks fitted on ``fit_texts``; per block (A, B) matrices."""
    from callwarden.screening.textmodel import WordCharFeatures

    bl = WordCharFeatures.make_blocks()
    ins_fit = WordCharFeatures.block_inputs(fit_texts)
    ins_a = WordCharFeatures.block_inputs(texts_a)
    ins_b = WordCharFeatures.block_inputs(texts_b)
    xa, xb = [], []
    for b, f, a, t in zip(bl, ins_fit, ins_a, ins_b, strict=True):
        b.fit_transform(f)
        xa.append(b.transform(a))
        xb.append(b.transform(t))
    return xa, xb


def hstack(parts: list, which: tuple[int, ...] = (0, 1, 2, 3)) -> Any:
    import scipy.sparse as sp

    return sp.hstack([parts[i] for i in which], format="csr")


def softmax(d: np.ndarray) -> np.ndarray:
    z = np.exp(d - d.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def margins(d: np.ndarray) -> np.ndarray:
    s = np.sort(d, axis=1)
    return s[:, -1] - s[:, -2]


def threshold(d_oof: np.ndarray, yi: np.ndarray, p: float) -> float:
    """Margin of the last row (from the top) at which the out-of-fold accuracy of the rows
    at or above it is still >= p; +inf if not even the top row is."""
    m = margins(d_oof)
    order = np.argsort(-m, kind="stable")
    ok = (d_oof.argmax(1) == yi)[order]
    acc = np.cumsum(ok) / np.arange(1, len(ok) + 1)
    good = np.flatnonzero(acc >= p)
    return float(m[order][good[-1]]) if len(good) else float("inf")


def fit_temperature(d: np.ndarray, yi: np.ndarray) -> float:
    best_t, best = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.02), np.log(5.0), 120)):
        p = softmax(d / t)
        nll = -np.log(p[np.arange(len(yi)), yi] + 1e-12).mean()
        if nll < best:
            best_t, best = t, nll
    return float(best_t)


class Svm:
    """Linear SVM at a fixed C with fixed offsets, refitted on extra (pseudo) rows."""

    def __init__(self, c: float, off: np.ndarray, seed: int, k: int) -> None:
        self.c, self.off, self.seed, self.k = c, off, seed, k

    def fit_decide(
        self, x: Any, yi: np.ndarray, x_te: Any, weight: np.ndarray | None = None
    ) -> np.ndarray:
        from sklearn.svm import LinearSVC

        m = LinearSVC(C=self.c, random_state=self.seed).fit(x, yi, sample_weight=weight)
        d = np.zeros((x_te.shape[0], self.k))
        d[:, m.classes_] = m.decision_function(x_te)  # (a class absent from the rows: 0)
        if len(m.classes_) < self.k:
            d[:, np.setdiff1d(np.arange(self.k), m.classes_)] = -np.inf
        return d + self.off


def oof(x: Any, yi: np.ndarray, c: float, seed: int, folds: int = 5) -> np.ndarray:
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    d = np.zeros((len(yi), int(yi.max()) + 1))
    for tr, ho in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, yi):
        d[ho] = LinearSVC(C=c, random_state=seed).fit(x[tr], yi[tr]).decision_function(x[ho])
    return d


def setup(x_tr: Any, yi: np.ndarray, seed: int, fast: bool) -> tuple[Svm, np.ndarray]:
    """The SVM's C and offsets (fast: C 1, none) and the training rows' OOF scores
    (with the offsets) that the thresholds and temperatures are read from."""
    k = int(yi.max()) + 1
    if fast:
        return Svm(1.0, np.zeros(k), seed, k), oof(x_tr, yi, 1.0, seed)
    from callwarden.screening.offsets import fit_offsets
    from callwarden.screening.textmodel import _pick_c

    c, rule, d_oof = _pick_c(x_tr, yi.astype(str), seed)  # labels as strings: same order
    assert d_oof is not None
    # _pick_c orders classes by np.unique of the string labels; yi are indices of the
    # sorted label names, and str(index) sorts the same for fewer than 10 classes.
    off = fit_offsets(d_oof, yi, rule)
    return Svm(c, off, seed, k), d_oof + off


def self_train(
    svm: Svm,
    x_tr: Any,
    yi: np.ndarray,
    x_te: Any,
    d0: np.ndarray,
    thr: float,
    rounds: int,
    weight: float = 1.0,
) -> tuple[np.ndarray, list[int]]:
    import scipy.sparse as sp

    pred = d0.argmax(1)
    added = np.zeros(len(pred), dtype=bool)
    d = d0
    sizes = []
    for _ in range(rounds):
        new = ~added & (margins(d) >= thr)
        pred[new] = d[new].argmax(1)
        added |= new
        sizes.append(int(added.sum()))
        if not new.any():
            break
        x = sp.vstack([x_tr, x_te[added]], format="csr")
        w = np.r_[np.ones(len(yi)), np.full(int(added.sum()), weight)] if weight != 1 else None
        d = svm.fit_decide(x, np.r_[yi, pred[added]], x_te, w)
        pred[~added] = d[~added].argmax(1)
    return pred, sizes


def relabel_all(
    svm: Svm, x_tr: Any, yi: np.ndarray, x_te: Any, d0: np.ndarray, rounds: int
) -> tuple[np.ndarray, list[int]]:
    """Every test text added with its current label, the SVM refitted, every test text
    predicted again (labels may change), ``rounds`` times."""
    import scipy.sparse as sp

    pred = d0.argmax(1)
    x = sp.vstack([x_tr, x_te], format="csr")
    changed = []
    for _ in range(rounds):
        new = svm.fit_decide(x, np.r_[yi, pred], x_te).argmax(1)
        changed.append(int((new != pred).sum()))
        pred = new
    return pred, changed


def cotrain(
    seed: int, fast: bool, xtr_b: list, xte_b: list, yi: np.ndarray, svm: Svm, rounds: int = 2
) -> tuple[np.ndarray, list[int]]:
    import scipy.sparse as sp

    views = []
    for which in (CHAR_BLOCKS, WORD_BLOCKS):
        a, b = hstack(xtr_b, which), hstack(xte_b, which)
        s, d_oof = setup(a, yi, seed, fast)
        views.append((a, b, s, threshold(d_oof, yi, 0.995)))
    n = xte_b[0].shape[0]
    lab = [np.full(n, -1), np.full(n, -1)]  # confident labels given by view 0 / view 1
    d = [v[2].fit_decide(v[0], yi, v[1]) for v in views]
    sizes = []
    for _ in range(rounds):
        for v in (0, 1):
            new = (lab[v] < 0) & (margins(d[v]) >= views[v][3])
            lab[v][new] = d[v][new].argmax(1)
        sizes.append(int(((lab[0] >= 0) | (lab[1] >= 0)).sum()))
        for v in (0, 1):  # each view learns from the other's confident texts
            o = lab[1 - v] >= 0
            a, b, s, _ = views[v]
            d[v] = s.fit_decide(sp.vstack([a, b[o]], format="csr"), np.r_[yi, lab[1 - v][o]], b)
    both = (lab[0] >= 0) & (lab[1] >= 0)
    conflict = both & (lab[0] != lab[1])
    u = np.where(lab[0] >= 0, lab[0], lab[1])
    keep = (u >= 0) & ~conflict
    x_tr, x_te = hstack(xtr_b), hstack(xte_b)
    d_final = svm.fit_decide(sp.vstack([x_tr, x_te[keep]], format="csr"), np.r_[yi, u[keep]], x_te)
    sizes.append(int(conflict.sum()))
    return d_final.argmax(1), sizes


def propagate(
    x_tr: Any,
    yi: np.ndarray,
    x_te: Any,
    d_te: np.ndarray,
    temp: float,
    alpha: float,
    k_nn: int = 10,
    iters: int = 20,
) -> np.ndarray:
    import scipy.sparse as sp

    x_all = sp.vstack([x_tr, x_te], format="csr")
    s = (x_te @ x_all.T).toarray()
    n_tr, n_te = x_tr.shape[0], x_te.shape[0]
    s[np.arange(n_te), n_tr + np.arange(n_te)] = -np.inf  # not its own neighbour
    nn = np.argpartition(-s, k_nn, axis=1)[:, :k_nn]
    w = np.take_along_axis(s, nn, 1).clip(min=0)
    w = w / np.maximum(w.sum(1, keepdims=True), 1e-12)
    k = d_te.shape[1]
    p_svm = softmax(d_te / temp)
    f_all = np.vstack([np.eye(k)[yi], p_svm])
    for _ in range(iters):
        f_te = alpha * p_svm + (1 - alpha) * (w[:, :, None] * f_all[nn]).sum(1)
        f_all[n_tr:] = f_te
    return f_all[n_tr:].argmax(1)


def run_fold(
    texts: np.ndarray,
    yi: np.ndarray,
    tr: np.ndarray,
    te: np.ndarray,
    seed: int,
    fast: bool,
    variants: list[str],
) -> tuple[dict[str, np.ndarray], dict[str, Any], dict[str, float]]:
    out: dict[str, np.ndarray] = {}
    info: dict[str, Any] = {}
    cpu: dict[str, float] = {}
    t_tr, t_te = list(texts[tr]), list(texts[te])
    y_tr = yi[tr]
    need_t = any(v.startswith("tidf") for v in variants)
    feats = {"ind": blocks(t_tr, t_tr, t_te)}
    if need_t:
        feats["tidf"] = blocks(t_tr + t_te, t_tr, t_te)
    base: dict[str, Any] = {}

    def get_base(fk: str) -> Any:
        if fk not in base:
            t0 = time.process_time()
            x_tr, x_te = hstack(feats[fk][0]), hstack(feats[fk][1])
            svm, d_oof = setup(x_tr, y_tr, seed, fast)
            d0 = svm.fit_decide(x_tr, y_tr, x_te)
            base[fk] = (x_tr, x_te, svm, d_oof, d0, time.process_time() - t0)
        return base[fk]

    for v in variants:
        fk = "tidf" if v.startswith("tidf") else "ind"
        x_tr, x_te, svm, d_oof, d0, t_base = get_base(fk)
        t0 = time.process_time()  # (the base's CPU is added below, once per variant)
        rest = v[5:] if v.startswith("tidf") else v
        if rest in ("plain", ""):
            p = d0.argmax(1)
            info[v] = f"C {svm.c} off {np.round(svm.off, 2).tolist()}"
        elif rest.startswith("selfall"):
            p, changed = relabel_all(svm, x_tr, y_tr, x_te, d0, int(rest[7:]))
            info[v] = f"changed {changed}"
        elif rest.startswith("self"):
            head, prob = rest.split("_")
            rounds = int(head[4])
            weight = float(head.split("w")[1]) if "w" in head else 1.0
            thr = threshold(d_oof, y_tr, float(prob))
            p, sizes = self_train(svm, x_tr, y_tr, x_te, d0.copy(), thr, rounds, weight)
            info[v] = f"thr {thr:.3f} added {sizes}"
        elif rest == "cotrain":
            p, sizes = cotrain(seed, fast, feats[fk][0], feats[fk][1], y_tr, svm)
            info[v] = f"added {sizes[:-1]} conflicts {sizes[-1]}"
        elif rest.startswith("lp"):
            temp = fit_temperature(d_oof, y_tr)
            p = propagate(x_tr, y_tr, x_te, d0, temp, float(rest[2:]))
            info[v] = f"T {temp:.3f}"
        else:
            raise ValueError(v)
        out[v] = p
        cpu[v] = time.process_time() - t0 + t_base
    return out, info, cpu


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import pandas as pd

    from callwarden.screening.normalise import to_simplified_all

    df = pd.read_csv(DATA, dtype=str, keep_default_na=False)
    texts = np.asarray(to_simplified_all(df["text"].tolist()), dtype=object)
    y = np.asarray(df["class_name"].str.strip().tolist(), dtype=object).astype(str)
    labels, yi = np.unique(y, return_inverse=True)
    return texts, yi, labels


def throughput(variant: str, batch: int = 1000, seed: int = 0) -> None:
    """Train rows: a stratified 80 % (outer fold 0 of ``seed``); one batch of ``batch`` of
    the other rows. ``wordchar``: TextClassifier fitted once, the batch classified.
    ``self<r>_<p>`` (full fit): what is fitted once (features, C, offsets, threshold, the
    first SVM) is not timed; per batch: the batch's features and scores, then the refits on
    the training rows plus the confident texts. Other variants: everything per batch
    (``run_fold``). Jieba is not memoised here, so every batch is segmented afresh."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from callwarden.screening.textmodel import TextClassifier, WordCharFeatures

    texts, yi, labels = load()
    tr, te = next(StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, yi))
    te = te[:batch]
    m = TextClassifier(kind="wordchar", seed=seed).fit(texts[tr], labels[yi[tr]])
    w0, c0 = time.perf_counter(), time.process_time()
    m.predict(texts[te])
    w1, c1 = time.perf_counter(), time.process_time()
    print(f"wordchar: {len(te) / (w1 - w0):.0f} texts/s wall ({len(te) / (c1 - c0):.0f} per cpu-s)")
    fast = variant.startswith("fast:")
    v = variant.removeprefix("fast:")
    if v.startswith("self") and not v.startswith("selfall"):
        head, prob = v.split("_")
        feats = WordCharFeatures()
        x_tr = feats.fit_transform(list(texts[tr]))
        svm, d_oof = setup(x_tr, yi[tr], seed, fast)
        thr = threshold(d_oof, yi[tr], float(prob))
        first = LinearSVC(C=svm.c, random_state=seed).fit(x_tr, yi[tr])
        w0, c0 = time.perf_counter(), time.process_time()
        x_te = feats.transform(list(texts[te]))
        d0 = first.decision_function(x_te) + svm.off
        self_train(svm, x_tr, yi[tr], x_te, d0, thr, int(head[4]))
        what = "batch features, scores and refits"
    else:
        w0, c0 = time.perf_counter(), time.process_time()
        run_fold(texts, yi, tr, te, seed, fast, [v])
        what = "features, C/offset choice and refits"
    w1, c1 = time.perf_counter(), time.process_time()
    print(
        f"{variant}: {len(te) / (w1 - w0):.1f} texts/s wall ({len(te) / (c1 - c0):.1f} per cpu-s),"
        f" {w1 - w0:.1f} s a batch of {len(te)} ({what})"
    )


def main() -> None:
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", nargs="+", type=int, default=[3, 4])
    ap.add_argument("--variants", nargs="+", default=list(FAST_VARIANTS))
    ap.add_argument("--fast", action="store_true", help="C 1, no offsets (exploration)")
    ap.add_argument("--save", default="/tmp/text_transductive/pred")
    ap.add_argument("--throughput", metavar="VARIANT", help="per-batch cost ('fast:' prefix ok)")
    args = ap.parse_args()
    if args.throughput:
        throughput(args.throughput)
        return
    _cache_tokens()
    os.makedirs(os.path.dirname(args.save), exist_ok=True)
    texts, yi, labels = load()
    macro = [i for i, lab in enumerate(labels) if lab != "normal"]
    fraud = labels[yi] != "normal"
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for seed in args.seeds:
        preds = {v: np.full(len(yi), -1) for v in args.variants}
        infos: dict[str, list[str]] = {v: [] for v in args.variants}
        cpu = dict.fromkeys(args.variants, 0.0)
        t_wall = time.time()
        for k, (tr, te) in enumerate(
            StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, yi)
        ):
            out, info, c = run_fold(texts, yi, tr, te, seed, args.fast, args.variants)
            for v in args.variants:
                preds[v][te] = out[v]
                infos[v].append(f"f{k}: {info[v]}")
                cpu[v] += c[v]
        for v in args.variants:
            pr = preds[v]
            print(
                json.dumps(
                    {
                        "seed": seed,
                        "variant": v,
                        "fast": args.fast,
                        "macro_f1": round(
                            float(f1_score(yi, pr, labels=macro, average="macro")), 4
                        ),
                        "fraud_errors": int((pr[fraud] != yi[fraud]).sum()),
                        "cpu_s": round(cpu[v]),
                        "folds": infos[v],
                        "wall_s": round(time.time() - t_wall),
                        "load": round(os.getloadavg()[0], 2),
                        "utc": time.strftime("%H:%M", time.gmtime()),
                    },
                    ensure_ascii=False,
                ),
                flush=True,
            )
            np.save(f"{args.save}_s{seed}_{v}{'_fast' if args.fast else ''}.npy", pr)


if __name__ == "__main__":
    main()

"""Dialogues (teleantifraud, turns only): variants of the ``wordchar`` model on the CLI's folds.

Outer folds: StratifiedKFold(5, shuffle, seed) as ``train-text --cv 5 --seed S`` (same
texts: ``dialogue_text`` of the turns, Traditional read as Simplified; a missing
``fraud_type`` is ``normal``). Each outer fold runs in two steps:

1. ``--cache``: the ``wordchar`` features fitted on the training texts, C and the offset
   rule chosen as ``TextClassifier.fit`` does (``_pick_c``: inner 3-fold, joint choice), the
   final SVM's test scores, and the chosen C's inner out-of-fold scores; the same for a
   *specialist* (an SVM, own C and offset rule by the same inner CV, trained on the rows of
   the four overlapping kinds only); multinomial logistic regression on the same features
   (``lr<C>``, fixed C, test probabilities); turn-structure features of every text. All
   written to ``--cache-dir`` per seed and fold (small: scores, not features).
2. Variants, from the cache only (cheap; the test labels are read only to score):

- ``plain``: the ``wordchar`` model (must equal the CLI's figure on the same seed);
- ``raw``: plain without its offsets (reference);
- ``specblend<w>``: plain's scores (offsets added) plus w times the specialist's (its
  offsets added) for the four kinds, then the argmax over all nine;
- ``spec``: where plain's top label (after its offsets) is one of the four kinds, the
  specialist's top label among the four (after its own offsets) replaces it;
- ``stackLR`` / ``stackLR+s``: a multinomial logistic regression on the nine out-of-fold
  SVM scores (``+s``: and the standardised structure features), fitted on the training
  rows' inner out-of-fold scores, applied to the final SVM's test scores; ``...+o``: with
  offsets on its own out-of-fold probabilities (log), chosen by ``choose_rule``;
- ``gbm+s``: LightGBM on the out-of-fold scores and the structure features;
- ``lr<C>``: multinomial logistic regression on the features alone; ``avg<C>_<w>``: plain's
  decision scores (offsets added) plus w * log-probabilities of ``lr<C>``.

Structure features (``structure``): number of turns, caller turns, log characters, caller
share of characters, mean caller / callee turn length, and for each request cue (code,
link, card, transfer, app/download, password, account) whether the caller says it and the
relative position (0..1 of the turns) of its first mention (1.5 when absent).

    # exploration (seed 3's first fold was cached with --extra spec lr as well)
    python bench/text_dialogues_round.py --seeds 3 4 --extra spec --variants plain
    python bench/text_dialogues_round.py --seeds 3 --variants plain raw spec specblend0.5 \
        specblend1 stackLR stackLR+o stackLR+s stackLR+s+o gbm+s
    python bench/text_dialogues_round.py --seeds 4 --variants plain raw stackLR stackLR+o \
        stackLR+s stackLR+s+o
    # confirmation: caches of the plain model only, then the chosen variant
    python bench/text_dialogues_round.py --seeds 0 1 2 --extra --variants
    python bench/text_dialogues_round.py --seeds 0 1 2 --variants plain stackLR

Results: docs/screening.md "Sixth round: dialogues".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

DATA = Path(__file__).resolve().parents[2] / "shared/data/teleantifraud_dialogues/dev.jsonl"
OVERLAP = ("客服诈骗", "身份盗窃", "钓鱼诈骗", "银行诈骗")
LR_C = (10.0, 40.0)
CUES = {
    "code": r"验证码|校验码|动态码",
    "link": r"链接|网址|网站|点击",
    "card": r"卡号|银行卡|信用卡",
    "transfer": r"转账|汇款|打款|转入|转到",
    "app": r"下载|app|APP|软件|应用",
    "password": r"密码",
    "account": r"账户|账号",
}


def load() -> tuple[list[str], np.ndarray, list[list[dict[str, Any]]]]:
    from callwarden.screening.normalise import to_simplified_all
    from callwarden.screening.textmodel import dialogue_text

    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    texts = to_simplified_all([dialogue_text(r["turns"]) for r in rows])
    y = np.asarray([(r.get("fraud_type") or "normal").strip() or "normal" for r in rows])
    return texts, y, [r["turns"] for r in rows]


def structure(turns: list[dict[str, Any]]) -> list[float]:
    """Turn-structure features of one dialogue (see the module docstring)."""
    texts = [str(t.get("text") or "") for t in turns]
    caller = [str(t.get("speaker")) == "caller" for t in turns]
    n = max(1, len(turns))
    lens = np.array([len(t) for t in texts] or [0], dtype=float)
    cl = np.array(caller or [False])
    total = max(1.0, lens.sum())
    out = [
        float(len(turns)),
        float(cl.sum()),
        float(np.log1p(total)),
        float(lens[cl].sum() / total),
        float(lens[cl].mean()) if cl.any() else 0.0,
        float(lens[~cl].mean()) if (~cl).any() else 0.0,
    ]
    for pat in CUES.values():
        hits = [
            i for i, (t, c) in enumerate(zip(texts, caller, strict=True)) if c and re.search(pat, t)
        ]
        out += [1.0 if hits else 0.0, hits[0] / n if hits else 1.5]
    return out


def _scores(model: Any, x: Any) -> np.ndarray:
    d = model.decision_function(x)
    return np.stack([-d, d], axis=1) if d.ndim == 1 else np.asarray(d, dtype=np.float64)


def cache_fold(
    texts: list[str],
    y: np.ndarray,
    tr: np.ndarray,
    te: np.ndarray,
    seed: int,
    path: Path,
    extra: tuple[str, ...] = ("spec", "lr"),
) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    from callwarden.screening.offsets import fit_offsets
    from callwarden.screening.textmodel import WordCharFeatures, _pick_c

    t0 = time.perf_counter()
    vec = WordCharFeatures()
    xtr = vec.fit_transform([texts[i] for i in tr])
    xte = vec.transform([texts[i] for i in te])
    classes = np.unique(y[tr])
    ytr = y[tr]
    out: dict[str, Any] = {"classes": classes, "tr": tr, "te": te}
    # plain: exactly TextClassifier.fit's steps
    c, rule, oof = _pick_c(xtr, ytr, seed)
    yi = np.searchsorted(classes, ytr)
    out.update(c=c, rule=rule, oof=oof, off=fit_offsets(oof, yi, rule))
    out["test"] = _scores(LinearSVC(C=c, random_state=seed).fit(xtr, ytr), xte)
    t1 = time.perf_counter()
    # specialist on the four overlapping kinds
    sc = srule = None
    m = np.isin(ytr, OVERLAP)
    if "spec" not in extra:
        m[:] = False
    if m.any():
        sc, srule, soof = _pick_c(xtr[m], ytr[m], seed)
        scl = np.unique(ytr[m])
        out.update(
            s_rows=np.flatnonzero(m),
            s_c=sc,
            s_rule=srule,
            s_oof=soof,
            s_off=fit_offsets(soof, np.searchsorted(scl, ytr[m]), srule),
            s_classes=scl,
        )
        out["s_test"] = _scores(LinearSVC(C=sc, random_state=seed).fit(xtr[m], ytr[m]), xte)
    t2 = time.perf_counter()
    used = np.unique(xtr.indices)  # columns seen in training: lbfgs keeps 10 copies of w
    xtr_u, xte_u = xtr[:, used], xte[:, used]
    for lc in LR_C if "lr" in extra else ():
        lr = LogisticRegression(C=lc, max_iter=300, random_state=seed).fit(xtr_u, ytr)
        out[f"lr{lc:g}"] = lr.predict_log_proba(xte_u)
    t3 = time.perf_counter()
    out["times"] = np.array([t1 - t0, t2 - t1, t3 - t2])
    np.savez_compressed(path, **out)
    print(
        f"  {path.name}: C {c} {rule}; spec C {sc} {srule}; "
        f"plain {t1 - t0:.0f}s spec {t2 - t1:.0f}s lr {t3 - t2:.0f}s",
        flush=True,
    )


def macro(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, pred, labels=sorted(set(y.tolist())), average="macro"))


def _stack_lr(
    f_tr: np.ndarray, yi: np.ndarray, f_te: np.ndarray, seed: int, offsets: bool
) -> np.ndarray:
    """Multinomial LR on the given training features; log-probabilities of the test rows,
    plus offsets chosen on its own inner out-of-fold log-probabilities when asked."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from callwarden.screening.offsets import choose_rule, fit_offsets

    def model() -> Any:
        return LogisticRegression(C=1.0, max_iter=2000)

    lp = model().fit(f_tr, yi).predict_log_proba(f_te)
    if not offsets:
        return lp
    oof = np.zeros((len(yi), lp.shape[1]))
    for a, b in StratifiedKFold(3, shuffle=True, random_state=seed).split(f_tr, yi):
        oof[b] = model().fit(f_tr[a], yi[a]).predict_log_proba(f_tr[b])
    rule, _ = choose_rule(oof, yi, seed)
    return lp + fit_offsets(oof, yi, rule)


def variants(
    z: Any, y: np.ndarray, struct: np.ndarray, seed: int, names: list[str]
) -> dict[str, np.ndarray]:
    classes = z["classes"]
    tr, te = z["tr"], z["te"]
    yi = np.searchsorted(classes, y[tr])
    plain_d = z["test"] + z["off"]
    out: dict[str, np.ndarray] = {}
    out["plain"] = classes[plain_d.argmax(1)]
    if "spec" in names:
        pred = out["plain"].copy()
        s_top = z["s_classes"][(z["s_test"] + z["s_off"]).argmax(1)]
        hit = np.isin(pred, OVERLAP)
        pred[hit] = s_top[hit]
        out["spec"] = pred
    for name in names:
        if not name.startswith("specblend"):
            continue
        # the specialist's scores (its offsets added) on top of plain's for the four kinds
        w = float(name[len("specblend") :])
        cols = np.searchsorted(classes, z["s_classes"])
        d = plain_d.copy()
        d[:, cols] += w * (z["s_test"] + z["s_off"])
        out[name] = classes[d.argmax(1)]
    if "raw" in names:
        out["raw"] = classes[z["test"].argmax(1)]
    mu, sd = struct[tr].mean(0), struct[tr].std(0) + 1e-9
    s_tr, s_te = (struct[tr] - mu) / sd, (struct[te] - mu) / sd
    for name in names:
        if not name.startswith("stackLR"):
            continue
        f_tr, f_te = z["oof"], z["test"]
        if "+s" in name:
            f_tr, f_te = np.hstack([f_tr, s_tr]), np.hstack([f_te, s_te])
        out[name] = classes[_stack_lr(f_tr, yi, f_te, seed, name.endswith("+o")).argmax(1)]
    if "gbm+s" in names:
        import lightgbm as lgb

        g = lgb.LGBMClassifier(
            n_estimators=200,
            learning_rate=0.05,
            num_leaves=15,
            min_child_samples=20,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=seed,
            n_jobs=1,
            verbose=-1,
        )
        g.fit(np.hstack([z["oof"], struct[tr]]), yi)
        out["gbm+s"] = classes[g.predict_proba(np.hstack([z["test"], struct[te]])).argmax(1)]
    for lc in LR_C:
        key = f"lr{lc:g}"
        if key in names:
            out[key] = classes[z[key].argmax(1)]
        for w in (0.05, 0.1, 0.2):
            name = f"avg{lc:g}_{w:g}"
            if name in names:
                out[name] = classes[(plain_d + w * z[key]).argmax(1)]
    return out


ALL = (
    [
        "plain",
        "raw",
        "spec",
        "specblend0.5",
        "specblend1",
        "stackLR",
        "stackLR+o",
        "stackLR+s",
        "stackLR+s+o",
        "gbm+s",
    ]
    + [f"lr{c:g}" for c in LR_C]
    + [f"avg{c:g}_{w:g}" for c in LR_C for w in (0.05, 0.1, 0.2)]
)


def main() -> None:
    from sklearn.model_selection import StratifiedKFold

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[3, 4])
    ap.add_argument("--cache", action="store_true", help="build the per-fold caches first")
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/dialogue_round_cache"))
    ap.add_argument("--variants", nargs="*", default=ALL, help="none: build the caches only")
    ap.add_argument(
        "--extra",
        nargs="*",
        default=["spec", "lr"],
        help="models cached beside plain: spec, lr (confirmation: only what is tested)",
    )
    args = ap.parse_args()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    texts, y, turns = load()
    struct = np.array([structure(t) for t in turns])
    for seed in args.seeds:
        splits = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, y))
        preds = {v: np.empty(len(y), dtype=object) for v in args.variants}
        for k, (tr, te) in enumerate(splits):
            path = args.cache_dir / f"seed{seed}_fold{k}.npz"
            if args.cache or not path.exists():
                cache_fold(texts, y, tr, te, seed, path, tuple(args.extra))
            if not args.variants:
                continue
            z = np.load(path, allow_pickle=True)
            got = variants(z, y, struct, seed, args.variants)
            for v in args.variants:
                preds[v][te] = got[v]
        if not args.variants:
            continue
        base = macro(y, preds["plain"].astype(str)) if "plain" in preds else None
        for v in args.variants:
            p = preds[v].astype(str)
            f = macro(y, p)
            from sklearn.metrics import f1_score

            per = f1_score(y, p, labels=list(OVERLAP), average=None)
            gain = "" if base is None else f" {f - base:+.4f}"
            print(
                f"seed {seed} {v:14s} {f:.4f}{gain}  four kinds "
                + " ".join(f"{x:.3f}" for x in per),
                flush=True,
            )


if __name__ == "__main__":
    main()

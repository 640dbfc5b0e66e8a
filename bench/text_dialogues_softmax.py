"""A softmax over the n-grams for the dialogues, beside ``joint``, on held-out splits.

    nice -n 10 python bench/text_dialogues_softmax.py --stage explore
    nice -n 10 python bench/text_dialogues_softmax.py --stage confirm --variants base blend
    nice -n 10 python bench/text_dialogues_softmax.py --cost blend
    nice -n 10 python bench/text_dialogues_softmax.py --smoke 700 --log /tmp/h168/smoke.jsonl
    nice -n 10 python bench/text_dialogues_softmax.py --round11 1   # then --round11 2

Variants, all on the same train/held split (docs/screening.md, "Tenth round"):

- ``base``: today's ``joint``, fitted by ``TextClassifier.fit`` itself (its features keep
  their training matrix so the next two share it; nothing else differs);
- ``mlr``: a multinomial logistic regression (lbfgs, C 10, tol 1e-6, no C search) on that same
  ``WordCharFeatures`` matrix, on the columns non-zero in training (the others' weights stay
  0 under the l2 penalty: the same solution, fewer columns to carry);
- ``blend``: the mean of ``base``'s class probabilities (its logistic regression's
  ``predict_proba`` on the SVM's scores) and ``mlr``'s; argmax;
- ``spk``: ``joint`` with a fifth block, character 1-4-grams of the caller's lines only (the
  ``caller: `` lines of ``dialogue_text``, prefixes stripped) in 2**20 hashed columns;
  everything else ``joint``'s own (``_pick_c``, SVM, regression).

Splits, rule and log as ``bench/text_dialogue_ngrams.py`` (whose ``summarise`` judges them):
held = rows with CRC32((salt + id).encode()) % 5 == 0, train = the rest, macro-F1 over the
nine labels on held; exploration on s25a-s25d (a candidate gains >= +0.003 on average and
beats ``base`` on >= 3 of 4), confirmation of the best candidate on s25e-s25h (>= +0.002,
>= 3 of 4). Each (salt, variant) is a JSON line in ``--log`` (per-class F1 too), reused on a
rerun; ``base``, ``mlr`` and ``blend`` of a salt are written together (one shared fit).
``--smoke N`` runs the first N dialogues on one salt (a check of the script, no figure).

``--round11 1`` / ``--round11 2`` run the eleventh round (docs/screening.md, "Eleventh round"):
``base`` and ``spk`` only, stage 1 on the fresh salts s27a-s27d, stage 2 on s25e-s25h, each
judged at >= +0.002 and >= 3 of 4, logged to ``/tmp/h177/results.jsonl`` unless ``--log``.

``--cost V`` fits ``base`` and ``V`` on ``bench/text.py``'s 80 % split and classifies 20,000
dialogues in batches of 1,000 with each, alternating twice (as ``bench/text_joint_cost.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import text_dialogue_ngrams  # noqa: E402
import text_holdout  # noqa: E402
from callwarden.screening.normalise import to_simplified_all  # noqa: E402
from callwarden.screening.textmodel import TextClassifier, WordCharFeatures  # noqa: E402
from callwarden.screening.vectorize import HashedCharTfidf  # noqa: E402

VARIANTS = ("base", "mlr", "blend", "spk")
EXPLORE = text_dialogue_ngrams.EXPLORE
CONFIRM = text_dialogue_ngrams.CONFIRM
MLR_C = 10.0
MLR_MAX_ITER = 5000  # lbfgs; n_iter_ is logged, a fit that reaches this is flagged
# sklearn's default tol (1e-4) stopped at 46 iterations on a 2,000-dialogue smoke split and
# 1e-6 at 96, moving 0.5 % of the held predictions: 1e-6, fixed before any full figure
MLR_TOL = 1e-6
CALLER = "caller: "
# the eleventh round: its two stages' salts; base and spk only; both stages' bar +0.002
ROUND11 = {1: [f"s27{c}" for c in "abcd"], 2: CONFIRM}
ROUND11_NEED = 0.002


@dataclass
class KeptFeatures(WordCharFeatures):
    """``WordCharFeatures`` that keeps the matrix of the texts it was fitted on."""

    x_: Any = None

    def fit_transform(self, texts: Sequence[str]) -> Any:
        self.x_ = super().fit_transform(texts)
        return self.x_


def caller_text(text: str) -> str:
    """The ``caller: `` lines of a ``dialogue_text``, prefixes stripped."""
    return "\n".join(ln[len(CALLER) :] for ln in text.split("\n") if ln.startswith(CALLER))


@dataclass
class SpeakerFeatures(WordCharFeatures):
    """``WordCharFeatures`` with a fifth block: character 1-4-grams of the caller's lines."""

    @staticmethod
    def make_blocks() -> list[Any]:
        return [*WordCharFeatures.make_blocks(), HashedCharTfidf(max_n=4, bits=20)]

    @staticmethod
    def block_inputs(texts: Sequence[str]) -> list[Sequence[str]]:
        return [*WordCharFeatures.block_inputs(texts), [caller_text(t) for t in texts]]


@dataclass
class _Kind(TextClassifier):
    """``TextClassifier`` (kind ``joint``) with other features; all else its own."""

    features: type = KeptFeatures

    def _features(self) -> Any:
        return self.features()


@dataclass
class SoftmaxParts:
    """``base`` fitted, and ``mlr`` on its training matrix: what base, mlr and blend need."""

    base: TextClassifier
    cols: np.ndarray
    mlr: Any

    def proba(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities of ``base`` and ``mlr`` (columns: ``base.classes_``)."""
        x = self.base.vectorizer_.transform(to_simplified_all(list(texts)))
        p_base = self.base.joint_.predict_proba(self.base.model_.decision_function(x))
        return p_base, self.mlr.predict_proba(x[:, self.cols])


def fit_parts(texts: Sequence[str], y: np.ndarray, with_mlr: bool) -> tuple[SoftmaxParts, dict]:
    t0 = time.time()
    base = _Kind(kind="joint").fit(texts, y)
    info: dict[str, Any] = {"base_s": round(time.time() - t0, 1)}
    x = base.vectorizer_.x_
    base.vectorizer_.x_ = None
    cols, mlr = np.unique(x.indices), None
    if with_mlr:
        from sklearn.linear_model import LogisticRegression

        t0 = time.time()
        mlr = LogisticRegression(C=MLR_C, max_iter=MLR_MAX_ITER, tol=MLR_TOL).fit(x[:, cols], y)
        assert list(mlr.classes_) == list(base.classes_)
        n_iter = int(np.max(mlr.n_iter_))
        info.update(mlr_s=round(time.time() - t0, 1), n_iter=n_iter, cols=len(cols), tol=MLR_TOL,
                    converged=n_iter < MLR_MAX_ITER)  # fmt: skip
    return SoftmaxParts(base, cols, mlr), info


def scores(y: np.ndarray, pred: np.ndarray) -> tuple[float, dict[str, float]]:
    from sklearn.metrics import f1_score

    labs = sorted(set(y.tolist()))
    per = f1_score(y, pred.astype(str), labels=labs, average=None)
    return text_holdout.macro(y, pred, ()), {
        k: round(float(v), 4) for k, v in zip(labs, per, strict=True)
    }


def run_salt(
    salt: str, x: np.ndarray, y: np.ndarray, held: np.ndarray, todo: list[str]
) -> list[dict[str, Any]]:
    """Fit and score the variants in ``todo`` on one split."""
    out = []
    train, test = list(x[~held]), list(x[held])

    def row(v: str, pred: np.ndarray, c: float, wall: float, **extra: Any) -> dict[str, Any]:
        f1, per = scores(y[held], pred)
        return {"salt": salt, "variant": v, "held": int(held.sum()), "c": c, "f1": f1,
                "wall_s": round(wall, 1), "load": round(os.getloadavg()[0], 2),
                "utc": time.strftime("%H:%M:%S", time.gmtime()), **extra,
                "per_class": per}  # fmt: skip

    if {"base", "mlr", "blend"} & set(todo):
        with_mlr = bool({"mlr", "blend"} & set(todo))
        t0 = time.time()
        parts, info = fit_parts(train, y[~held], with_mlr)
        pred = parts.base.predict(test)
        base_wall = time.time() - t0 - info.get("mlr_s", 0.0)
        rows = [row("base", pred, parts.base.c_, base_wall)]
        if with_mlr:
            t1 = time.time()
            p_base, p_mlr = parts.proba(test)
            cls = parts.base.classes_
            # base's argmax of its probabilities is its prediction (a check of proba())
            assert np.array_equal(cls[p_base.argmax(axis=1)], pred), "proba() != predict()"
            wall = time.time() - t1 + info["mlr_s"]
            extra = {k: info[k] for k in ("n_iter", "converged", "cols", "tol")}
            rows.append(row("mlr", cls[p_mlr.argmax(axis=1)], MLR_C, wall, **extra))
            rows.append(row("blend", cls[(p_base + p_mlr).argmax(axis=1)], parts.base.c_,
                            base_wall + wall))  # fmt: skip
        out += [r for r in rows if r["variant"] in todo]
    if "spk" in todo:
        t0 = time.time()
        m = _Kind(kind="joint", features=SpeakerFeatures).fit(train, y[~held])
        out.append(row("spk", m.predict(test), m.c_, time.time() - t0))
    return out


def run_splits(args: argparse.Namespace) -> None:
    texts, y, keys, _ = text_holdout.load("dialogues")
    if args.smoke:
        texts, y, keys = texts[: args.smoke], y[: args.smoke], keys[: args.smoke]
    x = np.asarray(texts, dtype=object)
    log = Path(args.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    done: dict[tuple[str, str], dict[str, Any]] = {}
    if log.is_file():
        for line in log.read_text().splitlines():
            r = json.loads(line)
            done[(r["salt"], r["variant"])] = r
    salts = args.salts or (EXPLORE if args.stage == "explore" else CONFIRM)
    variants = args.variants or list(VARIANTS)
    print(f"dialogues: {len(y)} rows; stage {args.stage}; salts {salts}; variants {variants}")
    print(f"{'salt':<6} {'variant':<8} {'held':>5} {'C':>7} {'macro-F1':>8} {'vs base':>8} "
          f"{'wall s':>7} {'load':>5}  UTC", flush=True)  # fmt: skip
    for salt in salts:
        todo = [v for v in variants if (salt, v) not in done]
        if todo:
            for r in run_salt(salt, x, y, text_holdout.held_mask(keys, salt), todo):
                with log.open("a") as fh:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                done[(salt, r["variant"])] = r
        for v in variants:
            r = done[(salt, v)]
            b = done.get((salt, "base"))
            gain = f"{r['f1'] - b['f1']:>+8.4f}" if b else f"{'':>8}"
            note = f"  lbfgs {r['n_iter']} iterations, {r['cols']} columns" if v == "mlr" else ""
            print(f"{salt:<6} {v:<8} {r['held']:>5} {r['c']:>7g} {r['f1']:>8.4f} {gain} "
                  f"{r['wall_s']:>7.0f} {r['load']:>5.2f}  {r['utc']}{note}", flush=True)  # fmt: skip
    text_dialogue_ngrams.summarise(done, salts, variants, args.stage, args.need)


class _Timed:
    """A fitted variant behind ``predict_with_score``, for the throughput."""

    def __init__(self, variant: str, parts: SoftmaxParts) -> None:
        self.variant, self.parts = variant, parts

    def predict_with_score(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        if self.variant == "base":
            return self.parts.base.predict_with_score(texts)
        p_base, p_mlr = self.parts.proba(texts)
        p = p_mlr if self.variant == "mlr" else (p_base + p_mlr) / 2
        idx = p.argmax(axis=1)
        return self.parts.base.classes_[idx], p[np.arange(len(idx)), idx]


def cost(variant: str) -> None:
    xtr, xte, ytr = text_dialogue_ngrams.cost_split()
    t0 = time.perf_counter()
    models: dict[str, Any] = {}
    if variant == "spk":
        models["base"] = TextClassifier(kind="joint").fit(xtr, ytr)
        print(f"fit base {time.perf_counter() - t0:.0f} s", flush=True)
        t0 = time.perf_counter()
        models["spk"] = _Kind(kind="joint", features=SpeakerFeatures).fit(xtr, ytr)
    else:
        parts = fit_parts(xtr, np.asarray(ytr, dtype=object).astype(str), True)[0]
        models = {"base": _Timed("base", parts), variant: _Timed(variant, parts)}
    print(f"fit {variant} (with base where shared) {time.perf_counter() - t0:.0f} s", flush=True)
    text_dialogue_ngrams.time_models(models, xte)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stage", choices=("explore", "confirm"), default="explore")
    ap.add_argument("--salts", nargs="+", help="default: the stage's four")
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, help="default: all")
    ap.add_argument("--log", help="results, one JSON a line (default /tmp/h168/results.jsonl, "
                    "with --round11 /tmp/h177/results.jsonl)")  # fmt: skip
    ap.add_argument("--round11", type=int, choices=(1, 2),
                    help="the eleventh round's stage: base and spk on its salts, bar +0.002")  # fmt: skip
    ap.add_argument("--cost", choices=VARIANTS[1:], help="throughput of a variant against base")
    ap.add_argument("--smoke", type=int, help="only the first N dialogues (a script check)")
    args = ap.parse_args()
    if not text_holdout.DATA["dialogues"][0].is_file():
        sys.exit("skipped: no teleantifraud_dialogues under ../shared/data")
    if args.cost:
        cost(args.cost)
        return
    args.need = None
    if args.round11:
        args.stage = "explore" if args.round11 == 1 else "confirm"
        args.salts = args.salts or ROUND11[args.round11]
        args.variants = args.variants or ["base", "spk"]
        args.need = ROUND11_NEED
    args.log = args.log or (
        "/tmp/h177/results.jsonl" if args.round11 else "/tmp/h168/results.jsonl"
    )
    if args.smoke and not args.salts:
        args.salts = EXPLORE[:1]
    run_splits(args)


if __name__ == "__main__":
    main()

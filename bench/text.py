"""Text classification: accuracy against the baseline, and throughput.

    python bench/text.py [--small] [--data DIR] [--skip-cv] [--kinds baseline wordchar stacked]

Baseline: TF-IDF character 1-3-grams + linear SVM. Models: the ``wordchar`` text model and
the opt-in ``stacked`` one (LightGBM on SVM scores, screening/stacking.py). All run on the
same stratified folds; throughput is measured on one train/test split, classifying the
held-out texts in batches of 1,000 (repeated to ``--n`` texts). The baseline always runs
first: the ``x base`` columns are against it.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from callwarden.screening.textmodel import (  # noqa: E402
    MODEL_KINDS,
    TextClassifier,
    cross_validate,
    dialogue_text,
)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load(data: Path, name: str) -> tuple[list[str], list[str], list[str]] | None:
    """texts, labels, labels left out of the macro-F1."""
    import pandas as pd

    if name == "cn_fraud_texts":
        path = data / "cn_fraud_texts" / "dev.csv"
        if not path.exists():
            return None
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        return df["text"].tolist(), df["class_name"].tolist(), ["normal"]
    path = data / "teleantifraud_dialogues" / "dev.jsonl"
    if not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return (
        [dialogue_text(r["turns"]) for r in rows],
        [r.get("fraud_type") or "normal" for r in rows],
        [],
    )


def throughput(
    texts: list[str], labels: list[str], kind: str, n: int
) -> tuple[float, float, float]:
    """Texts a wall-clock second, texts a CPU-second of this process, and seconds to fit.

    The CPU figure is what one unshared core does; on a machine shared with other jobs the
    wall-clock figure falls below it."""
    from sklearn.model_selection import train_test_split

    xtr, xte, ytr, _ = train_test_split(
        texts, labels, test_size=0.2, random_state=1, stratify=labels
    )
    t0 = time.perf_counter()
    model = TextClassifier(kind=kind).fit(xtr, ytr)
    fit_s = time.perf_counter() - t0
    pool = (xte * (n // len(xte) + 1))[:n]
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, n, 1000):
        model.predict_with_score(pool[i : i + 1000])
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0), fit_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--small", action="store_true", help="2,000 rows, 3 folds, one dataset, wordchar only"
    )
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    ap.add_argument("--skip-cv", action="store_true", help="throughput only")
    ap.add_argument("--n", type=int, default=20_000, help="texts to classify for throughput")
    ap.add_argument(
        "--kinds",
        nargs="+",
        choices=MODEL_KINDS,
        default=None,
        help="model kinds beside the baseline (which always runs); default every kind, but"
        " with --small the default kind only (stacked, opt-in, takes minutes a fold)",
    )
    args = ap.parse_args()
    chosen = args.kinds or (["wordchar"] if args.small else list(MODEL_KINDS))
    kinds = ["baseline", *(k for k in dict.fromkeys(chosen) if k != "baseline")]
    names = ["cn_fraud_texts"] if args.small else ["cn_fraud_texts", "teleantifraud_dialogues"]
    print(
        f"{'dataset':<24} {'model':<9} {'macro-F1':>9} {'x base':>7} {'err x':>6} "
        f"{'texts/s':>8} {'/cpu-s':>7} {'x base':>7} {'fit s':>6} {'peak MiB':>9}"
    )
    for name in names:
        loaded = load(args.data, name)
        if loaded is None:
            print(f"{name}: not found under {args.data}; skipped")
            continue
        texts, labels, exclude = loaded
        if args.small:
            rng = np.random.default_rng(0)
            idx = rng.choice(len(texts), size=min(2000, len(texts)), replace=False)
            texts, labels = [texts[i] for i in idx], [labels[i] for i in idx]
        folds = 3 if args.small else 5
        base_f1 = base_tps = None
        for kind in kinds:
            f1 = float("nan")
            if not args.skip_cv:
                f1 = cross_validate(
                    texts, labels, kind=kind, folds=folds, exclude_from_macro=exclude
                ).macro_f1
            tps, cps, fit_s = throughput(texts, labels, kind, args.n if not args.small else 4000)
            if kind == "baseline":
                base_f1, base_tps = f1, tps
            assert base_f1 is not None and base_tps is not None
            err = (1 - f1) / (1 - base_f1) if base_f1 < 1 else float("nan")
            print(
                f"{name:<24} {kind:<9} {f1:>9.4f} {f1 / base_f1:>7.3f} {err:>6.2f} "
                f"{tps:>8.0f} {cps:>7.0f} {tps / base_tps:>7.2f} {fit_s:>6.1f} {peak_mib():>9.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()

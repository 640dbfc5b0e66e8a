"""What the ``joint`` text model's logistic regression costs when classifying dialogues.

Fits ``TextClassifier(kind="joint")`` once on ``bench/text.py``'s 80 % split of the
TeleAntiFraud dialogues, then classifies 20,000 dialogues in batches of 1,000 with it and with
the same fitted model without its regression (the SVM's scores alone), alternating twice, and
prints texts a wall-clock second and a CPU-second of each (docs/screening.md, "Seventh
round"). Needs ``../shared/data``.

    python bench/text_joint_cost.py
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).parent))
import text as bench_text  # noqa: E402
from callwarden.screening.textmodel import TextClassifier  # noqa: E402

N = 20_000


def main() -> None:
    data = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    if not (data / "teleantifraud_dialogues").is_dir():
        sys.exit(f"skipped: no teleantifraud_dialogues under {data}")
    texts, labels, _ = bench_text.load(data, "teleantifraud_dialogues")
    xtr, xte, ytr, _ = train_test_split(
        texts, labels, test_size=0.2, random_state=1, stratify=labels
    )
    t0 = time.perf_counter()
    joint = TextClassifier(kind="joint").fit(xtr, ytr)
    fit_s = time.perf_counter() - t0
    svm_only = copy.copy(joint)
    svm_only.joint_ = None
    pool = (xte * (N // len(xte) + 1))[:N]
    print(f"fit {fit_s:.0f} s; {N:,} dialogues in batches of 1,000")
    for rnd in range(2):
        for name, model in (("joint", joint), ("same SVM without the regression", svm_only)):
            t0, c0 = time.perf_counter(), time.process_time()
            for i in range(0, N, 1000):
                model.predict_with_score(pool[i : i + 1000])
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"round {rnd} {name}: {N / wall:,.0f} texts/s wall, {N / cpu:,.0f} per CPU-s")


if __name__ == "__main__":
    main()

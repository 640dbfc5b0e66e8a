"""The text model on the public Chinese fraud scripts (skipped when ../shared/data is absent).

A small stratified sample and 3 folds keep it quick; the full 5-fold figures are in
docs/screening.md and come from `callwarden train-text --cv 5`."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.screening.textmodel import cross_validate

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CN = DATA / "cn_fraud_texts" / "dev.csv"


@pytest.mark.data
@pytest.mark.slow
def test_wordchar_tells_the_four_fraud_kinds_apart() -> None:
    if not CN.exists():
        pytest.skip(f"public data not found at {CN}")
    import pandas as pd

    df = pd.read_csv(CN, dtype=str, keep_default_na=False)
    fraud = df[df["class_name"] != "normal"]
    sample = pd.concat(
        g.sample(n=min(len(g), 300), random_state=0) for _, g in fraud.groupby("class_name")
    )
    rep = cross_validate(sample["text"].tolist(), sample["class_name"].tolist(), folds=3)
    assert len(rep.macro_labels) == 4
    assert rep.macro_f1 >= 0.93, rep.per_class_f1

"""replay's per-call label, category and population (``cli.replay._truth``) are looked up
per distinct caller and call id, and give what a lookup call by call gives: the last row of
a call id listed twice, 'unknown' for a call without truth, benign for an unlabelled or
missing caller, integer call ids matched as text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from callwarden.cli.replay import _ids_as_text, _Labels, _truth


def _call_by_call(table: pa.Table, lab: _Labels | None, t: pa.Table | None) -> tuple[Any, ...]:
    callers = table["caller"].to_pylist()
    label = [lab.label.get(c, "benign") if lab else "benign" for c in callers]
    category = [lab.category.get(c, "") if lab else "" for c in callers]
    population = None
    if t is not None:
        row = dict(zip(t["call_id"].to_pylist(), range(t.num_rows), strict=True))
        ids = _ids_as_text(table["call_id"]).to_pylist()
        tl, tp = t["label"].to_pylist(), t["population"].to_pylist()
        label = [tl[row[c]] if c in row else x for c, x in zip(ids, label, strict=True)]
        population = [tp[row[c]] if c in row else "unknown" for c in ids]
    return label, category, population


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_truth_lookup_matches_call_by_call(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 2_000
    numbers = [f"+86138{i:08d}" for i in range(60)]
    callers = [numbers[i] if i < 60 else None for i in rng.integers(0, 63, n)]
    table = pa.table({"call_id": pa.array(rng.permutation(n) + 1, pa.int64()), "caller": callers})
    lab = _Labels(
        label={c: str(rng.choice(["harassment", "fraud", "benign"])) for c in numbers[:40]},
        category={c: str(rng.choice(["insurance", "loan", ""])) for c in numbers[:40]},
    )
    ids = [str(i) for i in rng.integers(1, n + 200, 1_500)]  # repeats, and ids of no call
    t = pa.table(
        {
            "call_id": ids,
            "label": [str(x) for x in rng.choice(["benign", "harassment"], len(ids))],
            "population": [f"p{i}" for i in range(len(ids))],  # shows which row was taken
        }
    )
    assert len(set(ids)) < len(ids)
    for args in ((lab, t), (None, t), (lab, None), (None, None)):
        got = _truth(table, *args)
        want = _call_by_call(table, *args)
        for g, w in zip(got, want, strict=True):
            assert (g is None) == (w is None)
            if g is not None:
                assert list(g) == list(w)


def test_truth_lookup_of_an_empty_truth_leaves_labels() -> None:
    table = pa.table({"call_id": ["a", "b"], "caller": ["+8613800000001", None]})
    t = pa.table({"call_id": pa.array([], pa.string()), "label": pa.array([], pa.string()),
                  "population": pa.array([], pa.string())})  # fmt: skip
    lab = _Labels(label={"+8613800000001": "fraud"}, category={"+8613800000001": "loan"})
    label, category, population = _truth(table, lab, t)
    assert list(label) == ["fraud", "benign"] and list(category) == ["loan", ""]
    assert list(population) == ["unknown", "unknown"]

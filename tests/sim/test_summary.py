"""The signature tables printed by ``callwarden simulate --summary``."""

from __future__ import annotations

from callwarden.sim import SimResult
from callwarden.sim.summary import operation_table, population_table, render


def test_population_table(article: SimResult) -> None:
    rows = {(r["label"], r["category"], r["population"]): r for r in population_table(article)}
    personal = rows[("benign", "personal", "subscriber")]
    couriers = rows[("benign", "courier", "courier")]
    assert personal["answer_rate"] > 0.7 and personal["reciprocated"] > 0.3
    assert couriers["per_number_p50"] >= 60
    robo = [r for k, r in rows.items() if k[2] == "ai_robocall"]
    assert robo and all(r["spoofed"] > 0.99 and r["answer_rate"] < 0.35 for r in robo)
    text = render(list(rows.values()))
    assert "ai_robocall" in text and "reciprocated" in text.splitlines()[0]


def test_operation_table(article: SimResult) -> None:
    ops = operation_table(article)
    ids = {o["operation_id"] for o in ops}
    assert ids == {o["operation_id"] for o in article.manifest["operations"]}
    for o in ops:
        if o["population"] == "ai_robocall":
            assert 3000 <= o["attempts"] <= 20000 and o["caller_ids"] >= 20


def test_population_rows_come_in_a_total_order(article: SimResult) -> None:
    """Label, then calls (most first), then category and population: groups with equal calls
    (bank and clinic at some seeds) no longer swap with the engine's thread count."""
    rows = population_table(article)
    keys = [(r["label"], -r["calls"], r["category"], r["population"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)

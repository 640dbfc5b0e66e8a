"""Padding (the audit's attack): accomplice calls before each harassment number's first call."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pytest

from callwarden.errors import ConfigError
from callwarden.sim import SimResult, load_scenario, simulate

from .conftest import SUBS, joined

K = 5  # accomplices per number (the shipped `padded` has 45; fewer keeps the test fast)


@pytest.fixture(scope="module")
def padded(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    path = tmp_path_factory.mktemp("pad") / "pad.yaml"
    path.write_text(f"base: adaptive\npadding: {{accomplices: {K}}}\n", encoding="utf-8")
    return simulate(str(path), seed=7, subscribers=SUBS)


def test_padded_scenario_is_adaptive_plus_padding() -> None:
    p, a = load_scenario("padded"), load_scenario("adaptive")
    assert p.name == "padded" and p.padding.accomplices == 45
    assert a.padding.accomplices == 0
    assert (p.ai_robocall, p.human_seat, p.fraud) == (a.ai_robocall, a.human_seat, a.fraud)


def test_base_must_be_shipped(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("base: nowhere\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="base must name a shipped scenario"):
        load_scenario(str(path))


def test_padding_adds_only_accomplice_calls(adaptive: SimResult, padded: SimResult) -> None:
    """Everything else is the adaptive day draw for draw (call ids are renumbered)."""
    cols = [c for c in adaptive.cdrs.column_names if c != "call_id"]
    keep = pc.not_equal(padded.call_truth["population"], "accomplice")
    rest = padded.cdrs.filter(keep).select(cols)
    assert rest.equals(adaptive.cdrs.select(cols))
    base_labels = adaptive.labels.to_pylist()
    assert [r for r in padded.labels.to_pylist() if r["category"] != "accomplice"] == base_labels


def test_every_harassment_number_pads_before_its_first_call(padded: SimResult) -> None:
    con = joined(padded)
    n_harass = con.execute(
        "select count(*) from l where label = 'harassment' and category <> 'accomplice'"
    ).fetchone()
    per_number = con.execute(
        """with first as (select caller n, min(start_time) t0 from c
                          where population <> 'accomplice' group by 1),
           pad as (select caller n, count(*) k, count(distinct callee) acc,
                          bool_and(answered) answered, max(start_time) last
                   from c where population = 'accomplice' and caller in (select n from first)
                   group by 1),
           back as (select callee n, count(*) k from c where population = 'accomplice'
                    and callee in (select n from first) group by 1)
        select count(*), min(pad.k), max(pad.k), min(acc), bool_and(answered),
               sum((last < t0)::int), min(back.k), max(back.k)
        from pad join first using (n) join back using (n)"""
    ).fetchone()
    assert n_harass is not None and per_number is not None
    count, k_min, k_max, acc_min, answered, before, back_min, back_max = per_number
    assert count == n_harass[0] > 0
    assert (k_min, k_max, acc_min, back_min, back_max) == (K, K, K, K, K)
    assert answered
    assert before >= 0.95 * count  # the rest call too early in the day for the whole padding


def test_accomplices_are_private_labelled_and_registered(padded: SimResult) -> None:
    con = joined(padded)
    shared = con.execute(
        """select count(*) from (select callee from c where population = 'accomplice'
           and callee in (select number from l where category = 'accomplice')
           group by 1 having count(distinct caller) > 1)"""
    ).fetchone()
    assert shared == (0,)
    row = con.execute(
        """select count(*), count(r.number), bool_and(t.label = 'benign'),
                  bool_and(t.campaign is null)
           from c t left join r on r.number = t.callee
           where t.population = 'accomplice' and t.callee in
                 (select number from l where category = 'accomplice')"""
    ).fetchone()
    assert row is not None
    n, registered, benign, no_campaign = row
    assert n > 0 and registered == n and benign and no_campaign

"""The summary's ``reciprocated`` is a share: of a group's own (caller, callee) pairs, those
whose callee also called the caller. It counted every reciprocated pair of the group's numbers
over the group's callees only, and read 1.5 for customers ringing an AXB number back."""

from __future__ import annotations

from callwarden.sim import SimResult
from callwarden.sim.summary import population_table

from .conftest import joined


def test_reciprocated_is_a_share_of_the_groups_own_pairs(article: SimResult) -> None:
    rows = population_table(article)
    assert rows and all(0.0 <= r["reciprocated"] <= 1.0 for r in rows), rows
    con = joined(article)
    for r in rows:
        pairs, back = con.execute(
            """
            with g as (
              select distinct c.caller, c.callee from c join l on l.number = c.caller
              where c.bridge_leg is distinct from 'agent'
                and l.label = $label and l.category = $category and c.population = $population)
            select count(*), count(*) filter (where exists (
              select 1 from cdrs q where q.caller = g.callee and q.callee = g.caller))
            from g
            """,
            {k: r[k] for k in ("label", "category", "population")},
        ).fetchone()
        assert abs(r["reciprocated"] - back / pairs) < 1e-9, r

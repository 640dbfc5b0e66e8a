"""Campaign linking gives the same artefacts whatever order the calls, edges or engine
threads deliver rows in: ties are broken by a rule (lowest id, smallest value), not by which
thread finished first. (A regulator re-running the evidence must get the same files.)"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pyarrow as pa

from callwarden.campaigns.build import build_campaigns
from callwarden.campaigns.grouping import constrained_groups
from callwarden.campaigns.linking import LinkConfig, caller_profiles
from callwarden.campaigns.staging import stage

from .conftest import Day, campaign, other_switch


def _reversed(table: pa.Table) -> pa.Table:
    return table.take(pa.array(np.arange(table.num_rows)[::-1]))


def test_equal_edge_ranks_group_the_same_in_any_edge_order() -> None:
    # Node 2 (no identity) is linked with the same rank to identity 7's side and to 8's:
    # which side it joins must not depend on the edges' order.
    edges = [(0, 1, 0.0), (3, 4, 0.0), (1, 2, 29.0), (2, 3, 29.0)]
    tags = {0: frozenset({7}), 1: frozenset({7}), 3: frozenset({8}), 4: frozenset({8})}
    seen = set()
    for perm in permutations(edges):
        a, b, o = (np.array(x) for x in zip(*perm, strict=True))
        seen.add(tuple(constrained_groups(5, a, b, o.astype(float), tags).tolist()))
    assert len(seen) == 1
    (g,) = seen
    assert g[2] == g[1] != g[3]  # the tie goes to the lower edge, (1, 2)


def test_modal_ingress_ties_go_to_the_lowest_ingress() -> None:
    day = Day()
    for ingress in ("trunk-b", "trunk-a"):  # each number: 6 calls on each trunk
        campaign(day, list_start=0, list_len=50, numbers=3, calls_per_number=6, ingress=ingress)
    got = []
    for table in (day.table(), _reversed(day.table())):
        con = stage(table)
        caller_profiles(con, LinkConfig())
        ((n_ing,),) = con.execute("SELECT count(DISTINCT ing) FROM cw_pre").fetchall()
        ((name,),) = con.execute(
            "SELECT DISTINCT i.ing_name FROM cw_pre p JOIN cw_ingress i USING (ing)"
        ).fetchall()
        got.append((n_ing, name))
    assert got == [(1, "trunk-a"), (1, "trunk-a")]


def test_modal_script_ties_go_to_the_smallest_cluster() -> None:
    day = Day()
    numbers = campaign(
        day, list_start=0, list_len=400, numbers=4, calls_per_number=60, ingress="trunk-ai"
    )
    other_switch(day)
    ids = [r["call_id"] for r in day.rows if r["caller"] in numbers]
    half = len(ids) // 2
    scripts = pa.table({"call_id": ids, "cluster": ["s9"] * half + ["s10"] * (len(ids) - half)})
    for table, scr in ((day.table(), scripts), (_reversed(day.table()), _reversed(scripts))):
        (c,) = build_campaigns(table, scripts=scr).campaigns
        assert c.script_signature == "s10"


def test_campaigns_with_equal_volume_come_in_member_order() -> None:
    day = Day()
    first = campaign(
        day, list_start=0, list_len=300, numbers=4, calls_per_number=60, ingress="trunk-y",
        first_number=500,
    )  # fmt: skip
    second = campaign(
        day, list_start=1000, list_len=300, numbers=4, calls_per_number=60, ingress="trunk-x",
        first_number=0, t0=9 * 3600 + 7,
    )  # fmt: skip
    for table in (day.table(), _reversed(day.table())):
        res = build_campaigns(table)
        assert [c.members[0].number in second for c in res.campaigns] == [True, False]
        assert {m.number for m in res.campaigns[1].members} == set(first)


def test_bridge_pair_keys_and_spoofed_rows_do_not_depend_on_row_order() -> None:
    """The bridged legs' ``pair_key`` is the customer leg's call id (before 30 Nov the leg's
    row number: other keys for the same calls in another order) and spoofed calls come in
    call-id order (before, in input row order)."""
    from .conftest import mobile
    from .test_bridging import callback_bridges

    day = Day()
    legs = callback_bridges(day, agent=mobile(1, "1870731"), n=12)
    for k in range(30):  # calls whose asserted identity differs from the displayed number
        day.call(
            11 * 3600 + k * 60, mobile(k, "1330731"), mobile(k, "1340731"), asserted="+8640012"
        )
    other_switch(day)
    out = []
    for table in (day.table(), _reversed(day.table())):
        res = build_campaigns(table)
        out.append((res.bridged.to_pylist(), res.spoofed.to_pylist()))
    assert out[0] == out[1]
    bridged, spoofed = out[0]
    assert {r["pair_key"] for r in bridged} == {c for _, c in legs}
    ids = [r["call_id"] for r in spoofed]
    assert len(ids) == 30 and ids == sorted(ids)

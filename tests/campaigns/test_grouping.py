"""Grouping linked numbers: a shared purchased list must not merge two trunk identities."""

from __future__ import annotations

from typing import Any

import numpy as np

from callwarden.campaigns.build import build_campaigns
from callwarden.campaigns.grouping import constrained_groups

from .conftest import Day, campaign, other_switch


def _groups(n: int, edges: list[tuple[int, int, float]], tags: dict[int, set[int]]) -> list[int]:
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    order = np.array([e[2] for e in edges], dtype=np.float64)
    out = constrained_groups(n, a, b, order, {k: frozenset(v) for k, v in tags.items()})
    return out.tolist()


def test_without_identities_groups_are_the_connected_components() -> None:
    g = _groups(5, [(0, 1, 0.0), (1, 2, 5.0), (3, 4, 1.0)], {0: {7}})
    assert g[0] == g[1] == g[2] and g[3] == g[4] and g[0] != g[3]


def test_two_identities_bridged_by_list_edges_stay_apart() -> None:
    # 0-1 carry identity 7, 3-4 identity 8; node 2 (no identity) is linked to both sides,
    # more strongly (lower order) to the 8 side, so it joins that side.
    edges = [(0, 1, 0.0), (3, 4, 0.0), (1, 2, 29.5), (2, 3, 29.0), (0, 4, 29.9)]
    g = _groups(5, edges, {0: {7}, 1: {7}, 3: {8}, 4: {8}})
    assert g[0] == g[1] and g[3] == g[4] and g[0] != g[3]
    assert g[2] == g[3]


def test_one_identity_on_two_sides_merges() -> None:
    # The same asserted identity seen on two groups (e.g. two ingresses) is one account.
    g = _groups(4, [(0, 1, 0.0), (2, 3, 0.0), (1, 2, 29.0)], {0: {7}, 2: {7, 9}, 3: {9}})
    assert len(set(g)) == 1


def _pai(day: Day, numbers: list[str], pai: str, every: int = 3) -> None:
    """The trunk asserts its account identity on every ``every``-th call of these numbers."""
    own = set(numbers)
    k = 0
    for row in day.rows:
        if row["caller"] in own:
            if k % every == 0:
                row["asserted_caller"] = pai
            k += 1


def _two_ops_one_list(day: Day, numbers: int = 12) -> tuple[list[str], list[str]]:
    """Two operations dial one purchased list through one trunk, hours apart."""
    a = campaign(
        day, list_start=0, list_len=600, numbers=numbers, calls_per_number=20, ingress="sipt"
    )
    b = campaign(
        day,
        list_start=0,
        list_len=600,
        numbers=numbers,
        calls_per_number=20,
        ingress="sipt",
        first_number=500,
        t0=14 * 3600,
    )
    return a, b


def _assert_two_campaigns(res: Any, a: list[str], b: list[str]) -> None:
    """Each side's numbers all in one campaign, and the two campaigns differ."""
    ca = {res.number_campaign.get(n) for n in a}
    cb = {res.number_campaign.get(n) for n in b}
    assert len(ca) == 1 and len(cb) == 1 and None not in ca | cb
    assert ca != cb


def test_two_trunk_accounts_on_one_list_and_ingress_are_two_campaigns(day: Day) -> None:
    a, b = _two_ops_one_list(day)
    _pai(day, a, "+864001111111")
    _pai(day, b, "+864002222222")
    res = build_campaigns(day.table())
    _assert_two_campaigns(res, a, b)


def test_without_identities_short_hand_over_chains_share_one_campaign(day: Day) -> None:
    # 12 numbers each: a hand-over chain too short to stand for an operation, and nothing
    # else but the list and the trunk, so one campaign.
    a, b = _two_ops_one_list(day)
    res = build_campaigns(day.table())
    assert len({res.number_campaign.get(n) for n in a + b}) == 1


def test_without_identities_two_long_hand_over_chains_are_two_campaigns(day: Day) -> None:
    # 25 numbers each: each operation's numbers take the list over from one another within
    # seconds (next entries); the other operation dials the same entries hours later.
    a, b = _two_ops_one_list(day, numbers=25)
    other_switch(day)  # (the trunk must stand apart: a one-ingress day links by no list)
    res = build_campaigns(day.table())
    _assert_two_campaigns(res, a, b)


def test_one_identity_keeps_one_operation_whole_across_chains(day: Day) -> None:
    # One operation whose rotation breaks into two hand-over chains (a pause between them)
    # but asserts one identity throughout stays one campaign.
    a = campaign(day, list_start=0, list_len=900, numbers=25, calls_per_number=20, ingress="sipt")
    b = campaign(
        day,
        list_start=600,
        list_len=900,
        numbers=25,
        calls_per_number=20,
        ingress="sipt",
        first_number=500,
        t0=15 * 3600,
    )
    _pai(day, a + b, "+864001111111")
    res = build_campaigns(day.table())
    assert len({res.number_campaign.get(n) for n in a + b}) == 1

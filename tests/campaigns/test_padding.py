"""Padding (docs/campaigns.md): accomplice calls of a number's own must not hide its list."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from callwarden.campaigns.build import (
    CampaignConfig,
    CampaignList,
    CampaignResult,
    build_campaigns,
)
from callwarden.campaigns.index import CampaignIndex, IndexConfig, Outcomes
from callwarden.campaigns.linking import LinkConfig

from .conftest import Day, campaign, mobile, ordinary, other_switch

K = 30  # accomplices per number
NO_ROWS = pa.table({"call_id": pa.array([], pa.string())})


def _pad(day: Day, numbers: list[str], t0: float = 3 * 3600) -> None:
    """Each number: K answered 120 s calls to accomplices of its own, who ring it back."""
    for j, n in enumerate(numbers):
        for i in range(K):
            acc = mobile(j * K + i, "1560731")
            t = t0 + j * 10 + i * 150
            day.call(t, n, acc, dur=120.0, ingress="trunk-ai")
            day.call(t + 3600, acc, n, dur=30.0, ingress="sw-other")


def _padded_day() -> tuple[Day, list[str], list[str]]:
    day = Day()
    people = ordinary(day)
    pool = campaign(
        day, list_start=0, list_len=600, numbers=20, calls_per_number=10, ingress="trunk-ai"
    )
    _pad(day, pool)
    for i in range(600):  # the list's subscribers talk to someone else too (a list entry that
        # nobody else reaches is a private partner as well: see docs/campaigns.md)
        day.call(12 * 3600 + i * 30, mobile(i, "1370731"), mobile(i), dur=45.0, ingress="sw-other")
    other_switch(day)
    return day, pool, people


def test_padded_rotation_pool_is_still_one_campaign() -> None:
    day, pool, people = _padded_day()
    res = build_campaigns(day.table())
    found = {res.number_campaign.get(n) for n in pool}
    assert len(found) == 1 and None not in found
    assert not set(people) & set(res.number_campaign)
    # each number's accomplices are reported as private partners: 30 calls, 30 conversations,
    # 30 partners, 30 of them called back
    assert res.private[pool[0]] == (K, K, K, K)
    # without the list-part judgement the padding hides the pool (the audit's finding)
    off = CampaignConfig(link=LinkConfig(list_part=False))
    assert not set(pool) & set(build_campaigns(day.table(), config=off).number_campaign)


def test_padding_does_not_release_a_member_on_its_outcomes() -> None:
    member = "+8607318000001"
    # 30 padding calls, all conversations, all called back, then 20 list calls, 2 answered
    padded = Outcomes(calls=50, conversations=32, callees=50, called_back=30)
    callees = np.array([int(mobile(i)[1:]) for i in range(200)], dtype=np.int64)
    cl = CampaignList("C1", ("trunk-ai",), callees, (member,), (), (1.0,), (0.0,))

    def index(config: IndexConfig | None = None) -> CampaignIndex:
        ix = CampaignIndex(config, outcomes_of=lambda number, t: padded)
        ix.load(CampaignResult((), {}, (cl,), NO_ROWS, (), NO_ROWS, None, {member: (K, K, K, K)}))
        return ix

    ix = index()
    assert ix.observe(member, mobile(5), "trunk-ai", t=100.0) is not None
    assert ix.campaign_of(member) == "C1" and not ix.releases
    # judged on all its completed calls, the padding makes it look like a business
    off = index(IndexConfig(release_list_part=False))
    assert off.observe(member, mobile(5), "trunk-ai", t=100.0) is None


def test_padding_calls_of_other_numbers_do_not_dilute_the_background() -> None:
    """The need to flag grows with how often others' calls hit the list; a padded number
    outside the campaign must not lower it with calls to its own accomplices."""

    def background(padded_other: bool) -> float:
        day = Day()
        people = ordinary(day)
        pool = campaign(
            day, list_start=0, list_len=600, numbers=20, calls_per_number=10, ingress="trunk-ai"
        )
        clinic = "+8607312220000"  # shares the trunk: 2 list entries among 10 callees
        for i, callee in enumerate([mobile(3), mobile(40), *people[:8]]):
            day.call(15 * 3600 + i * 60, clinic, callee, dur=30.0, ingress="trunk-ai")
        if padded_other:
            _pad(day, ["+8607319990000"])
        other_switch(day)
        res = build_campaigns(day.table())
        cid = res.number_campaign[pool[0]]
        (cl,) = [c for c in res.lists if c.campaign_id == cid]
        return cl.background[cl.ingresses.index("trunk-ai")]

    assert background(True) == background(False) > 0

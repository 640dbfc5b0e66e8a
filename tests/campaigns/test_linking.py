"""Linking rotating numbers into campaigns, with the negatives that must stay out."""

from __future__ import annotations

import pyarrow as pa

from callwarden.campaigns.build import build_campaigns
from callwarden.campaigns.records import ReasonCode

from .conftest import Day, campaign, mobile, ordinary, other_switch


def _campaign_of(res: object, numbers: list[str]) -> set[str | None]:
    return {res.number_campaign.get(n) for n in numbers}  # type: ignore[attr-defined]


def test_two_rotation_pools_on_one_trunk_are_two_campaigns(day: Day) -> None:
    people = ordinary(day)
    a = campaign(
        day, list_start=0, list_len=600, numbers=20, calls_per_number=10, ingress="trunk-ai"
    )
    b = campaign(
        day,
        list_start=3000,
        list_len=600,
        numbers=15,
        calls_per_number=10,
        ingress="trunk-ai",
        first_number=500,
        t0=9 * 3600 + 7,
    )
    res = build_campaigns(day.table())
    (ca,), (cb,) = _campaign_of(res, a), _campaign_of(res, b)
    assert ca is not None and cb is not None and ca != cb
    assert not set(people) & set(res.number_campaign)
    found = {c.campaign_id: c for c in res.campaigns}
    assert found[ca].ingresses == ("trunk-ai",) and len(found[ca].members) == 20
    codes = {r.code for r in found[ca].reasons}
    assert {
        ReasonCode.SHARED_LIST_RANGES,
        ReasonCode.ROTATION_POOL,
        ReasonCode.LOW_ANSWER_RATE,
    } <= codes
    member = found[ca].members[0]
    assert member.calls == 10 and member.first_seen <= member.last_seen


def test_same_list_through_two_ingresses_is_two_operations(day: Day) -> None:
    a = campaign(
        day, list_start=0, list_len=300, numbers=10, calls_per_number=10, ingress="trunk-a"
    )
    b = campaign(
        day,
        list_start=0,
        list_len=300,
        numbers=10,
        calls_per_number=10,
        ingress="trunk-b",
        first_number=500,
        t0=13 * 3600,
    )
    res = build_campaigns(day.table())
    (ca,), (cb,) = _campaign_of(res, a), _campaign_of(res, b)
    assert ca is not None and cb is not None and ca != cb


def test_courier_overlapping_a_campaign_list_by_chance_is_not_linked(day: Day) -> None:
    ordinary(day)
    pool = campaign(
        day, list_start=0, list_len=400, numbers=20, calls_per_number=10, ingress="sw-home"
    )
    courier = mobile(7, "1520731")
    for i in range(80):  # customers in the same number blocks as the list, many call back
        cust = mobile(i * 5)
        t = 8 * 3600 + i * 400
        day.call(t, courier, cust, dur=0.0 if i % 4 == 0 else 20.0)
        if i % 2 == 0:
            day.call(t + 900, cust, courier, dur=15.0)
    other_switch(day)
    res = build_campaigns(day.table())
    (cid,) = _campaign_of(res, pool)
    assert cid is not None
    assert courier not in res.number_campaign


def test_shared_asserted_identity_links_numbers_with_disjoint_lists(day: Day) -> None:
    pai = "+864001234567"
    nums = [f"+86075588{i:06d}" for i in range(6)]
    for j, n in enumerate(nums):
        for k in range(6):  # each number its own random-looking callees: no shared ranges
            day.call(
                9 * 3600 + j * 600 + k * 30,
                n,
                mobile(j * 1000 + k * 137),
                ingress="trunk-x",
                asserted=pai if k % 2 == 0 else None,
            )
    res = build_campaigns(day.table())
    assert len(_campaign_of(res, nums)) == 1 and res.number_campaign.get(nums[0])
    (c,) = res.campaigns
    assert ReasonCode.SHARED_ASSERTED_IDENTITY in {r.code for r in c.reasons}


def _scatter(day: Day, nums: list[str], ingress: str, t0: float) -> dict[str, list[str]]:
    calls: dict[str, list[str]] = {}
    for j, n in enumerate(nums):
        for k in range(5):
            cid = day.call(
                t0 + j * 900 + k * 40,
                n,
                mobile(j * 1500 + k * 211),
                dur=20.0 if k == 0 else 0.0,
                ingress=ingress,
            )
            calls.setdefault(n, []).append(cid)
    return calls


def test_shared_script_links_numbers_on_one_ingress_only(day: Day) -> None:
    nums = [f"+86073188{i:06d}" for i in range(4)]
    calls = _scatter(day, nums, "trunk-s", 9 * 3600)
    other = [f"+86073199{i:06d}" for i in range(2)]
    calls |= _scatter(day, other, "trunk-t", 9 * 3600 + 5)
    first = [v[0] for v in calls.values()]
    scripts = pa.table({"call_id": first, "cluster": ["s7"] * len(first)})
    res = build_campaigns(day.table(), scripts=scripts)
    assert len(_campaign_of(res, nums)) == 1 and res.number_campaign.get(nums[0])
    assert _campaign_of(res, nums).isdisjoint(_campaign_of(res, other))
    without = build_campaigns(day.table())
    assert not set(nums) & set(without.number_campaign)


def test_small_talk_cluster_played_by_ordinary_subscribers_links_nothing(day: Day) -> None:
    people = ordinary(day)
    nums = [f"+86073188{i:06d}" for i in range(4)]
    calls = _scatter(day, nums, "sw-home", 9 * 3600)
    chat = [r["call_id"] for r in day.rows if r["caller"] in people][:60]
    ids = chat + [v[0] for v in calls.values()]
    res = build_campaigns(
        day.table(), scripts=pa.table({"call_id": ids, "cluster": ["chat"] * len(ids)})
    )
    assert not set(nums) & set(res.number_campaign)


def test_two_callees_shared_with_one_number_link_nothing(day: Day) -> None:
    """One coincidence is not a campaign membership (``LinkConfig.min_callee_partners``).
    Before 30 Nov two family numbers that called the same two landlines unanswered were a
    2-member campaign (article seed 5), and a subscriber on a shared interconnect who called
    two numbers of a rotation pool's list joined the pool (5 subscribers over 9 seeds)."""
    ordinary(day)
    other_switch(day)
    pool = campaign(
        day, list_start=0, list_len=400, numbers=20, calls_per_number=10, ingress="ic-shared"
    )
    family = [mobile(1, "1590731"), mobile(2, "1590731")]
    landlines = ["+867315550001", "+867315550002"]
    for k, member in enumerate(family):
        for j, line in enumerate(landlines):
            day.call(10 * 3600 + k * 7200 + j * 600, member, line, ingress="sw-home")
    friend = mobile(3, "1590731")  # shares list entries 0 and 1 with the pool's first number
    for k, callee in enumerate((mobile(0), mobile(1), mobile(7000, "1380731"))):
        day.call(16 * 3600 + k * 1800, friend, callee, ingress="ic-shared")
    res = build_campaigns(day.table())
    assert not set(family) & set(res.number_campaign)
    assert friend not in res.number_campaign
    (cid,) = _campaign_of(res, pool)
    assert cid is not None

"""The online campaign index: fresh numbers flagged on their first calls, negatives let through."""

from __future__ import annotations

import numpy as np

from callwarden.campaigns.build import CampaignList, build_campaigns
from callwarden.campaigns.index import CampaignIndex, IndexConfig
from callwarden.campaigns.records import ReasonCode

from .conftest import Day, campaign, mobile, ordinary

LIST = [mobile(i) for i in range(200)]


def _list(ingress: str = "trunk-ai", share: float = 1.0, background: float = 0.0) -> CampaignList:
    callees = np.array([int(n[1:]) for n in LIST], dtype=np.int64)
    return CampaignList(
        "C1", (ingress,), callees, ("+8607318000001",), ("+864001234567",), (share,), (background,)
    )


def test_fresh_number_on_the_campaign_trunk_is_flagged_on_its_second_call() -> None:
    index = CampaignIndex()
    index.add_campaign(_list())
    fresh = "+86075512340000"
    assert index.observe(fresh, LIST[3], "trunk-ai", t=0.0) is None
    flag = index.observe(fresh, LIST[4], "trunk-ai", t=20.0)
    assert flag is not None and flag.campaign_id == "C1"
    assert flag.reason.code is ReasonCode.CAMPAIGN_LIST_MATCH
    assert flag.reason.evidence["list_hits"] == 2
    member = index.observe(fresh, mobile(9999), "trunk-ai", t=40.0)
    assert member is not None and member.reason.code is ReasonCode.CAMPAIGN_MEMBER


def test_asserted_identity_flags_the_first_call() -> None:
    index = CampaignIndex()
    index.add_campaign(_list())
    flag = index.observe(
        "+86075512340001", mobile(5000), "trunk-ai", asserted="+864001234567", t=0.0
    )
    assert flag is not None and flag.reason.evidence["asserted_identity"] == "+864001234567"


def test_same_list_through_another_ingress_is_not_flagged() -> None:
    index = CampaignIndex()
    index.add_campaign(_list())
    assert all(
        index.observe("+86075512340002", n, "sw-home", t=i * 20.0) is None
        for i, n in enumerate(LIST[:10])
    )


def test_courier_on_a_shared_ingress_with_chance_hits_is_not_flagged() -> None:
    index = CampaignIndex()
    index.add_campaign(_list("sw-home", share=0.01, background=0.02))
    courier = "+8615207310007"
    flags = []
    for i in range(100):  # one customer in five is on the purchased list, spread over the day
        callee = LIST[i] if i % 5 == 0 else mobile(5000 + i, "1380731")
        flags.append(index.observe(courier, callee, "sw-home", t=8 * 3600 + i * 360.0))
    assert not any(flags)


def test_hits_must_come_close_together() -> None:
    index = CampaignIndex(IndexConfig(hit_window_s=600.0))
    index.add_campaign(_list())
    slow = "+86075512340003"
    assert all(
        index.observe(slow, n, "trunk-ai", t=i * 3600.0) is None for i, n in enumerate(LIST[:5])
    )


def test_needed_score_grows_with_the_background_rate() -> None:
    index = CampaignIndex()
    assert index._needed(0.0) == 2.0 and index._needed(0.2) == 5.0 and index._needed(0.9) == 8.0


def test_rebuilt_campaign_keeps_its_id_and_state_stays_bounded() -> None:
    index = CampaignIndex(IndexConfig(max_tracked=3))
    index.add_campaign(_list())
    rebuilt = CampaignList("C2", ("trunk-ai",), _list().callees[:150], ("+8607318000009",))
    assert index.add_campaign(rebuilt) == "C1" and len(index) == 1
    for i in range(10):
        index.observe(f"+8607550000{i:04d}", LIST[i], "trunk-ai", t=float(i))
    assert index.stats()["watched_numbers"] <= 3


def test_index_loaded_from_a_batch_build_flags_the_next_rotated_number(day: Day) -> None:
    ordinary(day)
    pool = campaign(
        day, list_start=0, list_len=600, numbers=15, calls_per_number=10, ingress="trunk-ai"
    )
    index = CampaignIndex()
    index.load(build_campaigns(day.table()))
    assert index.campaign_of(pool[0]) is not None
    fresh = "+8607318900000"
    # The pool stopped at entry 149; the fresh number takes over the rest of that range.
    flags = [index.observe(fresh, mobile(150 + k), "trunk-ai", t=20.0 * k) for k in range(5)]
    first = next(i for i, f in enumerate(flags) if f is not None)
    assert first <= 4 and flags[first].campaign_id == index.campaign_of(pool[0])  # type: ignore[union-attr]
    assert index.observe(mobile(1, "1380731"), mobile(2, "1380731"), "sw-home", t=0.0) is None


def test_public_names_resolve() -> None:
    import callwarden.campaigns as cw

    for name in cw.__all__:
        assert getattr(cw, name) is not None


def test_asserted_identity_flags_the_first_call_on_a_shared_busy_ingress() -> None:
    # Not dominated and a high background: list hits need more, the trunk identity does not.
    index = CampaignIndex()
    index.add_campaign(_list(share=0.2, background=0.3))
    pai = "+864001234567"
    flag = index.observe("+86075512340009", mobile(5000), "trunk-ai", asserted=pai, t=0.0)
    assert flag is not None and flag.campaign_id == "C1"
    other = "+86075512340010"
    assert all(
        index.observe(other, n, "trunk-ai", t=i * 20.0) is None for i, n in enumerate(LIST[:3])
    )

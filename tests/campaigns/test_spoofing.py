"""Spoofed caller-ID checks: unallocated (inside the registry's ranges only), asserted, region."""

from __future__ import annotations

from callwarden.campaigns.build import build_campaigns

from .conftest import Day, mobile


def _flags(day: Day, **kw: object) -> dict[str, tuple[bool, bool, bool]]:
    res = build_campaigns(day.table(), **kw)  # type: ignore[arg-type]
    t = res.spoofed
    return {
        cid: (u, a, r)
        for cid, u, a, r in zip(
            t["call_id"].to_pylist(),
            t["unallocated"].to_pylist(),
            t["asserted_mismatch"].to_pylist(),
            t["region_implausible"].to_pylist(),
            strict=True,
        )
    }


def test_unallocated_only_inside_registry_ranges(day: Day) -> None:
    allocated = [mobile(i) for i in range(0, 50)]
    ok = day.call(100, mobile(3), mobile(900, "1380731"))
    dead = day.call(200, mobile(77), mobile(901, "1380731"))  # same block, not allocated
    foreign = day.call(300, "+8618912345678", mobile(902, "1380731"))  # a range we do not hold
    flags = _flags(day, allocated=allocated)
    assert flags.get(dead) == (True, False, False)
    assert ok not in flags and foreign not in flags


def test_asserted_identity_mismatch(day: Day) -> None:
    bad = day.call(100, "+8675588886666", mobile(1), asserted="+8613912340000")
    same = day.call(200, mobile(2), mobile(3), asserted=mobile(2))
    flags = _flags(day)
    assert flags[bad][1] and same not in flags


def test_fixed_line_served_in_another_province_is_implausible(day: Day) -> None:
    shenzhen_in_hunan = day.call(100, "+8675588886666", mobile(1), region="湖南省长沙市")
    changsha_in_zhuzhou = day.call(200, "+8673188886666", mobile(2), region="湖南省株洲市")
    roaming_mobile = day.call(300, mobile(5), mobile(3), region="广东省深圳市")
    unknown_region = day.call(400, "+862188886666", mobile(4))
    flags = _flags(day)
    assert flags[shenzhen_in_hunan] == (False, False, True)
    for cid in (changsha_in_zhuzhou, roaming_mobile, unknown_region):
        assert cid not in flags

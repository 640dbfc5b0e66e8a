"""Audit 25b L2 and L3: one definition of a domestic number shown from abroad. The stream, the
online path and campaign linking's SQL judge the same calls: a bare '+86' (no subscriber
digits) is domestic in none of them (campaigns flagged it), and an ingress written with
spaces around it is the same gateway everywhere (the stream did not trim it)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from callwarden.campaigns.build import build_campaigns
from callwarden.numbers.abroad import Abroad, AbroadRule, domestic
from callwarden.numbers.ingresses import IngressKinds
from callwarden.numbers.roaming import Roaming
from callwarden.stream.calls import Interner, calls_from_arrow

from .conftest import Day, mobile

RULE = AbroadRule.of(IngressKinds({"IGW-1": "international"}), (86, 852), Roaming.of([]))
SHOWN = ["+86", "+861", "+8612", "+86110", "+8613700000005", "+852", "+8521", "+1415555012",
         "+861370000000512", "+8613700000005123"]  # fmt: skip


def test_campaigns_and_the_stream_agree_on_what_is_domestic(day: Day) -> None:
    assert RULE is not None
    ids = [day.call(100 + i, n, mobile(1), ingress="IGW-1") for i, n in enumerate(SHOWN)]
    sp = build_campaigns(day.table(), abroad=RULE).spoofed
    flagged = dict(
        zip(sp["call_id"].to_pylist(), sp["international_domestic"].to_pylist(), strict=True)
    )
    sql = [bool(flagged.get(i)) for i in ids]
    pure = domestic(SHOWN, RULE.scope).tolist()
    stream = RULE.judge_names(SHOWN, ["IGW-1"] * len(SHOWN), np.zeros(len(SHOWN)))
    one = [RULE.judge_one(n, "IGW-1", 0.0) is Abroad.SPOOFED for n in SHOWN]
    assert sql == pure == (stream == Abroad.SPOOFED).tolist() == one
    assert pure[:2] == [False, True] and pure[5:7] == [False, True]  # the hand case: '+86'


def test_an_ingress_with_spaces_is_the_same_gateway_everywhere(day: Day) -> None:
    assert RULE is not None
    a = day.call(100, "+8613700000005", mobile(1), ingress=" IGW-1 ")
    b = day.call(101, "+8613700000006", mobile(1), ingress="IGW-1")
    sp = build_campaigns(day.table(), abroad=RULE).spoofed
    flagged = dict(
        zip(sp["call_id"].to_pylist(), sp["international_domestic"].to_pylist(), strict=True)
    )
    assert flagged.get(a) and flagged.get(b)
    calls = calls_from_arrow(day.table(), Interner())
    assert calls.ingress_name.tolist() == ["IGW-1", "IGW-1"]
    assert calls.ingress[0] == calls.ingress[1]
    t = pa.table({"ingress": pa.array(["\tIGW-1"])})
    assert calls_from_arrow(t, Interner()).ingress_name.tolist() == ["IGW-1"]


def test_the_stream_online_path_trims_the_ingress_too() -> None:
    from callwarden.numbers import AllocationRegistry
    from callwarden.policy import Action
    from callwarden.stream import StreamEngine

    reg = AllocationRegistry.from_numbers(["+8613700000005", "+8613800138000"])
    eng = StreamEngine(None, allocated=reg, abroad=RULE)
    d = eng.decide("+8613700000005", "+8613800138000", " IGW-1 ", t=0.0)
    assert d.action is Action.REJECT and d.reasons[1].code == "spoof_international_domestic"

"""The international-gateway rule's pure core: ingresses.csv, roaming.csv, and the per-call
check (issue 4: domestic numbers displayed on calls from abroad)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from callwarden.errors import InputError
from callwarden.numbers.abroad import Abroad, AbroadRule, domestic
from callwarden.numbers.ingresses import IngressKinds, read_ingresses
from callwarden.numbers.roaming import Roaming, read_roaming

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC).timestamp()
KINDS = IngressKinds({"IGW-GZ-1": "international", "MSC-HN00-1": "own", "IC-CUCC-HN-1": "x"})
CN = (86,)
ROAMER = "+8613800138000"
OTHER = "+8613900139000"


def rule(roaming: Roaming | None = None) -> AbroadRule:
    r = AbroadRule.of(KINDS, CN, roaming)
    assert r is not None
    return r


def test_domestic_is_the_registry_scope() -> None:
    got = domestic(["+8613800138000", "+14155550123", "+862012345678", "garbage", ""], CN)
    assert got.tolist() == [True, False, True, False, False]


def test_without_roaming_list_a_domestic_number_from_abroad_is_only_labelled() -> None:
    r = rule()
    got = r.judge_names(
        [OTHER, "+14155550123", OTHER, OTHER],
        ["IGW-GZ-1", "IGW-GZ-1", "MSC-HN00-1", "IC-CUCC-HN-1"],
        np.full(4, T0),
    )
    assert got.tolist() == [Abroad.UNVERIFIED, Abroad.NONE, Abroad.NONE, Abroad.NONE]


def test_with_roaming_list_the_non_roamer_is_spoofed_and_the_roamer_exempt() -> None:
    r = rule(Roaming.of([(ROAMER, T0, T0 + 3600)]))
    got = r.judge_names([ROAMER, OTHER, "+447700900123"], ["IGW-GZ-1"] * 3, np.full(3, T0 + 10))
    assert got.tolist() == [Abroad.NONE, Abroad.SPOOFED, Abroad.NONE]


def test_roaming_window_edges_from_inclusive_until_exclusive() -> None:
    r = rule(Roaming.of([(ROAMER, T0, T0 + 3600), (ROAMER, T0 + 7200, float("inf"))]))
    t = np.array([T0 - 0.001, T0, T0 + 3599.999, T0 + 3600, T0 + 7199, T0 + 7200, T0 + 1e8])
    got = r.judge([ROAMER] * len(t), np.ones(len(t), bool), t)
    s, n = Abroad.SPOOFED, Abroad.NONE
    assert got.tolist() == [s, n, n, s, s, n, n]


def test_overlapping_windows_merge() -> None:
    roam = Roaming.of([(ROAMER, T0, T0 + 100), (ROAMER, T0 + 50, T0 + 200), (OTHER, T0, T0 + 1)])
    assert roam.most == 1
    assert roam.at([ROAMER, ROAMER, OTHER], np.array([T0 + 150, T0 + 200, T0 + 0.5])).tolist() == [
        True,
        False,
        True,
    ]


def test_rule_off_without_registry_or_gateway() -> None:
    assert AbroadRule.of(KINDS, None, None) is None  # no registry: no scope, no guess
    assert AbroadRule.of(KINDS, (), None) is None
    assert AbroadRule.of(None, CN, None) is None  # no ingresses file
    assert AbroadRule.of(IngressKinds({"MSC-HN00-1": "own"}), CN, None) is None


def test_judge_one() -> None:
    r = rule(Roaming.of([(ROAMER, T0, float("inf"))]))
    assert r.judge_one(ROAMER, "IGW-GZ-1", T0) is Abroad.NONE
    assert r.judge_one(OTHER, "IGW-GZ-1", T0) is Abroad.SPOOFED
    assert r.judge_one(OTHER, "MSC-HN00-1", T0) is Abroad.NONE


def test_read_ingresses(tmp_path) -> None:
    p = tmp_path / "ingresses.csv"
    p.write_text("kind,ingress\nInternational ,IGW-GZ-1\nown,MSC-HN00-1\n\nown,MSC-HN00-1\n")
    k = read_ingresses(p)
    assert k.international == {"IGW-GZ-1"}
    assert k.kinds["MSC-HN00-1"] == "own"
    assert k.international_mask(["MSC-HN00-1", "IGW-GZ-1", "nope"]).tolist() == [False, True, False]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name,kind\nA,own\n", "header"),
        ("", "empty"),
        ("ingress,kind\n ,own\n", "line 2: the ingress is blank"),
        ("ingress,kind\nA,\n", "line 2: ingress 'A' has no kind"),
        (
            "ingress,kind\nA,own\nB,own\nA,international\n",
            "line 4: ingress 'A' is 'international' here and 'own' on line 2",
        ),
        ("ingress,kind\nA,own,x\n", "line 2: 3 fields"),
    ],
)
def test_read_ingresses_errors(tmp_path, text: str, words: str) -> None:
    p = tmp_path / "ingresses.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=words):
        read_ingresses(p)
    with pytest.raises(InputError, match="does not exist"):
        read_ingresses(tmp_path / "none.csv")


def test_read_roaming(tmp_path) -> None:
    p = tmp_path / "roaming.csv"
    p.write_text(
        "number,from,until\n13800138000,2026-11-30T08:00:00Z,2026-11-30 09:00:00\n"
        "+8613900139000,2026-11-30T16:00:00+08:00,\n"
    )
    r = read_roaming(p, tz="UTC")  # the naive until read in UTC
    t = np.array([T0, T0 + 3600, T0 + 10])
    assert r.at([ROAMER, ROAMER, OTHER], t).tolist() == [True, False, True]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("number,since\n", "header"),
        ("number,from,until\nabc,2026-11-30,\n", "line 2: 'abc' is not a phone number"),
        ("number,from,until\n13800138000,,\n", "line 2: 'from' '' is not a time"),
        ("number,from,until\n13800138000,2026-11-30,soon\n", "'until' 'soon' is not a time"),
        ("number,from,until\n13800138000,2026-11-30,2026-11-29\n", "not after 'from'"),
    ],
)
def test_read_roaming_errors(tmp_path, text: str, words: str) -> None:
    p = tmp_path / "roaming.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=words):
        read_roaming(p, tz="Asia/Shanghai")

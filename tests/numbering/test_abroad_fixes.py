"""Audit 25b's findings on the international-gateway rule's pure core (numbers.abroad,
numbers.ingresses, numbers.roaming)."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pytest

from callwarden.numbers.abroad import Abroad, AbroadRule
from callwarden.numbers.ingresses import IngressKinds
from callwarden.numbers.roaming import Roaming

KINDS = IngressKinds({"IGW-1": "international", "MSC-1": "own"})


def test_roaming_list_is_keyed_once_not_hashed_per_call(monkeypatch) -> None:
    """H1: a batch or one call never rebuilds a hash of the whole list (pc.index_in per call
    cost 125 ms a /v1/decide call at 1,000,000 roamers)."""
    rows = [(f"+86137{i:08d}", 0.0, 100.0) for i in range(0, 2000, 2)]
    rows += [("+8613700000001", 200.0, float("inf")), ("+8613700000001", 0.0, 50.0)]
    rule = AbroadRule.of(KINDS, (86,), Roaming.of(rows))
    assert rule is not None

    def no(*_a: object, **_k: object) -> None:
        raise AssertionError("the roaming list is hashed per call")

    monkeypatch.setattr(pc, "index_in", no)
    callers = ["+8613700000000", "+8613700000001", "+8613700000001", "+8613700000003", "+861370"]
    t = np.array([10.0, 60.0, 300.0, 10.0, 10.0])
    got = rule.judge(np.array(callers, dtype=object), np.ones(5, bool), t)
    want = [Abroad.NONE, Abroad.SPOOFED, Abroad.NONE, Abroad.SPOOFED, Abroad.SPOOFED]
    assert got.tolist() == [int(w) for w in want]
    assert [rule.judge_one(c, "IGW-1", x) for c, x in zip(callers, t, strict=True)] == want


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_call_path_agrees_with_the_batch(seed: int) -> None:
    """H1: the dict (one call) and the sorted keys (a batch) give the same answer."""
    rng = np.random.default_rng(seed)
    nums = [f"+86138{n:08d}" for n in rng.integers(0, 300, 400)]
    starts = rng.uniform(0, 1000, 400)
    rows = [
        (n, float(a), float(a + rng.uniform(1, 200))) for n, a in zip(nums, starts, strict=True)
    ]
    rows += [("not a number", 0.0, 1e9), ("+1415555012", 0.0, 1e9)]
    trips = Roaming.of(rows)
    q = [f"+86138{n:08d}" for n in rng.integers(0, 400, 2000)] + ["not a number", "+1415555012"]
    t = rng.uniform(-50, 1250, len(q))
    batch = trips.at(q, t)
    one = [trips.at_one(n, float(x)) for n, x in zip(q, t, strict=True)]
    brute = [any(n == m and a <= x < b for m, a, b in rows) for n, x in zip(q, t, strict=True)]
    assert batch.tolist()[:-2] == one[:-2] == brute[:-2]
    assert batch[-1] and one[-1]  # a valid foreign number is found by both paths


def test_domestic_one_is_domestic() -> None:
    """The online path's one-number test is the batch's ``domestic``, value for value."""
    from callwarden.numbers.abroad import domestic, domestic_one

    nums = [
        "+8613812345678",
        "13812345678",
        "+86 138 1234 5678",
        "+861012345678",
        "+8695588",
        "+86110",
        "+86",
        "+8",
        "+1",
        "+14155550123",
        "+85291234567",
        "",
        "anonymous",
        "+0861234",
        "+8613812345678\n",
        "+٨٦١٣٨",
        "+1234567890123456",
        "+123456789012345",
    ]
    rng = np.random.default_rng(7)
    nums += [f"+{rng.integers(1, 10 ** rng.integers(1, 16))}" for _ in range(2000)]
    for scope in [(86,), (86, 852), (1, 7, 44)]:
        assert [domestic_one(n, scope) for n in nums] == domestic(nums, scope).tolist()


@pytest.mark.parametrize("kind", ["intl", "International Gateway", "gateway", "own switch"])
def test_an_unknown_ingress_kind_is_an_error_naming_the_line(tmp_path, kind: str) -> None:
    """H4: a kind outside the known set silently turned the rule off."""
    from callwarden.errors import InputError
    from callwarden.numbers.ingresses import KINDS, read_ingresses

    p = tmp_path / "ingresses.csv"
    p.write_text(f"ingress,kind\nMSC-1,own\nIGW-1,{kind}\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3: ingress 'IGW-1' has kind"):
        read_ingresses(p)
    p.write_text("ingress,kind\n" + "".join(f"T{i}, {k.upper()} \n" for i, k in enumerate(KINDS)))
    assert sorted(read_ingresses(p).kinds.values()) == sorted(KINDS)


def _merged_by_hand(rows: list[tuple[str, float, float]]) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for n, a, b in sorted(rows):
        w = out.setdefault(n, [])
        if w and a <= w[-1][1]:
            w[-1] = (w[-1][0], max(w[-1][1], b))
        else:
            w.append((a, b))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_vectorised_merge_is_the_window_merge(seed: int) -> None:
    """H1: Roaming.of merges overlapping or touching windows of a number (vectorised, with
    open windows), as a loop over the sorted windows does; invalid numbers are left out."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(3000):
        a = float(rng.integers(0, 500))
        b = float("inf") if rng.random() < 0.05 else a + float(rng.integers(1, 60))
        rows.append((f"+86138{rng.integers(0, 400):08d}", a, b))
    rows += [("junk", 0.0, 1.0), ("+86 138", 0.0, 1.0)]
    trips = Roaming.of(rows)
    names = trips.numbers.to_pylist()
    got: dict[str, list[tuple[float, float]]] = {}
    for i, a, b in zip(trips.index, trips.start, trips.end, strict=True):
        got.setdefault(names[int(i)], []).append((float(a), float(b)))
    want = _merged_by_hand([r for r in rows if r[0].startswith("+86138")])
    assert got == want
    assert trips.most == max(len(w) for w in want.values())
    assert len(Roaming.of([])) == 0 and not Roaming.of([]).at(["+8613800000000"], [0.0]).any()

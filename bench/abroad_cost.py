"""Cost of the international-gateway rule against the roaming list's size (audit 25b H1).

One ``/v1/decide`` call through a gateway (``AbroadRule.judge_one``) and one stream batch of
50 gateway calls (``AbroadRule.judge``), with 1,000 .. 1,000,000 numbers roaming: the list is
keyed once when it is built, so neither should grow with it.

    python bench/abroad_cost.py [--sizes 1000,10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import time
import timeit

import numpy as np

from callwarden.numbers.abroad import AbroadRule
from callwarden.numbers.ingresses import IngressKinds
from callwarden.numbers.roaming import Roaming


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    args = ap.parse_args()
    callers = np.array([f"+86138{i:08d}" for i in range(50)], dtype=object)
    for n in (int(x) for x in args.sizes.split(",")):
        t0 = time.perf_counter()
        trips = Roaming.of([(f"+86137{i:08d}", 0.0, float("inf")) for i in range(n)])
        build = time.perf_counter() - t0
        rule = AbroadRule.of(IngressKinds({"IGW-1": "international"}), (86,), trips)
        assert rule is not None
        reps = 200
        one = min(
            timeit.repeat(
                lambda rule=rule: rule.judge_one("+8613812345678", "IGW-1", 1.0),
                number=reps,
                repeat=3,
            )
        )
        batch = min(
            timeit.repeat(
                lambda rule=rule: rule.judge(callers, np.ones(50, bool), np.ones(50)),
                number=reps,
                repeat=3,
            )
        )
        print(
            f"roamers {n:>9,}: list build {build:.2f} s; judge_one {one / reps * 1e6:,.0f} us/call; "
            f"judge 50-call batch {batch / reps * 1e6:,.0f} us"
        )


if __name__ == "__main__":
    main()

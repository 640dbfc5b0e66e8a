"""Cost of matching an import's campaigns to stored ones by their traits (docs/api.md,
"Campaign ids across imports"): ``match_by_traits`` alone, F new against F stored campaigns,
each pair with its own ingresses and asserted identity (one match each), and F new against
20 x F stored (most of which match nothing).

    nice -n 5 python bench/traits_match.py [1000 3000 10000]

It runs under the store's import lock, so its time is the time every other import waits.
Prints seconds per size (one run each; the machine is shared, so compare runs made together).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> None:
    from callwarden.store.campaign_traits import CampaignTraits, StoredTraits, match_by_traits

    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        print(__doc__)
        return
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 3000, 10000]

    def traits(k: int) -> CampaignTraits:
        return CampaignTraits.parse(f"TR{k}a;TR{k}b", f"+86400{k:07d}")

    for n in sizes:
        for stored_n in (n, 20 * n):
            fresh = {f"N{k}": traits(k) for k in range(n)}
            stored = {f"S{k}": StoredTraits(traits(k), "2026-11-01") for k in range(stored_n)}
            t = time.perf_counter()
            matched, refused = match_by_traits(fresh, stored, "2026-11-02", {})
            dt = time.perf_counter() - t
            print(
                f"{n:>7,} new x {stored_n:>9,} stored: {dt:7.3f} s  matched {len(matched):,}"
                f"  refused {len(refused):,}",
                flush=True,
            )


if __name__ == "__main__":
    main()

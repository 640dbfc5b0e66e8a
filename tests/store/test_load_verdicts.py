"""The verdict cache ``serve`` builds at start (``Store.load_verdicts``) reads plain tuples
and skips the JSON decoder for empty reasons (7.3 -> 2.8 s for 300,000 verdicts, 30 Nov): it
must give exactly the verdicts the row-by-row reader gives, damaged reasons included."""

from __future__ import annotations

import json

import sqlalchemy as sa

from callwarden.api.verdict_cache import VerdictCache
from callwarden.store import Store
from callwarden.store.schema import verdicts
from callwarden.store.verdict_rows import verdict_from_row

REASONS = ["[]", "", json.dumps([{"code": "A", "evidence": {"n": 1}}]), "not json", '{"a": 1}']


def test_the_cache_equals_the_row_reader(store: Store) -> None:
    rows = [
        dict(
            number=f"+8617000000{i:03d}",
            label="benign" if i % 3 else "fraud",
            score=0.25 * (i % 4),
            category="loans" if i % 2 else "",
            reasons=REASONS[i % len(REASONS)],
            campaign="C1" if i % 4 else "",
            source="model",
            protected=i % 6 == 0,
            updated_at=0.0,
        )  # fmt: skip
        for i in range(60)
    ]
    with store.engine.begin() as conn:
        conn.execute(verdicts.insert(), rows)
    with store.engine.connect() as conn:
        want = {r.number: verdict_from_row(r) for r in conn.execute(sa.select(verdicts))}
    got = store.load_verdicts()
    assert got == want and len(got) == 60
    assert got["+8617000000000"].reasons == () and got["+8617000000003"].reasons[0].code
    # serve's cache starts from the same rows unparsed and parses each on its first read
    cache = VerdictCache(store.verdict_rows())
    assert len(cache) == 60 and {n: cache[n] for n in cache} == want

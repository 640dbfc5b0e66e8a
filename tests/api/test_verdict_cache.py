"""The API's verdict cache: stored rows become verdicts on first read, writes win."""

from __future__ import annotations

import json
import threading

from callwarden.api.verdict_cache import VerdictCache
from callwarden.policy import Reason, Verdict
from callwarden.store.verdict_rows import VerdictRow

SPAM = "+8617000000001"
OTHER = "+8617000000002"


def _row(number: str, score: float = 0.9, reasons: str | None = None) -> VerdictRow:
    text = (
        reasons
        if reasons is not None
        else json.dumps([{"code": "LOW_ANSWER_RATE", "evidence": {"rate": 0.1}}])
    )
    return (number, "harassment", score, "loans", text, "c1", "model", 0)


def test_a_row_reads_as_the_verdict_the_store_holds() -> None:
    cache = VerdictCache([_row(SPAM)])
    v = cache.get(SPAM)
    assert v == Verdict(
        SPAM, "harassment", 0.9, "loans", (Reason("LOW_ANSWER_RATE", {"rate": 0.1}),), "c1",
        "model", False,
    )  # fmt: skip
    assert cache.get(SPAM) is v  # parsed once
    assert cache[SPAM] is v and SPAM in cache and len(cache) == 1
    assert cache.get(OTHER) is None and OTHER not in cache


def test_a_damaged_reasons_cell_does_not_stop_the_others() -> None:
    cache = VerdictCache([_row(SPAM, reasons="not json"), _row(OTHER)])
    assert [r.code for r in cache[SPAM].reasons] == ["unreadable_reasons"]
    assert cache[OTHER].reasons[0].code == "LOW_ANSWER_RATE"


def test_a_write_replaces_a_row_not_yet_read_and_one_read() -> None:
    cache = VerdictCache([_row(SPAM), _row(OTHER)])
    newer = Verdict(SPAM, "benign", 0.1, protected=True)
    cache[SPAM] = newer
    assert cache.get(SPAM) is newer
    cache.get(OTHER)
    cache.update({OTHER: newer})
    assert cache[OTHER] is newer
    assert sorted(cache) == [SPAM, OTHER]


def test_a_parse_racing_a_write_never_overwrites_it() -> None:
    """The parsed row is stored only if the entry is still that row: a write made while
    another thread parses (an appeal accepted as the first call arrives) stays."""
    rows = [_row(f"+86170{i:08d}") for i in range(2000)]
    newer = {r[0]: Verdict(r[0], "benign", 0.0, protected=True) for r in rows}
    for _ in range(20):
        cache = VerdictCache(rows)
        start = threading.Barrier(2)

        def read(cache: VerdictCache = cache, start: threading.Barrier = start) -> None:
            start.wait()
            for r in rows:
                cache.get(r[0])

        reader = threading.Thread(target=read)
        reader.start()
        start.wait()
        for n, v in newer.items():
            cache[n] = v
        reader.join()
        assert all(cache.get(n) is v for n, v in newer.items())

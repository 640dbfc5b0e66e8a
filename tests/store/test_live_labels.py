"""The live labels an operator reviews (``Store.live_labels``, ``GET /v1/review/labels``), on
SQLite and PostgreSQL: oldest first, then by number; a page after a label's cursor holds
while the sweep lapses the oldest labels (an offset page skips as many labels as lapsed:
audit 31a L3); each source's page, and each sweep, read by the source's partial index with
no sort (revision 0017: the community's page sorted every community label)."""

from __future__ import annotations

import pytest

from callwarden.store import Store
from callwarden.store.label_lapse import LIVE_SOURCES, LiveLabel
from callwarden.store.schema import verdicts

from .conftest import query_plan

T0 = 1_700_000_000.0


def _labels(store: Store, source: str, n: int) -> list[str]:
    """``n`` labels of ``source`` given three at a time (equal times: the number decides),
    in the list's order."""
    prefix = {"screening": "+8617100", "reports": "+8617200"}[source]
    rows = [
        {"number": f"{prefix}{i:06d}", "label": "harassment", "score": 0.8, "category": "",
         "reasons": "[]", "campaign": "", "source": source, "protected": False,
         "updated_at": T0 + i // 3, "import_id": None}
        for i in range(n)
    ]  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(verdicts.insert(), rows)
    return [r["number"] for r in rows]


def _after(label: LiveLabel) -> tuple[float, str]:
    return label.live_since, label.verdict.number


def test_a_page_after_a_cursor_holds_while_the_oldest_labels_lapse(store: Store) -> None:
    numbers = _labels(store, "screening", 300)
    page1 = store.live_labels("screening", 100)
    assert [x.verdict.number for x in page1] == numbers[:100]
    assert [x.labelled_at for x in page1] == [x.live_since for x in page1]
    lapsed = store.lapse_screened_labels(T0 + 4)  # as the sweep would: the 12 oldest
    assert len(lapsed) == 12
    page2 = store.live_labels("screening", 100, after=_after(page1[-1]))
    assert [x.verdict.number for x in page2] == numbers[100:200]
    assert page2[0].live_since == page1[-1].live_since  # (a tie across the pages' edge)
    by_offset = store.live_labels("screening", 100, 100)  # (what offset paging did)
    assert by_offset[0].verdict.number == numbers[112]
    # offset counts from the cursor
    assert store.live_labels("screening", 5, 2, after=_after(page2[0])) == page2[3:8]


INDEX = {"screening": "ix_verdicts_screening_labels", "reports": "ix_verdicts_community_labels"}


@pytest.mark.parametrize("source", LIVE_SOURCES)
def test_each_sources_page_reads_its_index_with_no_sort(store: Store, source: str) -> None:
    numbers = _labels(store, source, 9)
    for after in (None, (T0 + 1, numbers[4])):
        plan = query_plan(store, lambda a=after: store.live_labels(source, 3, after=a), "verdicts")
        assert INDEX[source] in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    page = store.live_labels(source, 3, after=(T0 + 1, numbers[4]))
    assert [x.verdict.number for x in page] == numbers[5:8]


def test_the_sweeps_read_the_same_indexes_with_no_sort(store: Store) -> None:
    """Revision 0017 changed both indexes: the screener's sweep (and import rule 4, compare
    --db: the same column first) and the community's (now oldest first) still read them."""
    for run, index in (
        (lambda: store.lapse_screened_labels(T0), "ix_verdicts_screening_labels"),
        (lambda: store.lapse_community_labels(apply=False), "ix_verdicts_community_labels"),
    ):
        plan = query_plan(store, run, "verdicts")
        assert index in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan

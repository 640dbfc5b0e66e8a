"""A damaged reasons cell (rows written before evidence was bounded, or by hand) must not
keep the verdict cache, and with it the server, from loading, nor break a block log."""

from __future__ import annotations

import time

import pytest

from callwarden.policy import reason_text
from callwarden.store import Store
from callwarden.store.schema import block_log, verdicts
from callwarden.store.verdict_rows import UNREADABLE_REASONS

SUB = "+8613800138000"
DEEP = '[{"code": "x", "evidence": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}]"
DAMAGED = [DEEP, "not json", '{"code": "x"}', "[1, 2]", '[{"code": "x", "evidence": [1]}]']


def _verdict(number: str, reasons: str) -> dict[str, object]:
    return {
        "number": number, "label": "fraud", "score": 0.95, "category": "", "reasons": reasons,
        "campaign": "", "source": "model", "protected": False, "updated_at": time.time(),
    }  # fmt: skip


def test_damaged_reasons_read_as_one_unreadable_reason(store: Store) -> None:
    good = '[{"code": "low_answer_rate", "evidence": {"answer_rate_by_caller_1d": 0.1}}]'
    rows = [_verdict(f"+861701234{i:04d}", r) for i, r in enumerate([good, *DAMAGED])]
    with store.engine.begin() as conn:
        conn.execute(verdicts.insert(), rows)
    loaded = store.load_verdicts()  # raised RecursionError / JSONDecodeError before
    assert len(loaded) == len(rows)
    assert loaded["+8617012340000"].reasons[0].code == "low_answer_rate"
    for i in range(1, len(rows)):
        v = loaded[f"+861701234{i:04d}"]
        assert [r.code for r in v.reasons] == [UNREADABLE_REASONS]
        assert v.label == "fraud" and v.score == 0.95  # the verdict itself is kept
    zh, en = reason_text(loaded["+8617012340001"].reasons[0])
    assert "damaged" in en and "损坏" in zh


@pytest.mark.parametrize("reasons", DAMAGED)
def test_a_damaged_block_log_row_does_not_break_the_log(store: Store, reasons: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            block_log.insert().values(
                subscriber=SUB, caller="+8617012345678", at=time.time(), action="reject",
                sip_code=608, category="", reasons=reasons,
            )
        )  # fmt: skip
    (entry,) = store.block_log(SUB)
    assert [r["code"] for r in entry["reasons"]] == [UNREADABLE_REASONS]

"""Reasons reach people as text in Chinese and English."""

from __future__ import annotations


def test_model_reasons_render_in_words_not_codes() -> None:
    """A behaviour-model reason reaches subscribers as a sentence in each language."""
    from callwarden.policy.model import Reason
    from callwarden.policy.render import reason_text

    zh, en = reason_text(Reason("HIGH_ATTEMPTS", {"attempts_by_caller_1h": 22, "benign_median": 1}))
    assert "HIGH_ATTEMPTS" not in zh and "HIGH_ATTEMPTS" not in en
    assert "22" in zh and "22" in en and "呼叫" in zh
    zh, en = reason_text(Reason("UNALLOCATED_CALLER", {}))
    assert "空号" in zh and "not allocated" in en

"""Every decision code reads as a sentence in both languages (``policy_unavailable`` was
rendered as the bare code when it was added, 30 Nov)."""

from __future__ import annotations

from callwarden.policy import DecisionCode, Reason, reason_text

EVIDENCE = {"name": "顺丰速运", "score": 0.93, "category": "insurance", "country_code": "86"}


def test_every_decision_code_renders_in_zh_and_en() -> None:
    for code in DecisionCode:
        zh, en = reason_text(Reason(code.value, EVIDENCE))
        assert zh and en and zh != code.value and en != code.value, code

"""The screener's next step after the bot test (``policy.after_screening``): the table of
docs/policy.md, "After screening"."""

from __future__ import annotations

import pytest

from callwarden.policy import Action, after_screening, reason_text, screened_label

CALLER = "+8617012345678"


def test_the_table() -> None:
    bot = after_screening(CALLER, "bot", "insurance", 4.5, "https://op.example/r/")
    assert (bot.action, bot.sip_code, bot.logged, bot.category) == (
        Action.REJECT, 608, True, "insurance",
    )  # fmt: skip
    assert bot.redress_uri == f"https://op.example/r/{CALLER}"
    human = after_screening(CALLER, "human", "insurance", -4.0)
    assert (human.action, human.sip_code, human.logged, human.category) == (
        Action.ALLOW, None, False, "",
    )  # fmt: skip
    unsure = after_screening(CALLER, "unsure", "", 0.5)
    assert (unsure.action, unsure.logged) == (Action.LABEL, False)
    codes = [d.reasons[0].code for d in (bot, human, unsure)]
    assert codes == ["screened_bot", "screened_human", "screened_unsure"]
    zh, en = reason_text(bot.reasons[0])
    assert "4.5" in en and "机器人" in zh
    with pytest.raises(ValueError, match="bot, human or unsure"):
        after_screening(CALLER, "robot", "", 0.0)


def test_fraud_kinds_draw_the_fraud_tag() -> None:
    assert screened_label("impersonation_police") == "fraud"
    assert screened_label("other_fraud") == "fraud"
    assert screened_label("insurance") == "harassment"
    assert screened_label("") == "harassment"

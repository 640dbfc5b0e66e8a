"""The screener's next step after the bot test (``policy.after_screening``): the table of
docs/policy.md, "After screening"."""

from __future__ import annotations

import pytest

from callwarden.policy import (
    Action,
    after_screening,
    reason_text,
    screened_label,
    screened_tag,
)

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


@pytest.mark.parametrize(
    ("category", "zh", "en"),
    [
        ("courier", "快递物流（自动语音）", "Courier (automated call)"),
        ("bank_service", "银行服务（自动语音）", "Bank service (automated call)"),
    ],
)
def test_a_legitimate_services_bot_rings_with_its_tag(category: str, zh: str, en: str) -> None:
    """A courier's delivery IVR or a bank's automated call-back is a bot the callee wants:
    connected with its service's tag, not rejected, no block-log row."""
    d = after_screening(CALLER, "bot", category, 6.0, "https://op.example/r/")
    assert (d.action, d.sip_code, d.logged, d.category, d.redress_uri) == (
        Action.LABEL, None, False, category, "",
    )  # fmt: skip
    assert d.reasons[0].code == "screened_service_bot"
    assert "score 6)" in reason_text(d.reasons[0])[1]
    assert screened_tag(d) == (zh, en)
    # a fraud kind's cover (a fake courier asking for a transfer) is no service: rejected
    fake = after_screening(CALLER, "bot", "fake_customer_service", 6.0)
    assert (fake.action, fake.sip_code) == (Action.REJECT, 608)
    assert screened_tag(fake) == (
        "疑似诈骗（冒充客服诈骗）",
        "Suspected fraud (customer-service impersonation fraud)",
    )


def test_a_refused_category_is_rejected_whoever_is_on_the_line() -> None:
    """Audit 27 M6: the callee's refused categories (来电免打扰) hold after screening, as in
    decide: a person, an unsure caller, talking real estate to a callee refusing it: 608."""
    refused = frozenset({"real_estate", "medical"})
    for verdict in ("human", "unsure"):
        d = after_screening(CALLER, verdict, "real_estate", -2.0, "https://op.example/r/", refused)
        assert (d.action, d.sip_code, d.logged, d.category) == (
            Action.REJECT, 608, True, "real_estate",
        )  # fmt: skip
        assert [r.code for r in d.reasons] == ["refused_category", f"screened_{verdict}"]
        assert d.redress_uri == f"https://op.example/r/{CALLER}"
    assert after_screening(CALLER, "human", "insurance", -2.0, "", refused).action is Action.ALLOW
    assert after_screening(CALLER, "bot", "medical", 5.0, "", refused).reasons[0].code == (
        "screened_bot"
    )

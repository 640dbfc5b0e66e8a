"""The per-call decision: precedence, protection levels, SIP codes and redress."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callwarden.policy import (
    Action,
    Call,
    PatternSet,
    Protection,
    Registration,
    Registry,
    SubscriberPolicy,
    Verdict,
    decide,
)

SUB = "+8613800138000"
SPAM = "+8617012345678"
REDRESS = "https://op.example/redress/"


def v(label: str, score: float, category: str = "", **kw: object) -> Verdict:
    return Verdict(SPAM, label, score, category, **kw)  # type: ignore[arg-type]


def pol(
    protection: Protection = Protection.STANDARD, allow=(), block=(), refused=()
) -> SubscriberPolicy:  # type: ignore[no-untyped-def]
    return SubscriberPolicy(
        SUB, protection, frozenset(refused), PatternSet.of(list(allow)), PatternSet.of(list(block))
    )


CALL = Call(SPAM, SUB)


def test_no_verdict_allows() -> None:
    d = decide(CALL, None)
    assert d.action is Action.ALLOW and d.sip_code is None and not d.logged


def test_personal_block_is_603_and_logged_even_with_protection_off() -> None:
    d = decide(CALL, None, pol(Protection.OFF, block=["+86170*"]))
    assert (d.action, d.sip_code, d.logged) == (Action.REJECT, 603, True)
    assert d.reasons[0].code == "personal_block"
    assert d.redress_uri == ""  # the callee's own choice: no carrier redress


def test_most_specific_list_pattern_wins_and_tie_goes_to_allow() -> None:
    # exact contact beats a blocked prefix
    assert (
        decide(CALL, v("fraud", 0.99), pol(allow=[SPAM], block=["+86170*"])).action is Action.ALLOW
    )
    # a longer blocked prefix beats a shorter allowed one
    d = decide(CALL, None, pol(allow=["+86170*"], block=["+861701234*"]))
    assert d.sip_code == 603
    # the same pattern on both lists: allow (false blocks cost most)
    assert decide(CALL, None, pol(allow=["+86170*"], block=["+86170*"])).action is Action.ALLOW


def test_contacts_override_a_fraud_verdict() -> None:
    d = decide(CALL, v("fraud", 0.99), pol(allow=[SPAM]))
    assert d.action is Action.ALLOW and d.reasons[0].code == "personal_allow"


def test_protection_off_lets_fraud_through() -> None:
    assert decide(CALL, v("fraud", 0.99), pol(Protection.OFF)).action is Action.ALLOW


@pytest.mark.parametrize(
    ("protection", "label", "score", "category", "refused", "action", "sip", "code"),
    [
        (Protection.STANDARD, "fraud", 0.95, "", (), Action.REJECT, 608, "fraud_confident"),
        (Protection.STANDARD, "fraud", 0.7, "", (), Action.LABEL, None, "fraud_suspected"),
        (Protection.STRICT, "fraud", 0.7, "", (), Action.SCREEN, None, "fraud_suspected"),
        (
            Protection.STANDARD,
            "harassment",
            0.95,
            "insurance",
            (),
            Action.LABEL,
            None,
            "harassment_confident",
        ),
        (
            Protection.STANDARD,
            "harassment",
            0.6,
            "insurance",
            (),
            Action.LABEL,
            None,
            "harassment_suspected",
        ),
        (
            Protection.STANDARD,
            "harassment",
            0.6,
            "insurance",
            ("insurance",),
            Action.REJECT,
            608,
            "refused_category",
        ),
        (
            Protection.STANDARD,
            "harassment",
            0.6,
            "loans",
            ("insurance",),
            Action.LABEL,
            None,
            "harassment_suspected",
        ),
        (
            Protection.STRICT,
            "harassment",
            0.85,
            "loans",
            (),
            Action.REJECT,
            608,
            "harassment_confident",
        ),
        (
            Protection.STRICT,
            "harassment",
            0.6,
            "loans",
            (),
            Action.SCREEN,
            None,
            "harassment_suspected",
        ),
        (Protection.STRICT, "harassment", 0.3, "loans", (), Action.ALLOW, None, "below_threshold"),
        (Protection.STANDARD, "benign", 0.99, "courier", (), Action.ALLOW, None, "benign"),
    ],
)
def test_score_bands(
    protection: Protection,
    label: str,
    score: float,
    category: str,
    refused: tuple[str, ...],
    action: Action,
    sip: int | None,
    code: str,
) -> None:
    d = decide(
        CALL, v(label, score, category), pol(protection, refused=refused), redress_base=REDRESS
    )
    assert (d.action, d.sip_code, d.reasons[0].code) == (action, sip, code)
    assert d.logged == (action in (Action.REJECT, Action.SCREEN))
    if sip == 608:
        assert d.redress_uri == REDRESS + SPAM
    else:
        assert d.redress_uri == ""


def test_detector_reasons_follow_the_decision_reason() -> None:
    from callwarden.policy import Reason

    r = Reason("low_answer_rate", {"answer_rate_by_caller_1d": 0.11})
    d = decide(CALL, v("fraud", 0.97, reasons=(r,)))
    assert d.reasons[1] == r and d.reasons[1].evidence == {"answer_rate_by_caller_1d": 0.11}


def test_registered_business_in_scope_is_allowed_outside_scope_is_not() -> None:
    reg = Registry.of([Registration("+86170123*", "顺丰 北京站", "courier", ("+86138",))])
    verdict = v("fraud", 0.99)
    d = decide(CALL, verdict, registry=reg)
    assert d.action is Action.ALLOW and d.reasons[0].code == "registered_business"
    other = Call(SPAM, "+8615900000000")
    assert decide(other, verdict, registry=reg).action is Action.REJECT


def test_appeal_protected_number_is_allowed_at_any_level() -> None:
    verdict = v("fraud", 0.99, protected=True)
    for p in Protection:
        if p is not Protection.OFF:
            d = decide(CALL, verdict, pol(p))
            assert d.action is Action.ALLOW and d.reasons[0].code == "appeal_protected"


def test_community_reports_only_label_even_when_strict_and_refused() -> None:
    verdict = v("harassment", 0.99, "insurance", source="reports")
    d = decide(CALL, verdict, pol(Protection.STRICT, refused=["insurance"]))
    assert d.action is Action.LABEL and d.reasons[0].code == "community_reports"


NUMS = st.from_regex(r"\+86[0-9]{5,11}", fullmatch=True)


@given(st.lists(NUMS, max_size=6), st.lists(NUMS, max_size=6), NUMS)
def test_pattern_match_length_equals_brute_force(
    exact: list[str], prefixes: list[str], number: str
) -> None:
    ps = PatternSet.of(exact + [p[: max(4, len(p) // 2)] + "*" for p in prefixes])
    want = 0
    if number in ps.exact:
        want = len(number) + 1
    else:
        want = max((len(p) for p in ps.prefixes if number.startswith(p)), default=0)
    assert ps.match_length(number) == want


@given(
    st.sampled_from(["benign", "harassment", "fraud"]),
    st.floats(0, 1),
    st.sampled_from(list(Protection)),
    st.booleans(),
)
def test_without_a_personal_block_only_608_rejects_and_never_for_protected(
    label: str, score: float, protection: Protection, protected: bool
) -> None:
    d = decide(CALL, v(label, score, protected=protected), pol(protection))
    if d.action is Action.REJECT:
        assert d.sip_code == 608 and not protected and label != "benign"

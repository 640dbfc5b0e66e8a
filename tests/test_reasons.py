"""The one reason type: every domain's codes render in both languages; stored form round-trips."""

from __future__ import annotations

import pytest

from callwarden.campaigns.records import ReasonCode as CampaignCode
from callwarden.detect.reasons import RuleCode
from callwarden.policy.model import DecisionCode
from callwarden.reasons import Reason, render, render_both
from callwarden.screening.reasons import ReasonCode as ScreeningCode

ALL_CODES = [*RuleCode, *CampaignCode, *ScreeningCode, *DecisionCode]


def test_every_domain_uses_the_shared_type() -> None:
    from callwarden import campaigns, detect, policy, screening

    assert detect.reasons.Reason is Reason
    assert policy.Reason is Reason
    assert screening.reasons.Reason is Reason
    assert campaigns.Reason is Reason


@pytest.mark.parametrize("code", ALL_CODES, ids=str)
def test_every_code_has_words_in_both_languages(code: str) -> None:
    zh, en = render_both(Reason(code, {"challenge": "date", "score": 0.9, "links": 3}))
    assert zh != str(code) and en != str(code)
    assert zh != en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)


def test_model_codes_are_rendered_from_the_feature_family() -> None:
    r = Reason(
        "LOW_ANSWER_RATE", {"answer_rate_by_caller_1d": 0.12, "benign_median": 0.6}, 1.5, "model"
    )
    assert render(r, "en") == "low answer rate (day): 0.12 (benign median 0.6)"
    assert "接通率偏低" in render(r, "zh")


def test_unknown_code_shows_code_and_evidence_and_missing_fields_do_not_raise() -> None:
    assert render(Reason("from_an_old_store", {"n": 1200})) == "from_an_old_store (n=1,200)"
    assert "?" in render(Reason(CampaignCode.ROTATION_POOL, {}), "en")


def test_stored_form_round_trips_and_stays_compact() -> None:
    model = Reason("HIGH_ATTEMPTS", {"attempts_by_caller_1h": 435}, 7.44841, "model")
    assert model.to_dict() == {
        "code": "HIGH_ATTEMPTS",
        "evidence": {"attempts_by_caller_1h": 435},
        "weight": 7.4484,
        "source": "model",
    }
    assert Reason.from_dict(model.to_dict()) == Reason(
        "HIGH_ATTEMPTS", {"attempts_by_caller_1h": 435}, 7.4484, "model"
    )
    plain = Reason(CampaignCode.SHARED_CALLEES, {"links": 4})
    assert plain.to_dict() == {"code": "shared_callees", "evidence": {"links": 4}}
    assert hash(plain) == hash(Reason("shared_callees", {"links": 5}))


def test_a_missing_value_reads_as_a_dash() -> None:
    from callwarden.reasons import fmt

    assert fmt(None) == fmt(float("nan")) == "—"
    assert fmt(0.35443) == "0.3544" and fmt(12345) == "12,345"

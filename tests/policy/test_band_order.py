"""Score bands must be ordered: a label band above a reject band made 'reject fraud at 0.9'
allow a 0.95 fraud as 'below threshold' (PUT /v1/thresholds took label_at 0.97 with
reject_fraud_at 0.9). Community-report categories are the ones callwarden can name: a
reporter's free text must not become the tag shown on other subscribers' phones."""

from __future__ import annotations

import pytest

from callwarden.policy import Tally, Thresholds, Verdict, community_verdict, tag


@pytest.mark.parametrize(
    "bands",
    [
        {"label_at": 0.97, "reject_fraud_at": 0.9, "reject_harassment_at": 0.98},
        {"label_at": 0.85, "reject_fraud_at": 0.9, "reject_harassment_at": 0.8},
    ],
)
def test_a_label_band_above_a_reject_band_is_refused(bands: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="label_at"):
        Thresholds(**bands)


def test_equal_bands_and_every_models_bands_are_ordered() -> None:
    Thresholds(0.9, 0.9, 0.9)  # label and reject at the same score: allowed
    for t in (0.0, 0.2, 0.5, 0.9, 0.98, 0.995, 0.9999, 1.0):
        b = Thresholds.for_model(t)
        assert b.label_at <= b.reject_fraud_at and b.label_at <= b.reject_harassment_at


def test_a_community_label_names_only_a_known_category() -> None:
    crowd = Tally("+8617012345678", weighted=4.0, reporters=12, recipients=12)
    free_text = community_verdict(
        Tally(crowd.number, crowd.weighted, crowd.reporters, crowd.recipients, "Call 400 请回拨"),
        None,
    )
    assert free_text is not None and free_text.category == ""
    assert tag(free_text.label, free_text.category) == ("疑似骚扰电话", "Suspected harassment call")
    known = community_verdict(
        Tally(crowd.number, crowd.weighted, crowd.reporters, crowd.recipients, "loans"), None
    )
    assert known is not None and known.category == "loans"
    assert isinstance(known, Verdict)

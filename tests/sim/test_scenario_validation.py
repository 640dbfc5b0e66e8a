"""Scenario values the simulator cannot run are ConfigErrors naming the key, not tracebacks."""

from __future__ import annotations

import pytest

from callwarden.errors import ConfigError
from callwarden.sim.scenario import scenario_from_dict


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"start_date": "2026-13-40"}, "start_date must be a date"),
        ({"start_date": "tomorrow"}, "start_date must be a date"),
        ({"utc_offset_hours": 20}, "utc_offset_hours must be between"),
        ({"transcript_sample": -1}, "transcript_sample"),
        ({"courier": {"answer": [0.9, 1.5]}}, "courier.answer is a probability"),
        ({"human_seat": {"wash_share": -0.1}}, "human_seat.wash_share is a probability"),
        ({"subscriber": {"callback_missed": 2}}, "subscriber.callback_missed is a probability"),
        (
            {"subscriber": {"answer": 0.9, "busy": 0.2, "reject": 0.2}},
            r"subscriber: answer 0.9 \+ reject 0.2 \+ busy 0.2 exceeds 1",
        ),
        ({"ai_robocall": {"answer": [0.5, 0.8], "reject": [0.1, 0.3]}}, "ai_robocall: answer"),
        ({"subscriber": {"local_share": 0.9, "remote_share": 0.2}}, "local_share"),
        ({"fraud": {"calls_per_day": [-10, -5]}}, "fraud.calls_per_day must not be negative"),
        ({"courier": {"per_million": -1}}, "courier.per_million must not be negative"),
        ({"ai_robocall": {"rotate_every": [0, 5]}}, "rotate_every must be at least 1"),
        ({"fraud": {"long_talk_median_s": float("inf")}}, "must be finite"),
    ],
)
def test_out_of_range_values_are_config_errors(data: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        scenario_from_dict(data)


def test_edge_values_are_accepted() -> None:
    s = scenario_from_dict(
        {
            "utc_offset_hours": -12,
            "courier": {"answer": [0.0, 0.96]},
            "subscriber": {"answer": 0.94, "busy": 0.03, "reject": 0.03},
            "fraud": {"per_million": 0, "minimum": 0},
        }
    )
    assert s.courier.answer == (0.0, 0.96) and s.fraud.minimum == 0

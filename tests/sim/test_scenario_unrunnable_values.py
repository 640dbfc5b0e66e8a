"""Scenario values the simulator cannot run are one ConfigError naming the key (not a
traceback); a business population set to none is absent; a YAML file's own conventions (an
unquoted date, no ``name:``) are read as the user meant them."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.errors import ConfigError
from callwarden.sim import simulate
from callwarden.sim.scenario import load_scenario, scenario_from_dict


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"subscriber": {"block_fill": 0}}, "subscriber.block_fill must be above 0"),
        ({"subscriber": {"idle_share": 1.0}}, "subscriber.idle_share must be below 1"),
        (
            {"ai_robocall": {"attempts_per_day": [0, 0]}},
            "ai_robocall.attempts_per_day must be at least 1",
        ),
        ({"clinic": {"patients": [0, 0]}}, "clinic.patients must be at least 1"),
        ({"school": {"parents": [0, 0]}}, "school.parents must be at least 1"),
        ({"ai_robocall": {"categories": []}}, "ai_robocall.categories must name at least one"),
        ({"human_seat": {"categories": []}}, "human_seat.categories must name at least one"),
        ({"fraud": {"categories": []}}, "fraud.categories must name at least one"),
        ({"ai_robocall": {"categories": ["foo"]}}, "ai_robocall.categories: unknown foo"),
        (
            {"human_seat": {"categories": ["loans", "refund_scam"]}},
            "human_seat.categories: unknown refund_scam",
        ),
        ({"fraud": {"categories": ["insurance"]}}, "fraud.categories: unknown insurance"),
    ],
)
def test_unrunnable_values_are_config_errors(data: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        scenario_from_dict(data)


def test_documented_categories_are_accepted() -> None:
    s = scenario_from_dict(
        {
            "ai_robocall": {"categories": ["loans"]},
            "human_seat": {"categories": ["insurance", "medical"]},
            "fraud": {"categories": ["refund_scam"]},
        }
    )
    assert s.ai_robocall.categories == ("loans",) and s.fraud.categories == ("refund_scam",)


@pytest.mark.parametrize("population", ["courier", "clinic", "school", "sales"])
def test_a_business_population_of_zero_is_absent(population: str) -> None:
    scen = scenario_from_dict({population: {"per_million": 0, "minimum": 0}})
    result = simulate(scen, seed=3, subscribers=1000)
    assert population not in result.manifest["calls_per_population"]
    assert result.cdrs.num_rows > 0
    categories = set(result.labels.column("category").to_pylist())
    assert population not in categories


def test_an_unquoted_yaml_date_is_a_start_date(tmp_path: Path) -> None:
    path = tmp_path / "later.yaml"
    path.write_text("name: later\nstart_date: 2026-11-03\n", encoding="utf-8")
    assert load_scenario(path).start_date == "2026-11-03"


def test_a_file_without_a_name_is_named_for_the_file(tmp_path: Path) -> None:
    path = tmp_path / "my.yaml"
    path.write_text("description: a world of my own\n", encoding="utf-8")
    assert load_scenario(path).name == "my"
    named = tmp_path / "other.yaml"
    named.write_text("name: mine\n", encoding="utf-8")
    assert load_scenario(named).name == "mine"
    assert load_scenario("quiet").name == "quiet"

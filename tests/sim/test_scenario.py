"""Scenario files: shipped ones load, mistakes are ConfigErrors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from callwarden.errors import ConfigError, InputError
from callwarden.sim import load_scenario, simulate
from callwarden.sim.scenario import SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_load(name: str) -> None:
    s = load_scenario(name)
    assert s.name == name


def test_adaptive_is_evasive() -> None:
    a, d = load_scenario("article"), load_scenario("adaptive")
    assert d.ai_robocall.rotate_every[1] < a.ai_robocall.rotate_every[0] + 5
    assert d.ai_robocall.mixed_benign > 0 and d.ai_robocall.pacing == "human"
    assert load_scenario("quiet").ai_robocall.per_million == 0


def test_yaml_file_overrides(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: mine\nfraud: {calls_per_day: [10, 20]}\n", encoding="utf-8")
    s = load_scenario(str(path))
    assert s.name == "mine" and s.fraud.calls_per_day == (10.0, 20.0)
    assert s.courier == load_scenario("article").courier


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("courier: {calls_per_dya: 5}", "courier.calls_per_dya"),
        ("courier: {answer: high}", "courier.answer"),
        ("fraud: {calls_per_day: [300, 30]}", "fraud.calls_per_day"),
        ("ai_robocall: {pacing: sleepy}", "pacing"),
        ("- a list", "mapping"),
        ("subscribers: 10", "subscribers"),
    ],
)
def test_bad_scenarios_name_the_problem(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.")):
        load_scenario(str(path))


def test_missing_scenario() -> None:
    with pytest.raises(ConfigError, match="no scenario named"):
        load_scenario("does-not-exist")


def test_bad_arguments() -> None:
    with pytest.raises(InputError):
        simulate("quiet", seed=1, days=0, subscribers=5000)
    with pytest.raises(InputError):
        simulate("quiet", seed=1, subscribers=10)


def test_public_names() -> None:
    import callwarden.sim as sim

    assert sorted(sim.__all__) == [
        "Scenario",
        "SimResult",
        "load_scenario",
        "simulate",
        "write_sim",
    ]

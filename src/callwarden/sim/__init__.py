"""sim: the traffic simulator (ordinary subscribers, legitimate heavy callers, harassment and
fraud operations); seeded; writes CDRs, labels, transcripts and the truth per call.

>>> from callwarden.sim import simulate, write_sim
>>> result = simulate("article", seed=1, subscribers=20_000)  # doctest: +SKIP
>>> write_sim(result, "out/")  # doctest: +SKIP
"""

from __future__ import annotations

from callwarden.sim.engine import SimResult, simulate
from callwarden.sim.io import write_sim
from callwarden.sim.scenario import Scenario, load_scenario

__all__ = ["Scenario", "SimResult", "load_scenario", "simulate", "write_sim"]

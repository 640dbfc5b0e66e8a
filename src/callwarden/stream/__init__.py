"""Real-time decisions: bounded incremental state per number and ingress, the engine, decide.

Pure: Arrow tables and NumPy arrays in, verdicts and decisions out (``docs/streaming.md``).
"""

from callwarden.stream.calls import Calls, Interner, calls_from_arrow
from callwarden.stream.engine import (
    ACTIONS,
    BatchDecisions,
    EngineConfig,
    Source,
    StreamEngine,
    policy_thresholds,
)
from callwarden.stream.features import APPROXIMATED, feature_matrix
from callwarden.stream.scorer import Scorer, ScorerConfig
from callwarden.stream.state import StateConfig, StreamState

__all__ = [
    "ACTIONS",
    "APPROXIMATED",
    "BatchDecisions",
    "Calls",
    "EngineConfig",
    "Interner",
    "Scorer",
    "ScorerConfig",
    "Source",
    "StateConfig",
    "StreamEngine",
    "StreamState",
    "calls_from_arrow",
    "feature_matrix",
    "policy_thresholds",
]

"""Number intelligence: E.164 normalisation, classes, 归属地 and carrier, allocation registry.

Scalar functions serve the per-call path; the ``*_array`` twins work on Arrow columns and
touch each distinct value once. Numbers are E.164 strings; service and short numbers are the
country code plus their digits (``+8695588``, ``+86110``).
"""

from __future__ import annotations

from ._classes import NumberClass, NumberInfo
from ._describe import classify, classify_array, describe, describe_array
from ._normalize import PREFIX_DIGITS, normalize, normalize_array, normalize_prefix
from ._plan import NumberingPlan, plan_for
from .registry import AllocationRegistry

__all__ = [
    "PREFIX_DIGITS",
    "AllocationRegistry",
    "NumberClass",
    "NumberInfo",
    "NumberingPlan",
    "classify",
    "classify_array",
    "describe",
    "describe_array",
    "normalize",
    "normalize_array",
    "normalize_prefix",
    "plan_for",
]

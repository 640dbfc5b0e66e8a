"""Fixtures for the detection tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

_BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="session")
def sichuan_variants() -> ModuleType:
    """bench/sichuan_variants.py as a module (its variants are tested, not run in full)."""
    spec = importlib.util.spec_from_file_location(
        "sichuan_variants", _BENCH / "sichuan_variants.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod

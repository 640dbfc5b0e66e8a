"""The pure core imports no I/O edge (house style: files, sockets and databases live at the edges)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "callwarden"
CORE = ("features", "detect", "campaigns", "screening", "policy", "stream")
EDGE_MODULES = (
    "callwarden.store",
    "callwarden.api",
    "callwarden.cli",
    "sqlalchemy",
    "fastapi",
    "uvicorn",
    "httpx",
    "requests",
    "socket",
    "redis",
    "psycopg",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", CORE)
def test_core_imports_no_edge(package: str) -> None:
    for path in (SRC / package).rglob("*.py"):
        bad = {
            n for n in _imports(path) if any(n == e or n.startswith(e + ".") for e in EDGE_MODULES)
        }
        assert not bad, f"{path.relative_to(SRC)} imports edge modules {sorted(bad)}"


def test_error_tree_is_rooted() -> None:
    from callwarden import CallwardenError, ConfigError, InputError, ModelError

    for err in (ConfigError, InputError, ModelError):
        assert issubclass(err, CallwardenError)
        assert 400 <= err.status_hint < 500

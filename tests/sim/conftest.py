"""Small simulator runs shared by the sim tests (one per xdist worker, a few seconds each)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from callwarden.sim import SimResult, simulate, write_sim

SUBS = 20_000


@pytest.fixture(scope="session")
def article() -> SimResult:
    return simulate("article", seed=7, subscribers=SUBS)


@pytest.fixture(scope="session")
def article_dir(article: SimResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sim(article, tmp_path_factory.mktemp("article"))


@pytest.fixture(scope="session")
def adaptive() -> SimResult:
    return simulate("adaptive", seed=7, subscribers=SUBS)


@pytest.fixture(scope="session")
def quiet() -> SimResult:
    return simulate("quiet", seed=7, subscribers=SUBS)


def joined(result: SimResult) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with views ``c`` (CDRs joined with their truth), ``l`` (labels)
    and ``r`` (registry)."""
    con = duckdb.connect()
    con.register("cdrs", result.cdrs)
    con.register("truth", result.call_truth)
    con.register("l", result.labels)
    con.register("r", result.registry)
    con.execute("create view c as select * from cdrs join truth using (call_id)")
    return con

"""The Spark dialect's feature queries parse as Spark SQL (sqlglot's Spark grammar: no Spark
runtime here, so this checks the spelling, not the results).

DuckDB runs its own dialect in every other feature test; Spark's only ever got string checks,
and those let ``//`` (DuckDB's integer division, not Spark's) through until INT_DIV.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from callwarden.features.dialect import SPARK
from callwarden.features.sql import AsOf, build_query
from callwarden.features.staged import build_staged

sqlglot = pytest.importorskip("sqlglot", reason="sqlglot (a dev dependency) parses the Spark SQL")

ALL_COLUMNS = {
    "start_time", "caller", "callee", "duration_s", "answered", "ring_s", "release_cause",
    "ingress", "asserted_caller", "attestation", "caller_region", "imei",
}  # fmt: skip

VARIANTS = {
    "plain": {},
    "history off": {"with_history": False},
    "cascade": {"min_attempts": 5, "caller_facts": "facts", "home_regions": "regions"},
    "keyed look-ups": {"caller_facts": "facts", "home_regions": "regions", "keyed": True},
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_spark_query_parses_as_spark_sql(variant: str) -> None:
    sql = build_query(
        "cdr", AsOf("2026-11-28"), present_columns=ALL_COLUMNS, dialect=SPARK, **VARIANTS[variant]
    )
    sqlglot.parse_one(sql, read="spark")  # raises ParseError on anything Spark cannot read


def test_the_parse_check_catches_duckdb_integer_division() -> None:
    """The check above can fail: the same Spark query with DuckDB's ``//`` does not parse."""
    sql = build_query("cdr", AsOf("2026-11-28"), present_columns=ALL_COLUMNS, dialect=SPARK)
    assert " div " in sql and "//" not in sql
    with pytest.raises(sqlglot.errors.ParseError):
        sqlglot.parse_one(sql.replace(" div ", " // "), read="spark")


@pytest.mark.parametrize("variant", VARIANTS)
def test_spark_query_has_no_duckdb_only_spelling(variant: str) -> None:
    """What sqlglot lets through but Spark 3.5 refuses or reads otherwise (checked once on a
    real Spark: every variant then gave DuckDB's values in an Asia/Shanghai session):
    ``CAST(x AS VARCHAR)`` (DATATYPE_MISSING_SIZE: Spark's VARCHAR needs a length) and a bare
    ``TIMESTAMP '...'`` (read in the session's time zone, which shifted every window by it)."""
    sql = build_query(
        "cdr", AsOf("2026-11-28"), present_columns=ALL_COLUMNS, dialect=SPARK, **VARIANTS[variant]
    )
    assert "VARCHAR" not in sql and "AS STRING)" in sql
    literals = re.findall(r"TIMESTAMP '([^']*)'", sql)
    assert literals and all(lit.endswith("+00:00") for lit in literals)
    assert "TIMESTAMP '2026-11-27 16:00:00+00:00'" in sql  # the local day's start, in UTC
    # a decimal literal divisor makes Spark's result a DECIMAL (maturity_days came back as
    # decimal(18,7)); DuckDB's is a DOUBLE either way
    assert not re.search(r"/\s*\d+\.\d+", sql)


def test_staged_statements_are_spelt_for_spark() -> None:
    staged = build_staged(
        "cdr", AsOf("2026-11-28"), present_columns=ALL_COLUMNS, min_attempts=5, dialect=SPARK
    )
    for sql in dataclasses.astuple(staged):
        assert "VARCHAR" not in sql
        sqlglot.parse_one(sql, read="spark")

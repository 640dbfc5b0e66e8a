"""CDRs that carry the integer number keys give the same features as the string path."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from callwarden.cdr.canonical import with_number_keys
from callwarden.features.dialect import SPARK
from callwarden.features.duckdb_backend import (
    compute_features,
    connection,
    has_number_keys,
    keyed_lookups,
    register_caller_facts,
    register_home_regions,
    register_number_facts,
)
from callwarden.features.sql import AsOf, build_query
from tests.features.conftest import DAY
from tests.features.test_reference import random_day

# Numbers of several lengths share 9-digit prefixes, so which number represents a prefix
# (the lexicographically first, as MIN over strings: +8613800001234 before +86138000090,
# though not the smallest integer) decides its province below.
_POOL = [
    "+8613800001234", "+86138000090", "+8613800009999", "+861380001", "+8613900000000",
    "+86139000000", "+8695588", "+86110", "+861062345678", "+86106234567", "+442071838750",
    "+12025550143",
]  # fmt: skip


def _cdrs(seed: int) -> pa.Table:
    """Two days of random calls among ``_POOL`` (so the 7-day features see history)."""
    rng = np.random.default_rng(seed)
    parts = []
    for shift_days, n in ((0, 1500), (1, 900)):
        t = random_day(seed + 10 * shift_days, n)
        pool = np.array(_POOL)
        t = t.set_column(1, "caller", pa.array(pool[rng.integers(0, len(pool), n)]))
        t = t.set_column(2, "callee", pa.array(pool[rng.integers(0, len(pool), n)]))
        shift = pa.scalar(86_400_000_000 * shift_days, pa.duration("us"))
        parts.append(t.set_column(0, "start_time", pc.subtract(t["start_time"], shift)))
    return pa.concat_tables(parts)


def _is_unallocated(numbers: pa.Array) -> np.ndarray:
    """A stand-in registry that answers strings or integer keys alike: even last digit."""
    text = pc.cast(numbers, pa.string()).to_pylist()
    return np.array([not (n is not None and int(n[-1]) % 2 == 1) for n in text])


def _province_of(numbers: pa.Array) -> pa.Array:
    """Depends on the representative number's length, not only on its prefix (the CDRs'
    ``caller_region`` is one of these two, so the region mismatch feature shows it)."""
    return pa.array(["湖南省" if len(n) % 3 == 0 else "广东省" for n in numbers.to_pylist()])


def _features(table: pa.Table, min_attempts: int) -> tuple[pa.Table, bool]:
    with connection(threads=2) as con:
        con.register("cdr", table)
        as_of = AsOf(DAY) if min_attempts else None
        facts, regions = register_number_facts(con, "cdr", _is_unallocated, _province_of, as_of)
        out = compute_features(
            con, "cdr", AsOf(DAY), caller_facts=facts, home_regions=regions,
            min_attempts=min_attempts,
        )  # fmt: skip
        return out, keyed_lookups(con, "cdr", facts, regions)


@pytest.mark.parametrize(("seed", "min_attempts"), [(0, 0), (1, 5), (2, 30)])
def test_keyed_cdrs_give_the_same_rows(seed: int, min_attempts: int) -> None:
    table = _cdrs(seed)
    plain, keyed_plain = _features(table, min_attempts)
    keyed, keyed_keyed = _features(with_number_keys(table), min_attempts)
    assert (keyed_plain, keyed_keyed) == (False, True)
    assert keyed.equals(plain)
    unallocated = plain["unallocated_by_caller_1d"].to_pylist()
    assert set(unallocated) == {0, 1}  # the registry answered in both paths


def test_a_row_without_keys_falls_back_to_the_strings() -> None:
    table = with_number_keys(_cdrs(3))
    keys = table["callee_key"].to_pylist()
    keys[7] = None  # e.g. an older file in the same folder
    holed = table.set_column(table.column_names.index("callee_key"), "callee_key", pa.array(keys))
    with connection(threads=1) as con:
        con.register("cdr", holed)
        assert not has_number_keys(con, "cdr")
    got, keyed = _features(holed, 5)
    want, _ = _features(_cdrs(3), 5)
    assert not keyed and got.equals(want)


def test_string_lookups_keep_the_string_path() -> None:
    """Look-ups registered from strings (another caller's API) still join as before."""
    table = _cdrs(4)

    def run(t: pa.Table) -> tuple[pa.Table, bool]:
        with connection(threads=1) as con:
            con.register("cdr", t)
            facts = register_caller_facts(con, "cdr", _is_unallocated)
            regions = register_home_regions(con, "cdr", _province_of)
            out = compute_features(con, "cdr", AsOf(DAY), caller_facts=facts, home_regions=regions)
            return out, keyed_lookups(con, "cdr", facts, regions)

    (got, keyed), (want, _) = run(with_number_keys(table)), run(table)
    assert not keyed and got.equals(want)


def test_keyed_lookups_need_keyed_cdrs() -> None:
    with connection(threads=1) as con:
        con.register("cdr", _cdrs(5))
        con.register("facts", pa.table({"number_key": [1], "unallocated": [0]}))
        with pytest.raises(ValueError, match="number keys"):
            keyed_lookups(con, "cdr", "facts", None)


def test_keyed_query_compiles_for_spark() -> None:
    sql = build_query(
        "cdr", AsOf(DAY), present_columns={"start_time", "caller", "callee", "duration_s"},
        caller_facts="facts", home_regions="regions", dialect=SPARK, keyed=True,
    )  # fmt: skip
    assert "caller_key AS caller" in sql and "SUBSTR(caller_s" not in sql
    assert "SUBSTR(number" not in sql

"""Scan's activity cascade: the scored callers' features equal the full query's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from callwarden.features.definitions import FEATURE_NAMES, FEATURES
from callwarden.features.duckdb_backend import (
    _by_number,
    _cascade,
    columns_of,
    compute_features,
    connection,
)
from callwarden.features.sql import AsOf, build_query, history_twins
from callwarden.features.staged import build_staged
from tests.features.conftest import DAY
from tests.features.test_reference import random_day


def _two_days(seed: int) -> pa.Table:
    """A random day and a random day before it (so 7-day features differ from 1-day ones)."""
    today, before = random_day(seed, 2000), random_day(seed + 100, 1500)
    shifted = pc.subtract(before["start_time"], pa.scalar(86_400_000_000, pa.duration("us")))
    return pa.concat_tables([today, before.set_column(0, "start_time", shifted)])


def _register(con: Any, table: pa.Table) -> None:
    """The CDRs as ``cdr`` and registry facts as ``facts`` (every 7th number unallocated)."""
    numbers = sorted(set(table["caller"].to_pylist()) | set(table["callee"].to_pylist()))
    facts = pa.table(
        {"number": numbers, "unallocated": [int(i % 7 == 0) for i in range(len(numbers))]}
    )
    con.register("cdr", table)
    con.register("facts", facts)


def _features(table: pa.Table, min_attempts: int) -> pa.Table:
    with connection(threads=2) as con:
        _register(con, table)
        return compute_features(
            con, "cdr", AsOf(DAY), caller_facts="facts", min_attempts=min_attempts
        )


@pytest.mark.parametrize("seed", [0, 1])
def test_scored_rows_equal_the_full_query(seed: int) -> None:
    table = _two_days(seed)
    full, cas = _features(table, 0), _features(table, 17)
    assert "scored" not in full.column_names and cas.column_names[-1] == "scored"
    # Scored rows first, each part in number order: align with the full query's rows.
    scored = cas["scored"].to_numpy(zero_copy_only=False).astype(bool)
    assert not (~scored[:-1] & scored[1:]).any()
    at = {n: i for i, n in enumerate(cas["number"].to_pylist())}
    cas = cas.take(pa.array([at[n] for n in full["number"].to_pylist()]))
    assert full["number"].equals(cas["number"])
    scored = cas["scored"].to_numpy(zero_copy_only=False).astype(bool)
    attempts = full["attempts_by_caller_1d"].to_numpy()
    window = full["attempts_by_caller_7d"].to_numpy()
    unalloc = full["unallocated_by_caller_1d"].to_numpy()
    # Scored: enough calls in the 7-day window the features read (the day's count is part
    # of it), or an unallocated number; all kinds occur here.
    np.testing.assert_array_equal(scored, (window >= 17) | (unalloc == 1))
    assert 0 < scored.sum() < len(scored) and ((window < 17) & scored).any()
    assert ((attempts < 17) & (window >= 17) & (unalloc != 1) & scored).any()
    for name in FEATURE_NAMES:
        a = full[name].to_numpy(zero_copy_only=False).astype(float)
        b = cas[name].to_numpy(zero_copy_only=False).astype(float)
        np.testing.assert_array_equal(a[scored], b[scored], err_msg=name)
        if name in ("attempts_by_caller_1d", "unallocated_by_caller_1d"):
            np.testing.assert_array_equal(a, b, err_msg=name)  # the hard rules' inputs
        elif name == "answer_rate_by_caller_1d":
            assert np.isnan(b[~scored]).all()


def test_staged_statements_equal_the_single_cascade_query() -> None:
    """DuckDB runs the cascade as ``build_staged``'s statements; Spark can run the one query."""
    from callwarden.features.duckdb_backend import columns_of
    from callwarden.features.sql import build_query

    table = _two_days(2)
    staged = _features(table, 17)
    with connection(threads=2) as con:
        _register(con, table)
        sql = build_query(
            "cdr", AsOf(DAY), present_columns=columns_of(con, "cdr"), caller_facts="facts",
            min_attempts=17,
        )  # fmt: skip
        single = con.sql(sql).to_arrow_table()
    at = {n: i for i, n in enumerate(single["number"].to_pylist())}
    single = single.take(pa.array([at[n] for n in staged["number"].to_pylist()]))
    scored = staged["scored"].to_numpy(zero_copy_only=False).astype(bool)
    assert single["scored"].equals(staged["scored"])
    for name in FEATURE_NAMES:
        a = single[name].to_numpy(zero_copy_only=False).astype(float)
        b = staged[name].to_numpy(zero_copy_only=False).astype(float)
        np.testing.assert_array_equal(a[scored], b[scored], err_msg=name)
    for name in ("attempts_by_caller_1d", "unallocated_by_caller_1d"):
        assert single[name].equals(staged[name]), name


def _same_rows(a: pa.Table, b: pa.Table) -> None:
    """Equal tables, NaN equal to NaN."""
    assert a.schema.equals(b.schema) and a["number"].equals(b["number"])
    for name in a.column_names:
        x = a[name].to_numpy(zero_copy_only=False)
        y = b[name].to_numpy(zero_copy_only=False)
        if x.dtype.kind == "f":
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            assert a[name].equals(b[name]), name


@pytest.mark.parametrize("inflate", [False, True])
def test_day_calls_flag_reads_the_same_calls(inflate: bool) -> None:
    """With the day's calls counted in ``caller_facts`` the scored callers' calls are read
    through the per-call ``act`` flag, not copied: the same rows. The flag may over-select
    (the count is an upper bound, and history-only unallocated numbers get it): inflated
    counts must not change a value either."""
    from callwarden.features.duckdb_backend import register_number_facts
    from callwarden.features.sql import day_calls_column, window_calls_column

    table, col = _two_days(3), day_calls_column(AsOf(DAY))
    wcol = window_calls_column(AsOf(DAY))
    with connection(threads=2) as con:
        _register(con, table)
        unalloc = {
            r[0] for r in con.sql("SELECT number FROM facts WHERE unallocated = 1").fetchall()
        }

        def is_unallocated(numbers: pa.Array) -> np.ndarray:
            return np.array([n in unalloc for n in numbers.to_pylist()])

        facts, regions = register_number_facts(
            con, "cdr", is_unallocated, lambda a: pa.nulls(len(a), pa.string()), AsOf(DAY)
        )
        assert facts is not None and {col, wcol} <= set(con.sql(f"SELECT * FROM {facts}").columns)
        if inflate:  # every third number counted as busy
            con.execute(
                f"CREATE TABLE facts_x AS SELECT number, unallocated, {col}, {wcol} + "
                f"CASE WHEN hash(number) % 3 = 0 THEN 100 ELSE 0 END AS {wcol} FROM {facts}"
            )
            facts = "facts_x"
        con.execute(f"CREATE VIEW facts_plain AS SELECT number, unallocated FROM {facts}")
        out = [
            compute_features(
                con, "cdr", AsOf(DAY), caller_facts=f, home_regions=regions, min_attempts=17
            )
            for f in ("facts_plain", facts)
        ]
    scored = out[0]["scored"].to_numpy(zero_copy_only=False)
    assert 0 < scored.sum() < len(scored)
    _same_rows(*out)


def test_unordered_cascade_has_the_same_rows_scored_first() -> None:
    """``ordered=False`` (scan) skips only the sort, and keeps ``number_key`` for the
    caller to sort by: scored rows still come first."""
    table = _two_days(2)
    with connection(threads=2) as con:
        _register(con, table)
        ordered = compute_features(con, "cdr", AsOf(DAY), caller_facts="facts", min_attempts=17)
        loose = compute_features(
            con, "cdr", AsOf(DAY), caller_facts="facts", min_attempts=17, ordered=False
        )
    scored = loose["scored"].to_numpy(zero_copy_only=False).astype(bool)
    assert not (~scored[:-1] & scored[1:]).any()
    n = int(scored.sum())
    assert loose.column_names == ordered.column_names + ["number_key"]
    for lo, hi in ((0, n), (n, len(scored))):
        part = loose.slice(lo, hi - lo)
        keys = pc.cast(pc.utf8_slice_codeunits(part["number"], 1), pa.int64()).to_numpy()
        assert (part["number_key"].to_numpy() == keys).all()
        part = part.drop_columns(["number_key"])
        assert part.take(pa.array(np.argsort(keys))).equals(ordered.slice(lo, hi - lo))


@pytest.mark.parametrize("min_attempts", [0, 17])
def test_one_day_twins_are_put_back_as_the_engines_own_columns(min_attempts: int) -> None:
    """Without history the engine leaves the 7-day twins of 1-day features out
    (``omit_twins``); ``compute_features`` gives the same table as the query that computes
    them all."""
    table = random_day(3, 2000)
    twins = history_twins(FEATURES, with_history=False)
    assert len(twins) >= 30 and history_twins(FEATURES, with_history=True) == {}
    assert "maturity_days_by_caller_7d" not in twins
    assert twins["calls_per_callee_by_caller_7d"] == "calls_per_callee_by_caller_1d"
    got = _features(table, min_attempts)
    with connection(threads=2) as con:
        _register(con, table)
        cols = columns_of(con, "cdr")
        if min_attempts:
            q = build_staged("cdr", AsOf(DAY), present_columns=cols, min_attempts=min_attempts,
                             caller_facts="facts", with_history=False)  # fmt: skip
            want = _cascade(con, q)
        else:
            sql = build_query("cdr", AsOf(DAY), present_columns=cols, caller_facts="facts",
                              with_history=False)  # fmt: skip
            want = _by_number(con.sql(sql).to_arrow_table())
    assert got.equals(want)
    # (The cascade's unscored rows carry only what the rules read: their twins are NULL.)
    n = int(pc.sum(got["scored"]).as_py()) if min_attempts else got.num_rows
    for name, twin in twins.items():
        assert got[name].slice(0, n).equals(got[twin].slice(0, n))


def _busy_yesterday() -> pa.Table:
    """A robocaller with 40 calls on the day before the as-of day and 1 on it, a quiet
    number with 1 call each day, and a busy number of the day (6 calls)."""
    from tests.features.conftest import cdrs

    rows: list[dict[str, object]] = []
    robo, quiet, busy = "+8613800000001", "+8613900000002", "+8613700000003"
    for i in range(40):
        rows.append({"t": -86_400 + 600 * i, "caller": robo, "callee": f"+86150{i:08d}"})
    rows.append({"t": 3_600, "caller": robo, "callee": "+8615099999999"})
    rows += [{"t": t, "caller": quiet, "callee": "+8615188888888"} for t in (-43_200, 7_200)]
    rows += [{"t": 9_000 + 60 * i, "caller": busy, "callee": f"+86152{i:08d}"} for i in range(6)]
    return cdrs(rows)


@pytest.mark.parametrize("keyed", [False, True])
def test_a_number_busy_on_earlier_days_is_scored(keyed: bool) -> None:
    """The cascade counts the calls of the window the features read, not only the day's: a
    number with 40 calls yesterday and 1 today is scored (its 7-day features are what flag
    it), by the staged statements (with the look-ups' counts, string or keyed) and by the
    single statement alike; a number quiet on both days is not."""
    from callwarden.cdr.canonical import with_number_keys
    from callwarden.features.duckdb_backend import register_number_facts

    table = _busy_yesterday()
    if keyed:
        table = with_number_keys(table)
    want = {"+8613800000001": True, "+8613900000002": False, "+8613700000003": True}
    with connection(threads=1) as con:
        con.register("cdr", table)
        facts, regions = register_number_facts(
            con, "cdr", lambda a: np.zeros(len(a), dtype=bool),
            lambda a: pa.nulls(len(a), pa.string()), AsOf(DAY),
        )  # fmt: skip
        staged = compute_features(
            con, "cdr", AsOf(DAY), caller_facts=facts, home_regions=regions, min_attempts=5
        )
        plain = compute_features(con, "cdr", AsOf(DAY), min_attempts=5)  # no look-up counts
        sql = build_query("cdr", AsOf(DAY), present_columns=columns_of(con, "cdr"), min_attempts=5)
        single = con.sql(sql).to_arrow_table()
    for t in (staged, plain, single):
        got = dict(zip(t["number"].to_pylist(), t["scored"].to_pylist(), strict=True))
        assert got == want
    row = staged["number"].to_pylist().index("+8613800000001")
    assert staged["attempts_by_caller_1d"][row].as_py() == 1
    assert staged["attempts_by_caller_7d"][row].as_py() == 41

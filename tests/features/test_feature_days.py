"""A day given twice is built once (audit B: train --day D --day D trained on every row of D
twice, 8,640 rows for 4,320 numbers, each weighing double)."""

from __future__ import annotations

from callwarden.features.duckdb_backend import connection, feature_days
from tests.features.conftest import DAY, cdrs


def test_a_repeated_day_gives_its_rows_once() -> None:
    calls = cdrs([{"t": 60.0 * i, "caller": "+8613800138000", "callee": f"+861390000{i:04d}"}
                  for i in range(6)])  # fmt: skip
    with connection() as con:
        con.register("c", calls)
        once = feature_days(con, "c", [DAY])
        twice = feature_days(con, "c", [DAY, DAY])
    assert twice.num_rows == once.num_rows == 1 and twice.equals(once)

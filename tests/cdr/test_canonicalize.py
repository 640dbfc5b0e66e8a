"""The pure core on in-memory batches (what the stream and replay code reuse)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callwarden.cdr import Reason, canonicalize
from callwarden.cdr.schema import CANONICAL_SCHEMA
from callwarden.errors import InputError


def _table(**cols: list[object]) -> pa.Table:
    return pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})


def test_schema_order_types_and_extras() -> None:
    t = _table(
        start_time=["2026-11-28 09:00:00"],
        caller=["13800138000"],
        callee=["95588"],
        duration_s=["3"],
        trunk_note=["x"],
    )
    result = canonicalize(t)
    names = result.table.column_names
    assert names[: len(CANONICAL_SCHEMA)] == CANONICAL_SCHEMA.names and names[-1] == "trunk_note"
    assert result.table.schema.field("start_time").type == pa.timestamp("us", tz="UTC")
    assert result.table.schema.field("release_cause").type == pa.int16()
    row = result.table.to_pylist()[0]
    assert row["start_time"] == datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert row["answered"] is True and row["callee"] == "+8695588"


def test_time_shapes_and_time_zone() -> None:
    t = _table(
        start_time=[
            "2026-11-28T09:00:00+08:00",
            "2026-11-28 01:00:00Z",
            "2026-11-28 09:00:00",
            "1795741200",
            "2026-11-28T09:00:00.250+08:00",
            "2026/11/28 09:00:00",
        ],
        caller=["13800138000"] * 6,
        callee=["13900139000"] * 6,
        duration_s=["1", "2", "3", "4", "5", "6"],
    )
    got = [r["start_time"] for r in canonicalize(t).table.to_pylist()]
    one_am = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert got[:3] == [one_am] * 3
    assert got[3] == datetime.fromtimestamp(1795741200, UTC)
    assert got[4] == datetime(2026, 11, 28, 1, 0, 0, 250000, tzinfo=UTC)
    assert got[5] == one_am
    utc = canonicalize(t, tz="UTC").table.to_pylist()
    assert utc[2]["start_time"] == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # local = UTC now
    assert utc[0]["start_time"] == one_am  # an explicit offset wins over --tz


def test_optional_fields_are_nulled_not_quarantined() -> None:
    t = _table(
        start_time=["2026-11-28 09:00:00"] * 3,
        caller=["13800138000"] * 3,
        callee=["95588"] * 3,
        duration_s=["0", "5", "7"],
        ring_s=["3", "-1", "abc"],
        release_cause=["16", "999", "x"],
        attestation=["a", "Z", ""],
        answered=["maybe", "yes", "0"],
        asserted_caller=["13800138000", "junk", ""],
    )
    result = canonicalize(t)
    assert result.quarantine.num_rows == 0
    rows = result.table.to_pylist()
    assert [r["ring_s"] for r in rows] == [3.0, None, None]
    assert [r["release_cause"] for r in rows] == [16, None, None]
    assert [r["attestation"] for r in rows] == ["A", None, None]
    assert [r["answered"] for r in rows] == [False, True, False]  # unreadable -> duration > 0
    assert [r["asserted_caller"] for r in rows] == ["+8613800138000", None, None]
    assert result.nulled == {
        "ring_s": 2,
        "release_cause": 2,
        "attestation": 1,
        "answered": 1,
        "asserted_caller": 1,
    }


def test_given_call_id_is_kept_and_derived_id_is_spelling_independent() -> None:
    t = _table(
        start_time=["2026-11-28 09:00:00", "2026-11-28T01:00:00Z", "2026-11-28 09:00:00"],
        caller=["13800138000", "+86 138 0013 8000", "13800138000"],
        callee=["010-62345678", "+861062345678", "010-62345678"],
        duration_s=["30", "30.0", "30"],
        call_id=["", "", "switch-42"],
    )
    ids = canonicalize(t).table["call_id"].to_pylist()
    assert ids[0] == ids[1] and len(ids[0]) == 16
    assert ids[2] == "switch-42"


def test_quarantine_reports_row_reason_detail_and_precedence() -> None:
    t = _table(
        start_time=["bad", "2026-11-28 09:00:00", "bad"],
        caller=["13800138000", "nope", "nope"],
        callee=["95588", "95588", "95588"],
        duration_s=["1", "1", "-1"],
    )
    result = canonicalize(t)
    assert result.quarantine.to_pylist() == [
        {"row": 0, "reason": "bad_start_time", "detail": "bad"},
        {"row": 1, "reason": "invalid_caller", "detail": "nope"},
        {"row": 2, "reason": "bad_start_time", "detail": "bad"},  # the first reason wins
    ]
    assert result.reasons() == {"bad_start_time": 2, "invalid_caller": 1}
    assert result.table.num_rows == 0
    assert {r.value for r in Reason} >= set(result.reasons())
    kept, quarantine = canonicalize(t)  # unpacks like a pair too
    assert kept.num_rows == 0 and quarantine.num_rows == 3


def test_missing_required_column_names_it() -> None:
    with pytest.raises(InputError, match="'duration_s'.*--mapping"):
        canonicalize(_table(start_time=["x"], caller=["1"], callee=["2"]))


def test_typed_columns_from_parquet_like_input() -> None:
    t = pa.table(
        {
            "start_time": pa.array(
                [datetime(2026, 11, 28, 9, 0)], pa.timestamp("s")
            ),  # naive -> tz
            "caller": ["13800138000"],
            "callee": ["95588"],
            "duration_s": pa.array([12], pa.int32()),
            "answered": pa.array([True]),
        }
    )
    row = canonicalize(t).table.to_pylist()[0]
    assert row["start_time"] == datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    assert row["duration_s"] == 12.0 and row["answered"] is True


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)),
            st.integers(0, 99_999_999),
            st.sampled_from(["95588", "010-62345678", "13900139000", "4008123123"]),
            st.integers(0, 7200),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_valid_rows_always_survive(rows: list[tuple[datetime, int, str, int]]) -> None:
    t = _table(
        start_time=[r[0].strftime("%Y-%m-%d %H:%M:%S") for r in rows],
        caller=[f"138{r[1]:08d}" for r in rows],
        callee=[r[2] for r in rows],
        duration_s=[str(r[3]) for r in rows],
    )
    result = canonicalize(t, tz="UTC")
    assert result.quarantine.num_rows == 0
    out = result.table.to_pylist()
    assert [o["caller"] for o in out] == [f"+86138{r[1]:08d}" for r in rows]
    assert [o["start_time"].replace(tzinfo=None) for o in out] == [
        r[0].replace(microsecond=0) for r in rows
    ]
    assert [o["answered"] for o in out] == [r[3] > 0 for r in rows]


def test_other_region_and_daylight_saving_zone() -> None:
    t = _table(
        start_time=["2026-11-01 01:30:00", "2026-03-08 02:30:00"],  # ambiguous; skipped (DST)
        caller=["(212) 555-0147", "212-555-0147"],
        callee=["+86 138 0013 8000", "011 86 138 0013 8000"],
        duration_s=["5", "6"],
    )
    result = canonicalize(t, tz="America/New_York", region="US")
    assert result.quarantine.num_rows == 0
    rows = result.table.to_pylist()
    assert [r["caller"] for r in rows] == ["+12125550147"] * 2
    assert [r["callee"] for r in rows] == ["+8613800138000"] * 2
    # An ambiguous local time takes the earlier instant (EDT, UTC-4); one in the
    # spring-forward gap takes the first instant after the gap (03:00 EDT).
    assert rows[0]["start_time"] == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert rows[1]["start_time"] == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_number_keys_are_the_digits_of_e164_numbers_only() -> None:
    from callwarden.cdr.canonical import number_keys

    values = ["+8613800138000", "+1", "+123456789012345", "+1234567890123456", "+0123", "+",
              "", "8613800138000", "+86 138", "+١٢", "+12a", None]  # fmt: skip
    assert number_keys(pa.array(values)).to_pylist() == [
        8613800138000, 1, 123456789012345, None, None, None, None, None, None, None, None, None,
    ]  # fmt: skip


@given(
    st.lists(
        st.one_of(st.none(), st.text(max_size=18), st.from_regex(r"\+[0-9]{1,17}", fullmatch=True))
    )
)
@settings(max_examples=200, deadline=None)
def test_a_number_key_spells_its_number(values: list[str | None]) -> None:
    """Wherever a key is set the number is exactly '+' and the key's digits (readers rely on
    it); it is set for every '+' and 1-15 digits without a leading zero."""
    from callwarden.cdr.canonical import number_keys

    for value, key in zip(
        values, number_keys(pa.array(values, pa.string())).to_pylist(), strict=True
    ):
        canonical = (
            value is not None and value[:1] == "+" and value[1:].isascii()
            and value[1:].isdigit() and len(value) <= 16 and value[1] != "0"
        )  # fmt: skip
        assert (key is not None) == canonical
        if key is not None:
            assert value == f"+{key}"


def test_with_number_keys_follow_the_canonical_columns() -> None:
    from callwarden.cdr.canonical import with_number_keys

    t = _table(start_time=["2026-11-28 09:00:00"], caller=["13800138000"], callee=["95588"],
               duration_s=["3"], trunk_note=["x"])  # fmt: skip
    keyed = with_number_keys(canonicalize(t).table)
    names = keyed.column_names
    assert names[len(CANONICAL_SCHEMA) : len(CANONICAL_SCHEMA) + 2] == ["caller_key", "callee_key"]
    assert names[-1] == "trunk_note"
    assert keyed["caller_key"].to_pylist() == [8613800138000]
    assert keyed["callee_key"].to_pylist() == [8695588]
    assert with_number_keys(keyed).column_names == names  # recomputed in place

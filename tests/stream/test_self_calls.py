"""The streaming engine keeps a call to one's own number as an attempt, not as a contact:
the hand-computed values of ``tests/features/test_self_calls.py``, which every batch path
and the pandas reference give (issue 4)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from callwarden.features.definitions import FEATURE_NAMES
from callwarden.stream.calls import Interner, calls_from_arrow, number_keys
from callwarden.stream.features import feature_matrix
from callwarden.stream.state import StreamState
from tests.features.test_self_calls import (
    EXPECTED_1D,
    EXPECTED_HISTORY,
    X,
    Y,
    batch_features,
    check,
    self_call_day,
)


def stream_features(table: pa.Table, batch: int) -> dict[str, dict[str, float]]:
    """{number: {feature: value}} from the stream state fed every CDR in the order they are
    written, ``batch`` CDRs at a time."""
    ingresses = Interner()
    calls = calls_from_arrow(table, ingresses)
    state = StreamState()
    state.set_ingress_names(ingresses.names)
    order = np.argsort(calls.end_ts, kind="stable")
    for i in range(0, len(order), batch):
        state.ingest(calls.take(order[i : i + batch]))
    numbers = sorted(set(table["caller"].to_pylist()))
    slots = state.slot_of(number_keys(pa.array(numbers, pa.string())))
    rows = feature_matrix(state, slots)
    return {
        n: dict(zip(FEATURE_NAMES, r.tolist(), strict=True))
        for n, r in zip(numbers, rows, strict=True)
    }


#: The contact features the stream keeps exactly (the others are compared with the batch
#: query's in ``test_features_parity``).
CONTACT = (
    "attempts_by_caller_1d", "distinct_callees_by_caller_1d", "callback_rate_by_caller_1d",
    "prior_contact_share_by_caller_1d", "sequential_dialing_share_by_caller_1d",
    "inbound_calls_by_caller_1d", "distinct_inbound_callers_by_caller_1d",
    "in_out_ratio_by_caller_1d", "calls_per_callee_by_caller_1d",
)  # fmt: skip


@pytest.mark.parametrize("batch", [1, 100])
def test_stream_one_day(batch: int) -> None:
    table = self_call_day()
    stream = stream_features(table, batch)
    check(stream, EXPECTED_1D)
    # and the contact features equal the batch query's for every number of the day
    ref = batch_features(table, "strings")
    assert sorted(stream) == sorted(ref) and {X, Y} <= set(stream)
    for number in ref:
        check({number: stream[number]}, {number: {n: ref[number][n] for n in CONTACT}})


@pytest.mark.parametrize("batch", [1, 100])
def test_stream_with_history(batch: int) -> None:
    check(stream_features(self_call_day(history=True), batch), EXPECTED_HISTORY)

"""Defects a second audit of the stream engine reproduced (each test fails on the code before
its fix)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from callwarden.policy import Action
from callwarden.stream import StreamEngine

T0 = dt.datetime(2026, 11, 2, 2, 0, 0, tzinfo=dt.UTC)  # 10:00 local (UTC+8)
_TS = pa.timestamp("us", tz="UTC")
KNOWN = "+3800138000"  # its state's key is 3800138000
CALLEE = "+8613900000009"


def _engine_with_a_fraud_verdict() -> StreamEngine:
    """An engine whose state holds KNOWN with a fraud verdict (as a refresh leaves it)."""
    n = 5
    cdrs = pa.table(
        {
            "caller": [KNOWN] * n,
            "callee": [f"+861390000000{i}" for i in range(n)],
            "start_time": pa.array([T0 + dt.timedelta(minutes=i) for i in range(n)], _TS),
            "duration_s": [3.0] * n,
            "ring_s": [1.0] * n,
        }
    )
    eng = StreamEngine(None)
    eng.ingest(eng.encode(cdrs))
    slot = eng.state.slots.get(3800138000)
    assert slot >= 0
    eng._grow(len(eng.state.key))
    eng.v_label[slot] = eng.classes.index("fraud")
    eng.v_score[slot] = 0.999
    return eng


@pytest.mark.parametrize(
    "caller", ["13800138000", "#3800138000", "03800138000", "+03800138000", "+0003800138000"]
)
def test_decide_reads_the_state_only_of_an_e164_caller(caller: str) -> None:
    """``decide`` keyed the state by ``caller[1:]`` whatever the first character was: a
    national spelling such as ``13800138000`` got the verdict of ``+3800138000`` (rejected as
    its fraud), where ``decide_batch`` (``number_keys``: only ``+digits``) keeps no state for
    it and allows the call."""
    eng = _engine_with_a_fraud_verdict()
    assert eng.decide(KNOWN, CALLEE).action is Action.REJECT
    when = T0 + dt.timedelta(hours=1)
    batch = eng.decide_batch(
        eng.encode(
            pa.table({"caller": [caller], "callee": [CALLEE], "start_time": pa.array([when], _TS)})
        ),
        when.timestamp(),
    )
    assert batch.action.tolist() == [0]  # allow: no state for a caller that is not E.164
    assert eng.decide(caller, CALLEE).action is Action.ALLOW

"""A number cleared on appeal that the allocation registry does not hold is allowed by the
stream engine, as ``/v1/decide`` allows it: an operator accepted its owner's appeal, so the
number is allocated and the registry is stale for it. Before, the stream rejected it
(``spoof_unallocated``, 608) while the API allowed it (``appeal_protected``). A network that
asserts another identity for it still says someone else shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from callwarden.policy import (
    Action,
    Call,
    Reason,
    Verdict,
    decide,
)
from callwarden.stream import ACTIONS, Source, StreamEngine

from .conftest import policy_paths
from .test_audit_fixes import ALICE, table

STALE = "+8613800000077"  # allocated to its owner, missing from a stale registry
OTHER = "+8613600000006"


class NoneAllocated:
    """A registry that holds no number."""

    def is_unallocated(self, _number: str) -> bool:
        return True

    def is_unallocated_array(self, numbers: Any) -> np.ndarray:
        return np.ones(len(numbers), bool)


def _engine(protected: set[str]) -> StreamEngine:
    return StreamEngine(None, allocated=NoneAllocated(), protected=protected)


def _batch(eng: StreamEngine, rows: list[dict[str, Any]]) -> tuple[list[str], list[int]]:
    calls = eng.encode(table(rows))
    d = eng.decide_batch(calls, now=float(calls.ts[0]))
    return [ACTIONS[a].value for a in d.action], d.source.tolist()


def test_an_unallocated_number_cleared_on_appeal_is_allowed_on_both_paths() -> None:
    rows = [dict(caller=STALE, callee=ALICE, t=100)]
    assert _batch(_engine(set()), rows) == (["reject"], [Source.UNALLOCATED])
    d = _engine(set()).decide(STALE, ALICE)
    assert (d.action, d.sip_code, d.reasons[0].code) == (Action.REJECT, 608, "spoofed_caller")

    eng = _engine({STALE})
    assert _batch(eng, rows) == (["allow"], [Source.UNALLOCATED])
    d = eng.decide(STALE, ALICE)
    assert (d.action, d.reasons[0].code) == (Action.ALLOW, "appeal_protected")
    # the API's verdict for the same number after the appeal decides the same
    api = Verdict(STALE, "benign", 0.0, "", (Reason("appeal_accepted"),), protected=True)
    assert decide(Call(STALE, ALICE), api).reasons == d.reasons


def test_an_asserted_other_identity_acts_as_on_an_allocated_protected_number() -> None:
    spoof = [dict(caller=STALE, callee=ALICE, t=100, asserted=OTHER)]
    eng = _engine({STALE})
    assert _batch(eng, spoof) == (["label"], [Source.ASSERTED_MISMATCH])
    d = eng.decide(STALE, ALICE, asserted=OTHER)
    assert d.action is Action.LABEL and "spoof_asserted_mismatch" in [r.code for r in d.reasons]
    allocated = StreamEngine(None, protected={STALE})
    assert allocated.decide(STALE, ALICE, asserted=OTHER).action is d.action


def test_batched_policy_matches_deciding_each_call_with_protected_unallocated_numbers(
    model: Any, world: Path
) -> None:
    def protect(plain: Any) -> set[str]:
        unallocated = np.unique(plain.calls.caller[plain.source == Source.UNALLOCATED])
        flagged = np.unique(plain.calls.caller[plain.source == Source.MODEL])
        return set(unallocated[::2].tolist()) | set(flagged[::3].tolist())

    plain, fast, _ = policy_paths(model, world, protect)
    unallocated = np.unique(plain.calls.caller[plain.source == Source.UNALLOCATED])
    # the protected unallocated numbers' calls were rejected and now ring
    theirs = np.isin(fast.calls.caller, unallocated[::2]) & (fast.source == Source.UNALLOCATED)
    assert theirs.sum() > 10
    assert (plain.action[theirs] == ACTIONS.index(Action.REJECT)).all()
    assert (fast.action[theirs] == ACTIONS.index(Action.ALLOW)).all()

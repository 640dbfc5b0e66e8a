"""The engine feeds the campaign gate what a caller's own completed calls did (its state: CDRs
written before the call rings), so a courier dialling a campaign's list is let through and a
dialer is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pyarrow as pa

from callwarden.campaigns.build import CampaignList
from callwarden.campaigns.index import RELEASED_CALLED_BACK, CampaignIndex, Outcomes
from callwarden.cdr.schema import CANONICAL_SCHEMA
from callwarden.policy import Action
from callwarden.stream import StreamEngine

DAY = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
T0 = DAY.timestamp()
TRUNK = "IC-1"
LIST = [f"+86139073{i:05d}" for i in range(200)]


def _row(t: float, caller: str, callee: str, talk: float, ring: float = 5.0) -> dict[str, object]:
    return {
        "call_id": f"{caller}-{callee}-{t}",
        "start_time": DAY + timedelta(seconds=t),
        "caller": caller,
        "callee": callee,
        "duration_s": float(talk),
        "answered": talk > 0,
        "ring_s": ring,
        "release_cause": 16 if talk > 0 else 19,
        "ingress": TRUNK,
        "asserted_caller": None,
        "attestation": None,
        "caller_region": None,
        "callee_region": None,
        "imei": None,
    }


def _table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.table({f.name: [r[f.name] for r in rows] for f in CANONICAL_SCHEMA}, CANONICAL_SCHEMA)


def _history(caller: str, answered: int, talk: float, called_back: int) -> list[dict[str, object]]:
    """50 calls to distinct customers (none on the list) in the morning; the first
    ``answered`` answered with ``talk`` s; ``called_back`` of the others call back later."""
    rows = []
    for i in range(50):
        rows.append(
            _row(8 * 3600 + 120.0 * i, caller, f"+86138073{i:05d}", talk if i < answered else 0)
        )
    for i in range(called_back):
        rows.append(_row(10 * 3600 + 120.0 * i, f"+86138073{49 - i:05d}", caller, 30.0))
    return rows


def _engine(rows: list[dict[str, object]], category: str = "") -> StreamEngine:
    callees = np.array([int(n[1:]) for n in LIST], dtype=np.int64)
    cl = CampaignList("C1", (TRUNK,), callees, ("+8607318000001",), (), (0.2,), (0.0,))
    index = CampaignIndex()
    # a batch build's result: its lists, and its campaigns' categories (from transcripts)
    index.load(
        SimpleNamespace(  # type: ignore[arg-type]
            campaigns=(SimpleNamespace(campaign_id="C1", category=category),), lists=(cl,)
        )
    )
    engine = StreamEngine(None, campaigns=index, campaign_ingresses={TRUNK})
    calls = engine.encode(_table(rows))
    engine.ingest(calls.take(np.argsort(calls.end_ts, kind="stable")))
    return engine


def _dial_list(engine: StreamEngine, caller: str, n: int = 6) -> list[Action]:
    t = T0 + 12 * 3600
    return [engine.decide(caller, LIST[i], TRUNK, t=t + 60.0 * i).action for i in range(n)]


def test_outcomes_are_read_from_the_state() -> None:
    courier = "+8618152889010"
    engine = _engine(_history(courier, answered=32, talk=40.0, called_back=12))
    assert engine.outcomes_of(courier, T0 + 12 * 3600) == Outcomes(50, 32, 50, 12)
    assert engine.outcomes_of("+8618152889099") is None


def test_outcomes_are_only_what_was_written_before_the_call() -> None:
    courier = "+8618152889010"
    engine = _engine([r for r in _history(courier, 32, 40.0, 12) if r["caller"] == courier][:10])
    o = engine.outcomes_of(courier, T0 + 8 * 3600 + 600)
    assert o is not None and o.calls == 10  # the 40 later calls are not in the state


def test_courier_with_answered_called_back_calls_rings_through() -> None:
    courier = "+8618152889010"
    engine = _engine(_history(courier, answered=32, talk=40.0, called_back=12))
    assert set(_dial_list(engine, courier)) == {Action.ALLOW}
    assert engine.campaigns is not None
    assert engine.campaigns.releases[courier].code == RELEASED_CALLED_BACK


def test_robocall_and_short_call_seat_are_still_labelled() -> None:
    robo, seat = "+8617100000001", "+8617100000002"
    rows = _history(robo, answered=10, talk=30.0, called_back=1)
    rows += _history(seat, answered=35, talk=6.0, called_back=6)  # answered, cut short
    engine = _engine(rows)
    for number in (robo, seat):
        assert Action.LABEL in _dial_list(engine, number), number
    assert engine.campaigns is not None and not engine.campaigns.releases


def test_campaign_and_model_verdicts_carry_the_campaigns_category() -> None:
    """The stream's verdicts had no category, so a subscriber's refused categories never
    matched a campaign verdict (docs/streaming.md); the campaign's, from its build, now."""
    from callwarden.policy import SubscriberPolicy
    from callwarden.stream.engine import Source

    robo = "+8617100000001"
    engine = _engine(_history(robo, answered=10, talk=30.0, called_back=1), "insurance")
    assert engine.campaigns is not None and engine.campaigns.category_of("C1") == "insurance"
    refuses = SubscriberPolicy(LIST[5], refused_categories=frozenset({"insurance"}))
    engine.policies = {LIST[5]: refuses}
    actions = _dial_list(engine, robo)
    assert actions[5] is Action.REJECT  # a member by then: refused category
    assert Action.LABEL in actions[:5]
    v = engine.verdict(robo, -1, Source.CAMPAIGN, "C1")
    assert v.category == "insurance"
    slot = engine.state.slots.get(int(robo[1:]))
    engine.v_label[slot], engine.v_score[slot] = 1, 0.99  # the model flags the member too
    assert engine.verdict(robo, slot, Source.MODEL).category == "insurance"


def test_replay_reports_the_gates_releases() -> None:
    from callwarden.evaluate.replay import ReplayConfig, run_stream

    courier = "+8618152889010"
    rows = _history(courier, answered=32, talk=40.0, called_back=12)
    rows += [_row(12 * 3600 + 60.0 * i, courier, LIST[i], 30.0) for i in range(6)]
    engine = _engine([])
    run = run_stream(_table(rows), engine, ReplayConfig(campaign_every_s=0))
    gate = run.stats["campaign_gate"]
    assert gate["released_numbers_by_reason"] == {RELEASED_CALLED_BACK: 1}
    assert gate["flagged"] == 0 and gate["spared_on_outcomes"] >= 1
    assert not (run.action[-6:] > 0).any()

"""Defects an audit of the stream engine and replay reproduced (each test fails on the code
before its fix): one policy for every callee, appeal protection ignored, verdicts inherited
by a reused slot, empty input, the peak state size, and the replay report's shares."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from callwarden.cli.main import app
from callwarden.evaluate.replay import ReplayConfig, report, run_stream
from callwarden.features.definitions import FEATURE_NAMES
from callwarden.policy import (
    Action,
    PatternSet,
    Protection,
    SubscriberPolicy,
)
from callwarden.stream import ACTIONS, EngineConfig, Scorer, Source, StreamEngine
from callwarden.stream.state import StreamState

from .conftest import policy_paths

T0 = dt.datetime(2026, 11, 2, 2, 0, 0, tzinfo=dt.UTC)  # 10:00 local (UTC+8)
DAY = 86400.0
CALLER = "+8613800000009"
ALICE, BOB = "+8613900000001", "+8613900000002"
_TYPES = {
    "call_id": pa.string(), "start_time": pa.timestamp("us", tz="UTC"), "caller": pa.string(),
    "callee": pa.string(), "duration_s": pa.float64(), "answered": pa.bool_(),
    "ring_s": pa.float64(), "release_cause": pa.int16(), "ingress": pa.string(),
    "asserted_caller": pa.string(),
}  # fmt: skip


def table(rows: list[dict[str, Any]]) -> pa.Table:
    """Canonical CDRs from short rows: caller, callee, t (s after T0), dur, ring, asserted..."""
    cols: dict[str, list[Any]] = {k: [] for k in _TYPES}
    for i, r in enumerate(rows):
        cols["call_id"].append(r.get("call_id", f"c{i}"))
        cols["start_time"].append(T0 + dt.timedelta(seconds=r["t"]))
        cols["caller"].append(r["caller"])
        cols["callee"].append(r["callee"])
        cols["duration_s"].append(float(r.get("dur", 0.0)))
        cols["answered"].append(r.get("answered", r.get("dur", 0) > 0))
        cols["ring_s"].append(float(r.get("ring", 5.0)))
        cols["release_cause"].append(r.get("cause", 16))
        cols["ingress"].append(r.get("ingress", "TRUNK-1"))
        cols["asserted_caller"].append(r.get("asserted"))
    return pa.table({k: pa.array(v, _TYPES[k]) for k, v in cols.items()})


class Stub:
    """A scorer stand-in: every row is fraud at 0.99 while ``on``, benign afterwards."""

    threshold, classes, feature_names = 0.5, ("benign", "harassment", "fraud"), FEATURE_NAMES
    rows_scored = rows_confirmed = 0
    compiled = False

    def __init__(self) -> None:
        self.on = True

    def score(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(X)
        if self.on:
            return np.full(n, 2, np.int8), np.full(n, 0.99)
        return np.zeros(n, np.int8), np.full(n, 0.001)


def _flagged(**engine: Any) -> StreamEngine:
    """An engine whose model holds a fraud verdict (0.99: reject) for CALLER."""
    eng = StreamEngine(Stub(), **engine)  # type: ignore[arg-type]
    eng.ingest(eng.encode(table([dict(caller=CALLER, callee="+8613700000001", t=0, dur=20)])))
    eng.refresh()
    return eng


def _batch(eng: StreamEngine, rows: list[dict[str, Any]]) -> list[str]:
    calls = eng.encode(table(rows))
    d = eng.decide_batch(calls, now=float(calls.ts[0]))
    return [ACTIONS[a].value for a in d.action]


# --- 1. each callee's own policy, and numbers cleared on appeal ---------------------------


def test_a_block_list_is_its_subscribers_alone() -> None:
    alice = SubscriberPolicy(subscriber=ALICE, block=PatternSet.of([CALLER]))
    to_both = [dict(caller=CALLER, callee=ALICE, t=100), dict(caller=CALLER, callee=BOB, t=101)]
    for eng in (StreamEngine(None, policies={ALICE: alice}), StreamEngine(None, policy=alice)):
        assert _batch(eng, to_both) == ["reject", "allow"]
        assert eng.decide(CALLER, ALICE).sip_code == 603
        assert eng.decide(CALLER, BOB).action is Action.ALLOW
    # a policy naming no subscriber is everyone's default (as before)
    strict = SubscriberPolicy(subscriber="", protection=Protection.STRICT)
    eng = _flagged(policy=strict)
    assert eng.default_policy is strict and not eng.policies


def test_each_callee_gets_its_own_protection_level() -> None:
    """A fraud verdict at 0.99: rejected for everyone; 'off' for Alice lets it ring for her."""
    off = SubscriberPolicy(subscriber=ALICE, protection=Protection.OFF)
    eng = _flagged(policies={ALICE: off})
    rows = [dict(caller=CALLER, callee=ALICE, t=100), dict(caller=CALLER, callee=BOB, t=101)]
    assert _batch(eng, rows) == ["allow", "reject"]
    assert eng.decide(CALLER, ALICE).action is Action.ALLOW
    assert eng.decide(CALLER, BOB).action is Action.REJECT


def test_a_number_cleared_on_appeal_is_allowed() -> None:
    rows = [dict(caller=CALLER, callee=ALICE, t=100)]
    assert _batch(_flagged(), rows) == ["reject"]
    eng = _flagged(protected={CALLER})
    assert _batch(eng, rows) == ["allow"]
    d = eng.decide(CALLER, ALICE)
    assert d.action is Action.ALLOW and d.reasons[0].code == "appeal_protected"
    # someone else showing the protected number (the network asserts another identity) is
    # still labelled as spoofing
    spoof = [dict(caller=CALLER, callee=ALICE, t=100, asserted="+8613600000006")]
    assert _batch(eng, spoof) == ["label"]
    assert eng.decide(CALLER, ALICE, asserted="+8613600000006").action is Action.LABEL


def test_batched_policy_with_own_policies_matches_deciding_each_call(
    model: Any, world: Path
) -> None:
    """Own policies and protected numbers on a simulated day: the batched path (default-
    policy callees batched, the others per call) equals the per-call path everywhere."""

    def protect(plain: Any) -> set[str]:
        return set(np.unique(plain.calls.caller[plain.source == Source.MODEL])[::3].tolist())

    plain, fast, _ = policy_paths(model, world, protect)
    # the own policies and the protection really changed decisions
    assert (fast.action == ACTIONS.index(Action.SCREEN)).any()
    assert (fast.action != plain.action).sum() > 10


# --- 4. a reused slot does not inherit the evicted number's verdict -----------------------


def test_a_new_number_does_not_inherit_an_evicted_numbers_verdict() -> None:
    fraud, victim, newcomer = CALLER, "+8613900000009", "+8613500000001"
    scorer = Stub()
    eng = StreamEngine(scorer)  # type: ignore[arg-type]
    eng.ingest(eng.encode(table([dict(caller=fraud, callee=victim, t=0, dur=20)])))
    assert _batch(eng, [dict(caller=fraud, callee=victim, t=100)]) == ["reject"]
    scorer.on = False
    later = 9 * DAY  # both numbers idle for more than 7 days: evicted, slots freed
    eng.ingest(eng.encode(table([dict(caller=ALICE, callee=BOB, t=later, dur=5)])))
    assert eng.state.evicted == 2
    # the newcomer is first seen as a callee, beside another new number with a larger key:
    # the two take the freed slots 0 and 1 in key order
    first = table([dict(caller="+8613700000001", callee=newcomer, t=later + 3600, dur=30)])
    eng.ingest(eng.encode(first))
    calls = eng.encode(table([dict(caller=newcomer, callee=BOB, t=later + 7200, dur=30)]))
    assert int(eng.state.slot_of(calls.caller_key)[0]) == 0  # the fraudster's old slot
    d = eng.decide_batch(calls, now=float(calls.ts[0]))
    assert ACTIONS[d.action[0]] is Action.ALLOW and d.source[0] == Source.NONE
    assert eng.decide(newcomer, BOB).action is Action.ALLOW


# --- 7. empty input -----------------------------------------------------------------------


def test_an_empty_replay_gives_an_empty_report() -> None:
    cfg = ReplayConfig(campaign_every_s=0)
    run = run_stream(table([]), StreamEngine(None), cfg)
    assert run.stats["calls"] == 0 and run.stats["batches"] == 0
    empty = np.zeros(0, dtype=object)
    rep = report(run, empty, empty, cfg)
    assert rep["summary"]["unwanted_calls"] == 0 and rep["summary"]["benign_calls"] == 0
    assert rep["run"]["state"]["bytes_per_tracked_number"] is None


def test_replay_cli_refuses_empty_cdrs_in_one_line(world: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    pq.write_table(pq.read_table(world / "s2" / "cdrs.parquet").slice(0, 0), empty / "x.parquet")
    res = CliRunner().invoke(app, ["replay", "--cdrs", str(empty), "--model", str(world / "model")])
    assert res.exit_code == 2, res.output
    assert "error:" in res.output and "no calls" in res.output
    assert not isinstance(res.exception, IndexError)


# --- 10. the peak state size --------------------------------------------------------------


def test_peak_state_is_at_least_the_final_state() -> None:
    rows = [
        dict(caller=f"+861380000000{i}", callee=f"+861390000000{i}", t=100.0 * i, dur=10)
        for i in range(5)
    ]
    cfg = ReplayConfig(engine=EngineConfig(batch_s=1.0), campaign_every_s=0)
    st = run_stream(table(rows), StreamEngine(None), cfg).stats["state"]
    assert st["numbers"] == 8  # the last call's CDR is written after every decision
    for k in ("numbers", "pairs", "routes"):
        assert st["peak"][k] >= st[k] > 0


def test_no_bytes_per_number_without_numbers() -> None:
    assert StreamState().memory()["bytes_per_tracked_number"] is None


# --- 2. screened calls are reported apart, not as stopped ---------------------------------


def test_screened_calls_are_not_counted_as_stopped() -> None:
    """Under strict protection a suspected spoof is screened: its share is reported apart,
    and 'stopped' stays rejected + labelled, as the report defines it."""
    spoofed = [
        dict(caller=CALLER, callee=f"+861390000000{i}", t=10 * i, dur=20, asserted=ALICE)
        for i in range(4)
    ]
    fine = [dict(caller=BOB, callee=f"+861390000001{i}", t=10 * i + 5, dur=20) for i in range(4)]
    strict = SubscriberPolicy(subscriber="", protection=Protection.STRICT)
    cfg = ReplayConfig(campaign_every_s=0)
    run = run_stream(table(spoofed + fine), StreamEngine(None, policy=strict), cfg)
    assert sorted(ACTIONS[a].value for a in run.action) == ["allow"] * 4 + ["screen"] * 4
    truth = np.array(["harassment"] * 4 + ["benign"] * 4, dtype=object)[run.order]
    rep = report(run, truth, np.full(8, "", dtype=object), cfg)
    s = rep["summary"]
    assert s["unwanted_screened_share"] == 1.0 and s["benign_screened_share"] == 0.0
    assert (
        s["unwanted_stopped_share"] == s["unwanted_rejected_share"] + s["unwanted_labelled_share"]
    )
    assert s["unwanted_stopped_share"] == 0.0
    assert rep["by_label"]["harassment"]["screened"] == 1.0
    assert rep["by_label"]["harassment"]["stopped"] == 0.0


# --- 3. the complaint baseline keys on the caller as written ------------------------------


def test_complaint_baseline_counts_each_unparseable_caller_apart() -> None:
    from callwarden.evaluate.replay import BaselineConfig, baseline_blocked
    from callwarden.stream.calls import Interner, calls_from_arrow

    rows = [
        dict(caller="13800000001", callee=f"+861390000000{i}", t=60 * i, dur=30) for i in range(3)
    ]
    for i, other in enumerate(("0755-12345678", "a1b2c3d4e5", "+86 138 0000 0002", "13800000001")):
        rows.append(dict(caller=other, callee=f"+86139000000{10 + i}", t=DAY + 10 * i, dur=30))
    calls = calls_from_arrow(table(rows), Interner())
    assert (calls.caller_key < 0).all()
    truth = np.array(["harassment"] * 3 + ["benign"] * 4, dtype=object)
    cfg = BaselineConfig(report_probability=1.0, benign_report_probability=0.0)
    blocked = baseline_blocked(calls, truth, cfg)
    # three other callers, never reported, ring; the reported one is blocked
    assert blocked.tolist() == [False] * 6 + [True]


def test_replay_warns_when_most_callers_are_not_e164(world: Path, tmp_path: Path) -> None:
    rows = [
        dict(caller=f"opaque-{i % 7}", callee=f"opaque-callee-{i}", t=30.0 * i, dur=20)
        for i in range(40)
    ]
    cdrs = tmp_path / "opaque"
    cdrs.mkdir()
    pq.write_table(table(rows), cdrs / "cdrs.parquet")
    args = [
        "replay",
        "--cdrs",
        str(cdrs),
        "--model",
        str(world / "model"),
        "--campaign-every-s",
        "0",
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "40 of 40 calls (100%) have a caller that is not an E.164 number" in res.output


# --- 5. replay --labels: numbers normalised, labels checked as train checks them ----------


def _labelled_replay(world: Path, tmp_path: Path, rows: list[str]) -> Any:
    """Replay the world's day without its call truth, with a labels file of ``rows``."""
    cdrs = tmp_path / "cdrs"
    cdrs.mkdir()
    (cdrs / "cdrs.parquet").symlink_to(world / "s2" / "cdrs.parquet")
    labels = tmp_path / "labels.csv"
    labels.write_text("\n".join(["number,label,category", *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "r.json"
    args = ["replay", "--cdrs", str(cdrs), "--model", str(world / "model"), "--labels",
            str(labels), "--batch-s", "600", "--campaign-every-s", "0", "--out", str(out)]  # fmt: skip
    return CliRunner().invoke(app, args), out


def test_replay_labels_in_national_form_and_any_case(world: Path, tmp_path: Path) -> None:
    import csv
    import json

    with open(world / "s2" / "labels.csv", encoding="utf-8") as f:
        bad = [r for r in csv.DictReader(f) if r["label"] in ("harassment", "fraud")]
    assert bad
    rows = [f"{r['number'].removeprefix('+86')},{r['label'].capitalize()}," for r in bad]
    res, out = _labelled_replay(world, tmp_path, [*rows, "+8613000000000,fraud,"])
    assert res.exit_code == 0, res.output
    assert "1 of" in res.output and "match no number" in res.output  # the row no one placed
    callers = pq.read_table(world / "s2" / "cdrs.parquet", columns=["caller"])["caller"]
    expected = sum(c in {r["number"] for r in bad} for c in callers.to_pylist())
    s = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert s["unwanted_calls"] == expected > 0
    assert s["unwanted_stopped_share"] > 0.5


def test_replay_refuses_unknown_labels(world: Path, tmp_path: Path) -> None:
    res, _ = _labelled_replay(world, tmp_path, ["+8613800138000,Spam,"])
    assert res.exit_code == 2
    assert "unknown label(s) ['spam']" in res.output and "replayed" not in res.output


# --- 6. replay refuses a model the stream cannot feed -------------------------------------


def test_replay_refuses_a_feature_table_model(world: Path, tmp_path: Path) -> None:
    import json
    import shutil

    model = tmp_path / "model"
    shutil.copytree(world / "model", model)
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    manifest["kind"] = "table"
    (model / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    res = CliRunner().invoke(app, ["replay", "--cdrs", str(world / "s2"), "--model", str(model)])
    assert res.exit_code == 2
    assert "trained on table input" in res.output and "replayed" not in res.output


def test_the_stream_refuses_features_it_does_not_compute(model: Any) -> None:
    import dataclasses

    from callwarden.errors import ModelError
    from callwarden.features.definitions import FEATURE_NAMES
    from callwarden.stream.features import check_stream_features

    check_stream_features(FEATURE_NAMES)
    table_model = dataclasses.replace(model, feature_names=("tenure_months", "arpu"))
    with pytest.raises(ModelError, match="2 of its 2 features"):
        Scorer(table_model)


# --- 9. handsets are forgotten with their last record -------------------------------------


def _with_imei(rows: list[dict[str, Any]], imeis: list[str]) -> pa.Table:
    return table(rows).append_column("imei", pa.array(imeis, pa.string()))


def test_handsets_stay_bounded_over_a_month() -> None:
    """500 new numbers on 500 new handsets a day: the handsets held follow the 7-day window
    (they grew by 500 a day, in an interner and in the per-handset arrays)."""
    eng = StreamEngine(None)
    for day in range(30):
        rows = [
            dict(caller=f"+86138{day * 500 + i:08d}", callee=f"+86139{i:08d}", t=day * DAY + 10 * i)
            for i in range(500)
        ]
        eng.ingest(eng.encode(_with_imei(rows, [f"86{day:04d}{i:09d}" for i in range(500)])))
    assert len(eng.state.imei_n7) <= 8192  # the per-handset arrays
    m = eng.state.memory()
    assert m["imeis"] == m["handsets"] <= 8 * 500  # counted in memory()


def test_a_freed_handset_row_is_not_read_as_the_next_handset() -> None:
    eng = StreamEngine(None)
    shared = [dict(caller=f"+8613800000{i:03d}", callee=BOB, t=i) for i in range(3)]
    eng.ingest(eng.encode(_with_imei(shared, ["861234567890123"] * 3)))
    st = eng.state
    x = int(st.slot_of(np.array([8613800000000]))[0])
    row = int(st.handset[x])
    assert st.imei_n7[row] == 3
    # 8 days on, x is still called (so tracked), a new handset calls: the old one is gone
    later = [dict(caller=ALICE, callee="+8613800000000", t=8 * DAY)]
    eng.ingest(eng.encode(_with_imei(later, ["35999999999999"])))
    x = int(st.slot_of(np.array([8613800000000]))[0])
    assert x >= 0 and st.handset[x] == -1
    assert (
        len(st.imeis) == 1 and st.imei_n7[st.handset[st.slot_of(np.array([8613900000001]))[0]]] == 1
    )


def test_imei_keys_are_intrinsic() -> None:
    from callwarden.stream.calls import HASHED_IMEI, imei_keys

    k = imei_keys(pa.array(["861234567890123", "A-1", "", None, "A-1"], pa.string()))
    assert k[0] == 861234567890123 and k[1] == k[4] >= HASHED_IMEI and k[2] == k[3] == -1


# --- 8. no sub-second look-ahead ----------------------------------------------------------


def test_a_cdr_released_after_a_calls_set_up_is_not_folded_in_before_it() -> None:
    """Call 1 is set up at 9.9 s and released at 10.3 s; call 2 is set up at 10.2 s. With
    both floored to whole seconds, call 1's CDR (9 + 0.4) counted as written before call 2's
    decision (at 10)."""
    rows = [
        dict(caller=CALLER, callee=ALICE, t=9.9, ring=0.4, dur=0, answered=False, cause=21),
        dict(caller=CALLER, callee=BOB, t=10.2),
    ]
    seen: list[tuple[float, float, int]] = []

    class Spy(StreamEngine):
        written = -np.inf

        def ingest(self, cdrs: Any, unallocated: Any = None) -> None:
            self.written = max(self.written, float(cdrs.end_ts.max()))
            super().ingest(cdrs, unallocated)

        def decide_batch(self, calls: Any, now: float, unallocated: Any = None) -> Any:
            seen.append((now, self.written, len(self.state)))
            return super().decide_batch(calls, now, unallocated)

    cfg = ReplayConfig(engine=EngineConfig(batch_s=1.0), campaign_every_s=0)
    run_stream(table(rows), Spy(None, config=cfg.engine), cfg)
    t0 = T0.timestamp()
    assert [round(now - t0, 6) for now, _, _ in seen] == [9.9, 10.2]
    assert all(written < now for now, written, _ in seen)
    assert seen[1][2] == 0  # call 1's CDR is not in the state when call 2 is decided

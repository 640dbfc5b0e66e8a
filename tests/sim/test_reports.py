"""The subscriber-report model (sim/reports.py): rates, delay, sources, categories,
determinism, and that only answered calls draw reports, from their callees."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest

from callwarden.evaluate.replay import BaselineConfig
from callwarden.policy.render import REPORTABLE_CATEGORIES
from callwarden.sim import SimResult
from callwarden.sim.reports import REPORT_SCHEMA, ReportConfig, simulate_reports

T0 = 1_762_000_000.0


def _day(
    n_bad: int, n_benign: int, *, answered: float = 1.0, seed: int = 0
) -> tuple[pa.Table, pa.Table]:
    """One call per (caller, callee) pair: bad callers +861000..., benign +862000...; each
    callee a distinct +863000... number."""
    rng = np.random.default_rng(seed)
    n = n_bad + n_benign
    callers = [f"+8610{i % 5000:09d}" for i in range(n_bad)] + [
        f"+8620{i % 50000:09d}" for i in range(n_benign)
    ]
    callees = [f"+8630{i:09d}" for i in range(n)]
    cdrs = pa.table(
        {
            "call_id": [f"c{i}" for i in range(n)],
            "start_time": pa.array(((T0 + rng.uniform(0, 86400, n)) * 1e6).astype(np.int64)).cast(
                pa.timestamp("us", "UTC")
            ),
            "caller": callers,
            "callee": callees,
            "duration_s": rng.uniform(10, 100, n),
            "answered": rng.random(n) < answered,
            "ring_s": np.full(n, 5.0),
        }
    )
    bad = sorted(set(callers[:n_bad]))
    nf = min(10, len(bad))  # the last bad callers are fraud
    labels = pa.table(
        {
            "number": bad + ["+862000000000"],
            "label": ["harassment"] * (len(bad) - nf) + ["fraud"] * nf + ["benign"],
            "category": ["insurance"] * (len(bad) - nf) + ["refund_scam"] * nf + ["personal"],
            "campaign": [""] * (len(bad) + 1),
        }
    )
    return cdrs, labels


def test_defaults_are_the_replay_baseline() -> None:
    base, cfg = BaselineConfig(), ReportConfig()
    assert cfg.report_probability == base.report_probability == 0.05
    assert cfg.benign_report_probability == base.benign_report_probability == 0.0005
    assert (cfg.delay_median_s, cfg.delay_sigma) == (base.delay_median_s, base.delay_sigma)


def test_rates_delay_sources_and_categories() -> None:
    cdrs, labels = _day(200_000, 400_000)
    r = simulate_reports(cdrs, labels)
    assert r.schema == REPORT_SCHEMA
    truth = np.asarray(r["truth"].to_pylist())
    bad = np.isin(truth, ["harassment", "fraud"])
    assert abs(bad.sum() / 200_000 - 0.05) < 0.003  # sd 0.0005
    assert 140 <= (~bad).sum() <= 260  # expected 200 (400,000 x 0.0005), sd 14
    # delay from the release: log-normal, median 4 h
    start = {
        c: t
        for c, t in zip(cdrs["call_id"].to_pylist(), cdrs["start_time"].to_pylist(), strict=True)
    }
    rel = dict(
        zip(
            cdrs["call_id"].to_pylist(),
            (
                np.array([t.timestamp() for t in start.values()])
                + cdrs["ring_s"].to_numpy()
                + cdrs["duration_s"].to_numpy()
            ).tolist(),
            strict=True,
        )
    )
    delay = np.array(r["at"].to_pylist()) - np.array([rel[c] for c in r["call_id"].to_pylist()])
    assert (delay > 0).all()
    assert abs(np.median(delay) / (4 * 3600) - 1) < 0.1
    source = np.asarray(r["source"].to_pylist())
    cat = np.asarray(r["category"].to_pylist())
    assert set(source) == {"app", "sip607"}
    assert abs((source == "sip607").mean() - 0.3) < 0.05
    assert (cat[source == "sip607"] == "").all()  # a SIP 607 carries no category
    named = cat[(source == "app") & bad] != ""
    assert abs(named.mean() - 0.6) < 0.06
    assert set(cat) <= {"", *REPORTABLE_CATEGORIES}
    # a benign caller's category (personal) is none a report can name; refund_scam is
    # named as the customer-service impersonation it is
    assert (cat[~bad] == "").all()
    fraud_cats = set(cat[truth == "fraud"]) - {""}
    assert fraud_cats <= {"impersonation_service"}
    assert "insurance" in set(cat[truth == "harassment"])
    assert np.all(np.diff(r["at"].to_numpy()) >= 0)  # in time order


def test_same_seed_same_reports_other_seed_others() -> None:
    cdrs, labels = _day(20_000, 20_000)
    a = simulate_reports(cdrs, labels, ReportConfig(seed=3))
    b = simulate_reports(cdrs, labels, ReportConfig(seed=3))
    c = simulate_reports(cdrs, labels, ReportConfig(seed=4))
    assert a.num_rows > 500 and a.equals(b)
    assert not a.equals(c)


def test_only_answered_calls_by_their_callees() -> None:
    cdrs, labels = _day(5_000, 5_000, answered=0.5)
    every = ReportConfig(report_probability=1.0, benign_report_probability=1.0)
    r = simulate_reports(cdrs, labels, every)
    ans = cdrs.filter(cdrs["answered"])
    assert r.num_rows == ans.num_rows  # each pair has one call: every answered one, no other
    assert sorted(r["call_id"].to_pylist()) == sorted(ans["call_id"].to_pylist())
    pairs = set(zip(ans["callee"].to_pylist(), ans["caller"].to_pylist(), strict=True))
    assert set(zip(r["reporter"].to_pylist(), r["number"].to_pylist(), strict=True)) == pairs
    none = simulate_reports(
        cdrs, labels, replace(every, report_probability=0.0, benign_report_probability=0.0)
    )
    assert none.num_rows == 0


def test_one_report_per_subscriber_and_number() -> None:
    cdrs, labels = _day(0, 6)
    cdrs = cdrs.set_column(3, "callee", pa.array(["+8613900000001"] * 6))  # one callee
    cdrs = cdrs.set_column(2, "caller", pa.array(["+8620000000001"] * 3 + ["+8620000000002"] * 3))
    r = simulate_reports(cdrs, labels, ReportConfig(benign_report_probability=1.0))
    assert sorted(r["number"].to_pylist()) == ["+8620000000001", "+8620000000002"]
    assert set(r["reporter"].to_pylist()) == {"+8613900000001"}
    # the same rows with a callee each (the same draws, nothing merged): the kept report
    # is each pair's earliest
    apart = simulate_reports(
        cdrs.set_column(3, "callee", pa.array([f"+86139000000{i:02d}" for i in range(6)])),
        labels,
        ReportConfig(benign_report_probability=1.0),
    )
    at = apart["at"].to_numpy()
    first = {
        n: at[[x == n for x in apart["number"].to_pylist()]].min()
        for n in set(apart["number"].to_pylist())
    }
    assert dict(zip(r["number"].to_pylist(), r["at"].to_pylist(), strict=True)) == first


def test_simulated_day_reports_follow_its_truth(adaptive: SimResult) -> None:
    r = simulate_reports(adaptive.cdrs, adaptive.labels)
    truth = dict(
        zip(
            adaptive.labels["number"].to_pylist(), adaptive.labels["label"].to_pylist(), strict=True
        )
    )
    assert r.num_rows > 0
    assert [truth[n] for n in r["number"].to_pylist()] == r["truth"].to_pylist()
    assert set(r["truth"].to_pylist()) >= {"harassment", "benign"}


@pytest.mark.parametrize("kind", ["timestamp", "epoch"])
def test_start_time_as_timestamp_or_epoch(kind: str) -> None:
    cdrs, labels = _day(2_000, 0)
    if kind == "epoch":
        secs = cdrs["start_time"].cast(pa.int64()).to_numpy() / 1e6
        cdrs = cdrs.set_column(1, "start_time", pa.array(secs))
    r = simulate_reports(cdrs, labels, ReportConfig(report_probability=1.0))
    assert r.num_rows == 2_000
    assert (r["at"].to_numpy() > T0).all()

"""Deterministic for a seed; different seeds give different numbers, lists and campaigns."""

from __future__ import annotations

from callwarden.sim import SimResult, simulate


def test_same_seed_same_output(article: SimResult) -> None:
    again = simulate("article", seed=7, subscribers=20_000)
    assert again.cdrs.equals(article.cdrs)
    assert again.call_truth.equals(article.call_truth)
    assert again.labels.equals(article.labels)
    assert again.transcripts == article.transcripts


def test_different_seed_differs(article: SimResult) -> None:
    other = simulate("article", seed=8, subscribers=20_000)
    a = set(article.labels["number"].to_pylist())
    b = set(other.labels["number"].to_pylist())
    assert len(a & b) < 0.2 * len(a), "different numbers"
    camps_a = {o["campaign"] for o in article.manifest["operations"]}
    camps_b = {o["campaign"] for o in other.manifest["operations"]}
    assert not camps_a & camps_b, "different campaigns"

    def ai_callees(r: SimResult) -> set[str]:
        mask = r.call_truth["population"].to_numpy(zero_copy_only=False) == "ai_robocall"
        return set(r.cdrs["callee"].filter(mask).to_pylist())

    ca, cb = ai_callees(article), ai_callees(other)
    assert len(ca & cb) < 0.2 * len(ca), "different purchased lists"


def test_several_days_stay_ordered_and_rotate() -> None:
    from .conftest import joined

    r = simulate("article", seed=11, days=3, subscribers=10_000)
    con = joined(r)
    per_day = con.execute(
        "select (start_time at time zone 'Asia/Shanghai')::date d, count(*) from c group by 1 order by 1"
    ).fetchall()
    assert [str(d) for d, _ in per_day] == ["2026-11-02", "2026-11-03", "2026-11-04"]
    start = r.cdrs["start_time"].to_numpy().astype("int64")
    assert (start[1:] >= start[:-1]).all()
    # a rotated display number lives for a stretch of the run, not every day
    days_per_number = con.execute(
        """select median(n) from (select caller, count(distinct (start_time at time zone 'Asia/Shanghai')::date) n
           from c where population = 'ai_robocall' group by 1)"""
    ).fetchone()[0]
    assert days_per_number <= 2
    assert r.manifest["days"] == 3

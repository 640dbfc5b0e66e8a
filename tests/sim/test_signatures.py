"""Each population shows the signature docs/simulator.md documents for it."""

from __future__ import annotations

import re

import numpy as np

from callwarden.sim import SimResult
from callwarden.sim.summary import feature_auc_table

from .conftest import joined


def _rates(result: SimResult) -> dict[str, float]:
    con = joined(result)
    rows = con.execute(
        "select population, avg(answered::int) from c where bridge_leg is distinct from 'agent' group by 1"
    ).fetchall()
    return dict(rows)


def test_ai_systems_daily_attempts_within_range(article: SimResult) -> None:
    """The press investigation: 3,000 to 20,000 attempts a day per AI system (day 0 is a Monday)."""
    con = joined(article)
    per_op = con.execute(
        "select operation_id, count(*) from c where population = 'ai_robocall' group by 1"
    ).fetchall()
    assert len(per_op) >= 2
    assert all(3000 <= n <= 20000 for _, n in per_op), per_op


def test_human_seats_near_400_a_day(article: SimResult) -> None:
    con = joined(article)
    seats = {
        o["operation_id"]: o["seats"]
        for o in article.manifest["operations"]
        if o["population"] == "human_seat"
    }
    per_op = dict(
        con.execute(
            "select operation_id, count(*) from c where population = 'human_seat' group by 1"
        ).fetchall()
    )
    for op, n in per_op.items():
        assert 300 <= n / seats[op] <= 520, (op, n, seats[op])


def test_answer_rates_ordered_as_documented(article: SimResult) -> None:
    r = _rates(article)
    assert r["subscriber"] > r["sales"] > r["human_seat"] > r["ai_robocall"]
    assert r["courier"] > r["sales"]
    assert r["fraud"] > r["ai_robocall"]
    assert 0.1 <= r["ai_robocall"] <= 0.3
    assert r["subscriber"] > 0.7


def test_robocalls_are_short_and_fraud_long_when_answered(article: SimResult) -> None:
    con = joined(article)
    med = dict(
        con.execute(
            "select population, median(duration_s) from c where answered group by 1"
        ).fetchall()
    )
    assert med["ai_robocall"] < 20 < med["subscriber"]
    long_share = con.execute(
        "select avg((duration_s > 180)::int) filter (where population = 'fraud'), "
        "avg((duration_s > 180)::int) filter (where population = 'ai_robocall') from c where answered"
    ).fetchone()
    assert long_share[0] > 0.25 > long_share[1]


def test_caller_id_rotation_present(article: SimResult, adaptive: SimResult) -> None:
    def per_number(result: SimResult) -> tuple[int, float]:
        con = joined(result)
        ops, median_calls = con.execute(
            """select count(distinct operation_id), median(n) from (
                 select operation_id, caller, count(*) n from c where population = 'ai_robocall' group by 1, 2)"""
        ).fetchone()
        return ops, median_calls

    ops, article_calls = per_number(article)
    con = joined(article)
    distinct = con.execute(
        "select min(k) from (select operation_id, count(distinct caller) k from c where population = 'ai_robocall' group by 1)"
    ).fetchone()[0]
    assert distinct >= 20, "every AI operation shows many caller IDs in a day"
    assert article_calls < 200, "a display number carries tens of calls, not thousands"
    _, adaptive_calls = per_number(adaptive)
    assert adaptive_calls < article_calls, "the adaptive scenario rotates faster"


def test_lists_shared_sequential_and_with_dead_entries(article: SimResult) -> None:
    con = joined(article)
    dead = con.execute(
        "select avg((release_cause = 1)::int) filter (where population in ('ai_robocall', 'human_seat')),"
        " avg((release_cause = 1)::int) filter (where population = 'subscriber') from c"
    ).fetchone()
    assert dead[0] > 0.03 > dead[1]
    # sequential dialling: consecutive attempts of an op often hit consecutive numbers
    seq = con.execute(
        """select avg((abs(callee_n - prev) = 1)::int) from (
             select cast(substr(callee, 4) as bigint) callee_n,
                    lag(cast(substr(callee, 4) as bigint)) over (partition by operation_id order by start_time, call_id) prev
             from c where population = 'ai_robocall')"""
    ).fetchone()[0]
    assert seq > 0.2
    shared = con.execute(
        """select count(*) from (select callee from c where population in ('ai_robocall', 'human_seat')
           group by 1 having count(distinct operation_id) > 1)"""
    ).fetchone()[0]
    assert shared > 0, "some callees are on the lists of several operations"


def test_hard_negatives_overlap_on_single_features(article: SimResult, adaptive: SimResult) -> None:
    """Volume, short talk and strangers do not separate harassment from couriers and sales
    staff on their own; callees' reactions (answer rate, call-backs) do much better."""
    con = joined(article)
    per = con.execute(
        """select l.label <> 'benign', count(*) from c join l on l.number = c.caller
           where bridge_leg is distinct from 'agent' group by c.caller, l.label having count(*) >= 20"""
    ).fetchall()
    y = np.array([u for u, _ in per])
    n = np.array([k for _, k in per], dtype=float)
    assert y.sum() > 20 and (~y).sum() > 20
    # modest-volume harassment numbers exist, and heavy benign callers exceed many of them
    assert (n[y] < 60).sum() > 0.25 * y.sum()
    assert (n[~y] > np.median(n[y])).sum() > 10
    auc = {r["feature"]: r["auc"] for r in feature_auc_table(article)}
    assert auc["calls"] < 0.85 < auc["answer_rate"]
    assert auc["called_back"] > auc["calls"]
    evasive = {r["feature"]: r["auc"] for r in feature_auc_table(adaptive)}
    assert evasive["calls"] < 0.6 and evasive["talk_p50"] < 0.8
    assert evasive["answer_rate"] < auc["answer_rate"]


def test_fraud_targets_chosen_and_answered_more(article: SimResult) -> None:
    con = joined(article)
    dead, calls_per_op = con.execute(
        "select avg((release_cause = 1)::int), count(*) / count(distinct operation_id) from c where population = 'fraud'"
    ).fetchone()
    assert dead == 0.0
    assert calls_per_op < 400


def test_couriers_signature(article: SimResult) -> None:
    con = joined(article)
    per, callback = con.execute(
        """with cour as (select distinct c.caller from c join l on l.number = c.caller where l.category = 'courier'),
           out as (select caller, count(*) n from c where caller in (select caller from cour) and population = 'courier' group by 1),
           back as (select count(distinct c.caller || c.callee) k from c where callee in (select caller from cour))
           select median(n), (select k from back) / sum(n) from out"""
    ).fetchone()
    assert 60 <= per <= 200
    assert callback > 0.1, "many courier callees call back"


_DAY = re.compile(r"\d+号")  # a reply that names the day answers "今天是几号？"


def test_transcripts_bots_keep_script_humans_answer(article: SimResult) -> None:
    bots_challenged = humans_challenged = bots_ignoring = humans_answering = 0
    for t in article.transcripts:
        turns = t["turns"]
        for i, turn in enumerate(turns):
            if turn["speaker"] != "callee" or "几号" not in turn["text"]:
                continue
            interrupted = next((x for x in reversed(turns[:i]) if x["speaker"] == "caller"), None)
            reply = next((x for x in turns[i + 1 :] if x["speaker"] == "caller"), None)
            if interrupted is None or reply is None:
                continue
            if t["caller_kind"] == "bot":
                bots_challenged += 1
                bots_ignoring += interrupted["end_s"] > turn["start_s"] and not _DAY.search(
                    reply["text"]
                )
            else:
                humans_challenged += 1
                humans_answering += bool(_DAY.search(reply["text"]))
    assert bots_challenged >= 5 and humans_challenged >= 5
    assert bots_ignoring == bots_challenged
    assert humans_answering == humans_challenged
    cats = {t["category"] for t in article.transcripts if t["label"] == "harassment"}
    assert cats & {"insurance", "real_estate", "education", "medical", "loans"}


def test_subscriber_graph_signature(article: SimResult) -> None:
    """Heavy-tailed activity and degree, reciprocity, mostly local ties."""
    con = joined(article)
    p50, p99 = con.execute(
        "select quantile_cont(n, 0.5), quantile_cont(n, 0.99) from "
        "(select caller, count(*) n from c where population = 'subscriber' group by 1)"
    ).fetchone()
    assert p99 >= 5 * p50
    reciprocated = con.execute(
        """with p as (select distinct caller, callee from c where population = 'subscriber')
           select avg((exists (select 1 from p q where q.caller = p.callee and q.callee = p.caller))::int) from p"""
    ).fetchone()[0]
    assert reciprocated > 0.25
    same_city = con.execute(
        "select avg((caller_region = callee_region)::int) from c where population = 'subscriber' "
        "and caller like '+861%' and callee like '+861%'"
    ).fetchone()[0]
    assert 0.55 < same_city < 0.95


def test_hard_negative_signatures(article: SimResult) -> None:
    con = joined(article)
    # banks: many callees had rung that hotline earlier in the day (prior contact)
    prior = con.execute(
        """select avg((exists (select 1 from c i where i.caller = o.callee and i.callee = o.caller
                                and i.start_time < o.start_time))::int)
           from c o where o.population = 'bank'"""
    ).fetchone()[0]
    assert prior > 0.15
    # schools: one burst of reminders after school, within the hour
    spread = con.execute(
        "select max(epoch(m) - epoch(f)) from (select caller, min(start_time) f, max(start_time) m "
        "from c where population = 'school' group by 1)"
    ).fetchone()[0]
    assert spread < 3600
    hour = con.execute(
        "select median(hour(start_time at time zone 'Asia/Shanghai')) from c where population = 'school'"
    ).fetchone()[0]
    assert hour == 16
    # sales staff: clients ring back more than the callees of robocalls do
    back = dict(
        con.execute(
            """with p as (select distinct caller, callee, population from c where bridge_leg is null)
               select population, avg((exists (select 1 from c q where q.caller = p.callee
                                               and q.callee = p.caller))::int)
               from p where population in ('sales', 'ai_robocall') group by 1"""
        ).fetchall()
    )
    assert back["sales"] > 1.5 * back["ai_robocall"]
    # couriers call their own city
    local = con.execute(
        "select avg((caller_region = callee_region)::int) from c where population = 'courier' and callee like '+861%'"
    ).fetchone()[0]
    assert local > 0.9


def test_clinic_reminders_follow_bookings() -> None:
    from callwarden.sim import simulate

    r = simulate("quiet", seed=3, days=2, subscribers=10_000)
    con = joined(r)
    share = con.execute(
        """with booked as (select distinct caller p, callee clinic from c
                           where (start_time at time zone 'Asia/Shanghai')::date = '2026-11-02'
                             and callee in (select caller from c where population = 'clinic')),
                reminded as (select callee p, caller clinic from c where population = 'clinic'
                             and (start_time at time zone 'Asia/Shanghai')::date = '2026-11-03')
           select avg(((p, clinic) in (select (p, clinic) from booked))::int) from reminded"""
    ).fetchone()[0]
    assert share > 0.3

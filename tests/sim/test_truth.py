"""The truth is self-consistent: labels, campaigns, spoofing, bridges, allocation."""

from __future__ import annotations

from callwarden.sim import SimResult

from .conftest import joined


def test_truth_rows_align_with_cdrs(article: SimResult) -> None:
    assert article.call_truth["call_id"].equals(article.cdrs["call_id"])


def test_every_caller_has_one_label_matching_its_calls(article: SimResult) -> None:
    con = joined(article)
    assert con.execute("select count(*) - count(distinct number) from l").fetchone()[0] == 0
    missing = con.execute(
        "select count(distinct caller) from c anti join l on c.caller = l.number"
    ).fetchone()[0]
    assert missing == 0
    extra = con.execute(
        "select count(*) from l anti join (select distinct caller from c) x on x.caller = l.number"
    ).fetchone()[0]
    assert extra == 0, "labels.csv lists calling numbers only"
    mismatched = con.execute(
        "select count(*) from c join l on c.caller = l.number where c.label <> l.label"
    ).fetchone()[0]
    assert mismatched == 0
    assert set(r[0] for r in con.execute("select distinct label from l").fetchall()) == {
        "benign",
        "harassment",
        "fraud",
    }


def test_campaigns_are_consistent(article: SimResult) -> None:
    con = joined(article)
    # benign numbers have no campaign; every harassment/fraud number has exactly one
    assert (
        con.execute(
            "select count(*) from l where label = 'benign' and campaign is not null"
        ).fetchone()[0]
        == 0
    )
    assert (
        con.execute(
            "select count(*) from l where label <> 'benign' and campaign is null"
        ).fetchone()[0]
        == 0
    )
    # one campaign, one operation, one label
    rows = con.execute(
        "select campaign, count(distinct operation_id), count(distinct label) from c where campaign is not null group by 1"
    ).fetchall()
    assert rows and all(ops == 1 and labels == 1 for _, ops, labels in rows)
    camp_numbers = con.execute(
        "select campaign, count(*) from l where campaign is not null group by 1"
    ).fetchall()
    assert all(n >= 1 for _, n in camp_numbers)
    ops = {o["campaign"] for o in article.manifest["operations"]}
    assert {c for c, _ in camp_numbers} <= ops


def test_unallocated_numbers_only_among_spoofed_caller_ids(article: SimResult) -> None:
    con = joined(article)
    unallocated_calls, not_spoofed = con.execute(
        "select count(*), count(*) filter (where not spoofed) from c anti join r on c.caller = r.number"
    ).fetchone()
    assert unallocated_calls > 100, "robocall pools include 空号"
    assert not_spoofed == 0
    # cause 1 (unallocated number) is answered to calls towards numbers outside the registry only
    assert (
        con.execute(
            "select count(*) from c semi join r on c.callee = r.number where release_cause = 1"
        ).fetchone()[0]
        == 0
    )
    dead = con.execute(
        "select count(*) from c anti join r on c.callee = r.number where release_cause <> 1"
    ).fetchone()[0]
    assert dead == 0


def test_bridged_legs_pair_and_overlap(article: SimResult) -> None:
    con = joined(article)
    pairs = con.execute(
        """select bridge_id, count(*) legs, min(start_time) first, count(*) filter (where bridge_leg='agent') agents
           from c where bridge_id is not null group by 1"""
    ).fetchall()
    assert len(pairs) > 100
    assert all(legs == 2 and agents == 1 for _, legs, _, agents in pairs)
    overlap = con.execute(
        """with b as (
             select bridge_id,
               max(epoch_us(start_time)) filter (where bridge_leg = 'agent') a0,
               max(epoch_us(start_time) + ((ring_s + duration_s) * 1e6)::bigint) filter (where bridge_leg = 'agent') a1,
               max(epoch_us(start_time)) filter (where bridge_leg = 'customer') c0,
               max(epoch_us(start_time) + ((ring_s + duration_s) * 1e6)::bigint) filter (where bridge_leg = 'customer') c1,
               bool_or(population = 'bridge') seat
             from c where bridge_id is not null group by 1)
           select count(*), count(*) filter (where greatest(a0, c0) < least(a1, c1)), count(*) filter (where seat)
           from b"""
    ).fetchone()
    total, overlapping, seat = overlap
    assert overlapping == total, "the two legs of a bridged call overlap in time"
    assert seat > 50, "双向回呼 bridges present"
    # 双向回呼: both legs enter through the platform's trunk; the agent never dials out
    one_ingress = con.execute(
        """select bool_and(n = 1) from (select bridge_id, count(distinct ingress) n from c
           where bridge_id in (select bridge_id from c where population = 'bridge') group by 1)"""
    ).fetchone()[0]
    assert one_ingress
    agents_dialing = con.execute(
        """select count(*) from c where population = 'human_seat' and bridge_id is null
           and caller in (select callee from c where population = 'bridge')"""
    ).fetchone()[0]
    assert agents_dialing == 0


def test_quiet_has_no_harassment(quiet: SimResult) -> None:
    labels = set(quiet.labels["label"].to_pylist())
    assert labels == {"benign"}
    assert set(quiet.call_truth["label"].to_pylist()) == {"benign"}
    assert not quiet.manifest["operations"]

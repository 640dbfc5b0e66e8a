"""Without an informative ingress (no column, or one value on (nearly) every call) linking,
bridging and the online index must not treat the whole network as one trunk.

Before 30 Nov staging turned a missing ingress into '' for every call: on the 20,000-subscriber
article seed 2 without its ingress, 52 benign numbers joined campaigns (0 with it) and the AXB
privacy-number platform's 792 legs were flagged as 双向回呼."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from callwarden.campaigns.build import CampaignList, build_campaigns
from callwarden.campaigns.index import CampaignIndex
from callwarden.campaigns.staging import ingress_info, stage
from callwarden.cli.main import app

from .conftest import Day, campaign, mobile, ordinary
from .test_bridging import callback_bridges

PAI = "+864001111111"


def _without_ingress(table: pa.Table) -> pa.Table:
    return table.drop_columns(["ingress"])


def _one_ingress(table: pa.Table) -> pa.Table:
    i = table.column_names.index("ingress")
    return table.set_column(i, "ingress", pa.array(["switch-x"] * table.num_rows))


def _day_with_subscriber() -> tuple[Day, list[str], str]:
    """A PAI-asserting rotation pool on its trunk, ordinary traffic on the home switch and a
    subscriber (home switch) whose four unanswered calls hit two pool numbers' list entries."""
    day = Day()
    ordinary(day)
    pool = campaign(
        day, list_start=0, list_len=400, numbers=20, calls_per_number=10, ingress="trunk-ai"
    )
    for r in day.rows:
        if r["caller"] in pool:
            r["asserted_caller"] = PAI
    subscriber = mobile(3, "1580731")
    for k, callee in enumerate((0, 1, 10, 11)):
        day.call(15 * 3600 + k * 900, subscriber, mobile(callee))
    return day, pool, subscriber


def test_ingress_info_judges_the_column() -> None:
    day, _, _ = _day_with_subscriber()
    table = day.table()
    assert ingress_info(stage(table)).informative
    none = ingress_info(stage(_without_ingress(table)))
    assert (none.present, none.informative, none.note) == (
        False,
        False,
        "the CDRs have no ingress column",
    )
    one = ingress_info(stage(_one_ingress(table)))
    assert one.present and one.values == 1 and not one.informative
    # nearly every call on one value (the busiest carries >= 90 %)
    ing = ["switch-x"] * table.num_rows
    ing[:5] = ["trunk-b"] * 5
    mostly = table.set_column(table.column_names.index("ingress"), "ingress", pa.array(ing))
    info = ingress_info(stage(mostly))
    assert info.values == 2 and not info.informative and "one ingress value" in info.note


def test_list_evidence_links_no_subscriber_without_an_ingress() -> None:
    day, pool, subscriber = _day_with_subscriber()
    table = day.table()
    real = build_campaigns(table)
    assert subscriber not in real.number_campaign
    assert {real.number_campaign.get(n) for n in pool} != {None}
    for variant in (_without_ingress(table), _one_ingress(table)):
        res = build_campaigns(variant)
        # the pool is still one campaign, by its asserted identity; the subscriber is out
        assert subscriber not in res.number_campaign
        assert len({res.number_campaign.get(n) for n in pool}) == 1
        assert None not in {res.number_campaign.get(n) for n in pool}
        assert res.ingress is not None and not res.ingress.informative
        assert all(not cl.list_match for cl in res.lists)
    assert real.ingress is not None and real.ingress.informative


def test_axb_platform_is_not_a_bridge_without_an_ingress(day: Day) -> None:
    ordinary(day)
    agent = mobile(1, "1870731")
    callback = callback_bridges(day, agent=agent, n=12)
    # An AXB privacy number: 12 drivers (each several orders) ring it from their own switch,
    # then the platform rings the customer showing it, from its gateway.
    x = "+8617007310001"
    axb = set()
    for i in range(60):
        t = 8 * 3600 + i * 300
        driver = mobile(5000 + i % 12, "1510731")
        axb.add(day.call(t, driver, x, dur=45.0, ingress="sw-home"))
        axb.add(day.call(t + 2, x, mobile(6000 + i, "1520731"), dur=44.0, ingress="axb-gw"))
    table = day.table()
    legs = {c for pair in callback for c in pair}
    for variant in (table, _without_ingress(table), _one_ingress(table)):
        res = build_campaigns(variant)
        flagged = set(res.bridged["call_id"].to_pylist())
        assert flagged == legs  # the callback platform's legs, none of the AXB platform's
        assert not flagged & axb


def test_index_takes_no_list_from_a_campaign_built_without_an_ingress() -> None:
    callees = np.array([int(mobile(i)[1:]) for i in range(200)], dtype=np.int64)
    member = "+8607318000001"
    cl = CampaignList(
        "C1", ("switch-x",), callees, (member,), (PAI,), (0.01,), (0.0,), list_match=False
    )
    index = CampaignIndex()
    index.add_campaign(cl)
    courier = "+8615207310007"
    for k in range(12):  # every call to a list entry: no flag
        assert index.observe(courier, mobile(k), "switch-x", t=float(k)) is None
    assert index.observe(member, mobile(900), "switch-x", t=0.0) is not None  # a member
    flag = index.observe("+8607318000099", mobile(901), "switch-x", asserted=PAI, t=0.0)
    assert flag is not None and flag.campaign_id == "C1"  # its asserted identity
    # a list learnt before is not used once the campaign comes back without an ingress
    index = CampaignIndex()
    index.add_campaign(CampaignList("C1", ("switch-x",), callees, (member,), (), (1.0,), (0.0,)))
    index.add_campaign(cl)
    assert all(index.observe(courier, mobile(k), "switch-x", t=float(k)) is None for k in range(9))


def test_campaigns_command_says_it_ran_without_list_evidence(tmp_path: Path) -> None:
    day, _, _ = _day_with_subscriber()
    src = tmp_path / "cdrs.parquet"
    pq.write_table(_without_ingress(day.table()), src)
    result = CliRunner().invoke(
        app, ["campaigns", "--cdrs", str(src), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert "warning: campaigns: ingress carries no information" in result.output
    assert "degraded mode: ingress carries no information (the CDRs have no ingress column)" in (
        result.output
    )
    pq.write_table(day.table(), src)
    result = CliRunner().invoke(
        app, ["campaigns", "--cdrs", str(src), "--out", str(tmp_path / "o")]
    )
    assert "ingress carries no information" not in result.output

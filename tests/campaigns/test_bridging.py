"""双向回呼 detector on hand-built days, with the AXB privacy-number platform as the negative."""

from __future__ import annotations

from callwarden.campaigns.bridging import BridgeConfig
from callwarden.campaigns.build import CampaignConfig, build_campaigns

from .conftest import Day, mobile, ordinary

PLATFORM = "+8675586000001"  # the callback platform's system number


def callback_bridges(day: Day, agent: str, n: int, t0: float = 9 * 3600) -> list[tuple[str, str]]:
    """The platform rings the agent, then the customer showing the agent's number (3 s later)."""
    legs = []
    for i in range(n):
        t = t0 + i * 240
        a = day.call(t, PLATFORM, agent, dur=90.0, ingress="trunk-callback")
        c = day.call(
            t + 3, agent, mobile(2000 + i), dur=40.0 if i % 3 else 0.0, ingress="trunk-callback"
        )
        legs.append((a, c))
    return legs


def axb_platform(day: Day, x_numbers: int = 3, orders: int = 40) -> set[str]:
    """Drivers call a privacy number X; the platform rings the customer showing X."""
    legs = set()
    for i in range(orders):
        x = f"+861700731{i % x_numbers:04d}"
        driver, customer = mobile(5000 + i, "1510731"), mobile(6000 + i, "1520731")
        t = 8 * 3600 + i * 300
        legs.add(day.call(t, driver, x, dur=45.0, ingress="axb-gw"))
        legs.add(day.call(t + 2, x, customer, dur=44.0, ingress="axb-gw"))
    return legs


def test_callback_bridging_flags_both_legs(day: Day) -> None:
    ordinary(day)
    legs = callback_bridges(day, agent=mobile(1, "1870731"), n=12)
    res = build_campaigns(day.table())
    flagged = dict(
        zip(res.bridged["call_id"].to_pylist(), res.bridged["leg"].to_pylist(), strict=True)
    )
    assert {a for a, _ in legs} | {c for _, c in legs} == set(flagged)
    assert all(flagged[a] == "agent" and flagged[c] == "customer" for a, c in legs)
    assert set(res.bridged["agent"].to_pylist()) == {mobile(1, "1870731")}
    (agent,) = [r for r in res.bridge_agents if r["bridged"]]
    assert agent["pairs"] == 12 and agent["sources"] == 1


def test_axb_privacy_platform_is_not_flagged(day: Day) -> None:
    ordinary(day)
    axb_platform(day)
    res = build_campaigns(day.table())
    assert res.bridged.num_rows == 0
    assert not any(n.startswith("+861700731") for n in res.number_campaign)


def test_registered_platform_is_exempt_even_when_it_looks_like_callback(day: Day) -> None:
    callback_bridges(day, agent=mobile(1, "1870731"), n=12)
    cfg = CampaignConfig(bridge=BridgeConfig(registered_ingresses=("trunk-callback",)))
    res = build_campaigns(day.table(), config=cfg)
    assert res.bridged.num_rows == 0
    assert [r["registered"] for r in res.bridge_agents] == [True]


def test_a_chance_chain_is_not_a_bridge(day: Day) -> None:
    ordinary(day)
    day.call(10 * 3600, mobile(1, "1380731"), mobile(2, "1380731"), dur=30.0)
    day.call(10 * 3600 + 5, mobile(2, "1380731"), mobile(3, "1380731"), dur=30.0)
    assert build_campaigns(day.table()).bridged.num_rows == 0


def test_few_legs_below_min_pairs_are_not_flagged(day: Day) -> None:
    callback_bridges(day, agent=mobile(1, "1870731"), n=2)
    assert build_campaigns(day.table()).bridged.num_rows == 0


def test_legs_stamped_to_the_same_second_pair_with_the_first_row() -> None:
    """Switches often stamp set-up times to the second: two answered legs into an agent at
    one instant tie, and the pair must take the first row's leg on every run (the ASOF join
    picked among tied legs by thread timing)."""
    import duckdb

    from callwarden.campaigns.bridging import detect_bridges
    from callwarden.campaigns.staging import stage

    day = Day()
    for k in range(60):  # 60 agents, each rung twice at the same second before each bridge
        agent = mobile(k, "1870731")
        for i in range(4):
            t = 9 * 3600 + k * 7 + i * 600
            day.call(t, PLATFORM, agent, dur=90.0, ingress="trunk-callback")
            day.call(t, "+8675586000002", agent, dur=90.0, ingress="trunk-callback")
            day.call(t + 3, agent, mobile(2000 + 10 * k + i), dur=40.0, ingress="trunk-callback")
    table = day.table()
    for threads in (1, 2, 4, 4, 4):
        con = duckdb.connect()
        con.execute(f"SET threads = {threads}")
        stage(table, con)
        detect_bridges(con)
        pairs = con.execute("SELECT leg1_rid, leg2_rid FROM cw_bridge_pairs").fetchall()
        assert len(pairs) == 240
        # the first of the two tied legs is the row before the other: rid = leg2 - 2
        assert all(l1 == l2 - 2 for l1, l2 in pairs)
